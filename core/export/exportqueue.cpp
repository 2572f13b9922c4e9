#include "exportqueue.h"

#include "crossthread.h"

#include "actinguser.h"
#include "exportsource.h"
#include "exportstore.h"
#include "filesource.h"
#include "httpsource.h"
#include "logging.h"
#include "ownerliveness.h"
#include "prepareretry.h"
#include "redisconnection.h"
#include "resumecheck.h"
#include "statuswriter.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSysInfo>
#include <QThread>
#include <QUrl>

namespace hb {

namespace {
constexpr int pollIntervalMs = 250; // a remote cancel of a waiting export settles this fast
// A waiting export's status is written this often (its heartbeat: a resumer takes
// over an owner silent for OwnerLiveness::silenceLimitMs), which also keeps its
// expiry fresh (CONTRACT §4).
constexpr int heartbeatMs = 1000;
static_assert(heartbeatMs < OwnerLiveness::heartbeatMs);

// A new export's first status, before anything is known of its source.
ExportStatus queuedStatus(const QString &id, const QString &source, const ExporterConfig &cfg)
{
    ExportStatus s;
    s.id = id;
    s.state = ExportState::Queued;
    s.owner = cfg.user;
    s.source = sourceDisplayName(source);
    s.createdAt = s.updatedAt = QDateTime::currentDateTimeUtc();
    s.ttl = cfg.ttlSeconds;
    s.host = QSysInfo::machineHostName();
    s.pid = QCoreApplication::applicationPid();
    s.segmentBytes = cfg.effectiveSegmentBytes();
    // The owner's identity, so that a resumer can tell whether it is gone (issue 22).
    s.ownerToken = newOwnerToken();
    s.bootId = ProcessFacts::self().bootId;
    s.pidStart = ProcessFacts::self().pidStart;
    return s;
}

// The source looked at before anything is written: its size (-1: unknown) and
// fingerprint, or why it cannot be exported. A URL is opened once here so that a
// refused one (404, refused connection) is found now; the job opens it again when
// its turn comes.
Failure probeSource(const QString &source, qint64 *size, SourceFingerprint *fingerprint)
{
    if (isUrlSource(source)) {
        HttpSource probe{QUrl(source)};
        if (!probe.open()) return {ErrorCode::Source, probe.errorString()};
        *size = probe.size();
        *fingerprint = probe.fingerprint();
        return {};
    }
    QString error;
    if (!FileSource::preflight(source, size, &error)) return {ErrorCode::Source, error};
    *fingerprint = SourceFingerprint::ofPath(source); // none for "-" and pipes
    return {};
}

} // namespace

struct ExportQueue::Request
{
    enum class Kind { Prepare, Resume, Cancel, Release } kind;
    QString id;
    QString source;
    QString user;
    ExporterConfig config;
    std::shared_ptr<const PermissionsService> permissions;
};

struct ExportQueue::Waiting
{
    PreparedExport prepared;
    ExporterConfig config;
    QElapsedTimer sinceWrite;
};

ExportQueue::ExportQueue(QObject *receiver, Handlers handlers)
    : m_receiver(receiver), m_handlers(std::move(handlers))
{
    m_thread = std::thread([this] { loop(); });
}

ExportQueue::~ExportQueue()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void ExportQueue::push(Request request)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_requests.push_back(std::move(request));
    m_wake.notify_all();
}

void ExportQueue::prepare(const QString &id, const QString &source, const ExporterConfig &config,
                          std::shared_ptr<const PermissionsService> permissions)
{
    push({Request::Kind::Prepare, id, source, config.user, config, std::move(permissions)});
}

void ExportQueue::resume(const QString &id, const QString &source, const ExporterConfig &config,
                         std::shared_ptr<const PermissionsService> permissions)
{
    push({Request::Kind::Resume, id, source, config.user, config, std::move(permissions)});
}

void ExportQueue::cancel(const QString &id, const QString &user)
{
    push({Request::Kind::Cancel, id, {}, user, {}, {}});
}

void ExportQueue::release(const QString &id)
{
    push({Request::Kind::Release, id, {}, {}, {}, {}});
}

void ExportQueue::post(std::function<void()> call)
{
    if (m_receiver) postToThreadOf(m_receiver, std::move(call));
}

RedisConnection &ExportQueue::connectionFor(const RedisEndpoint &endpoint)
{
    for (auto &[ep, conn] : m_connections)
        if (ep == endpoint) return *conn;
    m_connections.emplace_back(endpoint, std::make_unique<RedisConnection>(endpoint));
    return *m_connections.back().second;
}

void ExportQueue::loop()
{
    QElapsedTimer sincePoll;
    sincePoll.start();
    for (;;) {
        std::deque<Request> requests;
        bool stopping = false;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            const int waitMs = std::max<int>(1, pollIntervalMs - int(sincePoll.elapsed()));
            m_wake.wait_for(lock, std::chrono::milliseconds(waitMs),
                            [this] { return !m_requests.empty() || m_stopping; });
            requests.swap(m_requests);
            stopping = m_stopping;
        }
        for (const Request &r : requests)
            handle(r);
        if (stopping) {
            // The stop sequence of exports that never started: CANCELLED.
            const auto waiting = m_waiting;
            for (const auto &w : waiting)
                cancelWaiting(
                    *w, w->config.user,
                    cancelledByMessage(w->config.user,
                                       QStringLiteral("while queued (the exporter stopped)")));
            return;
        }
        if (sincePoll.elapsed() >= pollIntervalMs) {
            poll();
            sincePoll.restart();
        }
    }
}

void ExportQueue::handle(const Request &r)
{
    switch (r.kind) {
    case Request::Kind::Prepare:
        doPrepare(r);
        break;
    case Request::Kind::Resume:
        doResume(r);
        break;
    case Request::Kind::Cancel:
        if (const auto w = m_waiting.value(r.id)) // our own: cancelled by its acting user
            cancelWaiting(*w, w->config.user,
                          cancelledByMessage(w->config.user, QStringLiteral("while queued")));
        else
            m_cancelledEarly.insert(r.id, r.user); // its prepare is still to come
        break;
    case Request::Kind::Release:
        if (const auto w = m_waiting.take(r.id)) {
            const PreparedExport p = w->prepared;
            post([h = m_handlers.released, p] { h(p); });
        }
        break;
    }
}

void ExportQueue::doPrepare(const Request &r)
{
    const ExporterConfig &cfg = r.config;
    ExportStatus s = queuedStatus(r.id, r.source, cfg);
    auto refuse = [&](ErrorCode code, const QString &message) {
        ExportStatus f = s;
        f.state = code == ErrorCode::Cancelled ? ExportState::Cancelled : ExportState::Failed;
        f.error = code == ErrorCode::Cancelled ? QString() : message;
        f.cancelledBy = code == ErrorCode::Cancelled ? m_cancelledEarly.value(r.id) : QString();
        qCInfo(lcExport).noquote()
            << "export of" << sourceForMessages(r.source) << "refused:" << message;
        post([h = m_handlers.ended, id = r.id, f, code, message] { h(id, f, code, message); });
    };

    // Everything before the status key is written writes nothing to Redis.
    if (m_cancelledEarly.contains(r.id)) {
        const QString user = m_cancelledEarly.take(r.id);
        return refuse(ErrorCode::Cancelled,
                      cancelledByMessage(user, QStringLiteral("while queued")));
    }
    // Who acts: with an ACL login, the user the server vouches for (a connection,
    // one WHOAMI); otherwise the requested user, unverified.
    RedisConnection &conn = connectionFor(cfg.endpoint);
    // A kept connection may have outlived its server (a restart): a failed PING
    // discards it, and ensureConnected() connects afresh.
    if (conn.isConnected() && conn.command({"PING"}).isError()) conn.disconnect();
    // Nothing is written before the status key exists, so a connection dropped until
    // then is retried like one dropped later (issue 22 item 5): each step again.
    PrepareRetry retry(conn, QStringLiteral("export %1").arg(r.id), cfg.maxReconnects);
    ActingUser acting;
    if (const Failure identity = retry.run([&] {
            Failure f;
            acting = ActingUser::resolve(conn, cfg.user, cfg.userNamed, &f);
            return f;
        }))
        return refuse(identity.code, identity.message);
    s.owner = acting.name;
    s.ownerVerified = acting.verified;
    if (!r.permissions || !r.permissions->mayExport(acting.name))
        return refuse(ErrorCode::PermissionDenied,
                      permissionDeniedMessage(acting.name, Permission::Export));
    qint64 size = -1;
    if (const Failure f = probeSource(r.source, &size, &s.fingerprint))
        return refuse(f.code, f.message);
    s.bytesTotal = size;
    if (const Failure refused = retry.run([&] {
            if (!conn.ensureConnected()) return Failure::fromRedis(conn.lastError());
            if (const Failure f =
                    checkServerAccepts(conn, sourceForMessages(r.source), size, s.segmentBytes))
                return f;
            // Every status write publishes to the events channel, from inside a script
            // that cannot be undone half-way: a user without the channel is refused here.
            return checkMayPublish(conn, cfg.keys.eventsChannel());
        }))
        return refuse(refused.code, refused.message);

    s.state = ExportState::Created;
    StatusWriter writer(conn, cfg.keys, cfg.ttlSeconds);
    StatusWriter::Result created;
    if (const Failure lost = retry.run([&] {
            created = writer.create(s);
            return created.outcome == StatusWriter::Result::Outcome::Error
                       ? Failure::fromRedis(created.error)
                       : Failure{};
        });
        lost && lost.code == ErrorCode::Redis && retry.reconnected())
        return refuse(lost.code, lost.message); // the drops outlasted the reconnects
    // A create that landed just before the connection dropped: on the retry the key
    // holds exactly our JSON, which is ours, not another export's id.
    if (created.outcome == StatusWriter::Result::Outcome::Conflict && retry.reconnected() &&
        created.currentJson == s.toJson()) {
        writer.adopt(created.currentJson);
        created.outcome = StatusWriter::Result::Outcome::Applied;
    }
    if (!created.applied()) {
        if (created.outcome == StatusWriter::Result::Outcome::Conflict)
            return refuse(ErrorCode::Redis,
                          QStringLiteral("export id %1 already exists in Redis").arg(r.id));
        const Failure f = Failure::fromRedis(created.error);
        return refuse(f.code,
                      f.code == ErrorCode::PermissionDenied
                          ? QStringLiteral("permission denied: %1").arg(created.error.message)
                          : created.error.message);
    }
    ExporterConfig acted = cfg;
    acted.user = acting.name;
    qCInfo(lcExport).noquote() << "export" << r.id << "CREATED for" << s.source << s.bytesTotal
                               << "bytes";
    wait({r.id, r.source, s, writer.expected()}, acted);
}

void ExportQueue::wait(const PreparedExport &prepared, const ExporterConfig &config)
{
    auto w = std::make_shared<Waiting>();
    w->prepared = prepared;
    w->config = config;
    w->sinceWrite.start();
    m_waiting.insert(prepared.id, w);
    post([h = m_handlers.prepared, p = w->prepared] { h(p); });
}

void ExportQueue::doResume(const Request &r)
{
    const ExporterConfig &cfg = r.config;
    auto end = [&](const ExportStatus &s, ErrorCode code, const QString &message) {
        if (code != ErrorCode::None)
            qCInfo(lcExport).noquote() << "resume of" << r.id << "refused:" << message;
        post([h = m_handlers.ended, id = r.id, s, code, message] { h(id, s, code, message); });
    };
    if (m_cancelledEarly.contains(r.id)) {
        const QString user = m_cancelledEarly.take(r.id);
        return end({}, ErrorCode::Cancelled,
                   cancelledByMessage(user, QStringLiteral("before its resume began")));
    }
    RedisConnection &conn = connectionFor(cfg.endpoint);
    if (conn.isConnected() && conn.command({"PING"}).isError()) conn.disconnect();
    if (!conn.ensureConnected()) {
        const Failure f = Failure::fromRedis(conn.lastError());
        return end({}, f.code, conn.lastError().message);
    }
    Failure identity;
    const ActingUser acting = ActingUser::resolve(conn, cfg.user, cfg.userNamed, &identity);
    if (identity) return end({}, identity.code, identity.message);
    const DefaultPermissions everyone;
    const PermissionsService &perms =
        r.permissions ? *r.permissions : static_cast<const PermissionsService &>(everyone);
    const ResumeCheck::Outcome o = ResumeCheck::run(conn, cfg, r.id, r.source, acting.name, perms);
    if (o.kind != ResumeCheck::Outcome::Kind::Won) return end(o.status, o.code, o.message);
    ExporterConfig acted = cfg;
    acted.user = acting.name;
    if (o.status.ttl > 0) acted.ttlSeconds = o.status.ttl; // its own expiry, as started
    qCInfo(lcExport).noquote() << "export" << r.id << "taken over (" << o.message << ") for"
                               << o.status.source;
    PreparedExport p{r.id, r.source, o.status, o.storedJson};
    p.resumed = true;
    wait(p, acted);
}

void ExportQueue::cancelWaiting(Waiting &w, const QString &user, const QString &message)
{
    const QString id = w.prepared.id;
    RedisConnection &conn = connectionFor(w.config.endpoint);
    StatusWriter writer(conn, w.config.keys, w.config.ttlSeconds);
    writer.adopt(w.prepared.storedJson);
    ExportStatus next = w.prepared.status;
    next.state = ExportState::Cancelled;
    next.cancelledBy = user;
    next.bytesWritten = 0;
    next.segments = 0;
    next.settled = true;
    QString why = message;
    for (int attempt = 0; attempt < 3; ++attempt) {
        next.updatedAt = QDateTime::currentDateTimeUtc();
        const StatusWriter::Result r = writer.write(next);
        if (r.applied() || r.outcome == StatusWriter::Result::Outcome::Error) break;
        if (!r.current) { // gone or overwritten: nothing of ours left to cancel
            why = QStringLiteral("%1 (%2)").arg(message, r.problem);
            break;
        }
        writer.adopt(r.currentJson);
        if (r.current->state == ExportState::Cancelled) {
            // Cancelled elsewhere first: settle that one, keeping who and when.
            const ExportStatus cur = *r.current;
            next = cur;
            next.bytesWritten = 0;
            next.segments = 0;
            next.settled = true;
            why = cancelledByMessage(cur.cancelledBy, QStringLiteral("while queued"));
            if (cur.settled) break;
            continue;
        }
        if (isTerminal(r.current->state)) {
            next = *r.current;
            break;
        }
    }
    m_waiting.remove(id);
    post([h = m_handlers.ended, id, next, why] { h(id, next, ErrorCode::Cancelled, why); });
}

void ExportQueue::poll()
{
    if (m_waiting.isEmpty()) return;
    // One pipelined GET per waiting export, per server.
    QHash<int, QList<std::shared_ptr<Waiting>>> byConnection;
    for (const auto &w : std::as_const(m_waiting)) {
        RedisConnection &conn = connectionFor(w->config.endpoint);
        for (int i = 0; i < int(m_connections.size()); ++i)
            if (m_connections[size_t(i)].second.get() == &conn) byConnection[i].append(w);
    }
    for (auto it = byConnection.cbegin(); it != byConnection.cend(); ++it) {
        RedisConnection &conn = *m_connections[size_t(it.key())].second;
        const QList<std::shared_ptr<Waiting>> &group = it.value();
        int sent = 0;
        for (const auto &w : group) {
            if (!conn.append({"GET", w->config.keys.statusKey(w->prepared.id)})) break;
            ++sent;
        }
        QList<RedisReply> replies;
        for (int i = 0; i < sent; ++i)
            replies.append(conn.readReply());
        if (sent < group.size() || (!replies.isEmpty() && replies.last().isError()))
            continue; // Redis is away: try again at the next poll
        for (int i = 0; i < sent; ++i) {
            Waiting &w = *group[i];
            const RedisReply &r = replies[i];
            const QByteArray json = r.isNil() ? QByteArray() : r.string;
            if (json == w.prepared.storedJson) {
                // Still ours: the heartbeat, which refreshes its expiry too (§4).
                if (w.sinceWrite.elapsed() >= heartbeatMs) {
                    StatusWriter writer(conn, w.config.keys, w.config.ttlSeconds);
                    writer.adopt(json);
                    ExportStatus again = w.prepared.status;
                    again.updatedAt = QDateTime::currentDateTimeUtc();
                    if (writer.write(again).applied()) {
                        w.prepared.status = again;
                        w.prepared.storedJson = writer.expected();
                        w.sinceWrite.restart();
                    }
                }
                continue;
            }
            const QString id = w.prepared.id;
            QString problem;
            const auto cur = json.isEmpty() ? std::nullopt : ExportStatus::fromJson(json, &problem);
            if (!cur || cur->id != id) {
                ExportStatus lost = w.prepared.status;
                lost.state = ExportState::Failed;
                lost.error =
                    json.isEmpty()
                        ? QStringLiteral("its status key vanished while it was queued")
                        : QStringLiteral("its status key was overwritten while it was queued");
                m_waiting.remove(id);
                post([h = m_handlers.ended, id, lost] {
                    h(id, lost, ErrorCode::Failed, lost.error);
                });
                continue;
            }
            w.prepared.storedJson = json;
            w.prepared.status = *cur;
            if (cur->state == ExportState::Cancelled) {
                cancelWaiting(w, cur->cancelledBy,
                              cancelledByMessage(cur->cancelledBy, QStringLiteral("while queued")));
            } else if (isTerminal(cur->state) || cur->state == ExportState::Unknown) {
                m_waiting.remove(id);
                const ExportStatus final = *cur;
                post([h = m_handlers.ended, id, final] {
                    h(id, final,
                      final.state == ExportState::Completed ? ErrorCode::None : ErrorCode::Failed,
                      QStringLiteral("another process set the status to %1")
                          .arg(final.stateText()));
                });
            }
        }
    }
}

} // namespace hb

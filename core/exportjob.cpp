#include "exportjob.h"

#include "exportsource.h"
#include "exportstore.h"
#include "logging.h"
#include "redisconnection.h"
#include "sha256.h"
#include "statusscripts.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSysInfo>

#include <deque>

namespace hb {

using StatusScripts::DataCheck;
using Outcome = StatusScripts::UpdateResult::Outcome;

// The body of one export, on the job's thread. Kept out of the header: callers
// need the job's states and signals, not its loop.
class ExportRun final
{
public:
    explicit ExportRun(ExportJob &job)
        : m_job(job), m_cfg(job.m_config), m_keys(job.m_config.keys),
          m_conn(job.m_config.endpoint, job.m_config.timeouts)
    {
    }

    void run();

private:
    struct InFlight
    {
        enum class Kind { Chunk, TtlCheck, Status } kind;
        qint64 offset = 0;
        QByteArray bytes;   // Chunk: kept until acknowledged, to resend after a reconnect
        QByteArray json;    // Status: what it will read once applied
        ExportState state = ExportState::Pending;
    };
    struct Stop
    {
        enum class Kind { None, LocalCancel, RemoteCancel, Fail, ForeignTerminal } kind = Kind::None;
        ErrorCode code = ErrorCode::None;
        QString message;
        bool redisDown = false; // nothing more can be written
    };

    // Ends without having written anything to Redis.
    void finishLocal(ErrorCode code, const QString &message);
    void finish(const ExportStatus &status, ErrorCode code, const QString &message);

    bool createKeys();
    void stream();
    void sendChunk(qint64 offset, QByteArray bytes);
    bool appendChunk(const InFlight &chunk);
    void sendStatus(ExportState state);
    bool readOne();
    void handleReply(InFlight &entry, const RedisReply &reply);
    void handleConflict(const QByteArray &current);
    bool reconnectAndResend(const RedisError &cause);
    void drain();
    void writeTerminal(ExportState target, ErrorCode code, QString message);
    void fail(ErrorCode code, const QString &message, bool redisDown = false);
    bool cancelRequested() const { return m_job.m_cancel.load(std::memory_order_relaxed); }
    bool sleepUnlessCancelled(int ms);
    void emitProgress();

    ExportJob &m_job;
    const ExporterConfig &m_cfg;
    const KeyLayout &m_keys;
    RedisConnection m_conn;
    std::unique_ptr<ExportSource> m_source;
    ExportStatus m_status;       // what we last wrote (or will write) for this export
    QByteArray m_expected;       // the JSON stored in Redis as far as we know
    std::deque<InFlight> m_inflight;
    int m_chunksInFlight = 0;
    bool m_statusInFlight = false;
    qint64 m_acked = 0;          // bytes whose SETRANGE Redis acknowledged, contiguous
    qint64 m_sent = 0;           // bytes read from the source and sent
    int m_reconnects = 0;        // since the acknowledged offset last advanced
    bool m_presized = false;
    Stop m_stop;
    ExportStatus m_foreign;      // the status another process set (remote cancel)
    BackgroundSha256 m_sha;
    QElapsedTimer m_clock;
};

void ExportRun::finish(const ExportStatus &status, ErrorCode code, const QString &message)
{
    if (code == ErrorCode::None || code == ErrorCode::Cancelled)
        qCInfo(lcExport).noquote() << "export" << status.id << status.stateText() << status.bytesWritten << "bytes" << message;
    else
        qCWarning(lcExport).noquote() << "export" << status.id << status.stateText() << "-" << message;
    Q_EMIT m_job.progress(status.id, status.bytesWritten, status.bytesTotal);
    Q_EMIT m_job.exportFinished(status.id, status, code, message);
}

void ExportRun::finishLocal(ErrorCode code, const QString &message)
{
    ExportStatus s = m_status;
    s.state = code == ErrorCode::Cancelled ? ExportState::Cancelled : ExportState::Failed;
    s.error = code == ErrorCode::Cancelled ? QString() : message;
    s.updatedAt = QDateTime::currentDateTimeUtc();
    finish(s, code, message);
}

void ExportRun::run()
{
    m_clock.start();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m_status.id = m_job.m_id;
    m_status.state = ExportState::Queued;
    m_status.owner = m_cfg.user;
    m_status.source = sourceDisplayName(m_job.m_source);
    m_status.createdAt = now;
    m_status.updatedAt = now;
    m_status.ttl = m_cfg.ttlSeconds;
    m_status.host = QSysInfo::machineHostName();
    m_status.pid = QCoreApplication::applicationPid();

    // Everything up to createKeys() writes nothing to Redis.
    if (!m_job.m_permissions->mayExport(m_cfg.user))
        return finishLocal(ErrorCode::PermissionDenied,
                           QStringLiteral("permission denied: user %1 lacks \"export\"").arg(m_cfg.user));
    if (cancelRequested())
        return finishLocal(ErrorCode::Cancelled, QStringLiteral("cancelled before it started"));
    m_source = createSource(m_job.m_source);
    if (!m_source->open())
        return finishLocal(ErrorCode::Source, m_source->errorString());
    m_status.source = m_source->displayName();
    m_status.bytesTotal = m_source->size();
    if (!m_conn.ensureConnected())
        return finishLocal(Failure::fromRedis(m_conn.lastError()).code, m_conn.lastError().message);
    if (const Failure refused = checkServerAccepts(m_conn, sourceForMessages(m_job.m_source), m_status.bytesTotal))
        return finishLocal(refused.code, refused.message);
    if (!createKeys())
        return;
    stream();
}

bool ExportRun::createKeys()
{
    m_status.state = ExportState::Created;
    m_status.updatedAt = QDateTime::currentDateTimeUtc();
    const RedisReply r = m_conn.command(StatusScripts::createCommand(m_keys, m_status, m_cfg.ttlSeconds));
    if (r.isError()) {
        const Failure f = Failure::fromRedis(r.error);
        finishLocal(f.code, f.code == ErrorCode::PermissionDenied
                                ? QStringLiteral("permission denied: %1").arg(r.error.message)
                                : r.error.message);
        return false;
    }
    if (r.integer != 1) {
        finishLocal(ErrorCode::Redis, QStringLiteral("export id %1 already exists in Redis").arg(m_status.id));
        return false;
    }
    m_expected = m_status.toJson();
    qCInfo(lcExport).noquote() << "export" << m_status.id << "CREATED for" << m_status.source
                               << m_status.bytesTotal << "bytes";
    Q_EMIT m_job.created(m_status.id, m_status);
    Q_EMIT m_job.statusChanged(m_status.id, m_status);

    // Size the string once: Redis would otherwise regrow it in 1 MiB steps.
    if (m_cfg.presize && m_status.bytesTotal > 0) {
        const RedisReply sized = m_conn.command({"SETRANGE", m_keys.dataKey(m_status.id),
                                                 QByteArray::number(m_status.bytesTotal - 1),
                                                 QByteArray(1, '\0')});
        if (sized.isError()) {
            fail(Failure::fromRedis(sized.error).code == ErrorCode::PermissionDenied
                     ? ErrorCode::PermissionDenied
                     : ErrorCode::Failed,
                 sized.error.message, sized.error.isTransport());
            writeTerminal(ExportState::Failed, m_stop.code, m_stop.message);
            return false;
        }
        m_presized = true;
    }
    return true;
}

bool ExportRun::appendChunk(const InFlight &chunk)
{
    // SETRANGE, then PTTL of the data key: a key that vanished is recreated by the
    // SETRANGE without an expiry, so PTTL -1 (or -2) says so at once.
    const bool sent = m_conn.append({"SETRANGE", m_keys.dataKey(m_status.id), QByteArray::number(chunk.offset), chunk.bytes});
    m_inflight.push_back(chunk);
    ++m_chunksInFlight;
    if (!sent || !m_conn.append({"PTTL", m_keys.dataKey(m_status.id)}))
        return false;
    m_inflight.push_back(InFlight{InFlight::Kind::TtlCheck, chunk.offset, {}, {}, ExportState::Pending});
    return true;
}

void ExportRun::sendChunk(qint64 offset, QByteArray bytes)
{
    if (!appendChunk(InFlight{InFlight::Kind::Chunk, offset, std::move(bytes), {}, ExportState::Pending}))
        reconnectAndResend(m_conn.lastError());
}

void ExportRun::sendStatus(ExportState state)
{
    ExportStatus next = m_status;
    next.state = state;
    next.bytesWritten = m_acked;
    next.updatedAt = QDateTime::currentDateTimeUtc();
    InFlight e{InFlight::Kind::Status, 0, {}, next.toJson(), state};
    const bool ok = m_conn.append(StatusScripts::updateCommand(m_keys, m_expected, next, DataCheck::Alive,
                                                               0, m_cfg.ttlSeconds));
    m_inflight.push_back(std::move(e));
    m_statusInFlight = true;
    if (!ok)
        reconnectAndResend(m_conn.lastError());
}

void ExportRun::fail(ErrorCode code, const QString &message, bool redisDown)
{
    if (m_stop.kind == Stop::Kind::Fail)
        return; // the first reason is the one that counts
    m_stop.kind = Stop::Kind::Fail;
    m_stop.code = code;
    m_stop.message = message;
    m_stop.redisDown = redisDown;
}

void ExportRun::handleConflict(const QByteArray &current)
{
    if (current.isEmpty()) {
        fail(ErrorCode::Failed, QStringLiteral("status key vanished (expired or deleted)"));
        m_expected.clear();
        return;
    }
    QString problem;
    const auto parsed = ExportStatus::fromJson(current, &problem);
    if (!parsed || parsed->id != m_status.id) {
        fail(ErrorCode::Failed, QStringLiteral("status key was overwritten by something else (%1)")
                                    .arg(parsed ? QStringLiteral("another id") : problem));
        m_expected = current;
        return;
    }
    m_expected = current;
    if (parsed->state == ExportState::Cancelled) {
        if (m_stop.kind == Stop::Kind::None || m_stop.kind == Stop::Kind::LocalCancel) {
            m_stop.kind = Stop::Kind::RemoteCancel;
            m_stop.code = ErrorCode::Cancelled;
            m_stop.message = QStringLiteral("cancelled by %1").arg(parsed->cancelledBy);
        }
        m_foreign = *parsed;
    } else if (isTerminal(parsed->state) || parsed->state == ExportState::Unknown) {
        m_stop.kind = Stop::Kind::ForeignTerminal;
        m_stop.code = parsed->state == ExportState::Completed ? ErrorCode::None : ErrorCode::Failed;
        m_stop.message = QStringLiteral("another process set the status to %1").arg(parsed->stateText());
        m_foreign = *parsed;
    }
    // A non-terminal status changed by someone else: adopt it and go on.
}

void ExportRun::handleReply(InFlight &entry, const RedisReply &reply)
{
    if (entry.kind == InFlight::Kind::Chunk) {
        --m_chunksInFlight;
        if (reply.isError()) {
            const Failure f = Failure::fromRedis(reply.error);
            fail(f.code == ErrorCode::PermissionDenied ? ErrorCode::PermissionDenied : ErrorCode::Failed,
                 reply.error.message);
            return;
        }
        const qint64 end = entry.offset + entry.bytes.size();
        // A presized string always reports its full length; anything shorter means
        // the key vanished and this write recreated it.
        const qint64 expectedLength = m_presized ? m_status.bytesTotal : end;
        if (reply.integer < expectedLength || (m_presized && reply.integer != expectedLength)) {
            fail(ErrorCode::Failed, QStringLiteral("data key vanished"));
            return;
        }
        if (entry.offset == m_acked) {
            m_acked = end;
            m_reconnects = 0;
        }
        return;
    }
    if (entry.kind == InFlight::Kind::TtlCheck) {
        if (!reply.isError() && reply.integer < 0)
            fail(ErrorCode::Failed, QStringLiteral("data key vanished"));
        return;
    }
    m_statusInFlight = false;
    const auto res = StatusScripts::parseUpdateReply(reply);
    switch (res.outcome) {
    case Outcome::Applied: {
        const bool transition = m_status.state != entry.state;
        m_expected = entry.json;
        m_status.state = entry.state;
        if (transition) {
            if (auto s = ExportStatus::fromJson(entry.json))
                Q_EMIT m_job.statusChanged(m_status.id, *s);
        }
        break;
    }
    case Outcome::Conflict:
        handleConflict(res.current);
        break;
    case Outcome::DataVanished:
        fail(ErrorCode::Failed, res.reason);
        break;
    case Outcome::Error:
        fail(Failure::fromRedis(res.error).code == ErrorCode::PermissionDenied ? ErrorCode::PermissionDenied
                                                                               : ErrorCode::Failed,
             res.error.message);
        break;
    }
}

bool ExportRun::readOne()
{
    const RedisReply reply = m_conn.readReply();
    if (reply.isError() && reply.error.isTransport())
        return reconnectAndResend(reply.error);
    InFlight entry = std::move(m_inflight.front());
    m_inflight.pop_front();
    handleReply(entry, reply);
    return true;
}

bool ExportRun::sleepUnlessCancelled(int ms)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
        if (cancelRequested())
            return false;
        QThread::msleep(std::min<qint64>(10, ms - t.elapsed() + 1));
    }
    return true;
}

bool ExportRun::reconnectAndResend(const RedisError &cause)
{
    m_conn.disconnect();
    m_statusInFlight = false;
    const QByteArray unappliedStatus = [&] {
        for (const InFlight &e : m_inflight)
            if (e.kind == InFlight::Kind::Status)
                return e.json;
        return QByteArray();
    }();
    // Status updates in flight are re-derived; chunks are resent at their offsets.
    std::deque<InFlight> chunks;
    for (InFlight &e : m_inflight)
        if (e.kind == InFlight::Kind::Chunk)
            chunks.push_back(std::move(e));
    m_inflight.clear();
    m_chunksInFlight = 0;

    if (cause.kind == RedisError::Kind::Timeout) {
        fail(ErrorCode::Failed, cause.message, true);
        return false;
    }
    RedisError last = cause;
    while (m_reconnects < m_cfg.maxReconnects) {
        ++m_reconnects;
        const int base = std::min(2000, 100 << std::min(m_reconnects - 1, 5));
        const int delay = base / 2 + int(QRandomGenerator::global()->bounded(base));
        qCWarning(lcExport).noquote() << "export" << m_status.id << "lost its connection (" << last.message
                                      << "); reconnect" << m_reconnects << "of" << m_cfg.maxReconnects
                                      << "in" << delay << "ms";
        if (!sleepUnlessCancelled(delay) && m_stop.kind == Stop::Kind::None) {
            m_stop.kind = Stop::Kind::LocalCancel;
            m_stop.code = ErrorCode::Cancelled;
        }
        if (!m_conn.ensureConnected()) {
            last = m_conn.lastError();
            continue;
        }
        const RedisReply cur = m_conn.command({"GET", m_keys.statusKey(m_status.id)});
        if (cur.isError()) {
            // e.g. "max number of clients reached": this attempt failed, try again.
            last = cur.error;
            m_conn.disconnect();
            continue;
        }
        const QByteArray stored = cur.isNil() ? QByteArray() : cur.string;
        if (stored == m_expected || (!unappliedStatus.isEmpty() && stored == unappliedStatus))
            m_expected = stored;
        else
            handleConflict(stored);
        if (auto s = ExportStatus::fromJson(m_expected); s && !isTerminal(s->state))
            m_status.state = s->state;
        if (m_stop.kind != Stop::Kind::None && m_stop.kind != Stop::Kind::LocalCancel)
            return false;
        // Resend what was never acknowledged; SETRANGE at an offset is idempotent.
        bool resent = true;
        for (const InFlight &e : chunks) {
            if (!appendChunk(e)) {
                resent = false;
                break;
            }
        }
        if (!resent) {
            last = m_conn.lastError();
            m_inflight.clear();
            m_chunksInFlight = 0;
            continue;
        }
        qCInfo(lcExport).noquote() << "export" << m_status.id << "reconnected; resuming at offset" << m_acked;
        return true;
    }
    fail(ErrorCode::Failed,
         QStringLiteral("%1 (gave up after %2 reconnects)").arg(last.message).arg(m_cfg.maxReconnects), true);
    return false;
}

void ExportRun::emitProgress()
{
    Q_EMIT m_job.progress(m_status.id, m_acked, m_status.bytesTotal);
}

void ExportRun::stream()
{
    const qint64 total = m_status.bytesTotal;
    qint64 nextStatusAt = 0;
    qint64 nextSignalAt = 0;
    bool pendingSent = false;
    const qint64 limit = m_cfg.bandwidthLimit;
    const qint64 chunk = std::clamp(m_cfg.chunkSize, ExporterConfig::minChunkSize, ExporterConfig::maxChunkSize);
    // A throttled export reads in pieces of about 1/8 s, so progress stays smooth.
    const qint64 readSize = limit > 0 ? std::clamp<qint64>(limit / 8, 1024, chunk) : chunk;
    const int window = std::max(1, m_cfg.window);
    QElapsedTimer throttleClock;
    throttleClock.start();

    while (true) {
        if (cancelRequested() && m_stop.kind == Stop::Kind::None) {
            m_stop.kind = Stop::Kind::LocalCancel;
            m_stop.code = ErrorCode::Cancelled;
            m_stop.message = QStringLiteral("cancelled by %1").arg(m_cfg.user);
        }
        if (m_stop.kind != Stop::Kind::None)
            break;
        const qint64 now = m_clock.elapsed();
        if (pendingSent && !m_statusInFlight && now >= nextStatusAt) {
            sendStatus(ExportState::Pending); // progress, heartbeat and TTL refresh in one
            nextStatusAt = now + m_cfg.progressIntervalMs;
            continue;
        }
        if (now >= nextSignalAt) {
            emitProgress();
            nextSignalAt = now + m_cfg.signalIntervalMs;
        }
        const bool sourceDone = m_source->atEnd();
        if (!sourceDone && m_chunksInFlight < window) {
            if (limit > 0) {
                const qint64 allowed = qint64(double(limit) * double(throttleClock.elapsed()) / 1000.0) + readSize;
                if (m_sent + readSize > allowed) {
                    if (m_conn.pending() > 0) {
                        readOne();
                    } else {
                        const qint64 waitMs = (m_sent + readSize - allowed) * 1000 / limit + 1;
                        QThread::msleep(std::clamp<qint64>(waitMs, 1, 20));
                    }
                    continue;
                }
            }
            if (!pendingSent) {
                sendStatus(ExportState::Pending);
                pendingSent = true;
                nextStatusAt = now + m_cfg.progressIntervalMs;
            }
            QByteArray buffer(readSize, Qt::Uninitialized);
            const qint64 n = m_source->read(buffer.data(), readSize, 50);
            if (n < 0) {
                fail(ErrorCode::Failed, m_source->errorString());
                break;
            }
            if (n == 0)
                continue;
            buffer.truncate(n);
            const qint64 offset = m_sent;
            m_sent += n;
            // Hashed on another thread after sending (a shared copy, no bytes
            // copied): Redis stores this chunk while it is hashed.
            const QByteArray sent = buffer;
            sendChunk(offset, std::move(buffer));
            m_sha.add(sent);
            continue;
        }
        if (m_conn.pending() > 0) {
            readOne();
            continue;
        }
        if (sourceDone)
            break;
    }

    if (m_stop.kind == Stop::Kind::None) {
        // Every byte is acknowledged. Was it the file we started with?
        if (!m_source->verifyUnchanged())
            fail(ErrorCode::Failed, m_source->errorString());
        else if (total >= 0 && m_acked != total)
            fail(ErrorCode::Failed, QStringLiteral("source changed during export: read %1 of %2 bytes")
                                        .arg(m_acked)
                                        .arg(total));
    }
    // The stop sequence: (1) close the source, (2) send nothing more,
    // (3) collect replies, (4) compare-and-set the final status with expiries.
    m_source->close();
    drain();
    switch (m_stop.kind) {
    case Stop::Kind::None:
        writeTerminal(ExportState::Completed, ErrorCode::None, {});
        break;
    case Stop::Kind::LocalCancel:
    case Stop::Kind::RemoteCancel:
        writeTerminal(ExportState::Cancelled, ErrorCode::Cancelled, m_stop.message);
        break;
    case Stop::Kind::Fail:
        writeTerminal(ExportState::Failed, m_stop.code, m_stop.message);
        break;
    case Stop::Kind::ForeignTerminal:
        finish(m_foreign, m_stop.code, m_stop.message);
        break;
    }
}

void ExportRun::drain()
{
    while (m_conn.pending() > 0 && !m_inflight.empty()) {
        const RedisReply reply = m_conn.readReply();
        if (reply.isError() && reply.error.isTransport()) {
            // Unacknowledged chunks are not resent: the final status truncates to
            // what was acknowledged.
            m_inflight.clear();
            m_chunksInFlight = 0;
            m_statusInFlight = false;
            if (m_stop.kind == Stop::Kind::None)
                fail(ErrorCode::Failed, reply.error.message, reply.error.kind == RedisError::Kind::Timeout);
            return;
        }
        InFlight entry = std::move(m_inflight.front());
        m_inflight.pop_front();
        const Stop before = m_stop;
        handleReply(entry, reply);
        // A local cancel outranks what the drained replies say, unless they say the
        // status was already made terminal elsewhere.
        if (before.kind == Stop::Kind::LocalCancel && m_stop.kind == Stop::Kind::Fail)
            m_stop = before;
    }
}

void ExportRun::writeTerminal(ExportState target, ErrorCode code, QString message)
{
    if (m_stop.redisDown) {
        finishLocal(code, message);
        return;
    }
    ExportStatus next = m_status;
    QString finalMessage = message;
    ErrorCode finalCode = code;
    // When Redis is out of memory the truncating copy cannot run: the partial data
    // is discarded instead, which frees the memory the final status needs.
    bool outOfMemory = false;
    for (int attempt = 0; attempt < 6; ++attempt) {
        DataCheck check = outOfMemory ? DataCheck::Discard : DataCheck::Truncate;
        if (target == ExportState::Cancelled && m_stop.kind == Stop::Kind::RemoteCancel && !m_foreign.id.isEmpty()) {
            next = m_foreign; // keep who cancelled and when
        } else {
            next = m_status;
            next.state = target;
            if (target == ExportState::Completed) {
                next.sha256 = m_sha.finish();
                check = DataCheck::Complete;
            } else if (target == ExportState::Cancelled) {
                next.cancelledBy = m_cfg.user;
            } else if (target == ExportState::Failed) {
                next.error = finalMessage;
            }
        }
        next.bytesWritten = check == DataCheck::Discard ? 0 : m_acked;
        if (check == DataCheck::Discard && next.state == ExportState::Failed)
            next.error = QStringLiteral("%1; the %2 bytes written were discarded to free memory")
                             .arg(finalMessage)
                             .arg(m_acked);
        next.settled = true;
        next.updatedAt = QDateTime::currentDateTimeUtc();
        if (!m_conn.ensureConnected()) {
            finishLocal(finalCode == ErrorCode::None ? ErrorCode::Redis : finalCode,
                        finalMessage.isEmpty() ? m_conn.lastError().message : finalMessage);
            return;
        }
        const auto res = StatusScripts::parseUpdateReply(m_conn.command(
            StatusScripts::updateCommand(m_keys, m_expected, next, check, m_acked, m_cfg.ttlSeconds)));
        switch (res.outcome) {
        case Outcome::Applied:
            m_expected = next.toJson();
            Q_EMIT m_job.statusChanged(next.id, next);
            finish(next, finalCode, finalMessage);
            return;
        case Outcome::DataVanished:
            target = ExportState::Failed;
            finalCode = ErrorCode::Failed;
            finalMessage = QStringLiteral("data key vanished");
            m_stop.kind = Stop::Kind::Fail;
            continue;
        case Outcome::Conflict: {
            m_expected = res.current;
            if (res.current.isEmpty())
                continue; // the status key vanished: write the final status afresh, with TTL
            const auto cur = ExportStatus::fromJson(res.current);
            if (!cur || cur->id != m_status.id) {
                finishLocal(ErrorCode::Failed,
                            QStringLiteral("status key was overwritten by something unreadable"));
                return;
            }
            if (cur->state == ExportState::Cancelled) {
                // Another process cancelled first (even as our last chunk landed):
                // CANCELLED wins, with the data cut to what we wrote.
                finalCode = ErrorCode::Cancelled;
                finalMessage = QStringLiteral("cancelled by %1").arg(cur->cancelledBy);
                if (cur->settled) {
                    finish(*cur, finalCode, finalMessage);
                    return;
                }
                target = ExportState::Cancelled;
                m_stop.kind = Stop::Kind::RemoteCancel;
                m_foreign = *cur;
                continue;
            }
            if (isTerminal(cur->state) || cur->state == ExportState::Unknown) {
                finish(*cur, cur->state == ExportState::Completed ? ErrorCode::None : ErrorCode::Failed,
                       QStringLiteral("another process set the status to %1").arg(cur->stateText()));
                return;
            }
            continue; // a non-terminal status changed under us: try again against it
        }
        case Outcome::Error:
            if (res.error.kind == RedisError::Kind::Timeout) {
                finishLocal(finalCode == ErrorCode::None ? ErrorCode::Failed : finalCode,
                            finalMessage.isEmpty() ? res.error.message : finalMessage);
                return;
            }
            if (res.error.kind == RedisError::Kind::OutOfMemory) {
                outOfMemory = true;
                if (target == ExportState::Completed || finalMessage.isEmpty()) {
                    target = ExportState::Failed;
                    finalCode = ErrorCode::Failed;
                    finalMessage = res.error.message;
                }
                continue;
            }
            if (!res.error.isTransport() && attempt >= 2) {
                finishLocal(finalCode == ErrorCode::None ? ErrorCode::Failed : finalCode,
                            QStringLiteral("%1; the final status could not be written: %2")
                                .arg(finalMessage.isEmpty() ? QStringLiteral("export failed") : finalMessage,
                                     res.error.message));
                return;
            }
            if (target == ExportState::Completed) {
                target = ExportState::Failed;
                finalCode = ErrorCode::Failed;
                finalMessage = res.error.message;
            }
            continue;
        }
    }
    finishLocal(finalCode == ErrorCode::None ? ErrorCode::Failed : finalCode,
                QStringLiteral("%1; the final status could not be written after several attempts")
                    .arg(finalMessage.isEmpty() ? QStringLiteral("export failed") : finalMessage));
}

ExportJob::ExportJob(QString id, QString source, ExporterConfig config,
                     std::shared_ptr<const PermissionsService> permissions, QObject *parent)
    : QThread(parent), m_id(std::move(id)), m_source(std::move(source)), m_config(std::move(config)),
      m_permissions(std::move(permissions))
{
    setObjectName(QStringLiteral("export-%1").arg(m_id.left(8)));
}

ExportJob::~ExportJob()
{
    cancel();
    wait();
}

void ExportJob::cancel()
{
    m_cancel.store(true);
}

void ExportJob::run()
{
    ExportRun(*this).run();
}

} // namespace hb

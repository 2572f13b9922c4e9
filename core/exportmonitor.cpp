#include "exportmonitor.h"

#include "exportstore.h"
#include "logging.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QThread>

#include <hiredis/hiredis.h>
#include <poll.h>

#include <cerrno>
#include <vector>

namespace hb {

namespace {

struct ContextDeleter
{
    void operator()(redisContext *c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter
{
    void operator()(redisReply *r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

timeval toTimeval(int ms)
{
    timeval tv;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    return tv;
}

ReplyPtr commandArgv(redisContext *c, const QList<QByteArray> &args)
{
    std::vector<const char *> argv;
    std::vector<size_t> lens;
    for (const QByteArray &a : args) {
        argv.push_back(a.constData());
        lens.push_back(size_t(a.size()));
    }
    return ReplyPtr(static_cast<redisReply *>(redisCommandArgv(c, int(argv.size()), argv.data(), lens.data())));
}

// Whether `next` may replace `known` for one export. Events buffered while a scan
// ran are older than what the scan read; a terminal status never goes back.
bool supersedes(const ExportStatus &known, const ExportStatus &next)
{
    const bool knownDone = isTerminal(known.state);
    const bool nextDone = isTerminal(next.state);
    if (knownDone != nextDone)
        return nextDone;
    if (known.updatedAt.isValid() && next.updatedAt.isValid() && next.updatedAt < known.updatedAt)
        return false;
    return true;
}

} // namespace

// The monitor's thread: owns both connections and the last JSON seen per export,
// and sends only changes to the monitor.
class ExportMonitor::Worker final
{
public:
    Worker(ExportMonitor *monitor, RedisEndpoint endpoint, KeyLayout keys, Options options,
           std::shared_ptr<std::atomic<bool>> stop, std::shared_ptr<std::atomic<bool>> rescan)
        : m_monitor(monitor), m_endpoint(std::move(endpoint)), m_keys(std::move(keys)), m_options(options),
          m_stop(std::move(stop)), m_rescan(std::move(rescan))
    {
    }

    void run();

private:
    enum class Next { Message, Nothing, Error };
    bool subscribe(QString *error);
    Next nextMessage(int timeoutMs, ReplyPtr *out, QString *error);
    bool fullScan(ExportStore &store, QString *error);
    void consider(const QByteArray &json);
    void report(bool connected, const QString &message);
    bool sleepUnlessStopped(int ms);
    bool stopped() const { return m_stop->load(); }

    ExportMonitor *const m_monitor; // outlives this thread: stop() waits for it
    const RedisEndpoint m_endpoint;
    const KeyLayout m_keys;
    const Options m_options;
    const std::shared_ptr<std::atomic<bool>> m_stop;
    const std::shared_ptr<std::atomic<bool>> m_rescan;
    ContextPtr m_sub;
    QHash<QString, ExportStatus> m_known;
    QHash<QString, QByteArray> m_knownJson;
    int m_reported = -1; // -1 nothing said yet, else 0/1
    QString m_reportedMessage;
};

void ExportMonitor::Worker::report(bool connected, const QString &message)
{
    if (m_reported == int(connected) && m_reportedMessage == message)
        return;
    m_reported = int(connected);
    m_reportedMessage = message;
    if (connected)
        qCInfo(lcRedis).noquote() << "monitor connected to" << m_endpoint.displayName();
    else
        qCWarning(lcRedis).noquote() << "monitor:" << message;
    QMetaObject::invokeMethod(
        m_monitor, [m = m_monitor, connected, message] { m->onConnectionChanged(connected, message); },
        Qt::QueuedConnection);
}

bool ExportMonitor::Worker::sleepUnlessStopped(int ms)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
        if (stopped())
            return false;
        QThread::msleep(std::min<qint64>(50, ms - t.elapsed() + 1));
    }
    return !stopped();
}

bool ExportMonitor::Worker::subscribe(QString *error)
{
    const QString server = m_endpoint.displayName();
    const timeval tv = toTimeval(m_options.timeouts.connectMs);
    redisContext *c = m_endpoint.kind == RedisEndpoint::Kind::Unix
                          ? redisConnectUnixWithTimeout(m_endpoint.socketPath.toLocal8Bit().constData(), tv)
                          : redisConnectWithTimeout(m_endpoint.host.toUtf8().constData(), m_endpoint.port, tv);
    m_sub.reset(c);
    if (!c || c->err) {
        *error = QStringLiteral("cannot reach Redis at %1: %2")
                     .arg(server, c ? QString::fromLocal8Bit(c->errstr) : QStringLiteral("out of memory"));
        m_sub.reset();
        return false;
    }
    redisSetTimeout(c, toTimeval(m_options.timeouts.commandMs));
    if (m_endpoint.kind == RedisEndpoint::Kind::Tcp)
        redisEnableKeepAlive(c); // notices a peer gone silent; fails (and poisons c) on a unix socket
    auto check = [&](const ReplyPtr &r, const char *what) {
        if (!r) {
            *error = QStringLiteral("Redis at %1: %2").arg(server, QString::fromLocal8Bit(c->errstr));
            return false;
        }
        if (r->type == REDIS_REPLY_ERROR) {
            *error = QStringLiteral("Redis at %1 refused %2: %3")
                         .arg(server, QLatin1String(what), QString::fromUtf8(r->str, int(r->len)));
            return false;
        }
        return true;
    };
    if (const QList<QByteArray> auth = m_endpoint.authCommand(); !auth.isEmpty()) {
        if (!check(commandArgv(c, auth), "AUTH")) {
            m_sub.reset();
            return false;
        }
    }
    if (!check(commandArgv(c, {QByteArrayLiteral("SUBSCRIBE"), m_keys.eventsChannel()}), "SUBSCRIBE")) {
        m_sub.reset();
        return false;
    }
    return true;
}

ExportMonitor::Worker::Next ExportMonitor::Worker::nextMessage(int timeoutMs, ReplyPtr *out, QString *error)
{
    redisContext *c = m_sub.get();
    auto lost = [&] {
        *error = QStringLiteral("lost the connection to Redis at %1: %2")
                     .arg(m_endpoint.displayName(), QString::fromLocal8Bit(c->errstr));
        return Next::Error;
    };
    void *raw = nullptr;
    if (redisGetReplyFromReader(c, &raw) != REDIS_OK)
        return lost();
    if (!raw) {
        pollfd p{c->fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, timeoutMs);
        if (ready < 0 && errno != EINTR) {
            *error = QStringLiteral("lost the connection to Redis at %1: poll failed").arg(m_endpoint.displayName());
            return Next::Error;
        }
        if (ready <= 0)
            return Next::Nothing;
        if (redisBufferRead(c) != REDIS_OK || redisGetReplyFromReader(c, &raw) != REDIS_OK)
            return lost();
        if (!raw)
            return Next::Nothing;
    }
    out->reset(static_cast<redisReply *>(raw));
    return Next::Message;
}

void ExportMonitor::Worker::consider(const QByteArray &json)
{
    QString problem;
    const auto parsed = ExportStatus::fromJson(json, &problem);
    if (!parsed || !isValidExportId(parsed->id)) {
        qCDebug(lcRedis).noquote() << "monitor: ignoring an event that is not a status:" << problem;
        return;
    }
    const auto known = m_known.constFind(parsed->id);
    if (known != m_known.cend() && (m_knownJson.value(parsed->id) == json || !supersedes(*known, *parsed)))
        return;
    m_known.insert(parsed->id, *parsed);
    m_knownJson.insert(parsed->id, json);
    QMetaObject::invokeMethod(
        m_monitor, [m = m_monitor, s = *parsed] { Q_EMIT m->exportUpdated(s); }, Qt::QueuedConnection);
}

bool ExportMonitor::Worker::fullScan(ExportStore &store, QString *error)
{
    Failure failure;
    const QList<ExportStore::Entry> entries = store.list(&failure);
    if (failure) {
        *error = failure.message;
        store.connection().disconnect();
        return false;
    }
    QSet<QString> seen;
    for (const ExportStore::Entry &e : entries) {
        if (!e.status || !e.problem.isEmpty())
            continue;
        seen.insert(e.id);
        // What the scan read is the truth at that moment: take it unless it is the same.
        if (m_knownJson.value(e.id) == e.json)
            continue;
        m_known.insert(e.id, *e.status);
        m_knownJson.insert(e.id, e.json);
        QMetaObject::invokeMethod(
            m_monitor, [m = m_monitor, s = *e.status] { Q_EMIT m->exportUpdated(s); }, Qt::QueuedConnection);
    }
    const QList<QString> knownIds = m_known.keys();
    for (const QString &id : knownIds) {
        if (seen.contains(id))
            continue;
        m_known.remove(id);
        m_knownJson.remove(id);
        QMetaObject::invokeMethod(
            m_monitor, [m = m_monitor, id] { Q_EMIT m->exportRemoved(id); }, Qt::QueuedConnection);
    }
    const int count = int(m_known.size());
    QMetaObject::invokeMethod(
        m_monitor, [m = m_monitor, count] { Q_EMIT m->scanned(count); }, Qt::QueuedConnection);
    return true;
}

void ExportMonitor::Worker::run()
{
    ExportStore store(m_endpoint, m_keys, m_options.timeouts);
    int backoff = m_options.minBackoffMs;
    while (!stopped()) {
        QString error;
        // Subscribe first, then scan: nothing that happens after the scan is missed.
        if (!subscribe(&error) || !fullScan(store, &error)) {
            m_sub.reset();
            report(false, error);
            sleepUnlessStopped(backoff);
            backoff = std::min(backoff * 2, m_options.maxBackoffMs);
            continue;
        }
        report(true, {});
        backoff = m_options.minBackoffMs;
        QElapsedTimer sinceScan;
        sinceScan.start();
        while (!stopped()) {
            ReplyPtr reply;
            const Next next = nextMessage(200, &reply, &error);
            if (next == Next::Error)
                break;
            if (next == Next::Message && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
                reply->element[0]->type == REDIS_REPLY_STRING &&
                qstrncmp(reply->element[0]->str, "message", 8) == 0 &&
                reply->element[2]->type == REDIS_REPLY_STRING) {
                consider(QByteArray(reply->element[2]->str, int(reply->element[2]->len)));
            }
            if (sinceScan.elapsed() >= m_options.rescanMs || m_rescan->exchange(false)) {
                if (!fullScan(store, &error))
                    break;
                sinceScan.restart();
            }
        }
        m_sub.reset();
        store.connection().disconnect();
        if (!stopped()) {
            report(false, error);
            sleepUnlessStopped(backoff);
            backoff = std::min(backoff * 2, m_options.maxBackoffMs);
        }
    }
    m_sub.reset();
}

ExportMonitor::ExportMonitor(RedisEndpoint endpoint, KeyLayout keys, QObject *parent)
    : ExportMonitor(std::move(endpoint), std::move(keys), Options{}, parent)
{
}

ExportMonitor::ExportMonitor(RedisEndpoint endpoint, KeyLayout keys, Options options, QObject *parent)
    : QObject(parent), m_endpoint(std::move(endpoint)), m_keys(std::move(keys)), m_options(options)
{
    qRegisterMetaType<hb::ExportStatus>();
}

ExportMonitor::~ExportMonitor()
{
    stop();
}

void ExportMonitor::start()
{
    if (m_thread)
        return;
    m_stop = std::make_shared<std::atomic<bool>>(false);
    m_rescan = std::make_shared<std::atomic<bool>>(false);
    auto worker = std::make_shared<Worker>(this, m_endpoint, m_keys, m_options, m_stop, m_rescan);
    m_thread.reset(QThread::create([worker] { worker->run(); }));
    m_thread->setObjectName(QStringLiteral("export-monitor"));
    m_thread->start();
}

void ExportMonitor::stop()
{
    if (!m_thread)
        return;
    m_stop->store(true);
    m_thread->wait();
    m_thread.reset();
    m_connected = false;
}

bool ExportMonitor::isRunning() const
{
    return m_thread != nullptr;
}

void ExportMonitor::rescanNow()
{
    if (m_rescan)
        m_rescan->store(true);
}

void ExportMonitor::onConnectionChanged(bool connected, const QString &message)
{
    if (!m_thread)
        return;
    m_connected = connected;
    Q_EMIT connectionChanged(connected, message);
}

} // namespace hb

#include "exportmonitor.h"

#include "crossthread.h"

#include "exportstore.h"
#include "logging.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QThread>

namespace hb {

namespace {

// Whether `next` may replace `known` for one export. Events buffered while a scan
// ran are older than what the scan read; a terminal status never goes back.
bool supersedes(const ExportStatus &known, const ExportStatus &next)
{
    const bool knownDone = isTerminal(known.state);
    const bool nextDone = isTerminal(next.state);
    if (knownDone != nextDone) return nextDone;
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
        : m_monitor(monitor), m_endpoint(std::move(endpoint)), m_keys(std::move(keys)),
          m_options(options), m_stop(std::move(stop)), m_rescan(std::move(rescan))
    {
    }

    void run();

private:
    bool subscribe(QString *error);
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
    std::unique_ptr<RedisConnection> m_sub; // SUBSCRIBEd to the events channel
    QHash<QString, ExportStatus> m_known;
    QHash<QString, QByteArray> m_knownJson;
    int m_reported = -1; // -1 nothing said yet, else 0/1
    QString m_reportedMessage;
};

void ExportMonitor::Worker::report(bool connected, const QString &message)
{
    if (m_reported == int(connected) && m_reportedMessage == message) return;
    m_reported = int(connected);
    m_reportedMessage = message;
    if (connected)
        qCInfo(lcRedis).noquote() << "monitor connected to" << m_endpoint.displayName();
    else
        qCWarning(lcRedis).noquote() << "monitor:" << message;
    postToThreadOf(m_monitor, [m = m_monitor, connected, message] {
        m->onConnectionChanged(connected, message);
    });
}

bool ExportMonitor::Worker::sleepUnlessStopped(int ms)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
        if (stopped()) return false;
        QThread::msleep(std::min<qint64>(50, ms - t.elapsed() + 1));
    }
    return !stopped();
}

bool ExportMonitor::Worker::subscribe(QString *error)
{
    m_sub = std::make_unique<RedisConnection>(m_endpoint, m_options.timeouts);
    const RedisReply confirmed = m_sub->append({"SUBSCRIBE", m_keys.eventsChannel()})
                                     ? m_sub->readReply()
                                     : RedisReply::fromError(m_sub->lastError());
    if (confirmed.isError()) {
        *error =
            confirmed.error.isTransport() || confirmed.error.kind == RedisError::Kind::AuthFailed
                ? QStringLiteral("cannot reach Redis: %1").arg(confirmed.error.message)
                : QStringLiteral("Redis refused SUBSCRIBE: %1").arg(confirmed.error.message);
        m_sub.reset();
        return false;
    }
    return true;
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
    if (known != m_known.cend() &&
        (m_knownJson.value(parsed->id) == json || !supersedes(*known, *parsed)))
        return;
    m_known.insert(parsed->id, *parsed);
    m_knownJson.insert(parsed->id, json);
    postToThreadOf(m_monitor, [m = m_monitor, s = *parsed] { Q_EMIT m->exportUpdated(s); });
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
        if (!e.status || !e.problem.isEmpty()) continue;
        seen.insert(e.id);
        // What the scan read is the truth at that moment: take it unless it is the same.
        if (m_knownJson.value(e.id) == e.json) continue;
        m_known.insert(e.id, *e.status);
        m_knownJson.insert(e.id, e.json);
        postToThreadOf(m_monitor, [m = m_monitor, s = *e.status] { Q_EMIT m->exportUpdated(s); });
    }
    const QList<QString> knownIds = m_known.keys();
    for (const QString &id : knownIds) {
        if (seen.contains(id)) continue;
        m_known.remove(id);
        m_knownJson.remove(id);
        postToThreadOf(m_monitor, [m = m_monitor, id] { Q_EMIT m->exportRemoved(id); });
    }
    const int count = int(m_known.size());
    postToThreadOf(m_monitor, [m = m_monitor, count] { Q_EMIT m->scanned(count); });
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
            bool nothing = false;
            const RedisReply pushed = m_sub->readPushed(200, &nothing);
            if (pushed.isError()) {
                error =
                    QStringLiteral("lost the connection to Redis: %1").arg(pushed.error.message);
                break;
            }
            if (!nothing && pushed.elements.size() == 3 && pushed.elements[0].string == "message")
                consider(pushed.elements[2].string);
            if (sinceScan.elapsed() >= m_options.rescanMs || m_rescan->exchange(false)) {
                if (!fullScan(store, &error)) break;
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

ExportMonitor::ExportMonitor(RedisEndpoint endpoint, KeyLayout keys, Options options,
                             QObject *parent)
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
    if (m_thread) return;
    m_stop = std::make_shared<std::atomic<bool>>(false);
    m_rescan = std::make_shared<std::atomic<bool>>(false);
    auto worker = std::make_shared<Worker>(this, m_endpoint, m_keys, m_options, m_stop, m_rescan);
    m_thread = std::make_unique<std::thread>([worker] { worker->run(); });
}

void ExportMonitor::stop()
{
    if (!m_thread) return;
    m_stop->store(true);
    m_thread->join();
    m_thread.reset();
    m_connected = false;
}

bool ExportMonitor::isRunning() const
{
    return m_thread != nullptr;
}

void ExportMonitor::rescanNow()
{
    if (m_rescan) m_rescan->store(true);
}

void ExportMonitor::onConnectionChanged(bool connected, const QString &message)
{
    if (!m_thread) return;
    m_connected = connected;
    Q_EMIT connectionChanged(connected, message);
}

} // namespace hb

#pragma once

#include "expirydeadlines.h"
#include "exportmonitor.h"
#include "monitorsubscription.h"
#include "resyncpacer.h"
#include "statuskeywalker.h"

#include <QHash>
#include <QSet>
#include <QStringList>
#include <atomic>
#include <memory>
#include <mutex>

namespace hb {

// Ids handed by ExportMonitor::follow() (any thread) to the worker.
struct ExportMonitor::FollowQueue
{
    std::mutex mutex;
    QStringList ids;
};

// The monitor's thread: owns both connections and what is known per export (its
// state, updatedAt and a hash of its JSON, not the status itself), and sends only
// changes to the monitor.
class ExportMonitor::Worker final
{
public:
    Worker(ExportMonitor *monitor, RedisEndpoint endpoint, KeyLayout keys, Options options,
           std::shared_ptr<std::atomic<bool>> stop, std::shared_ptr<std::atomic<bool>> rescan,
           std::shared_ptr<FollowQueue> follow)
        : m_monitor(monitor), m_endpoint(std::move(endpoint)), m_keys(std::move(keys)),
          m_options(options), m_stop(std::move(stop)), m_rescan(std::move(rescan)),
          m_followQueue(std::move(follow)), m_conn(m_endpoint, m_options.timeouts),
          m_walker(m_conn, m_keys), m_sub(m_endpoint, m_options.timeouts),
          m_pacer(m_options.rescanMs, m_options.resyncStepMs, m_options.scanCount)
    {
        for (const QString &id : m_options.followed)
            m_followed.insert(id);
    }

    // Connects, subscribes and syncs, then follows the events, the paced resync and
    // the expiry deadlines until stopped; reconnects with back-off after a loss.
    void run();

private:
    struct Known
    {
        size_t jsonHash = 0;
        qint64 updatedAtMs = -1;
        qint64 heardMs = 0; // our clock: last time an event or a fetch brought it
        ExportState state = ExportState::Created;
        quint32 seenPass = 0;  // the last pass whose SCAN returned its key
        quint32 sincePass = 0; // the pass during which it became known
    };

    bool connectAll(QString *error);
    bool fullSync(QString *error);
    bool handleScanned(const QList<QByteArray> &keys, bool fetchAllLive, Failure *failure);
    bool finishPass(Failure *failure);
    bool fetchFollowed(const QList<QString> &ids, Failure *failure);
    bool tick(QString *error);
    bool checkDue(Failure *failure);
    void takeFollowQueue();
    void onEvent(const MonitorSubscription::Event &event);
    bool consider(const QByteArray &json);
    void queueUpdate(const ExportStatus &status);
    void queueRemove(const QString &id);
    void flush();
    void postScanned();
    void report(bool connected, const QString &message);
    bool stopped() const { return m_stop->load(); }

    ExportMonitor *const m_monitor; // outlives this thread: stop() waits for it
    const RedisEndpoint m_endpoint;
    const KeyLayout m_keys;
    const Options m_options;
    const std::shared_ptr<std::atomic<bool>> m_stop;
    const std::shared_ptr<std::atomic<bool>> m_rescan;
    const std::shared_ptr<FollowQueue> m_followQueue;
    RedisConnection m_conn; // SCAN, GET, EXISTS
    StatusKeyWalker m_walker;
    MonitorSubscription m_sub;
    QHash<QString, Known> m_known;
    ExpiryDeadlines m_deadlines;
    QSet<QString> m_followed;
    ResyncPacer m_pacer;
    QList<ExportStatus> m_outUpdated;
    QStringList m_outRemoved;
    int m_reported = -1; // -1 nothing said yet, else 0/1
    QString m_reportedMessage;
};

} // namespace hb

#pragma once

#include "exportconfig.h"
#include "exportstatus.h"
#include "redisconnection.h"
#include "redisendpoint.h"

#include <QObject>
#include <QString>
#include <QStringList>
#include <QThread>
#include <atomic>
#include <memory>
#include <thread>

namespace hb {

// Watches every export on one Redis server (or cluster), whoever started it, living
// on the events channel (CONTRACT §1), at a cost to Redis that does not grow with
// the number of exports while nothing happens (issue 21):
//  - at connect and at every reconnect: SUBSCRIBE first, then one quick walk of the
//    status keys of every master (SCAN COUNT ≥ 1000 matching the status-key pattern,
//    so data segments are never returned), fetching in pipelined GETs only the keys
//    it does not know and the non-terminal ones (a terminal status never changes,
//    CONTRACT §3); never a TTL per key;
//  - then the channel brings every change;
//  - expiry is known without asking: each status carries `ttl` and `updatedAt`, so
//    one deadline per export sits in one table, and only the due ones are checked
//    (pipelined EXISTS). Where the server publishes keyspace events for expired and
//    del (notify-keyspace-events), a removal is seen at once; they are never required;
//  - a paced resync (one SCAN step every resyncStepMs, a cluster's masters in turn,
//    a whole pass about every rescanMs) heals what pub/sub lost (it is at-most-once):
//    it fetches the keys it does not know and the non-terminal ones not heard of
//    lately, and at the end of a pass checks (EXISTS) the known ones it did not return.
// With followOnly, only the ids given (and added by follow()) are watched: no SCAN,
// their statuses read by key (the window's My exports tab).
//
// Lives on the caller's thread and never blocks it: the Redis work (one subscriber
// connection, one connection for the rest) runs on a thread of its own, started by
// start() and stopped (and waited for) by stop() or the destructor. After a lost
// connection it reconnects with back-off (minBackoffMs doubling to maxBackoffMs).
//
// Signals, all on the caller's thread: exportUpdated when an export appears or any
// of its status JSON changes (exportsUpdated: the same, a batch at a time, emitted
// before the single ones), exportRemoved when its status key is gone (and
// exportsRemoved), connectionChanged on every change of reachability (message says
// why when down), scanned after each full walk (count = exports known).
class ExportMonitor final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportMonitor)
public:
    struct Options
    {
        // A resync pass over the whole keyspace takes about this long (the steps are
        // sized from DBSIZE); a status written without its PUBLISH shows within it.
        // A pass that ends sooner (a small keyspace) is repeated after rescanMs / 15.
        // 45 s: a pass SCANs every key (data keys too), about 0.3 s of Redis CPU at
        // 100,000 exports, so an idle watcher costs Redis < 1 % of a core, and a
        // status SET without its PUBLISH still shows within a minute (issue 21).
        int rescanMs = 45000;
        // The pause between two SCAN steps of a resync pass.
        int resyncStepMs = 250;
        // COUNT of a SCAN step, at least (more when the keyspace needs it).
        int scanCount = 1000;
        int minBackoffMs = 500;
        int maxBackoffMs = 10000;
        RedisTimeouts timeouts{3000, 10000};
        // Subscribe to __keyevent@<db>__:expired and :del when the server emits them.
        bool useKeyspaceEvents = true;
        // Watch only `followed` (and ids added by follow()), never the whole server.
        bool followOnly = false;
        QStringList followed;
    };

    ExportMonitor(RedisEndpoint endpoint, KeyLayout keys, QObject *parent = nullptr);
    ExportMonitor(RedisEndpoint endpoint, KeyLayout keys, Options options,
                  QObject *parent = nullptr);
    ~ExportMonitor() override;

    void start();
    void stop();
    bool isRunning() const;
    bool isConnected() const { return m_connected; }
    // Asks for a full scan now (e.g. a "Refresh" button).
    void rescanNow();
    // With Options::followOnly: watch these ids too (fetched at once). Thread-safe.
    void follow(const QStringList &ids);

    const RedisEndpoint &endpoint() const { return m_endpoint; }
    const KeyLayout &keys() const { return m_keys; }

Q_SIGNALS:
    void exportUpdated(const hb::ExportStatus &status);
    void exportRemoved(const QString &id);
    void exportsUpdated(const QList<hb::ExportStatus> &statuses);
    void exportsRemoved(const QStringList &ids);
    void connectionChanged(bool connected, const QString &message);
    void scanned(int count);

private:
    class Worker;
    void onConnectionChanged(bool connected, const QString &message);

    const RedisEndpoint m_endpoint;
    const KeyLayout m_keys;
    const Options m_options;
    std::shared_ptr<std::atomic<bool>> m_stop;
    std::shared_ptr<std::atomic<bool>> m_rescan;
    struct FollowQueue;
    std::shared_ptr<FollowQueue> m_follow; // ids handed to the worker by follow()
    // Stopped and joined by stop(). A std::thread, not a QThread: its join is a
    // pthread_join that ThreadSanitizer sees (Debian's Qt is not instrumented).
    std::unique_ptr<std::thread> m_thread;
    bool m_connected = false;
};

} // namespace hb

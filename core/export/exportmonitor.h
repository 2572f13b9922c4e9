#pragma once

#include "exportconfig.h"
#include "exportstatus.h"
#include "redisconnection.h"
#include "redisendpoint.h"

#include <QObject>
#include <QString>
#include <QThread>
#include <atomic>
#include <memory>
#include <thread>

namespace hb {

// Watches every export on one Redis server, whoever started it: a full SCAN of the
// status keys (ExportStore::list) when it connects and every rescanMs after, kept
// live in between by the events channel (CONTRACT §1). The rescan heals what
// pub/sub loses while disconnected and notices keys that expired or were deleted.
//
// Lives on the caller's thread and never blocks it: the Redis work (one subscriber
// connection, one connection for scans) runs on a thread of its own, started by
// start() and stopped (and waited for) by stop() or the destructor. After a lost
// connection it reconnects with back-off (0.5 s doubling to 10 s).
//
// Signals, all on the caller's thread: exportUpdated when an export appears or any
// of its status JSON changes, exportRemoved when its status key is gone,
// connectionChanged on every change of reachability (message says why when down),
// scanned after each full scan (count = exports known).
class ExportMonitor final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportMonitor)
public:
    struct Options
    {
        int rescanMs = 5000;
        int minBackoffMs = 500;
        int maxBackoffMs = 10000;
        RedisTimeouts timeouts{3000, 10000};
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

    const RedisEndpoint &endpoint() const { return m_endpoint; }
    const KeyLayout &keys() const { return m_keys; }

Q_SIGNALS:
    void exportUpdated(const hb::ExportStatus &status);
    void exportRemoved(const QString &id);
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
    // Stopped and joined by stop(). A std::thread, not a QThread: its join is a
    // pthread_join that ThreadSanitizer sees (Debian's Qt is not instrumented).
    std::unique_ptr<std::thread> m_thread;
    bool m_connected = false;
};

} // namespace hb

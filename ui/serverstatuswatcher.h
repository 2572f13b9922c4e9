#pragma once

#include "exportstore.h"
#include "redisendpoint.h"

#include <QObject>
#include <QTimer>

namespace hb {

// Asks the Redis server for its version and memory every few seconds, off the GUI
// thread, with a fresh connection each time: when the server comes back the next
// poll simply finds it.
class ServerStatusWatcher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServerStatusWatcher)
public:
    explicit ServerStatusWatcher(QObject *parent = nullptr);

    void setEndpoint(const RedisEndpoint &endpoint);
    void setInterval(int ms) { m_timer.setInterval(ms); }
    void start();

    bool hasAnswer() const { return m_answered; }
    bool isReachable() const { return m_reachable; }
    const ExportStore::ServerInfo &info() const { return m_info; }
    QString errorText() const { return m_error; }

public Q_SLOTS:
    void pollNow();

Q_SIGNALS:
    void updated(bool reachable);

private:
    RedisEndpoint m_endpoint;
    QTimer m_timer;
    int m_generation = 0;
    bool m_busy = false;
    bool m_answered = false;
    bool m_reachable = false;
    ExportStore::ServerInfo m_info;
    QString m_error;
};

} // namespace hb

#include "serverstatuswatcher.h"

#include <QFutureWatcher>
#include <QtConcurrent>

namespace hb {

namespace {
struct Poll
{
    std::optional<ExportStore::ServerInfo> info;
    QString error;
};
} // namespace

ServerStatusWatcher::ServerStatusWatcher(QObject *parent) : QObject(parent)
{
    m_timer.setInterval(3000);
    connect(&m_timer, &QTimer::timeout, this, &ServerStatusWatcher::pollNow);
}

void ServerStatusWatcher::setEndpoint(const RedisEndpoint &endpoint)
{
    m_endpoint = endpoint;
    ++m_generation; // an answer about the old server is dropped
    m_busy = false;
    m_answered = false;
    pollNow();
}

void ServerStatusWatcher::start()
{
    m_timer.start();
    pollNow();
}

void ServerStatusWatcher::pollNow()
{
    if (m_busy)
        return;
    m_busy = true;
    const int generation = m_generation;
    const RedisEndpoint endpoint = m_endpoint;
    auto *watcher = new QFutureWatcher<Poll>(this);
    connect(watcher, &QFutureWatcher<Poll>::finished, this, [this, watcher, generation] {
        const Poll p = watcher->result();
        watcher->deleteLater();
        if (generation != m_generation)
            return;
        m_busy = false;
        m_answered = true;
        m_reachable = p.info.has_value();
        if (p.info)
            m_info = *p.info;
        m_error = p.error;
        Q_EMIT updated(m_reachable);
    });
    watcher->setFuture(QtConcurrent::run([endpoint] {
        ExportStore store(endpoint, KeyLayout{}, RedisTimeouts{1500, 2500});
        Failure failure;
        Poll p;
        p.info = store.serverInfo(&failure);
        if (!p.info)
            p.error = failure.message;
        return p;
    }));
}

} // namespace hb

#include "exportmonitor.h"

#include "exportmonitorworker.h"

#include <mutex>

namespace hb {

ExportMonitor::ExportMonitor(RedisEndpoint endpoint, KeyLayout keys, QObject *parent)
    : ExportMonitor(std::move(endpoint), std::move(keys), Options{}, parent)
{
}

ExportMonitor::ExportMonitor(RedisEndpoint endpoint, KeyLayout keys, Options options,
                             QObject *parent)
    : QObject(parent), m_endpoint(std::move(endpoint)), m_keys(std::move(keys)), m_options(options),
      m_follow(std::make_shared<FollowQueue>())
{
    qRegisterMetaType<hb::ExportStatus>();
    qRegisterMetaType<QList<hb::ExportStatus>>();
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
    auto worker =
        std::make_shared<Worker>(this, m_endpoint, m_keys, m_options, m_stop, m_rescan, m_follow);
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

void ExportMonitor::follow(const QStringList &ids)
{
    std::lock_guard<std::mutex> lock(m_follow->mutex);
    m_follow->ids.append(ids);
}

void ExportMonitor::onConnectionChanged(bool connected, const QString &message)
{
    if (!m_thread) return;
    m_connected = connected;
    Q_EMIT connectionChanged(connected, message);
}

} // namespace hb

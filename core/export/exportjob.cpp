#include "exportjob.h"

#include "exportrun.h"
#include "logging.h"

namespace hb {

ExportJob::ExportJob(PreparedExport prepared, ExporterConfig config,
                     std::shared_ptr<BandwidthBudget> budget, QObject *parent)
    : QObject(parent), m_prepared(std::move(prepared)), m_config(std::move(config)),
      m_budget(budget ? std::move(budget) : std::make_shared<BandwidthBudget>())
{
    m_total = m_prepared.status.bytesTotal;
}

ExportJob::~ExportJob()
{
    kill();
    if (m_thread.joinable()) m_thread.join();
}

void ExportJob::start()
{
    if (m_thread.joinable()) return;
    m_thread = std::thread([this] { ExportRun(*this).run(); });
}

void ExportJob::kill()
{
    m_kill.store(true);
}

ExportState ExportJob::state() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_state;
}

ErrorCode ExportJob::error() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_error;
}

QString ExportJob::errorString() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_errorString;
}

qint64 ExportJob::processedBytes() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_processed;
}

qint64 ExportJob::totalBytes() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_total;
}

qint64 ExportJob::speed() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_speed;
}

void ExportJob::reportState(ExportState state)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_state = state;
}

void ExportJob::reportProgress(qint64 processed, qint64 total)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (!m_speedClock.isValid()) m_speedClock.start();
        m_meter.addSample(processed, m_speedClock.elapsed());
        m_processed = processed;
        m_total = total;
        m_speed = m_meter.bytesPerSecond();
    }
    Q_EMIT progress(m_prepared.id, processed, total);
}

void ExportJob::reportResult(ErrorCode code, const QString &message)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_error = code;
    m_errorString = message;
    m_speed = 0;
}

void ExportJob::reportFinished(const ExportStatus &status, ErrorCode code, const QString &message)
{
    if (code == ErrorCode::None || code == ErrorCode::Cancelled)
        qCInfo(lcExport).noquote() << "export" << status.id << status.stateText()
                                   << status.bytesWritten << "bytes" << message;
    else
        qCWarning(lcExport).noquote()
            << "export" << status.id << status.stateText() << "-" << message;
    reportProgress(status.bytesWritten, status.bytesTotal);
    reportState(status.state);
    reportResult(code, message);
    Q_EMIT finished(status.id, status, code, message);
}

} // namespace hb

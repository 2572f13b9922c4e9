#pragma once

#include "bandwidthbudget.h"
#include "exportconfig.h"
#include "exporterror.h"
#include "exportstatus.h"
#include "speedmeter.h"

#include <QElapsedTimer>

#include <QByteArray>
#include <QObject>
#include <QString>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

namespace hb {

// An export whose status key exists in Redis (CREATED): what the queue hands to a
// job when its turn comes.
struct PreparedExport
{
    QString id;
    QString source;        // as given: a path, "-" or a URL
    ExportStatus status;   // as stored
    QByteArray storedJson; // byte-exact, the compare of the next compare-and-set
    // Taken over from an owner that is gone (ResumeCheck): the run continues from
    // what Redis holds instead of starting at offset 0.
    bool resumed = false;
};

// One running export, shaped like KDE's KJob: start() once, kill() at any time,
// state, error, processed/total bytes and speed queryable from any thread; only
// the job itself reports (its signals are emitted from its own thread).
//
// Life: CREATED (as prepared) -> start() -> PENDING as bytes flow, progress at
// most 10 a second -> exactly one finished() with the final status:
//   COMPLETED  every byte stored, every segment seen at full length, sha256 set;
//   CANCELLED  kill() here, or another process through Redis (CONTRACT §5);
//   FAILED     error() and errorString() say why (the source, Redis, lost data).
// kill() runs the stop sequence on the job's thread: (1) close the source, (2)
// send nothing more, (3) collect the replies of what was sent, (4) settle the data
// to what was acknowledged and compare-and-set CANCELLED (unless already terminal)
// with every expiry. finished() comes after that sequence.
//
// Threads: the job owns one thread, started by start() and joined by the
// destructor (which kills the job first). Nothing else starts or stops it.
class ExportJob final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportJob)
public:
    ExportJob(PreparedExport prepared, ExporterConfig config,
              std::shared_ptr<BandwidthBudget> budget, QObject *parent = nullptr);
    ~ExportJob() override;

    void start();
    // Thread-safe; returns at once. finished() follows once the stop sequence ran.
    void kill();
    bool isKillRequested() const { return m_kill.load(); }

    QString id() const { return m_prepared.id; }
    QString source() const { return m_prepared.source; }
    // The last state written to Redis (CREATED, PENDING, or the terminal one).
    ExportState state() const;
    ErrorCode error() const;
    QString errorString() const;
    qint64 processedBytes() const; // acknowledged by Redis
    qint64 totalBytes() const;     // -1 while unknown
    qint64 speed() const;          // bytes per second over the last 5 s

Q_SIGNALS:
    void statusChanged(const QString &id, const hb::ExportStatus &status);
    void progress(const QString &id, qint64 bytesWritten, qint64 bytesTotal);
    void finished(const QString &id, const hb::ExportStatus &status, hb::ErrorCode code,
                  const QString &message);

private:
    friend class ExportRun; // the only reporter
    void reportState(ExportState state);
    void reportProgress(qint64 processed, qint64 total);
    void reportResult(ErrorCode code, const QString &message);
    // The end: logged, the last progress, state and result, then finished().
    void reportFinished(const ExportStatus &status, ErrorCode code, const QString &message);

    const PreparedExport m_prepared;
    const ExporterConfig m_config;
    const std::shared_ptr<BandwidthBudget> m_budget;
    std::atomic<bool> m_kill{false};
    std::thread m_thread; // a std::thread: its join is visible to ThreadSanitizer

    mutable std::mutex m_mutex; // guards what follows: written by the job's thread
    ExportState m_state = ExportState::Created;
    ErrorCode m_error = ErrorCode::None;
    QString m_errorString;
    qint64 m_processed = 0;
    qint64 m_total = -1;
    qint64 m_speed = 0;
    SpeedMeter m_meter;
    QElapsedTimer m_speedClock;
};

} // namespace hb

#pragma once

#include "exportconfig.h"
#include "exporterror.h"
#include "exportstatus.h"
#include "permissions.h"

#include <QString>
#include <QThread>
#include <atomic>
#include <memory>

namespace hb {

// One export: a source streamed into Redis on a thread of its own, with its own
// Redis connection. Every command of the export goes through that connection.
//
// Life: start() -> [permission check, source preflight, size preflight: a refusal
// here writes nothing] -> created (status CREATED, empty data key, both with TTL)
// -> statusChanged(PENDING) as bytes flow, progress at most 10 a second -> one
// exportFinished with the final status: COMPLETED (sha256 set), CANCELLED (by
// cancel() here or by another process through Redis) or FAILED (error set).
//
// Who may call what: the owner thread calls start(), cancel() and the getters;
// only the job itself emits. cancel() is thread-safe, returns at once, and runs
// the stop sequence on the job's thread: close the source, send no more data,
// collect the replies of what was sent, compare-and-set CANCELLED (unless already
// terminal) with both expiries. exportFinished is emitted after that sequence.
class ExportJob final : public QThread
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportJob)
public:
    ExportJob(QString id, QString source, ExporterConfig config,
              std::shared_ptr<const PermissionsService> permissions, QObject *parent = nullptr);
    // Runs the stop sequence if still running and waits for the thread.
    ~ExportJob() override;

    QString id() const { return m_id; }
    QString source() const { return m_source; }
    void cancel();
    bool isCancelRequested() const { return m_cancel.load(); }

Q_SIGNALS:
    void created(const QString &id, const hb::ExportStatus &status);
    void statusChanged(const QString &id, const hb::ExportStatus &status);
    void progress(const QString &id, qint64 bytesWritten, qint64 bytesTotal);
    // Exactly once; message says why when code is not None.
    void exportFinished(const QString &id, const hb::ExportStatus &status, hb::ErrorCode code,
                        const QString &message);

protected:
    void run() override;

private:
    friend class ExportRun;
    const QString m_id;
    const QString m_source;
    const ExporterConfig m_config;
    const std::shared_ptr<const PermissionsService> m_permissions;
    std::atomic<bool> m_cancel{false};
};

} // namespace hb

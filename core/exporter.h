#pragma once

#include "exportconfig.h"
#include "exporterror.h"
#include "exportstatus.h"
#include "permissions.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <memory>

namespace hb {

class ExportJob;

// Starts, queues and cancels exports; the one object a window or the CLI talks to.
// Lives on the caller's thread and never blocks it: each running export is an
// ExportJob on a thread of its own, at most config().maxConcurrent at once, the
// rest queued in order. Every signal carries the export id.
class Exporter final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Exporter)
public:
    Exporter(ExporterConfig config, std::shared_ptr<const PermissionsService> permissions,
             QObject *parent = nullptr);
    // Runs the stop sequence of every running export and waits for it.
    ~Exporter() override;

    const ExporterConfig &config() const { return m_config; }
    // Applies to exports started from now on (and to the concurrency cap at once).
    void setConfig(const ExporterConfig &config);
    std::shared_ptr<const PermissionsService> permissions() const { return m_permissions; }
    void setPermissions(std::shared_ptr<const PermissionsService> permissions);

    // Queues an export of a local file (or URL) and returns its new id at once.
    // exportQueued is emitted before this returns; exportCreated once its keys exist.
    QString startExport(const QString &source);

    // An export of this process: runs its stop sequence (exportFinished follows).
    // Any other id: a remote cancel through Redis (remoteCancelFinished follows).
    void cancel(const QString &id);
    void cancelAll();

    bool isLocal(const QString &id) const;
    int runningCount() const { return int(m_running.size()); }
    int queuedCount() const { return int(m_queue.size()); }
    bool isIdle() const { return m_running.isEmpty() && m_queue.isEmpty(); }

Q_SIGNALS:
    void exportQueued(const QString &id, const QString &source);
    void exportCreated(const QString &id, const hb::ExportStatus &status);
    void statusChanged(const QString &id, const hb::ExportStatus &status);
    void progress(const QString &id, qint64 bytesWritten, qint64 bytesTotal);
    // The stop sequence of a local export has begun ("Cancelling…").
    void cancelRequested(const QString &id);
    // Exactly once per started export. message says why when code is not None.
    void exportFinished(const QString &id, const hb::ExportStatus &status, hb::ErrorCode code,
                        const QString &message);
    // A cancel of another process's export (CONTRACT §5) has ended; same arguments,
    // in the same order, as exportFinished.
    void remoteCancelFinished(const QString &id, const hb::ExportStatus &status, hb::ErrorCode code,
                              const QString &message);
    // Nothing running, nothing queued.
    void idle();

private:
    void startQueued();
    void onJobFinished(const QString &id, const hb::ExportStatus &status, hb::ErrorCode code,
                       const QString &message);

    struct Queued
    {
        QString id;
        QString source;
    };
    ExporterConfig m_config;
    std::shared_ptr<const PermissionsService> m_permissions;
    QList<Queued> m_queue;
    QHash<QString, ExportJob *> m_running;
    QList<QPointer<QThread>> m_helpers;
};

} // namespace hb

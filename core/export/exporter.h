#pragma once

#include "exportconfig.h"
#include "exporterror.h"
#include "exportstatus.h"
#include "permissions.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <list>
#include <memory>

namespace hb {

class BandwidthBudget;
class ExportJob;
class ExportQueue;
struct PreparedExport;

// Starts, queues and cancels exports; the one object a window or the CLI talks to.
// Lives on the caller's thread and never blocks it. Every export first passes its
// checks and gets its status key, CREATED, in the ExportQueue (exportCreated: from
// then on it is listed everywhere and can be cancelled from anywhere); then waits
// for one of config().maxConcurrent running slots, in the order started, and runs
// as an ExportJob. All exports share one bandwidth budget. Every signal carries
// the export id.
//
// Threads: the Exporter owns its ExportQueue (one thread), its ExportJobs (one
// thread each) and the helper threads of remote cancels; its destructor cancels
// every export (running ones run their stop sequence, queued ones end CANCELLED)
// and joins every one of those threads.
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

    // Queues an export of a local file, "-" (standard input) or a URL and returns
    // its new id at once. exportQueued is emitted before this returns; then either
    // exportCreated (the status key exists: the id is real) or, for a source refused
    // before anything was written, exportFinished alone.
    QString startExport(const QString &source);
    // Takes over export `id`, whose owner is gone, and finishes it from `source` (a
    // path or URL; empty: none known, refused as a usage error once it is needed).
    // Signals as for startExport: exportQueued; then exportCreated with the status
    // the takeover wrote, or exportFinished alone when it was refused (nothing
    // written) or already COMPLETED (code None). docs/RESUME.md.
    void resumeExport(const QString &id, const QString &source);

    // An export of this process: runs its stop sequence (exportFinished follows).
    // Any other id: a remote cancel through Redis (remoteCancelFinished follows).
    void cancel(const QString &id);
    void cancelAll();

    bool isLocal(const QString &id) const { return m_exports.contains(id); }
    int runningCount() const { return int(m_running.size()); }
    int queuedCount() const { return int(m_exports.size() - m_running.size()); }
    bool isIdle() const { return m_exports.isEmpty(); }

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
    enum class Phase { Preparing, Waiting, Releasing, Running };
    // An export from now on this object's: Preparing, in order, exportQueued.
    void enqueue(const QString &id, const QString &source);
    void startWaiting();
    void onPrepared(const PreparedExport &prepared);
    void onReleased(const PreparedExport &prepared);
    void onEnded(const QString &id, const hb::ExportStatus &status, hb::ErrorCode code,
                 const QString &message);

    ExporterConfig m_config;
    std::shared_ptr<const PermissionsService> m_permissions;
    std::shared_ptr<BandwidthBudget> m_budget;
    QHash<QString, Phase> m_exports; // every export not finished yet
    QList<QString> m_order;          // ids in the order started (waiting ones)
    QHash<QString, ExportJob *> m_running;
    QHash<QString, ExporterConfig> m_configs; // as each export was started with
    QSet<QString> m_killOnStart;              // cancelled while being released to a job
    struct Helper; // a remote cancel's thread, joined once done (or by the destructor)
    std::list<std::unique_ptr<Helper>> m_helpers;
    std::unique_ptr<ExportQueue> m_queue; // last: destroyed (joined) first
};

} // namespace hb

#include "exporter.h"

#include "crossthread.h"

#include "actinguser.h"
#include "bandwidthbudget.h"
#include "exportjob.h"
#include "exportqueue.h"
#include "exportsource.h"
#include "exportstore.h"
#include "logging.h"

#include <QCoreApplication>
#include <QSet>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <thread>

namespace hb {

struct Exporter::Helper
{
    std::thread thread;
    std::atomic<bool> done{false};
};

Exporter::Exporter(ExporterConfig config, std::shared_ptr<const PermissionsService> permissions,
                   QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_permissions(std::move(permissions)),
      m_budget(std::make_shared<BandwidthBudget>(m_config.bandwidthLimit))
{
    qRegisterMetaType<hb::ExportStatus>();
    qRegisterMetaType<hb::ErrorCode>();
    if (!m_permissions) m_permissions = std::make_shared<DefaultPermissions>();
    ExportQueue::Handlers handlers;
    handlers.prepared = [this](const PreparedExport &p) { onPrepared(p); };
    handlers.released = [this](const PreparedExport &p) { onReleased(p); };
    handlers.ended = [this](const QString &id, const ExportStatus &s, ErrorCode code,
                            const QString &message) { onEnded(id, s, code, message); };
    m_queue = std::make_unique<ExportQueue>(this, std::move(handlers));
}

Exporter::~Exporter()
{
    // Waiting exports end CANCELLED (the queue's own stop sequence), then every job
    // runs its stop sequence; every thread is joined before this returns.
    m_queue.reset();
    for (ExportJob *job : std::as_const(m_running))
        job->kill();
    for (ExportJob *job : std::as_const(m_running))
        delete job; // joins its thread
    m_running.clear();
    for (auto &h : m_helpers)
        h->thread.join();
}

void Exporter::setConfig(const ExporterConfig &config)
{
    m_config = config;
    m_budget->setRate(config.bandwidthLimit);
    startWaiting();
}

void Exporter::setPermissions(std::shared_ptr<const PermissionsService> permissions)
{
    if (permissions) m_permissions = std::move(permissions);
}

void Exporter::enqueue(const QString &id, const QString &source)
{
    m_exports.insert(id, Phase::Preparing);
    m_order.append(id);
    m_configs.insert(id, m_config);
    Q_EMIT exportQueued(id, source);
}

QString Exporter::startExport(const QString &source)
{
    const QString id = newExportId();
    enqueue(id, source);
    m_queue->prepare(id, source, m_config, m_permissions);
    return id;
}

void Exporter::resumeExport(const QString &id, const QString &source)
{
    if (m_exports.contains(id)) return; // ours already, and running or queued
    enqueue(id, source);
    m_queue->resume(id, source, m_config, m_permissions);
}

void Exporter::onPrepared(const PreparedExport &prepared)
{
    if (m_exports.value(prepared.id) != Phase::Preparing) return;
    m_exports[prepared.id] = Phase::Waiting;
    Q_EMIT exportCreated(prepared.id, prepared.status);
    Q_EMIT statusChanged(prepared.id, prepared.status);
    startWaiting();
}

void Exporter::startWaiting()
{
    int busy = 0;
    for (const Phase p : std::as_const(m_exports))
        busy += p == Phase::Releasing || p == Phase::Running ? 1 : 0;
    const int limit = std::max(1, m_config.maxConcurrent);
    for (const QString &id : std::as_const(m_order)) {
        if (busy >= limit) break;
        if (m_exports.value(id) != Phase::Waiting) continue;
        m_exports[id] = Phase::Releasing;
        m_queue->release(id);
        ++busy;
    }
}

void Exporter::onReleased(const PreparedExport &prepared)
{
    const QString id = prepared.id;
    if (m_exports.value(id) != Phase::Releasing) return;
    m_order.removeAll(id);
    m_exports[id] = Phase::Running;
    ExporterConfig cfg = m_configs.value(id, m_config);
    if (prepared.resumed) {
        // Taken over: it keeps its own expiry; the acting user may be support
        // (export:cancel-any), not the owner.
        if (prepared.status.ttl > 0) cfg.ttlSeconds = prepared.status.ttl;
    } else {
        cfg.user = prepared.status.owner; // the acting user the queue decided on
    }
    auto *job = new ExportJob(prepared, cfg, m_budget);
    connect(job, &ExportJob::statusChanged, this, &Exporter::statusChanged);
    connect(job, &ExportJob::progress, this, &Exporter::progress);
    connect(job, &ExportJob::finished, this, &Exporter::onEnded);
    m_running.insert(id, job);
    if (m_killOnStart.remove(id))
        job->kill(); // it runs the stop sequence at once: CANCELLED, nothing written
    job->start();
}

void Exporter::onEnded(const QString &id, const ExportStatus &status, ErrorCode code,
                       const QString &message)
{
    if (!m_exports.contains(id)) return;
    // Joined here, before anyone hears the export ended: the thread returns right
    // after its last signal, and a process that exits on idle() must not leave it
    // running its last steps (its thread-local state would leak).
    delete m_running.take(id);
    m_exports.remove(id);
    m_order.removeAll(id);
    m_configs.remove(id);
    m_killOnStart.remove(id);
    Q_EMIT exportFinished(id, status, code, message);
    startWaiting();
    if (isIdle()) Q_EMIT idle();
}

void Exporter::cancel(const QString &id)
{
    if (ExportJob *job = m_running.value(id)) {
        if (!job->isKillRequested()) {
            job->kill();
            Q_EMIT cancelRequested(id);
        }
        return;
    }
    if (m_exports.contains(id)) {
        if (m_exports.value(id) == Phase::Releasing)
            m_killOnStart.insert(id);
        else
            m_queue->cancel(id, m_configs.value(id, m_config).user);
        Q_EMIT cancelRequested(id);
        return;
    }
    // Not ours: a remote cancel, off this thread.
    const ExporterConfig cfg = m_config;
    const auto perms = m_permissions;
    // Join the helpers that are done; the rest are joined by the destructor.
    m_helpers.remove_if([](const std::unique_ptr<Helper> &h) {
        if (!h->done.load()) return false;
        h->thread.join();
        return true;
    });
    auto helper = std::make_unique<Helper>();
    std::atomic<bool> *done = &helper->done;
    helper->thread = std::thread([this, cfg, perms, id, done] {
        ExportStore store(cfg.endpoint, cfg.keys, cfg.timeouts);
        Failure identity;
        const ActingUser acting =
            ActingUser::resolve(store.connection(), cfg.user, cfg.userNamed, &identity);
        ExportStore::CancelResult r;
        if (identity)
            r.failure = identity;
        else
            r = store.cancel(id, acting.name, *perms);
        // Delivered on this object's thread; dropped if it is gone by then (the
        // destructor joins this thread first, so `this` is alive here).
        postToThreadOf(this, [this, id, r] {
            Q_EMIT remoteCancelFinished(id, r.status, r.failure.code, r.failure.message);
        });
        done->store(true);
    });
    m_helpers.push_back(std::move(helper));
}

void Exporter::cancelAll()
{
    const QList<QString> ids = m_exports.keys();
    for (const QString &id : ids)
        cancel(id);
}

} // namespace hb

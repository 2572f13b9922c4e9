#include "exporter.h"

#include "exportjob.h"
#include "exportsource.h"
#include "exportstore.h"
#include "logging.h"

#include <QCoreApplication>
#include <QThread>

#include <algorithm>

namespace hb {

Exporter::Exporter(ExporterConfig config, std::shared_ptr<const PermissionsService> permissions,
                   QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_permissions(std::move(permissions))
{
    qRegisterMetaType<hb::ExportStatus>();
    qRegisterMetaType<hb::ErrorCode>();
    if (!m_permissions)
        m_permissions = std::make_shared<DefaultPermissions>();
}

Exporter::~Exporter()
{
    m_queue.clear();
    for (ExportJob *job : std::as_const(m_running))
        job->cancel();
    for (ExportJob *job : std::as_const(m_running)) {
        job->wait();
        delete job;
    }
    m_running.clear();
    for (const QPointer<QThread> &t : std::as_const(m_helpers)) {
        if (t)
            t->wait();
    }
}

void Exporter::setConfig(const ExporterConfig &config)
{
    m_config = config;
    startQueued();
}

void Exporter::setPermissions(std::shared_ptr<const PermissionsService> permissions)
{
    if (permissions)
        m_permissions = std::move(permissions);
}

QString Exporter::startExport(const QString &source)
{
    const QString id = newExportId();
    m_queue.append({id, source});
    Q_EMIT exportQueued(id, source);
    startQueued();
    return id;
}

void Exporter::startQueued()
{
    while (!m_queue.isEmpty() && m_running.size() < std::max(1, m_config.maxConcurrent)) {
        const Queued next = m_queue.takeFirst();
        auto *job = new ExportJob(next.id, next.source, m_config, m_permissions);
        connect(job, &ExportJob::created, this, &Exporter::exportCreated);
        connect(job, &ExportJob::statusChanged, this, &Exporter::statusChanged);
        connect(job, &ExportJob::progress, this, &Exporter::progress);
        connect(job, &ExportJob::exportFinished, this, &Exporter::onJobFinished);
        m_running.insert(next.id, job);
        job->start();
    }
}

void Exporter::onJobFinished(const QString &id, const ExportStatus &status, ErrorCode code,
                             const QString &message)
{
    if (ExportJob *job = m_running.take(id)) {
        job->wait(); // the thread returns right after its last signal
        job->deleteLater();
    }
    Q_EMIT exportFinished(id, status, code, message);
    startQueued();
    if (isIdle())
        Q_EMIT idle();
}

bool Exporter::isLocal(const QString &id) const
{
    if (m_running.contains(id))
        return true;
    return std::any_of(m_queue.cbegin(), m_queue.cend(), [&](const Queued &q) { return q.id == id; });
}

void Exporter::cancel(const QString &id)
{
    if (ExportJob *job = m_running.value(id)) {
        if (!job->isCancelRequested()) {
            job->cancel();
            Q_EMIT cancelRequested(id);
        }
        return;
    }
    for (int i = 0; i < m_queue.size(); ++i) {
        if (m_queue[i].id != id)
            continue;
        // Never started: nothing was written to Redis, nothing to stop.
        const Queued q = m_queue.takeAt(i);
        ExportStatus s;
        s.id = q.id;
        s.state = ExportState::Cancelled;
        s.owner = m_config.user;
        s.source = sourceDisplayName(q.source);
        s.cancelledBy = m_config.user;
        s.createdAt = s.updatedAt = QDateTime::currentDateTimeUtc();
        Q_EMIT cancelRequested(id);
        Q_EMIT exportFinished(id, s, ErrorCode::Cancelled, QStringLiteral("cancelled while queued"));
        if (isIdle())
            Q_EMIT idle();
        return;
    }
    // Not ours: a remote cancel, off this thread.
    const ExporterConfig cfg = m_config;
    const auto perms = m_permissions;
    QPointer<Exporter> self(this);
    QThread *helper = QThread::create([cfg, perms, id, self] {
        ExportStore store(cfg.endpoint, cfg.keys, cfg.timeouts);
        const ExportStore::CancelResult r = store.cancel(id, cfg.user, *perms);
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, id, r] {
                if (self)
                    Q_EMIT self->remoteCancelFinished(id, r.status, r.failure.code, r.failure.message);
            },
            Qt::QueuedConnection);
    });
    connect(helper, &QThread::finished, helper, &QObject::deleteLater);
    m_helpers.append(helper);
    helper->start();
}

void Exporter::cancelAll()
{
    const QList<Queued> queued = m_queue;
    for (const Queued &q : queued)
        cancel(q.id);
    const QList<QString> running = m_running.keys();
    for (const QString &id : running)
        cancel(id);
}

} // namespace hb

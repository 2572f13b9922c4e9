#include "journalbinding.h"

#include "exportlistmodel.h"
#include "session.h"

namespace hb {

namespace {
const QString windowOrigin = QStringLiteral("window");
} // namespace

JournalBinding::JournalBinding(Session *session, ExportListModel *model, const QString &folder,
                               QObject *parent)
    : QObject(parent), m_session(session), m_model(model), m_journal(folder),
      m_recorder(session->exporter(), &m_journal, windowOrigin)
{
    connect(&m_recorder, &JournalRecorder::problem, this, &JournalBinding::problem);
    connect(model, &ExportListModel::exportsRemoved, this, [this](const QStringList &ids) {
        for (const QString &id : ids)
            m_recorder.forget(id);
    });
    // The rows come back once the server answers: only then is it known which
    // server this is (the embedded one starts first), and a resume can run.
    connect(session, &Session::serverStateChanged, this, [this](Session::ServerState state) {
        if (state == Session::ServerState::Reachable) restore();
    });
    if (session->serverState() == Session::ServerState::Reachable) restore();
}

void JournalBinding::restore()
{
    if (m_restored) return;
    m_restored = true;
    const ExporterConfig &cfg = m_session->config();
    const QString server = Journal::serverText(cfg.endpoint);
    const QString prefix = QString::fromUtf8(cfg.keys.prefix);
    QStringList mine;
    QStringList unfinished;
    for (const Journal::Entry &e : m_journal.entries()) {
        if (e.server != server || e.keyPrefix != prefix) continue; // another server's
        ExportStatus s;
        s.id = e.id;
        s.state = stateFromName(e.state);
        s.owner = e.user;
        s.bytesTotal = e.bytesTotal;
        s.bytesWritten = e.bytesWritten;
        s.error = e.error;
        s.ttl = e.ttl;
        s.segmentBytes = e.segmentBytes;
        s.fingerprint = e.fingerprint;
        s.createdAt = e.createdAt;
        s.updatedAt = e.updatedAt;
        const bool interrupted = !isTerminal(s.state) && s.state != ExportState::Unknown;
        m_model->restoreExport(e.id, e.source, s, interrupted);
        if (interrupted) unfinished << e.id; // whoever resumes or cancels it, the row shows
        // This window's own, and not finished: it picks them up by itself. The
        // CLI's (and another window's on another host) wait for the user's Resume.
        if (interrupted && e.origin == windowOrigin && e.fingerprint.isValid()) mine << e.id;
    }
    if (!m_journal.lastError().isEmpty()) m_recorder.tell();
    m_session->follow(unfinished);
    resume(mine);
}

void JournalBinding::resume(const QStringList &ids)
{
    for (const QString &id : ids) {
        const ExportListModel::Row *row = m_model->find(id);
        if (!row || !row->finished) continue;
        const QString source = row->sourcePath;
        m_model->beginResume(id);
        m_session->exporter()->resumeExport(id, source);
    }
}

} // namespace hb

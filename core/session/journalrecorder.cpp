#include "journalrecorder.h"

#include <QCoreApplication>

namespace hb {

JournalRecorder::JournalRecorder(Exporter *exporter, Journal *journal, QString origin,
                                 QObject *parent)
    : QObject(parent), m_exporter(exporter), m_journal(journal), m_origin(std::move(origin))
{
    connect(exporter, &Exporter::exportQueued, this, [this](const QString &id, const QString &src) {
        // The configuration this export runs with: the exporter's as it is now.
        m_started.insert(id, {src, m_exporter->config(), false});
    });
    connect(exporter, &Exporter::exportCreated, this,
            [this](const QString &id, const ExportStatus &s) {
                if (const auto it = m_started.find(id); it != m_started.end()) it->created = true;
                record(id, s);
            });
    connect(exporter, &Exporter::statusChanged, this,
            [this](const QString &id, const ExportStatus &s) {
                if (s.state != ExportState::Created) record(id, s); // a transition
            });
    connect(exporter, &Exporter::exportFinished, this,
            [this](const QString &id, const ExportStatus &s, ErrorCode, const QString &) {
                // Refused before anything was written: no keys, nothing to remember.
                if (m_started.value(id).created) record(id, s);
                m_started.remove(id);
            });
}

void JournalRecorder::record(const QString &id, const ExportStatus &status)
{
    const auto started = m_started.constFind(id);
    if (started == m_started.cend() || started->source.isEmpty()) return;
    Journal::Entry e = Journal::Entry::of(started->source, started->config, status);
    e.pid = QCoreApplication::applicationPid();
    e.origin = m_origin;
    if (!m_journal->record(e) || !m_journal->lastError().isEmpty()) tell();
}

void JournalRecorder::forget(const QString &id)
{
    if (!m_journal->remove(id)) tell();
}

void JournalRecorder::tell()
{
    if (m_told) return;
    m_told = true;
    Q_EMIT problem(QStringLiteral("the local journal (%1): %2")
                       .arg(m_journal->filePath(), m_journal->lastError()));
}

} // namespace hb

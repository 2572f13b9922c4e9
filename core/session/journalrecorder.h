#pragma once

#include "exporter.h"
#include "journal.h"

#include <QHash>
#include <QObject>
#include <QString>

namespace hb {

// Keeps the local journal (issue 22) of one Exporter's exports: an entry when the
// export's keys exist (exportCreated, emitted before the export is released to
// run, so before its first data command), again at every transition and when it
// ends. What the CLI's export and resume and the window share. A journal that
// cannot be written is told once (problem()); the exports go on regardless.
// On the Exporter's thread.
class JournalRecorder final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JournalRecorder)
public:
    // origin: "window" or "cli", recorded in every entry. `journal` (not owned) must
    // outlive this object.
    JournalRecorder(Exporter *exporter, Journal *journal, QString origin,
                    QObject *parent = nullptr);

    Journal &journal() const { return *m_journal; }
    // Removes the entry of `id` ("Remove from list").
    void forget(const QString &id);
    // problem() for the journal's last error, unless it was told already (a
    // reader of the journal, such as the window's restore, reports through here).
    void tell();

Q_SIGNALS:
    // Once per recorder: the journal could not be read or written (why).
    void problem(const QString &message);

private:
    void record(const QString &id, const ExportStatus &status);

    Exporter *m_exporter;
    Journal *m_journal;
    QString m_origin;
    struct Started
    {
        QString source;
        ExporterConfig config;
        bool created = false; // its keys exist
    };
    QHash<QString, Started> m_started; // by id, from exportQueued until it finished
    bool m_told = false;
};

} // namespace hb

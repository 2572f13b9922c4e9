#pragma once

#include "journal.h"
#include "journalrecorder.h"

#include <QObject>
#include <QStringList>

namespace hb {

class ExportListModel;
class Session;

// The window's side of the local journal (issue 22): every export this window
// starts is recorded (JournalRecorder); once the server first answers, My exports
// gets back the rows of the exports started here before, on this server, and
// those this window owned that did not finish (the window was killed, the
// machine lost power) resume by themselves, as a download manager's do. Resume of
// any other interrupted row is the user's choice (resume()); removing a row
// removes its entry.
class JournalBinding final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JournalBinding)
public:
    // folder: empty = Journal::defaultFolder().
    JournalBinding(Session *session, ExportListModel *model, const QString &folder,
                   QObject *parent = nullptr);

    // Takes these rows' exports over and finishes them (ResumeCheck decides).
    void resume(const QStringList &ids);
    // Restores the rows now (done once by itself when the server first answers).
    void restore();

Q_SIGNALS:
    // Once: the journal could not be read or written (why). The window goes on.
    void problem(const QString &message);

private:
    Session *m_session;
    ExportListModel *m_model;
    Journal m_journal;
    JournalRecorder m_recorder;
    bool m_restored = false;
};

} // namespace hb

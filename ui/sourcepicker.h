#pragma once

#include <QList>
#include <QObject>
#include <QStringList>
#include <QUrl>

class QMainWindow;

namespace hb {

class Session;

// Where the window's exports come from: the Add files and Add URL dialogs (both
// non-blocking), dropped URLs and the command line, each handed to the session.
// Remembers the folder files were last added from.
class SourcePicker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SourcePicker)
public:
    SourcePicker(Session *session, QMainWindow *window, QString lastDir);

    QString lastDir() const { return m_lastDir; }
    // Returns the new ids (none for files that wait for the embedded server to start).
    QStringList addFiles(const QStringList &paths);
    // Local files only; any other URL is logged and left.
    QStringList addUrls(const QList<QUrl> &urls);
    void openAddUrlDialog();
    void openAddFilesDialog();

private:
    Session *m_session;
    QMainWindow *m_window;
    QString m_lastDir;
};

} // namespace hb

#pragma once

#include <QObject>
#include <QString>
#include <functional>

class QMainWindow;

namespace hb {

class ExportListModel;
class Session;

// The name Save data as… proposes for an export's data in `folder`: "scan-0042.tiff"
// becomes "scan-0042 (3f2a0c1e).tiff", a new name that says which export it came
// from, numbered on (" 2", " 3", …) while `taken` says a name is in use (an existing
// file, the export's own source). Pure: every look at the disk is `taken`'s.
QString proposeSavePath(const QString &folder, const QString &name, const QString &id,
                        const std::function<bool(const QString &)> &taken);

// Save data as…: the file dialog (non-blocking), the refusal to write over the file
// an export was made from, the fetch off the GUI thread through the session (into a
// QSaveFile there), and saying how it went: the status bar, a dialog on failure.
// Remembers the folder last saved to.
class SaveDataFlow final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SaveDataFlow)
public:
    SaveDataFlow(Session *session, ExportListModel *model, QMainWindow *window,
                 QString saveDir = {});

    QString saveDir() const { return m_saveDir; }
    // A new name in the last folder saved to (else Downloads, else home), never the
    // source file itself.
    QString defaultSavePath(const QString &id) const;
    void openDialog(const QString &id);
    void saveTo(const QString &id, const QString &path);

Q_SIGNALS:
    void dataSaved(const QString &id, const QString &path, bool ok, const QString &message);

private:
    void onDataFetched(const QString &id, const QString &path, bool ok, qint64 bytes,
                       const QString &message);
    void showProblem(const QString &title, const QString &text);

    Session *m_session;
    ExportListModel *m_model;
    QMainWindow *m_window;
    QString m_saveDir;
};

} // namespace hb

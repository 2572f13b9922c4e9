#include "savedataflow.h"

#include "exportlistmodel.h"
#include "exportsource.h"
#include "session.h"
#include "statusformat.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMainWindow>
#include <QMessageBox>
#include <QStandardPaths>
#include <QStatusBar>

namespace hb {

namespace {

bool samePath(const QString &a, const QString &b)
{
    const QFileInfo fa(a);
    const QFileInfo fb(b);
    if (fa.exists() && fb.exists()) return fa.canonicalFilePath() == fb.canonicalFilePath();
    return QDir::cleanPath(fa.absoluteFilePath()) == QDir::cleanPath(fb.absoluteFilePath());
}

} // namespace

QString proposeSavePath(const QString &folder, const QString &name, const QString &id,
                        const std::function<bool(const QString &)> &taken)
{
    // Only the name's parts are read here (QFileInfo looks at the disk only when asked to).
    const QFileInfo file(name.isEmpty() ? QStringLiteral("export") : name);
    const QString base =
        file.completeBaseName().isEmpty() ? file.fileName() : file.completeBaseName();
    const QString suffix = file.completeBaseName().isEmpty() || file.suffix().isEmpty()
                               ? QString()
                               : QStringLiteral(".") + file.suffix();
    const QDir dir(folder);
    QString path = dir.filePath(QStringLiteral("%1 (%2)%3").arg(base, id.left(8), suffix));
    for (int n = 2; taken(path); ++n)
        path =
            dir.filePath(QStringLiteral("%1 (%2) %3%4").arg(base, id.left(8)).arg(n).arg(suffix));
    return path;
}

SaveDataFlow::SaveDataFlow(Session *session, ExportListModel *model, QMainWindow *window,
                           QString saveDir)
    : QObject(window), m_session(session), m_model(model), m_window(window),
      m_saveDir(std::move(saveDir))
{
    connect(m_session, &Session::dataFetched, this, &SaveDataFlow::onDataFetched);
}

QString SaveDataFlow::defaultSavePath(const QString &id) const
{
    const ExportListModel::Row *row = m_model->find(id);
    if (!row) return {};
    QString folder = m_saveDir;
    if (folder.isEmpty() || !QFileInfo(folder).isDir())
        folder = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    if (folder.isEmpty() || !QFileInfo(folder).isDir()) folder = QDir::homePath();
    const QString source = row->sourcePath;
    return proposeSavePath(folder, row->name, id, [&source](const QString &path) {
        return samePath(path, source) || QFileInfo::exists(path);
    });
}

void SaveDataFlow::openDialog(const QString &id)
{
    const ExportListModel::Row *row = m_model->find(id);
    if (!row) return;
    auto *dialog =
        new QFileDialog(m_window, tr("Save data of %1").arg(row->name), defaultSavePath(id));
    dialog->setObjectName(QStringLiteral("saveDataDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    connect(dialog, &QFileDialog::fileSelected, this,
            [this, id](const QString &path) { saveTo(id, path); });
    dialog->open();
}

void SaveDataFlow::saveTo(const QString &id, const QString &path)
{
    const ExportListModel::Row *row = m_model->find(id);
    if (row && !row->sourcePath.isEmpty() && !isUrlSource(row->sourcePath) &&
        samePath(path, row->sourcePath)) {
        onDataFetched(id, path, false, 0,
                      tr("%1 is the file this export was made from: choose another name.")
                          .arg(QDir::toNativeSeparators(path)));
        return;
    }
    m_window->statusBar()->showMessage(tr("Fetching %1 from Redis…").arg(id));
    m_session->fetchData(id, path);
}

void SaveDataFlow::onDataFetched(const QString &id, const QString &path, bool ok, qint64 bytes,
                                 const QString &message)
{
    if (ok) {
        m_saveDir = QFileInfo(path).absolutePath();
        m_window->statusBar()->showMessage(tr("Saved %1 to %2").arg(sizeText(bytes), path), 8000);
    } else {
        m_window->statusBar()->clearMessage();
        const ExportListModel::Row *row = m_model->find(id);
        showProblem(tr("Could not save the data"),
                    tr("The data of %1 could not be saved to %2.\n\n%3")
                        .arg(row ? row->name : id, QDir::toNativeSeparators(path), message));
        m_session->checkKeys({id}); // gone from Redis? the row will say so
    }
    Q_EMIT dataSaved(id, path, ok, ok ? QString() : message);
}

void SaveDataFlow::showProblem(const QString &title, const QString &text)
{
    auto *box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Close, m_window);
    box->setObjectName(QStringLiteral("problemDialog"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

} // namespace hb

#include "sourcepicker.h"

#include "exportsource.h"
#include "session.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLoggingCategory>
#include <QMainWindow>
#include <QStatusBar>

Q_LOGGING_CATEGORY(lcUi, "hbexporter.ui", QtInfoMsg)

namespace hb {

SourcePicker::SourcePicker(Session *session, QMainWindow *window, QString lastDir)
    : QObject(window), m_session(session), m_window(window), m_lastDir(std::move(lastDir))
{
}

QStringList SourcePicker::addFiles(const QStringList &paths)
{
    QStringList ids;
    for (const QString &path : paths) {
        if (path.isEmpty()) continue;
        // Relative names (command line) are taken from the working folder.
        const QString absolute = isUrlSource(path) ? path : QFileInfo(path).absoluteFilePath();
        ids.append(m_session->startExports({absolute}));
    }
    if (!paths.isEmpty() && !isUrlSource(paths.constLast()))
        m_lastDir = QFileInfo(paths.constLast()).absolutePath();
    return ids;
}

QStringList SourcePicker::addUrls(const QList<QUrl> &urls)
{
    QStringList files;
    for (const QUrl &url : urls) {
        if (url.isLocalFile())
            files.append(url.toLocalFile());
        else
            qCWarning(lcUi).noquote() << "not a local file, not exported:" << url.toDisplayString();
    }
    return addFiles(files);
}

void SourcePicker::openAddUrlDialog()
{
    auto *dialog = new QInputDialog(m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Add URL"));
    dialog->setLabelText(tr("http(s) URL to export (streamed, never stored whole):"));
    dialog->setTextValue(QStringLiteral("https://"));
    dialog->resize(560, dialog->sizeHint().height());
    connect(dialog, &QInputDialog::textValueSelected, this, [this](const QString &text) {
        const QString url = text.trimmed();
        const QUrl parsed(url, QUrl::StrictMode);
        if (!isUrlSource(url) || !parsed.isValid() || parsed.host().isEmpty()) {
            m_window->statusBar()->showMessage(
                tr("Not an http(s) URL: %1").arg(sourceForMessages(url)), 6000);
            return;
        }
        addFiles({url});
    });
    dialog->open();
}

void SourcePicker::openAddFilesDialog()
{
    auto *dialog = new QFileDialog(m_window, tr("Add files to export"), m_lastDir);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFiles);
    dialog->setObjectName(QStringLiteral("addFilesDialog"));
    connect(dialog, &QFileDialog::filesSelected, this,
            [this](const QStringList &files) { addFiles(files); });
    dialog->open();
}

} // namespace hb

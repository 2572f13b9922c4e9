#include "mainwindow.h"

#include "allexportsview.h"
#include "exportdetailsdialog.h"
#include "exporter.h"
#include "exportlistmodel.h"
#include "exportlistwidget.h"
#include "exportmonitor.h"
#include "exportsource.h"
#include "hbversion.h"
#include "logging.h"
#include "logpanel.h"
#include "lookupdialog.h"
#include "myexportspage.h"
#include "notifier.h"
#include "passwordbinding.h"
#include "savedataflow.h"
#include "serverstatusbar.h"
#include "settingsdialog.h"
#include "windowstate.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLoggingCategory>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QUrl>

Q_LOGGING_CATEGORY(lcUi, "hbexporter.ui", QtInfoMsg)

namespace hb {

MainWindow::MainWindow(MainWindowOptions options, QWidget *parent)
    : QMainWindow(parent), m_options(std::move(options)), m_model(new ExportListModel(this))
{
    m_store = m_options.settingsFile.isEmpty()
                  ? std::make_unique<QSettings>()
                  : std::make_unique<QSettings>(m_options.settingsFile, QSettings::IniFormat);
    bool plainPassword = false;
    m_settings = GuiSettings::load(*m_store, &plainPassword);
    const WindowState::Folders folders = WindowState::folders(*m_store);
    m_lastDir = folders.lastAdded;

    setWindowTitle(tr("HB Exporter"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/hbexporter.svg")));
    setAcceptDrops(true);
    setObjectName(QStringLiteral("mainWindow"));

    Session::Options sessionOptions;
    sessionOptions.serverPollMs = m_options.serverPollMs;
    m_session = new Session(sessionInputs(), sessionOptions, this);
    m_model->setRefreshInterval(m_options.refreshIntervalMs);
    connectExporter();

    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_myPage = new MyExportsPage(m_model, m_tabs);
    ExportListWidget *list = m_myPage->list();
    list->setRedisTarget(config().endpoint, config().keys);
    m_tabs->addTab(m_myPage, QIcon(QStringLiteral(":/icons/hbexporter.svg")), tr("My exports"));
    setCentralWidget(m_tabs);
    connect(list, &ExportListWidget::cancelRequested, this, &MainWindow::cancelExports);
    connect(list, &ExportListWidget::cancelAllRequested, this, &MainWindow::cancelAll);
    connect(list, &ExportListWidget::retryRequested, this, &MainWindow::retryExports);
    connect(list, &ExportListWidget::detailsRequested, this, &MainWindow::showDetails);
    connect(list, &ExportListWidget::saveDataRequested, this, &MainWindow::openSaveDataDialog);

    m_log = new LogPanel(this);
    addDockWidget(Qt::BottomDockWidgetArea, m_log);
    connect(LogHub::instance(), &LogHub::messageLogged, m_log, &LogPanel::appendLine);

    createActions();
    m_statusFields = new ServerStatusBar(m_session, m_model, statusBar());
    m_saveData = new SaveDataFlow(m_session, m_model, this, folders.lastSaved);
    connect(m_saveData, &SaveDataFlow::dataSaved, this, &MainWindow::dataSaved);
    m_notifier = new Notifier(this);

    resize(1180, 640);
    resizeDocks({m_log}, {130}, Qt::Vertical);
    WindowState::restore(*m_store, *this, *list->header());

    connectSession();
    rebuildAllExportsTab();
    updateTitle();

    // An older version's password in the settings file moves to the keychain, and
    // out of the file at once.
    m_passwords = new PasswordBinding(this);
    connect(m_passwords, &PasswordBinding::passwordFound, this, &MainWindow::adoptStoredPassword);
    connect(m_passwords, &PasswordBinding::noteChanged, this, &MainWindow::updatePasswordNote);
    if (plainPassword) m_settings.save(*m_store);
    m_passwords->open(m_settings, plainPassword);
}

void MainWindow::connectExporter()
{
    Exporter *exporter = m_session->exporter();
    connect(exporter, &Exporter::exportQueued, m_model, &ExportListModel::addExport);
    // Only from here on is the id real (a refused source never gets there).
    connect(exporter, &Exporter::exportCreated, m_model, &ExportListModel::createExport);
    connect(exporter, &Exporter::statusChanged, m_model, &ExportListModel::updateStatus);
    connect(exporter, &Exporter::progress, m_model, &ExportListModel::updateProgress);
    connect(exporter, &Exporter::cancelRequested, m_model, &ExportListModel::markCancelling);
    connect(exporter, &Exporter::exportFinished, this, &MainWindow::onExportFinished);
    connect(m_model, &ExportListModel::refreshed, this, &MainWindow::updateTitle);
}

void MainWindow::connectSession()
{
    connect(m_session, &Session::serverStateChanged, this, &MainWindow::onServerStateChanged);
    connect(m_session, &Session::configChanged, this, &MainWindow::onConfigChanged);
    connect(m_session, &Session::embeddedServerRestarted, this,
            [this](bool, const QString &message) { statusBar()->showMessage(message, 15000); });
    connect(m_session, &Session::monitorChanged, this, [this](ExportMonitor *monitor) {
        if (m_allView) m_allView->setMonitor(monitor);
    });
    connect(m_session, &Session::keysChecked, this, [this](const QHash<QString, bool> &exists) {
        m_model->updateKeysExist(exists, QDateTime::currentDateTimeUtc());
        listWidget()->updateActions();
    });
}

void MainWindow::adoptStoredPassword(const QString &password)
{
    m_settings.redisPassword = password;
    m_session->setInputs(sessionInputs()); // configChanged: the views follow
    if (m_settingsDialog) m_settingsDialog->adoptStoredPassword(password);
}

void MainWindow::updatePasswordNote()
{
    if (m_settingsDialog) m_settingsDialog->setPasswordNote(m_passwords->note());
}

MainWindow::~MainWindow()
{
    saveWindowState();
    // The view goes before the monitor it reads; then the session runs the stop
    // sequence of running exports while the model they report to still exists.
    delete m_allPage;
    m_allPage = nullptr;
    m_allView = nullptr;
    delete m_session;
    m_session = nullptr;
}

Exporter *MainWindow::exporter() const
{
    return m_session->exporter();
}
ExportListWidget *MainWindow::listWidget() const
{
    return m_myPage->list();
}
QComboBox *MainWindow::statusFilterBox() const
{
    return m_myPage->statusFilterBox();
}
QLineEdit *MainWindow::nameFilterEdit() const
{
    return m_myPage->nameFilterEdit();
}
const ExporterConfig &MainWindow::config() const
{
    return m_session->config();
}
std::shared_ptr<const PermissionsService> MainWindow::permissions() const
{
    return m_session->permissions();
}
bool MainWindow::isServerReady() const
{
    return m_session->isServerReady();
}
QString MainWindow::serverStatusText() const
{
    return m_statusFields->serverText();
}
QString MainWindow::defaultSavePath(const QString &id) const
{
    return m_saveData->defaultSavePath(id);
}

Session::Inputs MainWindow::sessionInputs() const
{
    Session::Inputs in;
    in.config.flagUrl = m_options.redisUrl;
    in.config.flagPermissions = m_options.permissionsFile;
    in.config.settingsUrl = m_settings.redisUrl;
    in.config.settingsUser = m_settings.redisUser;
    in.config.settingsPassword = m_settings.redisPassword;
    in.config.settingsPermissions = m_settings.permissionsFile;
    m_settings.applyTo(in.exportConfig);
    return in;
}

void MainWindow::onConfigChanged()
{
    listWidget()->setRedisTarget(config().endpoint, config().keys);
    rebuildAllExportsTab();
}

void MainWindow::rebuildAllExportsTab()
{
    const bool mayRead = permissions()->mayRead(config().user);
    if (m_allPage && mayRead == (m_allView != nullptr))
        return; // the view follows the session's monitor by itself
    int index = m_allPage ? m_tabs->indexOf(m_allPage) : -1;
    if (m_allPage) {
        m_tabs->removeTab(index);
        delete m_allPage;
        m_allPage = nullptr;
        m_allView = nullptr;
    }
    if (index < 0) index = 1;
    if (!mayRead) {
        auto *label = new QLabel(
            tr("User %1 lacks the permission \"export:read\" (%2): the "
               "exports of others are not shown.")
                .arg(config().user.toHtmlEscaped(), permissions()->origin().toHtmlEscaped()));
        label->setAlignment(Qt::AlignCenter);
        label->setWordWrap(true);
        m_allPage = label;
    } else {
        m_allView = new AllExportsView(m_session->monitor(), exporter());
        m_allPage = m_allView;
    }
    m_tabs->insertTab(index, m_allPage, QIcon(QStringLiteral(":/icons/lookup.svg")),
                      tr("All exports"));
}

QStringList MainWindow::addFiles(const QStringList &paths)
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

QStringList MainWindow::addUrls(const QList<QUrl> &urls)
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

void MainWindow::openAddUrlDialog()
{
    auto *dialog = new QInputDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Add URL"));
    dialog->setLabelText(tr("http(s) URL to export (streamed, never stored whole):"));
    dialog->setTextValue(QStringLiteral("https://"));
    dialog->resize(560, dialog->sizeHint().height());
    connect(dialog, &QInputDialog::textValueSelected, this, [this](const QString &text) {
        const QString url = text.trimmed();
        const QUrl parsed(url, QUrl::StrictMode);
        if (!isUrlSource(url) || !parsed.isValid() || parsed.host().isEmpty()) {
            statusBar()->showMessage(tr("Not an http(s) URL: %1").arg(sourceForMessages(url)),
                                     6000);
            return;
        }
        addFiles({url});
    });
    dialog->open();
}

void MainWindow::openAddFilesDialog()
{
    auto *dialog = new QFileDialog(this, tr("Add files to export"), m_lastDir);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFiles);
    dialog->setObjectName(QStringLiteral("addFilesDialog"));
    connect(dialog, &QFileDialog::filesSelected, this,
            [this](const QStringList &files) { addFiles(files); });
    dialog->open();
}

void MainWindow::cancelExports(const QStringList &ids)
{
    for (const QString &id : ids) {
        const ExportListModel::Row *row = m_model->find(id);
        if (row && !row->finished) // a finished export is never "cancelled" again
            exporter()->cancel(id);
    }
}

void MainWindow::cancelSelected()
{
    cancelExports(listWidget()->cancellableSelection());
}

void MainWindow::cancelAll()
{
    const int active = m_model->activeCount();
    if (active == 0 || m_confirm) return;
    m_confirm = new QMessageBox(
        QMessageBox::Question, tr("Cancel all exports?"),
        active == 1 ? tr("Cancel the export still running or queued?")
                    : tr("Cancel all %1 exports still running or queued?").arg(active),
        QMessageBox::NoButton, this);
    m_confirm->setObjectName(QStringLiteral("confirmCancelAll"));
    m_confirm->setInformativeText(tr("What they wrote so far stays in Redis until it expires."));
    m_confirm->addButton(tr("Cancel all"), QMessageBox::AcceptRole);
    m_confirm->setDefaultButton(m_confirm->addButton(tr("Keep them"), QMessageBox::RejectRole));
    m_confirm->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_confirm, &QMessageBox::buttonClicked, this, [this](QAbstractButton *button) {
        if (m_confirm && m_confirm->buttonRole(button) == QMessageBox::AcceptRole) cancelAllNow();
    });
    m_confirm->open();
}

void MainWindow::cancelAllNow()
{
    exporter()->cancelAll();
}

void MainWindow::retryExports(const QStringList &ids)
{
    QStringList paths;
    for (const QString &id : ids) {
        if (const ExportListModel::Row *row = m_model->find(id)) paths.append(row->sourcePath);
    }
    addFiles(paths);
}

LookupDialog *MainWindow::showLookupDialog()
{
    if (!m_lookup) {
        m_lookup = new LookupDialog(config(), permissions(), this);
        m_lookup->setAttribute(Qt::WA_DeleteOnClose);
    }
    m_lookup->show();
    m_lookup->raise();
    m_lookup->activateWindow();
    return m_lookup;
}

SettingsDialog *MainWindow::showSettingsDialog()
{
    if (!m_settingsDialog) {
        m_settingsDialog = new SettingsDialog(this);
        m_settingsDialog->setAttribute(Qt::WA_DeleteOnClose);
        m_settingsDialog->setValues(m_settings);
        QString urlNote;
        const ResolvedConfig &r = m_session->resolved();
        if (r.urlOrigin == ConfigOrigin::Flag)
            urlNote = tr("This window was started with the Redis URL %1; it overrides this "
                         "setting.")
                          .arg(config().endpoint.displayName());
        else if (r.urlOrigin == ConfigOrigin::Environment)
            urlNote = tr("HBEXPORTER_REDIS_URL is set and overrides this setting.");
        QString permNote;
        if (r.permissionsOrigin == ConfigOrigin::Flag ||
            r.permissionsOrigin == ConfigOrigin::Environment)
            permNote = tr("%1 overrides this setting.")
                           .arg(describePermissionsOrigin(r.permissionsOrigin));
        m_settingsDialog->setOverrides(urlNote, permNote);
        connect(m_settingsDialog, &SettingsDialog::applied, this, &MainWindow::applySettings);
        updatePasswordNote();
        // Say at once whether a password typed here would be kept.
        m_passwords->probe();
    }
    m_settingsDialog->show();
    m_settingsDialog->raise();
    return m_settingsDialog;
}

void MainWindow::applySettings(const GuiSettings &values)
{
    m_settings = values.withPasswordOutOfUrl();
    m_settings.save(*m_store); // never the password
    m_passwords->store(m_settings);
    m_session->setInputs(sessionInputs()); // configChanged: the views follow
    if (m_lookup) m_lookup->close();       // it holds the old server; the next one gets the new
    statusBar()->showMessage(tr("Settings applied to new exports."), 4000);
}

ExportDetailsDialog *MainWindow::showDetails(const QString &id)
{
    const ExportListModel::Row *row = m_model->find(id);
    if (!row) return nullptr;
    auto *dialog = new ExportDetailsDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setRow(*row);
    dialog->show();
    return dialog;
}

void MainWindow::openSaveDataDialog(const QString &id)
{
    m_saveData->openDialog(id);
}

void MainWindow::saveDataTo(const QString &id, const QString &path)
{
    m_saveData->saveTo(id, path);
}

void MainWindow::bringToFront()
{
    if (isMinimized()) showNormal();
    show();
    raise();
    activateWindow();
}

void MainWindow::onExportFinished(const QString &id, const ExportStatus &status, ErrorCode code,
                                  const QString &message)
{
    m_model->finishExport(id, status, code, message);
    const ExportListModel::Row *row = m_model->find(id);
    m_notifier->exportFinished(row ? row->name : id, status,
                               row ? ExportListModel::shortReason(*row) : message);
}

void MainWindow::createActions()
{
    auto *addFilesAction =
        new QAction(QIcon(QStringLiteral(":/icons/add-files.svg")), tr("&Add files…"), this);
    addFilesAction->setShortcut(QKeySequence::Open);
    addFilesAction->setToolTip(
        tr("Export files into Redis (Ctrl+O); you can also drop files on the window"));
    connect(addFilesAction, &QAction::triggered, this, &MainWindow::openAddFilesDialog);
    auto *addUrlAction =
        new QAction(QIcon(QStringLiteral(":/icons/add-files.svg")), tr("Add &URL…"), this);
    addUrlAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    addUrlAction->setToolTip(tr("Export what an http(s) URL serves (Ctrl+Shift+O)"));
    connect(addUrlAction, &QAction::triggered, this, &MainWindow::openAddUrlDialog);
    auto *lookupAction =
        new QAction(QIcon(QStringLiteral(":/icons/lookup.svg")), tr("&Look up export…"), this);
    lookupAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    connect(lookupAction, &QAction::triggered, this, &MainWindow::showLookupDialog);
    auto *settingsAction =
        new QAction(QIcon(QStringLiteral(":/icons/settings.svg")), tr("&Settings…"), this);
    settingsAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    settingsAction->setMenuRole(QAction::PreferencesRole);
    connect(settingsAction, &QAction::triggered, this, &MainWindow::showSettingsDialog);
    auto *quitAction = new QAction(tr("&Quit"), this);
    quitAction->setShortcut(QKeySequence::Quit);
    connect(quitAction, &QAction::triggered, this, &QWidget::close);

    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(addFilesAction);
    file->addAction(addUrlAction);
    file->addAction(lookupAction);
    file->addSeparator();
    file->addAction(quitAction);

    ExportListWidget *list = listWidget();
    QMenu *exports = menuBar()->addMenu(tr("&Exports"));
    exports->addAction(list->cancelAction());
    exports->addAction(list->cancelAllAction());
    exports->addSeparator();
    exports->addAction(list->copyIdAction());
    exports->addAction(list->copyCommandAction());
    exports->addAction(list->detailsAction());
    exports->addAction(list->saveDataAction());
    exports->addSeparator();
    exports->addAction(list->retryAction());
    exports->addAction(list->removeAction());

    QMenu *settings = menuBar()->addMenu(tr("&Settings"));
    settings->addAction(settingsAction);

    auto *toolbar = addToolBar(tr("Main toolbar"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->setMovable(false);
    toolbar->addAction(addFilesAction);
    toolbar->addSeparator();
    toolbar->addAction(list->cancelAction());
    toolbar->addAction(list->cancelAllAction());
    toolbar->addSeparator();
    toolbar->addAction(lookupAction);
    toolbar->addAction(settingsAction);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_log->toggleViewAction());
    view->addAction(toolbar->toggleViewAction());

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About HB Exporter"), this, [this] {
        QMessageBox::about(
            this, tr("About HB Exporter"),
            tr("<b>HB Exporter %1</b><p>Streams files into Redis, chunk by chunk.</p>")
                .arg(QString::fromLatin1(ProjectVersion)));
    });
}

void MainWindow::onServerStateChanged()
{
    // Rows that outlived their keys (expired, deleted, a restarted server) say so.
    if (m_session->serverState() == Session::ServerState::Reachable)
        m_session->checkKeys(m_model->idsToCheck());
}

void MainWindow::updateTitle()
{
    const int active = m_model->activeCount();
    const int percent = m_model->overallPercent();
    if (active > 0 && percent >= 0)
        setWindowTitle((active == 1 ? tr("%1% of 1 export — HB Exporter")
                                    : tr("%1% of %2 exports — HB Exporter")
                                          .arg(QStringLiteral("%1"), QString::number(active)))
                           .arg(percent));
    else
        setWindowTitle(tr("HB Exporter"));
}

void MainWindow::saveWindowState()
{
    if (!m_store) return;
    WindowState::save(*m_store, *this, *listWidget()->header(), {m_lastDir, m_saveData->saveDir()});
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    const int active = m_model->activeCount();
    if (active > 0 && !m_quitConfirmed) {
        event->ignore();
        askBeforeQuitting(active);
        return;
    }
    saveWindowState();
    event->accept();
}

void MainWindow::askBeforeQuitting(int active)
{
    if (m_quitQuestion) {
        m_quitQuestion->raise();
        return;
    }
    m_quitQuestion = new QMessageBox(
        QMessageBox::Question, tr("Exports running"),
        active == 1
            ? tr("1 export is still running. Quitting cancels it. Quit anyway?")
            : tr("%1 exports are still running. Quitting cancels them. Quit anyway?").arg(active),
        QMessageBox::Yes | QMessageBox::No, this);
    m_quitQuestion->setObjectName(QStringLiteral("confirmQuit"));
    m_quitQuestion->setDefaultButton(QMessageBox::No);
    m_quitQuestion->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_quitQuestion, &QMessageBox::buttonClicked, this, [this](QAbstractButton *button) {
        if (!m_quitQuestion || m_quitQuestion->standardButton(button) != QMessageBox::Yes) return;
        m_quitConfirmed = true;
        // After the question has gone: the close is issued again, now without asking.
        QTimer::singleShot(0, this, &QWidget::close);
    });
    m_quitQuestion->open();
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.isEmpty()) return;
    event->acceptProposedAction();
    addUrls(urls);
}

} // namespace hb
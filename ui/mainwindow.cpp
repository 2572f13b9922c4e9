#include "mainwindow.h"

#include "allexportsview.h"
#include "elidedlabel.h"
#include "exportdetailsdialog.h"
#include "exporter.h"
#include "exportlistmodel.h"
#include "exportlistwidget.h"
#include "exportmonitor.h"
#include "exportsortmodel.h"
#include "exportsource.h"
#include "exportstore.h"
#include "hbversion.h"
#include "logging.h"
#include "logpanel.h"
#include "lookupdialog.h"
#include "passwordstore.h"
#include "settingsdialog.h"
#include "statusformat.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QLoggingCategory>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QToolBar>
#include <QUrl>
#include <QVBoxLayout>

Q_LOGGING_CATEGORY(lcUi, "hbexporter.ui", QtInfoMsg)

namespace hb {

namespace {

const QString kGeometry = QStringLiteral("window/geometry");
const QString kState = QStringLiteral("window/state");
const QString kHeader = QStringLiteral("window/exportListHeader");
const QString kLastDir = QStringLiteral("window/lastDirectory");
const QString kSaveDir = QStringLiteral("window/saveDirectory");

bool samePath(const QString &a, const QString &b)
{
    const QFileInfo fa(a);
    const QFileInfo fb(b);
    if (fa.exists() && fb.exists()) return fa.canonicalFilePath() == fb.canonicalFilePath();
    return QDir::cleanPath(fa.absoluteFilePath()) == QDir::cleanPath(fb.absoluteFilePath());
}

} // namespace

MainWindow::MainWindow(MainWindowOptions options, QWidget *parent)
    : QMainWindow(parent), m_options(std::move(options)), m_model(new ExportListModel(this))
{
    m_store = m_options.settingsFile.isEmpty()
                  ? std::make_unique<QSettings>()
                  : std::make_unique<QSettings>(m_options.settingsFile, QSettings::IniFormat);
    bool plainPassword = false;
    m_settings = GuiSettings::load(*m_store, &plainPassword);
    m_lastDir = m_store->value(kLastDir, QDir::homePath()).toString();
    m_saveDir = m_store->value(kSaveDir).toString();

    setWindowTitle(tr("HB Exporter"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/hbexporter.svg")));
    setAcceptDrops(true);
    setObjectName(QStringLiteral("mainWindow"));

    Session::Options sessionOptions;
    sessionOptions.serverPollMs = m_options.serverPollMs;
    m_session = new Session(sessionInputs(), sessionOptions, this);
    Exporter *exporter = m_session->exporter();
    m_model->setRefreshInterval(m_options.refreshIntervalMs);
    connect(exporter, &Exporter::exportQueued, m_model, &ExportListModel::addExport);
    // Only from here on is the id real (a refused source never gets there).
    connect(exporter, &Exporter::exportCreated, m_model, &ExportListModel::createExport);
    connect(exporter, &Exporter::statusChanged, m_model, &ExportListModel::updateStatus);
    connect(exporter, &Exporter::progress, m_model, &ExportListModel::updateProgress);
    connect(exporter, &Exporter::cancelRequested, m_model, &ExportListModel::markCancelling);
    connect(exporter, &Exporter::exportFinished, this, &MainWindow::onExportFinished);
    connect(m_model, &ExportListModel::refreshed, this, &MainWindow::updateSummary);

    // The "My exports" tab: filters above the list.
    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    auto *page = new QWidget(m_tabs);
    m_list = new ExportListWidget(m_model, page);
    m_list->setRedisTarget(config().endpoint, config().keys);
    m_statusFilter = new QComboBox(page);
    m_statusFilter->addItem(tr("All"), int(ExportSortModel::StatusFilter::All));
    m_statusFilter->addItem(QIcon(QStringLiteral(":/icons/status-running.svg")), tr("Active"),
                            int(ExportSortModel::StatusFilter::Active));
    m_statusFilter->addItem(QIcon(QStringLiteral(":/icons/status-completed.svg")), tr("Completed"),
                            int(ExportSortModel::StatusFilter::Completed));
    m_statusFilter->addItem(QIcon(QStringLiteral(":/icons/status-cancelled.svg")), tr("Cancelled"),
                            int(ExportSortModel::StatusFilter::Cancelled));
    m_statusFilter->addItem(QIcon(QStringLiteral(":/icons/status-failed.svg")), tr("Failed"),
                            int(ExportSortModel::StatusFilter::Failed));
    m_statusFilter->setToolTip(tr("Show exports in this state"));
    m_nameFilter = new QLineEdit(page);
    m_nameFilter->setPlaceholderText(tr("Filter by file name"));
    m_nameFilter->setClearButtonEnabled(true);
    m_nameFilter->setMaximumWidth(280);
    auto *filterRow = new QHBoxLayout;
    filterRow->setContentsMargins(6, 6, 6, 0);
    auto *statusLabel = new QLabel(tr("&Status:"), page);
    statusLabel->setBuddy(m_statusFilter);
    filterRow->addWidget(statusLabel);
    filterRow->addWidget(m_statusFilter);
    filterRow->addSpacing(12);
    filterRow->addWidget(m_nameFilter, 1);
    filterRow->addStretch(1);
    auto *pageLayout = new QVBoxLayout(page);
    pageLayout->setContentsMargins(0, 0, 0, 0);
    pageLayout->addLayout(filterRow);
    pageLayout->addWidget(m_list, 1);
    m_tabs->addTab(page, QIcon(QStringLiteral(":/icons/hbexporter.svg")), tr("My exports"));
    setCentralWidget(m_tabs);

    connect(m_statusFilter, &QComboBox::currentIndexChanged, this, [this] {
        m_list->sortModel()->setStatusFilter(
            ExportSortModel::StatusFilter(m_statusFilter->currentData().toInt()));
    });
    connect(m_nameFilter, &QLineEdit::textChanged, m_list->sortModel(),
            &ExportSortModel::setNameFilter);
    connect(m_list, &ExportListWidget::cancelRequested, this, &MainWindow::cancelExports);
    connect(m_list, &ExportListWidget::cancelAllRequested, this, &MainWindow::cancelAll);
    connect(m_list, &ExportListWidget::retryRequested, this, &MainWindow::retryExports);
    connect(m_list, &ExportListWidget::detailsRequested, this, &MainWindow::showDetails);
    connect(m_list, &ExportListWidget::saveDataRequested, this, &MainWindow::openSaveDataDialog);

    m_log = new LogPanel(this);
    addDockWidget(Qt::BottomDockWidgetArea, m_log);
    connect(LogHub::instance(), &LogHub::messageLogged, m_log, &LogPanel::appendLine);

    createActions();
    createStatusBar();

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(windowIcon(), this);
        m_tray->setToolTip(tr("HB Exporter"));
        m_tray->show();
        connect(m_tray, &QSystemTrayIcon::activated, this, [this] {
            showNormal();
            activateWindow();
        });
    }

    resize(1180, 640);
    resizeDocks({m_log}, {130}, Qt::Vertical);
    restoreGeometry(m_store->value(kGeometry).toByteArray());
    restoreState(m_store->value(kState).toByteArray());
    m_list->header()->restoreState(m_store->value(kHeader).toByteArray());

    connect(m_session, &Session::serverStateChanged, this, &MainWindow::onServerStateChanged);
    connect(m_session, &Session::embeddedServerRestarted, this,
            [this](bool, const QString &message) { statusBar()->showMessage(message, 15000); });
    connect(m_session, &Session::monitorChanged, this, [this](ExportMonitor *monitor) {
        if (m_allView) m_allView->setMonitor(monitor);
    });
    connect(m_session, &Session::dataFetched, this, &MainWindow::onDataFetched);
    connect(m_session, &Session::keysChecked, this, [this](const QHash<QString, bool> &exists) {
        m_model->updateKeysExist(exists, QDateTime::currentDateTimeUtc());
        m_list->updateActions();
    });
    rebuildAllExportsTab();
    updateServerLabel();
    updateSummary();

    // The Redis password: from the keychain, asynchronously (the session starts
    // without it and is given it when it comes). One an older version left in the
    // settings file moves to the keychain, and out of the file at once.
    m_passwords = new PasswordStore(this);
    connect(m_passwords, &PasswordStore::passwordRead, this, &MainWindow::adoptStoredPassword);
    connect(m_passwords, &PasswordStore::availabilityChanged, this,
            &MainWindow::updatePasswordNote);
    if (plainPassword) {
        m_settings.save(*m_store);
        storePassword();
    } else if (!m_settings.redisUrl.isEmpty()) {
        m_passwords->read(m_settings.keychainKey());
    }
}

void MainWindow::storePassword()
{
    if (!m_settings.redisUrl.isEmpty())
        m_passwords->write(m_settings.keychainKey(), m_settings.redisPassword);
}

void MainWindow::adoptStoredPassword(const QString &key, const QString &password)
{
    // Only for the server still configured, and never over one typed meanwhile.
    if (password.isEmpty() || key != m_settings.keychainKey() ||
        !m_settings.redisPassword.isEmpty())
        return;
    m_settings.redisPassword = password;
    m_session->setInputs(sessionInputs());
    m_list->setRedisTarget(config().endpoint, config().keys);
    rebuildAllExportsTab();
    updateServerLabel();
    if (m_settingsDialog) m_settingsDialog->adoptStoredPassword(password);
}

void MainWindow::updatePasswordNote()
{
    if (!m_settingsDialog) return;
    m_settingsDialog->setPasswordNote(
        m_passwords->availability() == PasswordStore::Availability::Unavailable
            ? tr("No keychain is available: the password is kept only until HB Exporter "
                 "closes.")
            : QString());
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
    cancelExports(m_list->cancellableSelection());
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
        if (m_passwords->availability() == PasswordStore::Availability::Unknown)
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
    storePassword();
    m_session->setInputs(sessionInputs());
    m_list->setRedisTarget(config().endpoint, config().keys);
    if (m_lookup) m_lookup->close(); // it holds the old server; the next one gets the new
    rebuildAllExportsTab();
    updateServerLabel();
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

QString MainWindow::defaultSavePath(const QString &id) const
{
    const ExportListModel::Row *row = m_model->find(id);
    if (!row) return {};
    QString folder = m_saveDir;
    if (folder.isEmpty() || !QFileInfo(folder).isDir())
        folder = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    if (folder.isEmpty() || !QFileInfo(folder).isDir()) folder = QDir::homePath();
    // "scan-0042.tiff" becomes "scan-0042 (3f2a0c1e).tiff": a new name that says
    // which export it came from, even in the folder the source is in.
    const QFileInfo name(row->name.isEmpty() ? QStringLiteral("export") : row->name);
    const QString base =
        name.completeBaseName().isEmpty() ? name.fileName() : name.completeBaseName();
    const QString suffix = name.completeBaseName().isEmpty() || name.suffix().isEmpty()
                               ? QString()
                               : QStringLiteral(".") + name.suffix();
    QString path = QDir(folder).filePath(QStringLiteral("%1 (%2)%3").arg(base, id.left(8), suffix));
    for (int n = 2; samePath(path, row->sourcePath) || QFileInfo::exists(path); ++n)
        path = QDir(folder).filePath(
            QStringLiteral("%1 (%2) %3%4").arg(base, id.left(8)).arg(n).arg(suffix));
    return path;
}

void MainWindow::openSaveDataDialog(const QString &id)
{
    const ExportListModel::Row *row = m_model->find(id);
    if (!row) return;
    auto *dialog = new QFileDialog(this, tr("Save data of %1").arg(row->name), defaultSavePath(id));
    dialog->setObjectName(QStringLiteral("saveDataDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    connect(dialog, &QFileDialog::fileSelected, this,
            [this, id](const QString &path) { saveDataTo(id, path); });
    dialog->open();
}

void MainWindow::saveDataTo(const QString &id, const QString &path)
{
    const ExportListModel::Row *row = m_model->find(id);
    if (row && !row->sourcePath.isEmpty() && !isUrlSource(row->sourcePath) &&
        samePath(path, row->sourcePath)) {
        onDataFetched(id, path, false, 0,
                      tr("%1 is the file this export was made from: choose another name.")
                          .arg(QDir::toNativeSeparators(path)));
        return;
    }
    statusBar()->showMessage(tr("Fetching %1 from Redis…").arg(id));
    m_session->fetchData(id, path);
}

void MainWindow::onDataFetched(const QString &id, const QString &path, bool ok, qint64 bytes,
                               const QString &message)
{
    if (ok) {
        m_saveDir = QFileInfo(path).absolutePath();
        statusBar()->showMessage(tr("Saved %1 to %2").arg(sizeText(bytes), path), 8000);
    } else {
        statusBar()->clearMessage();
        const ExportListModel::Row *row = m_model->find(id);
        showProblem(tr("Could not save the data"),
                    tr("The data of %1 could not be saved to %2.\n\n%3")
                        .arg(row ? row->name : id, QDir::toNativeSeparators(path), message));
        m_session->checkKeys({id}); // gone from Redis? the row will say so
    }
    Q_EMIT dataSaved(id, path, ok, ok ? QString() : message);
}

void MainWindow::showProblem(const QString &title, const QString &text)
{
    auto *box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Close, this);
    box->setObjectName(QStringLiteral("problemDialog"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
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
    const QString name = row ? row->name : id;
    if (status.state == ExportState::Completed)
        notify(tr("Export completed"),
               tr("%1 is in Redis (%2).").arg(name, sizeText(status.bytesWritten)), false);
    else if (status.state == ExportState::Failed)
        notify(tr("Export failed"),
               tr("%1: %2").arg(name, row ? ExportListModel::shortReason(*row) : message), true);
}

void MainWindow::notify(const QString &title, const QString &text, bool failure)
{
    if (isActiveWindow()) return;
    if (m_tray && QSystemTrayIcon::supportsMessages())
        m_tray->showMessage(
            title, text, failure ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information, 8000);
    else
        statusBar()->showMessage(title + QStringLiteral(": ") + text, 10000);
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

    QMenu *exports = menuBar()->addMenu(tr("&Exports"));
    exports->addAction(m_list->cancelAction());
    exports->addAction(m_list->cancelAllAction());
    exports->addSeparator();
    exports->addAction(m_list->copyIdAction());
    exports->addAction(m_list->copyCommandAction());
    exports->addAction(m_list->detailsAction());
    exports->addAction(m_list->saveDataAction());
    exports->addSeparator();
    exports->addAction(m_list->retryAction());
    exports->addAction(m_list->removeAction());

    QMenu *settings = menuBar()->addMenu(tr("&Settings"));
    settings->addAction(settingsAction);

    auto *toolbar = addToolBar(tr("Main toolbar"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->setMovable(false);
    toolbar->addAction(addFilesAction);
    toolbar->addSeparator();
    toolbar->addAction(m_list->cancelAction());
    toolbar->addAction(m_list->cancelAllAction());
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

void MainWindow::createStatusBar()
{
    m_serverDot = new QLabel(QStringLiteral("●"), this);
    m_serverLabel = new ElidedLabel(this);
    m_serverLabel->setObjectName(QStringLiteral("serverStatus"));
    m_activeLabel = new QLabel(this);
    m_speedLabel = new QLabel(this);
    m_speedLabel->setMinimumWidth(90);
    m_speedLabel->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    statusBar()->addPermanentWidget(m_serverDot);
    statusBar()->addPermanentWidget(m_serverLabel, 1);
    statusBar()->addPermanentWidget(m_activeLabel);
    statusBar()->addPermanentWidget(m_speedLabel);
}

QString MainWindow::serverStatusText() const
{
    const QString name =
        config().endpoint.displayName() + (m_session->isEmbedded() ? tr(" (embedded)") : QString());
    QString text;
    switch (m_session->serverState()) {
    case Session::ServerState::Starting:
        return tr("Starting the embedded Redis server at %1…").arg(name);
    case Session::ServerState::Connecting:
        return tr("Redis %1: connecting…").arg(name);
    case Session::ServerState::Unreachable: {
        // The reason names the server again ("cannot connect to unix:///…: …"): once is enough.
        QString why = m_session->serverError().isEmpty() ? m_session->configProblem()
                                                         : m_session->serverError();
        const QString url = config().endpoint.displayName();
        const int at = why.indexOf(url);
        if (at >= 0) {
            why.remove(at, url.size());
            why.replace(QStringLiteral("  "), QStringLiteral(" "));
            why.replace(QStringLiteral(" :"), QStringLiteral(":"));
            why = why.trimmed();
            if (why.endsWith(QLatin1Char(':'))) why.chop(1);
            if (why.startsWith(QLatin1String("Redis:"))) why = why.mid(6).trimmed();
        }
        return tr("Redis unreachable: %1 — retrying (%2)").arg(why, name);
    }
    case Session::ServerState::Reachable:
        break;
    }
    const ExportStore::ServerInfo &info = m_session->serverInfo();
    text = tr("Redis %1 — version %2 — %3 used")
               .arg(name, info.version, sizeText(info.usedMemoryBytes));
    if (info.maxMemoryBytes > 0) text += tr(" of %1").arg(sizeText(info.maxMemoryBytes));
    return text;
}

void MainWindow::onServerStateChanged()
{
    updateServerLabel();
    // Rows that outlived their keys (expired, deleted, a restarted server) say so.
    if (m_session->serverState() == Session::ServerState::Reachable)
        m_session->checkKeys(m_model->idsToCheck());
}

void MainWindow::updateServerLabel()
{
    QString color = QStringLiteral("#5f6368");
    switch (m_session->serverState()) {
    case Session::ServerState::Reachable:
        color = QStringLiteral("#1e7d32");
        break;
    case Session::ServerState::Unreachable:
        color = QStringLiteral("#b3261e");
        break;
    default:
        break;
    }
    m_serverDot->setStyleSheet(QStringLiteral("color: %1").arg(color));
    m_serverLabel->setFullText(serverStatusText());
}

void MainWindow::updateSummary()
{
    const int active = m_model->activeCount();
    const int queued = exporter()->queuedCount();
    m_activeLabel->setText(active == 0  ? tr("No active exports")
                           : queued > 0 ? tr("%1 active (%2 queued)").arg(active).arg(queued)
                                        : tr("%1 active").arg(active));
    const double speed = m_model->totalSpeed();
    m_speedLabel->setText(speed >= 1 ? QStringLiteral("↑ ") + ExportListModel::speedText(speed)
                                     : QString());
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
    m_store->setValue(kGeometry, saveGeometry());
    m_store->setValue(kState, saveState());
    m_store->setValue(kHeader, m_list->header()->saveState());
    m_store->setValue(kLastDir, m_lastDir);
    m_store->setValue(kSaveDir, m_saveDir);
    m_store->sync();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    const int active = m_model->activeCount();
    if (active > 0) {
        const auto answer = QMessageBox::question(
            this, tr("Exports running"),
            (active == 1 ? tr("1 export is still running. Quitting cancels it. Quit anyway?")
                         : tr("%1 exports are still running. Quitting cancels them. Quit anyway?")
                               .arg(active)),
            QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
    }
    saveWindowState();
    event->accept();
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

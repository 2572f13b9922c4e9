#include "mainwindow.h"

#include "allexportsview.h"
#include "exportmonitor.h"

#include "embeddedserver.h"
#include "exportdetailsdialog.h"
#include "exporter.h"
#include "exportlistmodel.h"
#include "exportlistwidget.h"
#include "exportsource.h"
#include "exportsortmodel.h"
#include "exportstore.h"
#include "logging.h"
#include "logpanel.h"
#include "lookupdialog.h"
#include "serverstatuswatcher.h"
#include "settingsdialog.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QUrl>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLoggingCategory>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>
#include <QtConcurrent>

Q_LOGGING_CATEGORY(lcUi, "hbexporter.ui", QtInfoMsg)

namespace hb {

namespace {

const QString kGeometry = QStringLiteral("window/geometry");
const QString kState = QStringLiteral("window/state");
const QString kHeader = QStringLiteral("window/exportListHeader");
const QString kLastDir = QStringLiteral("window/lastDirectory");

struct SaveResult
{
    bool ok = false;
    qint64 bytes = 0;
    QString message;
};

} // namespace

MainWindow::MainWindow(MainWindowOptions options, QWidget *parent)
    : QMainWindow(parent), m_options(std::move(options)), m_model(new ExportListModel(this))
{
    m_store = m_options.settingsFile.isEmpty()
                  ? std::make_unique<QSettings>()
                  : std::make_unique<QSettings>(m_options.settingsFile, QSettings::IniFormat);
    m_settings = GuiSettings::load(*m_store);
    m_lastDir = m_store->value(kLastDir, QDir::homePath()).toString();
    resolveConfig();

    setWindowTitle(tr("HB Exporter"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/hbexporter.svg")));
    setAcceptDrops(true);
    setObjectName(QStringLiteral("mainWindow"));

    m_exporter = std::make_unique<Exporter>(m_config, m_permissions);
    m_model->setRefreshInterval(m_options.refreshIntervalMs);
    connect(m_exporter.get(), &Exporter::exportQueued, m_model, &ExportListModel::addExport);
    connect(m_exporter.get(), &Exporter::exportCreated, m_model, &ExportListModel::updateStatus);
    connect(m_exporter.get(), &Exporter::statusChanged, m_model, &ExportListModel::updateStatus);
    connect(m_exporter.get(), &Exporter::progress, m_model, &ExportListModel::updateProgress);
    connect(m_exporter.get(), &Exporter::cancelRequested, m_model, &ExportListModel::markCancelling);
    connect(m_exporter.get(), &Exporter::exportFinished, this, &MainWindow::onExportFinished);
    connect(m_model, &ExportListModel::refreshed, this, &MainWindow::updateSummary);

    // The "My exports" tab: filters above the list.
    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    auto *page = new QWidget(m_tabs);
    m_list = new ExportListWidget(m_model, page);
    m_list->setRedisTarget(m_config.endpoint, m_config.keys);
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
        m_list->sortModel()->setStatusFilter(ExportSortModel::StatusFilter(m_statusFilter->currentData().toInt()));
    });
    connect(m_nameFilter, &QLineEdit::textChanged, m_list->sortModel(), &ExportSortModel::setNameFilter);
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

    m_watcher = new ServerStatusWatcher(this);
    m_watcher->setInterval(m_options.serverPollMs);
    connect(m_watcher, &ServerStatusWatcher::updated, this, &MainWindow::updateServerLabel);
    if (m_embedded) {
        startEmbeddedServer();
    } else {
        m_watcher->setEndpoint(m_config.endpoint);
        rebuildAllExportsTab();
    }
    m_watcher->start();
    updateServerLabel();
    updateSummary();
}

MainWindow::~MainWindow()
{
    saveWindowState();
    if (m_monitor)
        m_monitor->stop();
    // Runs the stop sequence of running exports before the model they report to goes.
    m_exporter.reset();
}

void MainWindow::resolveConfig()
{
    ExporterConfig cfg = m_config;
    m_settings.applyTo(cfg);

    bool embedded = false;
    QString error;
    std::optional<RedisEndpoint> endpoint = resolveEndpoint(m_options.redisUrl, m_settings.redisUrl, &embedded, &error);
    const bool fromSaved = m_options.redisUrl.isEmpty() && qEnvironmentVariableIsEmpty("HBEXPORTER_REDIS_URL") &&
                           !m_settings.redisUrl.isEmpty();
    if (!endpoint) {
        qCWarning(lcUi).noquote() << "invalid Redis URL:" << error << "- using the embedded server";
        m_serverProblem = tr("invalid Redis URL: %1").arg(error);
        embedded = true;
        endpoint = EmbeddedServer::endpoint();
    }
    if (fromSaved && !m_settings.redisUser.isEmpty())
        endpoint->user = m_settings.redisUser;
    if (fromSaved && !m_settings.redisPassword.isEmpty())
        endpoint->password = m_settings.redisPassword;
    cfg.endpoint = *endpoint;
    m_embedded = embedded;
    m_config = cfg;

    QString path = m_options.permissionsFile;
    if (path.isEmpty() && qEnvironmentVariableIsEmpty("HBEXPORTER_PERMISSIONS"))
        path = m_settings.permissionsFile;
    QString permError;
    m_permissions = loadPermissions(path, &permError);
    if (!m_permissions) {
        // A permissions file that cannot be read grants nothing rather than everything.
        qCWarning(lcUi).noquote() << permError << "- no one may export until it is fixed";
        m_permissions = FilePermissions::fromJson("{}", permError, nullptr);
    }
}

void MainWindow::startEmbeddedServer()
{
    m_serverReady = false;
    updateServerLabel();
    auto *watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher] {
        const QString error = watcher->result();
        watcher->deleteLater();
        onServerReady(error.isEmpty(), error);
    });
    watcher->setFuture(QtConcurrent::run([] {
        QString error;
        if (!EmbeddedServer::ensureRunning(&error))
            return error.isEmpty() ? QStringLiteral("the embedded server did not start") : error;
        return QString();
    }));
}

void MainWindow::onServerReady(bool ok, const QString &error)
{
    m_serverReady = true;
    if (!ok) {
        m_serverProblem = error;
        qCWarning(lcUi).noquote() << "embedded Redis:" << error;
    } else {
        m_serverProblem.clear();
    }
    m_watcher->setEndpoint(m_config.endpoint);
    rebuildAllExportsTab();
    const QStringList waiting = std::exchange(m_waiting, {});
    addFiles(waiting);
}

void MainWindow::rebuildAllExportsTab()
{
    int index = m_allPage ? m_tabs->indexOf(m_allPage) : -1;
    if (m_allPage) {
        m_tabs->removeTab(index);
        delete m_allPage; // the view goes before the monitor it reads
        m_allPage = nullptr;
        m_allView = nullptr;
    }
    if (m_monitor) {
        m_monitor->stop();
        delete m_monitor;
        m_monitor = nullptr;
    }
    if (index < 0)
        index = 1;
    if (!m_permissions->mayRead(m_config.user)) {
        auto *label = new QLabel(tr("User %1 lacks the permission \"export:read\" (%2): the exports of others "
                                    "are not shown.")
                                     .arg(m_config.user.toHtmlEscaped(), m_permissions->origin().toHtmlEscaped()));
        label->setAlignment(Qt::AlignCenter);
        label->setWordWrap(true);
        m_allPage = label;
    } else {
        m_monitor = new ExportMonitor(m_config.endpoint, m_config.keys, this);
        m_allView = new AllExportsView(m_monitor, m_exporter.get());
        m_allPage = m_allView;
        m_monitor->start();
    }
    m_tabs->insertTab(index, m_allPage, QIcon(QStringLiteral(":/icons/lookup.svg")), tr("All exports"));
}

QStringList MainWindow::addFiles(const QStringList &paths)
{
    QStringList ids;
    for (const QString &path : paths) {
        if (path.isEmpty())
            continue;
        // Relative names (command line) are taken from the working folder.
        const QString absolute = isUrlSource(path) ? path : QFileInfo(path).absoluteFilePath();
        if (!m_serverReady) {
            m_waiting.append(absolute);
            continue;
        }
        ids.append(m_exporter->startExport(absolute));
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
            statusBar()->showMessage(tr("Not an http(s) URL: %1").arg(sourceForMessages(url)), 6000);
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
    connect(dialog, &QFileDialog::filesSelected, this, [this](const QStringList &files) { addFiles(files); });
    dialog->open();
}

void MainWindow::cancelExports(const QStringList &ids)
{
    for (const QString &id : ids) {
        const ExportListModel::Row *row = m_model->find(id);
        if (row && !row->finished) // a finished export is never "cancelled" again
            m_exporter->cancel(id);
    }
}

void MainWindow::cancelSelected() { cancelExports(m_list->cancellableSelection()); }

void MainWindow::cancelAll() { m_exporter->cancelAll(); }

void MainWindow::retryExports(const QStringList &ids)
{
    QStringList paths;
    for (const QString &id : ids) {
        if (const ExportListModel::Row *row = m_model->find(id))
            paths.append(row->sourcePath);
    }
    addFiles(paths);
}

LookupDialog *MainWindow::showLookupDialog()
{
    if (!m_lookup) {
        m_lookup = new LookupDialog(m_config, m_permissions, this);
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
        if (!m_options.redisUrl.isEmpty())
            urlNote = tr("This window was started with the Redis URL %1; it overrides this setting.")
                          .arg(m_config.endpoint.displayName());
        else if (!qEnvironmentVariableIsEmpty("HBEXPORTER_REDIS_URL"))
            urlNote = tr("HBEXPORTER_REDIS_URL is set and overrides this setting.");
        QString permNote;
        if (!m_options.permissionsFile.isEmpty() || !qEnvironmentVariableIsEmpty("HBEXPORTER_PERMISSIONS"))
            permNote = tr("HBEXPORTER_PERMISSIONS (or the command line) overrides this setting.");
        m_settingsDialog->setOverrides(urlNote, permNote);
        connect(m_settingsDialog, &SettingsDialog::applied, this, &MainWindow::applySettings);
    }
    m_settingsDialog->show();
    m_settingsDialog->raise();
    return m_settingsDialog;
}

void MainWindow::applySettings(const GuiSettings &values)
{
    const RedisEndpoint before = m_config.endpoint;
    m_settings = values;
    m_settings.save(*m_store);
    resolveConfig();
    m_exporter->setConfig(m_config);
    m_exporter->setPermissions(m_permissions);
    m_list->setRedisTarget(m_config.endpoint, m_config.keys);
    if (m_lookup)
        m_lookup->close(); // it holds the old server; the next one gets the new
    if (!(m_config.endpoint == before)) {
        qCInfo(lcUi).noquote() << "Redis server now" << m_config.endpoint.displayName();
        if (m_embedded) {
            startEmbeddedServer();
        } else {
            m_watcher->setEndpoint(m_config.endpoint);
            rebuildAllExportsTab();
        }
    } else if (m_permissions->mayRead(m_config.user) != (m_allView != nullptr)) {
        rebuildAllExportsTab();
    }
    statusBar()->showMessage(tr("Settings applied to new exports."), 4000);
}

ExportDetailsDialog *MainWindow::showDetails(const QString &id)
{
    const ExportListModel::Row *row = m_model->find(id);
    if (!row)
        return nullptr;
    auto *dialog = new ExportDetailsDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setRow(*row);
    dialog->show();
    return dialog;
}

void MainWindow::openSaveDataDialog(const QString &id)
{
    const ExportListModel::Row *row = m_model->find(id);
    if (!row)
        return;
    auto *dialog = new QFileDialog(this, tr("Save data of %1").arg(row->name), QDir(m_lastDir).filePath(row->name));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    connect(dialog, &QFileDialog::fileSelected, this, [this, id](const QString &path) { saveDataTo(id, path); });
    dialog->open();
}

void MainWindow::saveDataTo(const QString &id, const QString &path)
{
    if (!m_permissions->mayRead(m_config.user)) {
        const QString message = tr("permission denied: user %1 lacks \"export:read\"").arg(m_config.user);
        qCWarning(lcUi).noquote() << message;
        Q_EMIT dataSaved(id, path, false, message);
        return;
    }
    statusBar()->showMessage(tr("Fetching %1 from Redis…").arg(id));
    const ExporterConfig cfg = m_config;
    auto *watcher = new QFutureWatcher<SaveResult>(this);
    connect(watcher, &QFutureWatcher<SaveResult>::finished, this, [this, watcher, id, path] {
        const SaveResult r = watcher->result();
        watcher->deleteLater();
        if (r.ok) {
            qCInfo(lcUi).noquote() << "saved" << r.bytes << "bytes of" << id << "to" << path;
            statusBar()->showMessage(tr("Saved %1 to %2").arg(formatBytes(r.bytes), path), 8000);
        } else {
            qCWarning(lcUi).noquote() << "saving" << id << "failed:" << r.message;
            statusBar()->showMessage(r.message, 10000);
        }
        Q_EMIT dataSaved(id, path, r.ok, r.ok ? QString() : r.message);
    });
    watcher->setFuture(QtConcurrent::run([cfg, id, path] {
        SaveResult r;
        QFile out(path);
        if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            r.message = QStringLiteral("cannot write %1: %2").arg(path, out.errorString());
            return r;
        }
        ExportStore store(cfg.endpoint, cfg.keys, cfg.timeouts);
        Failure failure;
        r.bytes = store.fetchData(id, &out, &failure);
        out.close();
        r.ok = !failure;
        if (!r.ok) {
            r.message = failure.message;
            out.remove(); // a file failing its checksum is not left looking like the data
        }
        return r;
    }));
}

void MainWindow::onExportFinished(const QString &id, const ExportStatus &status, ErrorCode code,
                                  const QString &message)
{
    m_model->finishExport(id, status, code, message);
    const ExportListModel::Row *row = m_model->find(id);
    const QString name = row ? row->name : id;
    if (status.state == ExportState::Completed)
        notify(tr("Export completed"), tr("%1 is in Redis (%2).").arg(name, formatBytes(status.bytesWritten)), false);
    else if (status.state == ExportState::Failed)
        notify(tr("Export failed"), tr("%1: %2").arg(name, status.error.isEmpty() ? message : status.error), true);
}

void MainWindow::notify(const QString &title, const QString &text, bool failure)
{
    if (isActiveWindow())
        return;
    if (m_tray && QSystemTrayIcon::supportsMessages())
        m_tray->showMessage(title, text, failure ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information, 8000);
    else
        statusBar()->showMessage(title + QStringLiteral(": ") + text, 10000);
}

void MainWindow::createActions()
{
    auto *addFilesAction = new QAction(QIcon(QStringLiteral(":/icons/add-files.svg")), tr("&Add files…"), this);
    addFilesAction->setShortcut(QKeySequence::Open);
    addFilesAction->setToolTip(tr("Export files into Redis (Ctrl+O); you can also drop files on the window"));
    connect(addFilesAction, &QAction::triggered, this, &MainWindow::openAddFilesDialog);
    auto *addUrlAction = new QAction(QIcon(QStringLiteral(":/icons/add-files.svg")), tr("Add &URL…"), this);
    addUrlAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    addUrlAction->setToolTip(tr("Export what an http(s) URL serves (Ctrl+Shift+O)"));
    connect(addUrlAction, &QAction::triggered, this, &MainWindow::openAddUrlDialog);
    auto *lookupAction = new QAction(QIcon(QStringLiteral(":/icons/lookup.svg")), tr("&Look up export…"), this);
    lookupAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    connect(lookupAction, &QAction::triggered, this, &MainWindow::showLookupDialog);
    auto *settingsAction = new QAction(QIcon(QStringLiteral(":/icons/settings.svg")), tr("&Settings…"), this);
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
        QMessageBox::about(this, tr("About HB Exporter"),
                           tr("<b>HB Exporter %1</b><p>Streams files into Redis, chunk by chunk.</p>")
                               .arg(QCoreApplication::applicationVersion()));
    });
}

void MainWindow::createStatusBar()
{
    m_serverLabel = new QLabel(this);
    m_serverLabel->setTextFormat(Qt::RichText);
    m_activeLabel = new QLabel(this);
    m_speedLabel = new QLabel(this);
    m_speedLabel->setMinimumWidth(110);
    m_speedLabel->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    statusBar()->addPermanentWidget(m_serverLabel, 1);
    statusBar()->addPermanentWidget(m_activeLabel);
    statusBar()->addPermanentWidget(m_speedLabel);
}

QString MainWindow::serverStatusText() const
{
    const QString name = m_config.endpoint.displayName() + (m_embedded ? tr(" (embedded)") : QString());
    if (!m_serverReady)
        return tr("Starting the embedded Redis server at %1…").arg(name);
    if (!m_watcher || !m_watcher->hasAnswer())
        return tr("Redis %1: connecting…").arg(name);
    if (!m_watcher->isReachable()) {
        const QString why = m_watcher->errorText().isEmpty() ? m_serverProblem : m_watcher->errorText();
        return tr("Redis %1 unreachable: %2").arg(name, why);
    }
    const ExportStore::ServerInfo &info = m_watcher->info();
    QString text = tr("Redis %1 — version %2 — %3 used").arg(name, info.version, formatBytes(info.usedMemoryBytes));
    if (info.maxMemoryBytes > 0)
        text += tr(" of %1").arg(formatBytes(info.maxMemoryBytes));
    return text;
}

void MainWindow::updateServerLabel()
{
    QString color = QStringLiteral("#888888");
    if (m_serverReady && m_watcher && m_watcher->hasAnswer())
        color = m_watcher->isReachable() ? QStringLiteral("#2e9d48") : QStringLiteral("#c62828");
    const QString text = serverStatusText();
    m_serverLabel->setText(QStringLiteral("<span style=\"color:%1\">●</span> %2").arg(color, text.toHtmlEscaped()));
    m_serverLabel->setToolTip(text);
}

void MainWindow::updateSummary()
{
    const int active = m_model->activeCount();
    const int queued = m_exporter->queuedCount();
    m_activeLabel->setText(active == 0 ? tr("No active exports")
                                       : queued > 0 ? tr("%1 active (%2 queued)").arg(active).arg(queued)
                                                    : tr("%1 active").arg(active));
    const double speed = m_model->totalSpeed();
    m_speedLabel->setText(speed >= 1 ? QStringLiteral("↑ ") + ExportListModel::speedText(speed) : QString());
    const int percent = m_model->overallPercent();
    if (active > 0 && percent >= 0)
        setWindowTitle((active == 1 ? tr("%1% of 1 export — HB Exporter") : tr("%1% of %2 exports — HB Exporter").arg(QStringLiteral("%1"), QString::number(active))).arg(percent));
    else
        setWindowTitle(tr("HB Exporter"));
}

void MainWindow::saveWindowState()
{
    if (!m_store)
        return;
    m_store->setValue(kGeometry, saveGeometry());
    m_store->setValue(kState, saveState());
    m_store->setValue(kHeader, m_list->header()->saveState());
    m_store->setValue(kLastDir, m_lastDir);
    m_store->sync();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    const int active = m_model->activeCount();
    if (active > 0) {
        const auto answer = QMessageBox::question(
            this, tr("Exports running"),
            (active == 1 ? tr("1 export is still running. Quitting cancels it. Quit anyway?")
                         : tr("%1 exports are still running. Quitting cancels them. Quit anyway?").arg(active)),
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
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.isEmpty())
        return;
    event->acceptProposedAction();
    addUrls(urls);
}

} // namespace hb

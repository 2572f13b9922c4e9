#include "mainwindow.h"

#include "allexportsview.h"
#include "exporter.h"
#include "exportlistmodel.h"
#include "exportlistwidget.h"
#include "exportmonitor.h"
#include "hbversion.h"
#include "journalbinding.h"
#include "logging.h"
#include "logpanel.h"
#include "lookupdialog.h"
#include "notifier.h"
#include "windowstate.h"

#include <QAbstractButton>
#include <QAction>
#include <QCloseEvent>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>

namespace hb {

MainWindow::MainWindow(MainWindowOptions options, QWidget *parent)
    : QMainWindow(parent),
      m_settings(new WindowSettings(
          {options.settingsFile, options.redisUrl, options.permissionsFile}, this)),
      m_model(new ExportListModel(this))
{
    const WindowState::Folders folders = WindowState::folders(m_settings->store());
    setWindowTitle(tr("HB Exporter"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/hbexporter.svg")));
    setAcceptDrops(true);
    setObjectName(QStringLiteral("mainWindow"));

    Session::Options sessionOptions;
    sessionOptions.serverPollMs = options.serverPollMs;
    m_session = new Session(m_settings->sessionInputs(), sessionOptions, this);
    m_model->setRefreshInterval(options.refreshIntervalMs);
    connectExporter();
    // Before any export starts: each is recorded before its first data command.
    m_journal = new JournalBinding(m_session, m_model, options.journalFolder, this);
    m_sources = new SourcePicker(m_session, this, folders.lastAdded);

    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_myPage = new MyExportsPage(m_model, exporter(), m_tabs);
    listWidget()->setRedisTarget(config().endpoint, config().keys);
    m_tabs->addTab(m_myPage, QIcon(QStringLiteral(":/icons/hbexporter.svg")), tr("My exports"));
    setCentralWidget(m_tabs);
    connect(m_myPage, &MyExportsPage::exportAgainRequested, m_sources, &SourcePicker::addFiles);
    connect(listWidget(), &ExportListWidget::resumeRequested, m_journal, &JournalBinding::resume);

    m_log = new LogPanel(this);
    addDockWidget(Qt::BottomDockWidgetArea, m_log);
    connect(LogHub::instance(), &LogHub::messageLogged, m_log, &LogPanel::appendLine);

    createActions();
    m_statusFields = new ServerStatusBar(m_session, m_model, statusBar());
    m_saveData = new SaveDataFlow(m_session, m_model, this, folders.lastSaved);
    connect(listWidget(), &ExportListWidget::saveDataRequested, m_saveData,
            &SaveDataFlow::openDialog);
    connect(m_saveData, &SaveDataFlow::dataSaved, this, &MainWindow::dataSaved);
    m_notifier = new Notifier(this);
    connect(m_journal, &JournalBinding::problem, this, [this](const QString &why) {
        qCWarning(lcExport).noquote() << why; // the log panel has it in full
        statusBar()->showMessage(why, 15000);
    });

    resize(1180, 640);
    resizeDocks({m_log}, {130}, Qt::Vertical);
    WindowState::restore(m_settings->store(), *this, *listWidget()->header());

    connectSession();
    rebuildAllExportsTab();
    updateTitle();
    connect(m_settings, &WindowSettings::applied, this, &MainWindow::onSettingsApplied);
    m_settings->bind(m_session);
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
        watchMonitor(monitor);
    });
    watchMonitor(m_session->monitor());
    // All exports watches the whole server from the first time it is opened; until
    // then the session's monitor follows only the exports of My exports.
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        if (m_allView && m_tabs->currentWidget() == m_allView) m_session->setWatchingAll(true);
    });
    connect(m_session, &Session::keysChecked, this, [this](const QHash<QString, bool> &exists) {
        m_model->updateKeysExist(exists, QDateTime::currentDateTimeUtc());
        listWidget()->updateActions();
    });
}

void MainWindow::watchMonitor(ExportMonitor *monitor)
{
    if (!monitor) return;
    // A status key the monitor saw go: the row says so at once (the periodic key
    // check would, later). Ids not of My exports are ignored by the model.
    connect(monitor, &ExportMonitor::exportsRemoved, m_model, [this](const QStringList &ids) {
        QHash<QString, bool> gone;
        for (const QString &id : ids)
            gone.insert(id, false);
        m_model->updateKeysExist(gone, QDateTime::currentDateTimeUtc());
        listWidget()->updateActions();
    });
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

void MainWindow::onConfigChanged()
{
    listWidget()->setRedisTarget(config().endpoint, config().keys);
    rebuildAllExportsTab();
}

void MainWindow::onSettingsApplied()
{
    if (m_lookup) m_lookup->close(); // it holds the old server; the next one gets the new
    statusBar()->showMessage(tr("Settings applied to new exports."), 4000);
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
    m_notifier->exportFinished(row ? row->name : id, status, row ? row->shortReason() : message);
}

void MainWindow::createActions()
{
    auto *addFilesAction =
        new QAction(QIcon(QStringLiteral(":/icons/add-files.svg")), tr("&Add files…"), this);
    addFilesAction->setShortcut(QKeySequence::Open);
    addFilesAction->setToolTip(
        tr("Export files into Redis (Ctrl+O); you can also drop files on the window"));
    connect(addFilesAction, &QAction::triggered, m_sources, &SourcePicker::openAddFilesDialog);
    auto *addUrlAction =
        new QAction(QIcon(QStringLiteral(":/icons/add-files.svg")), tr("Add &URL…"), this);
    addUrlAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    addUrlAction->setToolTip(tr("Export what an http(s) URL serves (Ctrl+Shift+O)"));
    connect(addUrlAction, &QAction::triggered, m_sources, &SourcePicker::openAddUrlDialog);
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
    WindowState::save(m_settings->store(), *this, *listWidget()->header(),
                      {m_sources->lastDir(), m_saveData->saveDir()});
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
#pragma once

#include "exportconfig.h"
#include "exporterror.h"
#include "exportstatus.h"
#include "guisettings.h"
#include "myexportspage.h"
#include "permissions.h"
#include "savedataflow.h"
#include "serverstatusbar.h"
#include "session.h"
#include "sourcepicker.h"
#include "windowsettings.h"

#include <QMainWindow>
#include <QMessageBox>
#include <QPointer>
#include <QStringList>
#include <QUrl>
#include <memory>

class QComboBox;
class QLineEdit;
class QTabWidget;

namespace hb {

class AllExportsView;
class ExportMonitor;
class Exporter;
class ExportDetailsDialog;
class ExportListModel;
class ExportListWidget;
class JournalBinding;
class LogPanel;
class LookupDialog;
class Notifier;
class SettingsDialog;

// How a window is set up; the defaults are what `hbexporter` uses. Tests point a
// window at their own server and settings file.
struct MainWindowOptions
{
    QString settingsFile;    // an INI file; empty = QSettings of the application's name
    QString redisUrl;        // beats $HBEXPORTER_REDIS_URL and the saved setting
    QString permissionsFile; // beats $HBEXPORTER_PERMISSIONS and the saved setting
    int refreshIntervalMs = 250;
    int serverPollMs = 3000; // also how often finished rows' keys are checked
    QString journalFolder;   // the local journal's; empty = Journal::defaultFolder()
};

// The desktop window: pick or drop files, watch every export, cancel. It keeps the
// window itself (menus, toolbar, tabs, the log dock, the Lookup dialog, the question
// before quitting) and hands every other job to a piece of its own: its settings
// and the password's keychain (WindowSettings), where sources come from
// (SourcePicker), the My exports page, the status bar's fields, Save data as…,
// notifications and what is remembered between runs (WindowState).
// Which server, the embedded server's life, the monitor and every Redis call belong
// to its Session (core), whose signals it shows.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)
public:
    explicit MainWindow(MainWindowOptions options = {}, QWidget *parent = nullptr);
    ~MainWindow() override;

    Session *session() const { return m_session; }
    Exporter *exporter() const { return m_session->exporter(); }
    ExportListModel *model() const { return m_model; }
    ExportListWidget *listWidget() const { return m_myPage->list(); }
    LogPanel *logPanel() const { return m_log; }
    // "My exports" is the first tab; other views (all exports on the server) add theirs.
    QTabWidget *tabs() const { return m_tabs; }
    // The "All exports" tab: every export on the server (nullptr without export:read).
    AllExportsView *allExportsView() const { return m_allView; }
    QComboBox *statusFilterBox() const { return m_myPage->statusFilterBox(); }
    QLineEdit *nameFilterEdit() const { return m_myPage->nameFilterEdit(); }

    const ExporterConfig &config() const { return m_session->config(); }
    const GuiSettings &settings() const { return m_settings->values(); }
    std::shared_ptr<const PermissionsService> permissions() const
    {
        return m_session->permissions();
    }
    // False while the embedded server is still starting; files wait for it.
    bool isServerReady() const { return m_session->isServerReady(); }
    // The status bar's server line, in full (the label elides it to fit).
    QString serverStatusText() const { return m_statusFields->serverText(); }
    // Where Save data as… proposes to write an export's data: a new name in the
    // last folder saved to (else Downloads), never the source file itself.
    QString defaultSavePath(const QString &id) const { return m_saveData->defaultSavePath(id); }
    // The question asked before Cancel all (nullptr when none is open).
    QMessageBox *pendingConfirmation() const { return m_myPage->pendingConfirmation(); }
    // The question asked before closing with exports running (nullptr when none is open).
    QMessageBox *pendingQuitQuestion() const { return m_quitQuestion; }

public Q_SLOTS:
    // What File ▸ Add files…, a drop and the command line use. Returns the new ids
    // (none for files that wait for the embedded server to start).
    QStringList addFiles(const QStringList &paths) { return m_sources->addFiles(paths); }
    QStringList addUrls(const QList<QUrl> &urls) { return m_sources->addUrls(urls); }
    void openAddUrlDialog() { m_sources->openAddUrlDialog(); }
    void openAddFilesDialog() { m_sources->openAddFilesDialog(); }
    void cancelExports(const QStringList &ids) { m_myPage->cancelExports(ids); }
    void cancelSelected() { m_myPage->cancelSelected(); }
    // Asks first; cancelAllNow() does it.
    void cancelAll() { m_myPage->cancelAll(); }
    void cancelAllNow() { m_myPage->cancelAllNow(); }
    void retryExports(const QStringList &ids) { m_myPage->retryExports(ids); }
    LookupDialog *showLookupDialog();
    SettingsDialog *showSettingsDialog() { return m_settings->showDialog(this); }
    ExportDetailsDialog *showDetails(const QString &id) { return m_myPage->showDetails(id); }
    void openSaveDataDialog(const QString &id) { m_saveData->openDialog(id); }
    // Fetches the data back from Redis off the GUI thread; dataSaved follows, and a
    // dialog says why when it failed.
    void saveDataTo(const QString &id, const QString &path) { m_saveData->saveTo(id, path); }
    // Brings the window to the front (a second `hbexporter` handed it its files).
    void bringToFront();
    // Persists the values and applies them to new exports at once.
    void applySettings(const hb::GuiSettings &values) { m_settings->apply(values); }

Q_SIGNALS:
    void dataSaved(const QString &id, const QString &path, bool ok, const QString &message);

protected:
    // With exports running, asks first (without blocking) and closes on the answer.
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void connectExporter();
    void connectSession();
    void watchMonitor(ExportMonitor *monitor);
    void createActions();
    // The session's server, user or permissions changed: the views follow.
    void onConfigChanged();
    void onSettingsApplied();
    void rebuildAllExportsTab();
    void onServerStateChanged();
    void onExportFinished(const QString &id, const ExportStatus &status, ErrorCode code,
                          const QString &message);
    void updateTitle();
    void askBeforeQuitting(int active);
    void saveWindowState();

    WindowSettings *m_settings;
    bool m_quitConfirmed = false; // the user said quit: the next close goes ahead
    ExportListModel *m_model;
    Session *m_session = nullptr;
    SourcePicker *m_sources = nullptr;
    SaveDataFlow *m_saveData = nullptr;
    Notifier *m_notifier = nullptr;
    JournalBinding *m_journal = nullptr;
    ServerStatusBar *m_statusFields = nullptr;
    MyExportsPage *m_myPage = nullptr;
    QTabWidget *m_tabs = nullptr;
    QWidget *m_allPage = nullptr;
    AllExportsView *m_allView = nullptr;
    LogPanel *m_log = nullptr;
    QPointer<LookupDialog> m_lookup;
    QPointer<QMessageBox> m_quitQuestion;
};

} // namespace hb

#pragma once

#include "exportconfig.h"
#include "exporterror.h"
#include "exportstatus.h"
#include "guisettings.h"
#include "permissions.h"
#include "session.h"

#include <QMainWindow>
#include <QMessageBox>
#include <QPointer>
#include <QStringList>
#include <QUrl>
#include <memory>

class QComboBox;
class QLineEdit;
class QSettings;
class QTabWidget;

namespace hb {

class AllExportsView;
class Exporter;
class ExportDetailsDialog;
class ExportListModel;
class ExportListWidget;
class LogPanel;
class LookupDialog;
class MyExportsPage;
class Notifier;
class PasswordBinding;
class SaveDataFlow;
class ServerStatusBar;
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
};

// The desktop window: pick or drop files, watch every export, cancel. It keeps the
// window itself (menus, toolbar, tabs, the log dock, its dialogs) and hands each
// other job to a piece of its own: the My exports page, the status bar's fields,
// Save data as…, the password's keychain, notifications, the remembered state.
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
    Exporter *exporter() const;
    ExportListModel *model() const { return m_model; }
    ExportListWidget *listWidget() const;
    LogPanel *logPanel() const { return m_log; }
    // "My exports" is the first tab; other views (all exports on the server) add theirs.
    QTabWidget *tabs() const { return m_tabs; }
    // The "All exports" tab: every export on the server (nullptr without export:read).
    AllExportsView *allExportsView() const { return m_allView; }
    QComboBox *statusFilterBox() const;
    QLineEdit *nameFilterEdit() const;

    const ExporterConfig &config() const;
    const GuiSettings &settings() const { return m_settings; }
    std::shared_ptr<const PermissionsService> permissions() const;
    // False while the embedded server is still starting; files wait for it.
    bool isServerReady() const;
    // The status bar's server line, in full (the label elides it to fit).
    QString serverStatusText() const;
    // Where Save data as… proposes to write an export's data: a new name in the
    // last folder saved to (else Downloads), never the source file itself.
    QString defaultSavePath(const QString &id) const;
    // The question asked before Cancel all (nullptr when none is open).
    QMessageBox *pendingConfirmation() const { return m_confirm; }
    // The question asked before closing with exports running (nullptr when none is open).
    QMessageBox *pendingQuitQuestion() const { return m_quitQuestion; }

public Q_SLOTS:
    // What File ▸ Add files…, a drop and the command line use. Returns the new ids
    // (none for files that wait for the embedded server to start).
    QStringList addFiles(const QStringList &paths);
    QStringList addUrls(const QList<QUrl> &urls);
    void openAddUrlDialog();
    void openAddFilesDialog();
    void cancelExports(const QStringList &ids);
    void cancelSelected();
    // Asks first; cancelAllNow() does it.
    void cancelAll();
    void cancelAllNow();
    void retryExports(const QStringList &ids);
    LookupDialog *showLookupDialog();
    SettingsDialog *showSettingsDialog();
    ExportDetailsDialog *showDetails(const QString &id);
    void openSaveDataDialog(const QString &id);
    // Fetches the data back from Redis off the GUI thread; dataSaved follows, and a
    // dialog says why when it failed.
    void saveDataTo(const QString &id, const QString &path);
    // Brings the window to the front (a second `hbexporter` handed it its files).
    void bringToFront();
    // Persists the values and applies them to new exports at once.
    void applySettings(const hb::GuiSettings &values);

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
    void createActions();
    Session::Inputs sessionInputs() const;
    // The session's server, user or permissions changed: the views follow.
    void onConfigChanged();
    void rebuildAllExportsTab();
    void onServerStateChanged();
    void onExportFinished(const QString &id, const ExportStatus &status, ErrorCode code,
                          const QString &message);
    void adoptStoredPassword(const QString &password);
    void updatePasswordNote();
    void updateTitle();
    void askBeforeQuitting(int active);
    void saveWindowState();

    MainWindowOptions m_options;
    std::unique_ptr<QSettings> m_store;
    GuiSettings m_settings;
    QString m_lastDir;
    bool m_quitConfirmed = false; // the user said quit: the next close goes ahead

    ExportListModel *m_model;
    Session *m_session = nullptr;
    PasswordBinding *m_passwords = nullptr;
    SaveDataFlow *m_saveData = nullptr;
    Notifier *m_notifier = nullptr;
    ServerStatusBar *m_statusFields = nullptr;
    MyExportsPage *m_myPage = nullptr;
    QTabWidget *m_tabs = nullptr;
    QWidget *m_allPage = nullptr;
    AllExportsView *m_allView = nullptr;
    LogPanel *m_log = nullptr;
    QPointer<LookupDialog> m_lookup;
    QPointer<SettingsDialog> m_settingsDialog;
    QPointer<QMessageBox> m_confirm;
    QPointer<QMessageBox> m_quitQuestion;
};

} // namespace hb

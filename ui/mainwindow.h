#pragma once

#include "exportconfig.h"
#include "exporterror.h"
#include "exportstatus.h"
#include "guisettings.h"
#include "permissions.h"

#include <QMainWindow>
#include <QPointer>
#include <QStringList>
#include <QUrl>
#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QSettings;
class QSystemTrayIcon;
class QTabWidget;


namespace hb {

class AllExportsView;
class ExportMonitor;

class Exporter;
class ExportDetailsDialog;
class ExportListModel;
class ExportListWidget;
class LogPanel;
class LookupDialog;
class ServerStatusWatcher;
class SettingsDialog;

// How a window is set up; the defaults are what `hbexporter` uses. Tests point a
// window at their own server and settings file.
struct MainWindowOptions
{
    QString settingsFile;    // an INI file; empty = QSettings of the application's name
    QString redisUrl;        // beats $HBEXPORTER_REDIS_URL and the saved setting
    QString permissionsFile; // beats $HBEXPORTER_PERMISSIONS and the saved setting
    int refreshIntervalMs = 250;
    int serverPollMs = 3000;
};

// The desktop window: pick or drop files, watch every export, cancel. Talks to
// Redis only through the core (Exporter's signals, ExportStore off the GUI thread).
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)
public:
    explicit MainWindow(MainWindowOptions options = {}, QWidget *parent = nullptr);
    ~MainWindow() override;

    Exporter *exporter() const { return m_exporter.get(); }
    ExportListModel *model() const { return m_model; }
    ExportListWidget *listWidget() const { return m_list; }
    LogPanel *logPanel() const { return m_log; }
    ServerStatusWatcher *serverWatcher() const { return m_watcher; }
    // "My exports" is the first tab; other views (all exports on the server) add theirs.
    QTabWidget *tabs() const { return m_tabs; }
    // The "All exports" tab: every export on the server (nullptr without export:read).
    AllExportsView *allExportsView() const { return m_allView; }
    QComboBox *statusFilterBox() const { return m_statusFilter; }
    QLineEdit *nameFilterEdit() const { return m_nameFilter; }

    const ExporterConfig &config() const { return m_config; }
    const GuiSettings &settings() const { return m_settings; }
    std::shared_ptr<const PermissionsService> permissions() const { return m_permissions; }
    // False while the embedded server is still starting; files wait for it.
    bool isServerReady() const { return m_serverReady; }
    QString serverStatusText() const;

public Q_SLOTS:
    // What File ▸ Add files…, a drop and the command line use. Returns the new ids
    // (none for files that wait for the embedded server to start).
    QStringList addFiles(const QStringList &paths);
    QStringList addUrls(const QList<QUrl> &urls);
    void openAddUrlDialog();
    void openAddFilesDialog();
    void cancelExports(const QStringList &ids);
    void cancelSelected();
    void cancelAll();
    void retryExports(const QStringList &ids);
    LookupDialog *showLookupDialog();
    SettingsDialog *showSettingsDialog();
    ExportDetailsDialog *showDetails(const QString &id);
    void openSaveDataDialog(const QString &id);
    // Fetches the data back from Redis off the GUI thread; dataSaved follows.
    void saveDataTo(const QString &id, const QString &path);
    // Persists the values and applies them to new exports at once.
    void applySettings(const hb::GuiSettings &values);

Q_SIGNALS:
    void dataSaved(const QString &id, const QString &path, bool ok, const QString &message);

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void createActions();
    void createStatusBar();
    void resolveConfig();
    void startEmbeddedServer();
    void rebuildAllExportsTab();
    void onServerReady(bool ok, const QString &error);
    void onExportFinished(const QString &id, const ExportStatus &status, ErrorCode code, const QString &message);
    void notify(const QString &title, const QString &text, bool failure);
    void updateSummary();
    void updateServerLabel();
    void saveWindowState();

    MainWindowOptions m_options;
    std::unique_ptr<QSettings> m_store;
    GuiSettings m_settings;
    ExporterConfig m_config;
    std::shared_ptr<const PermissionsService> m_permissions;
    bool m_embedded = false;
    bool m_serverReady = true;
    QString m_serverProblem;
    QStringList m_waiting; // files dropped before the embedded server answered
    QString m_lastDir;
    bool m_stateSaved = false;

    std::unique_ptr<Exporter> m_exporter;
    ExportListModel *m_model;
    ExportListWidget *m_list = nullptr;
    QTabWidget *m_tabs = nullptr;
    QWidget *m_allPage = nullptr;
    AllExportsView *m_allView = nullptr;
    ExportMonitor *m_monitor = nullptr;
    QComboBox *m_statusFilter = nullptr;
    QLineEdit *m_nameFilter = nullptr;
    LogPanel *m_log = nullptr;
    ServerStatusWatcher *m_watcher = nullptr;
    QLabel *m_serverLabel = nullptr;
    QLabel *m_activeLabel = nullptr;
    QLabel *m_speedLabel = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    QPointer<LookupDialog> m_lookup;
    QPointer<SettingsDialog> m_settingsDialog;
};

} // namespace hb

#pragma once

#include "configresolver.h"
#include "exportconfig.h"
#include "exportstore.h"
#include "permissions.h"

#include <QHash>
#include <QObject>
#include <QStringList>
#include <QTimer>
#include <memory>

namespace hb {

class ExportMonitor;
class Exporter;

// Everything a front end (the window) needs around an Exporter, without any
// windowing: which Redis and which permissions (flags > environment > settings,
// through resolveConfig), the embedded server (started on demand, restarted when it
// dies), the server's reachability and memory (polled), the monitor of all exports
// (its lifetime follows the server and the read permission), and the blocking
// Redis calls a front end makes (fetching data back, checking that keys still
// exist), run off the caller's thread.
//
// Lives on the caller's thread and never blocks it. Owns the Exporter and the
// ExportMonitor; the monitor's thread is started and stopped by it (see
// ExportMonitor). Background calls run on Qt's global pool (runInBackground).
class Session final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Session)
public:
    struct Options
    {
        int serverPollMs = 3000;
        bool withMonitor = true; // the All exports view's monitor, where the user may read
        // From the start, the monitor watches the whole server (else: only this
        // window's exports until setWatchingAll(true), issue 21 §5).
        bool watchAll = false;
    };

    // What the front end knows: its command line, the environment, its saved
    // settings, and the export settings (everything but the endpoint).
    struct Inputs
    {
        ConfigInputs config = ConfigInputs::fromEnvironment();
        ExporterConfig exportConfig;
    };

    enum class ServerState {
        Starting,    // the embedded server is being started
        Connecting,  // no answer yet
        Reachable,   //
        Unreachable, // the last poll failed (serverError() says why)
    };
    Q_ENUM(ServerState)

    // Why the server cannot be used, in a form a front end can show beside the
    // server's name without naming it twice: the reason never names the server.
    struct ServerProblem
    {
        enum class Kind {
            None,           // nothing known to be wrong
            Config,         // a malformed URL or an unreadable permissions file
            EmbeddedServer, // the embedded server did not start
            Connection,     // the last poll got no answer
        };
        Kind kind = Kind::None;
        QString reason; // "cannot connect: No such file or directory"
    };

    explicit Session(Inputs inputs, Options options, QObject *parent = nullptr);
    explicit Session(Inputs inputs, QObject *parent = nullptr);
    // Stops the monitor, then the exporter (which runs the stop sequence of running exports).
    ~Session() override;

    // New settings: resolved again and applied to exports started from now on. A
    // change of server restarts the poll and the monitor (and the embedded server).
    void setInputs(const Inputs &inputs);
    const Inputs &inputs() const { return m_inputs; }

    Exporter *exporter() const { return m_exporter.get(); }
    const ExporterConfig &config() const { return m_config; }
    std::shared_ptr<const PermissionsService> permissions() const { return m_permissions; }
    const ResolvedConfig &resolved() const { return m_resolved; }
    bool isEmbedded() const { return m_resolved.useEmbeddedServer || !m_resolved.endpoint; }
    // The problem with the configuration (a malformed URL, an unreadable permissions
    // file), empty when there is none.
    QString configProblem() const { return m_configProblem; }

    // Starts exports; while the embedded server starts they wait and start once it
    // answers (exportQueued follows then). Returns the ids started now.
    QStringList startExports(const QStringList &sources);
    int waitingCount() const { return int(m_waiting.size()); }

    ServerState serverState() const { return m_state; }
    bool isServerReady() const { return m_state != ServerState::Starting; }
    const ExportStore::ServerInfo &serverInfo() const { return m_info; }
    QString serverError() const { return m_serverError; }
    // serverError() (else configProblem()) as kind and reason.
    ServerProblem serverProblem() const;
    void pollServerNow();

    // The monitor of the exports on the server; nullptr while the user may not read
    // or the embedded server is starting. monitorChanged tells when it is replaced.
    // Until setWatchingAll(true) (the All exports tab opened) it follows only the
    // exports started from here (My exports' monitor: their statuses read by key,
    // never a SCAN of the server); then every export on the server.
    ExportMonitor *monitor() const { return m_monitor.get(); }
    bool isWatchingAll() const { return m_watchAll; }
    void setWatchingAll(bool all);
    // My exports' rows that did not start here (restored from the journal): the
    // monitor follows them too. Exports this session starts are followed by
    // themselves.
    void follow(const QStringList &ids);
    // The ids the monitor follows while it does not watch everything.
    const QStringList &followedIds() const { return m_followed; }

    // Fetches an export's data back into `path` (written to a temporary file first:
    // an existing file is only replaced by data that passed its checksum).
    // dataFetched follows.
    void fetchData(const QString &id, const QString &path);

    // Which of these exports' status keys still exist; keysChecked follows.
    void checkKeys(const QStringList &ids);

Q_SIGNALS:
    void serverStateChanged(hb::Session::ServerState state);
    // The embedded server had stopped and was started again (or could not be).
    void embeddedServerRestarted(bool ok, const QString &message);
    void monitorChanged(hb::ExportMonitor *monitor);
    void configChanged();
    void dataFetched(const QString &id, const QString &path, bool ok, qint64 bytes,
                     const QString &message);
    void keysChecked(const QHash<QString, bool> &exists);

private:
    void resolve();
    void startEmbeddedServer(bool restart);
    void onServerPolled(int generation, bool reachable, const ExportStore::ServerInfo &info,
                        const QString &error, const QString &reason);
    void setState(ServerState state);
    void rebuildMonitor();

    Inputs m_inputs;
    Options m_options;
    ResolvedConfig m_resolved;
    ExporterConfig m_config;
    std::shared_ptr<const PermissionsService> m_permissions;
    QString m_configProblem;
    std::unique_ptr<Exporter> m_exporter;
    std::unique_ptr<ExportMonitor> m_monitor;

    ServerState m_state = ServerState::Connecting;
    ExportStore::ServerInfo m_info;
    QString m_serverError;
    ServerProblem m_serverProblem; // m_serverError's kind and reason
    QTimer m_poll;
    int m_generation = 0; // answers about an older server are dropped
    bool m_polling = false;
    bool m_starting = false;
    QStringList m_waiting;
    bool m_watchAll = false;
    QStringList m_followed; // the exports started here, for a monitor not watching all
};

} // namespace hb

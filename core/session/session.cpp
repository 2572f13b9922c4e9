#include "session.h"

#include "backgroundcall.h"
#include "embeddedserver.h"
#include "exporter.h"
#include "exportmonitor.h"
#include "logging.h"

#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

namespace hb {

namespace {

struct Poll
{
    std::optional<ExportStore::ServerInfo> info;
    QString error;
    QString reason; // the error without the server's name
};

// A connection's failure reads "Redis <server>: <reason>" (RedisConnection): the
// reason alone, when it is about the server that was asked.
QString reasonWithoutServer(const QString &error, const RedisEndpoint &endpoint)
{
    const QString prefix = QStringLiteral("Redis %1: ").arg(endpoint.displayName());
    return error.startsWith(prefix) ? error.mid(prefix.size()).trimmed() : error;
}

struct Fetch
{
    bool ok = false;
    qint64 bytes = 0;
    QString message;
};

} // namespace

Session::Session(Inputs inputs, QObject *parent) : Session(std::move(inputs), Options{}, parent) {}

Session::Session(Inputs inputs, Options options, QObject *parent)
    : QObject(parent), m_inputs(std::move(inputs)), m_options(options), m_watchAll(options.watchAll)
{
    resolve();
    m_exporter = std::make_unique<Exporter>(m_config, m_permissions);
    // My exports' monitor follows each export from the moment its id is real.
    connect(m_exporter.get(), &Exporter::exportCreated, this,
            [this](const QString &id, const ExportStatus &) { follow({id}); });
    // A Redis lost under an export: look at once rather than at the next poll, so
    // that a dead embedded server is started again before the next export.
    connect(m_exporter.get(), &Exporter::exportFinished, this,
            [this](const QString &, const ExportStatus &, ErrorCode code, const QString &) {
                if (code == ErrorCode::Redis) pollServerNow();
            });
    m_poll.setInterval(m_options.serverPollMs);
    connect(&m_poll, &QTimer::timeout, this, &Session::pollServerNow);
    m_poll.start();
    if (isEmbedded()) {
        startEmbeddedServer(false);
    } else {
        rebuildMonitor();
        pollServerNow();
    }
}

Session::~Session()
{
    m_poll.stop();
    ++m_generation;
    if (m_monitor) m_monitor->stop();
    m_monitor.reset();
    m_exporter.reset(); // runs the stop sequence of running exports
}

void Session::resolve()
{
    m_resolved = resolveConfig(m_inputs.config);
    m_configProblem.clear();
    ExporterConfig cfg = m_inputs.exportConfig;
    if (m_resolved.endpoint) {
        cfg.endpoint = *m_resolved.endpoint;
    } else {
        if (!m_resolved.urlError.isEmpty()) {
            m_configProblem = tr("invalid Redis URL: %1").arg(m_resolved.urlError);
            qCWarning(lcCore).noquote() << m_configProblem << "- using the embedded server";
        }
        cfg.endpoint = EmbeddedServer::endpoint();
    }
    m_config = cfg;

    QString error;
    m_permissions = loadResolvedPermissions(m_resolved, &error);
    if (!m_permissions) {
        // A permissions file that cannot be read grants nothing rather than everything.
        qCWarning(lcCore).noquote() << error << "- no one may export until it is fixed";
        if (m_configProblem.isEmpty()) m_configProblem = error;
        QString ignored;
        m_permissions = FilePermissions::fromJson("{}", error, &ignored);
    }
}

void Session::setInputs(const Inputs &inputs)
{
    const RedisEndpoint before = m_config.endpoint;
    const bool couldRead = m_monitor != nullptr;
    m_inputs = inputs;
    resolve();
    m_exporter->setConfig(m_config);
    m_exporter->setPermissions(m_permissions);
    if (!(m_config.endpoint == before)) {
        qCInfo(lcCore).noquote() << "Redis server now" << m_config.endpoint.displayName();
        ++m_generation;
        m_polling = false;
        m_info = {};
        m_serverError.clear();
        m_serverProblem = {};
        if (isEmbedded()) {
            startEmbeddedServer(false);
        } else {
            setState(ServerState::Connecting);
            rebuildMonitor();
            pollServerNow();
        }
    } else if (m_permissions->mayRead(m_config.user) != couldRead && isServerReady()) {
        rebuildMonitor();
    }
    Q_EMIT configChanged();
}

QStringList Session::startExports(const QStringList &sources)
{
    QStringList ids;
    for (const QString &source : sources) {
        if (source.isEmpty()) continue;
        // While the embedded server starts (or starts again) exports wait for it.
        if (m_state == ServerState::Starting || m_starting)
            m_waiting.append(source);
        else
            ids.append(m_exporter->startExport(source));
    }
    return ids;
}

void Session::setState(ServerState state)
{
    if (m_state == state) return;
    m_state = state;
    Q_EMIT serverStateChanged(state);
}

void Session::startEmbeddedServer(bool restart)
{
    if (m_starting) return;
    m_starting = true;
    if (!restart) {
        setState(ServerState::Starting);
        if (m_monitor) {
            m_monitor->stop();
            m_monitor.reset();
            Q_EMIT monitorChanged(nullptr);
        }
    }
    const int generation = m_generation;
    runInBackground(
        this,
        [] {
            QString error;
            if (!EmbeddedServer::ensureRunning(&error) && error.isEmpty())
                error = QStringLiteral("the embedded server did not start");
            return error;
        },
        [this, generation, restart](const QString &error) {
            m_starting = false;
            if (generation != m_generation) return;
            if (!error.isEmpty()) {
                m_serverError = error;
                m_serverProblem = {ServerProblem::Kind::EmbeddedServer, error};
                qCWarning(lcCore).noquote() << "embedded Redis:" << error;
            }
            if (restart) {
                const QString message =
                    error.isEmpty()
                        ? tr("The embedded Redis server had stopped; it was started again "
                             "(exports it held are gone).")
                        : tr("The embedded Redis server had stopped and could not be started "
                             "again: %1")
                              .arg(error);
                if (error.isEmpty()) qCWarning(lcCore).noquote() << message;
                Q_EMIT embeddedServerRestarted(error.isEmpty(), message);
            } else {
                setState(ServerState::Connecting);
            }
            const QStringList waiting = std::exchange(m_waiting, {});
            startExports(waiting);
            if (!m_monitor) rebuildMonitor();
            pollServerNow();
        });
}

void Session::pollServerNow()
{
    // Never ask a server that is not there yet: the embedded one while it starts.
    if (m_polling || m_state == ServerState::Starting) return;
    m_polling = true;
    const int generation = m_generation;
    const RedisEndpoint endpoint = m_config.endpoint;
    runInBackground(
        this,
        [endpoint] {
            ExportStore store(endpoint, KeyLayout{}, RedisTimeouts{1500, 2500});
            Failure failure;
            Poll p;
            p.info = store.serverInfo(&failure);
            if (!p.info) {
                p.error = failure.message;
                p.reason = reasonWithoutServer(failure.message, endpoint);
            }
            return p;
        },
        [this, generation](const Poll &p) {
            onServerPolled(generation, p.info.has_value(),
                           p.info.value_or(ExportStore::ServerInfo{}), p.error, p.reason);
        });
}

void Session::onServerPolled(int generation, bool reachable, const ExportStore::ServerInfo &info,
                             const QString &error, const QString &reason)
{
    if (generation != m_generation) return;
    m_polling = false;
    if (reachable) {
        m_info = info;
        m_serverError.clear();
        m_serverProblem = {};
    } else {
        m_serverError = error;
        m_serverProblem = {ServerProblem::Kind::Connection, reason};
    }
    // Emitted after every poll, changed or not: the memory figures or the reason move.
    m_state = reachable ? ServerState::Reachable : ServerState::Unreachable;
    Q_EMIT serverStateChanged(m_state);
    // The embedded server is ours to keep running (CONTRACT §7): when it stops
    // answering, start it again rather than failing every new export.
    if (!reachable && isEmbedded() && m_resolved.urlError.isEmpty()) startEmbeddedServer(true);
}

Session::ServerProblem Session::serverProblem() const
{
    if (!m_serverError.isEmpty()) return m_serverProblem;
    if (!m_configProblem.isEmpty()) return {ServerProblem::Kind::Config, m_configProblem};
    return {};
}

void Session::rebuildMonitor()
{
    if (m_monitor) {
        m_monitor->stop();
        m_monitor.reset();
    }
    if (m_options.withMonitor && m_permissions->mayRead(m_config.user)) {
        ExportMonitor::Options options;
        options.followOnly = !m_watchAll;
        options.followed = m_followed;
        m_monitor = std::make_unique<ExportMonitor>(m_config.endpoint, m_config.keys, options);
        m_monitor->start();
    }
    Q_EMIT monitorChanged(m_monitor.get());
}

void Session::follow(const QStringList &ids)
{
    QStringList added;
    for (const QString &id : ids) {
        if (m_followed.contains(id)) continue;
        m_followed.append(id);
        added.append(id);
    }
    if (!added.isEmpty() && m_monitor && !m_watchAll) m_monitor->follow(added);
}

void Session::setWatchingAll(bool all)
{
    if (m_watchAll == all) return;
    m_watchAll = all;
    // A monitor's mode is fixed at its start: a new one, if one runs now (else the
    // next one, when the server is ready, starts in the mode asked for).
    if (m_monitor) rebuildMonitor();
}

void Session::fetchData(const QString &id, const QString &path)
{
    if (!m_permissions->mayRead(m_config.user)) {
        const QString message = permissionDeniedMessage(m_config.user, Permission::Read);
        Q_EMIT dataFetched(id, path, false, 0, message);
        return;
    }
    const ExporterConfig cfg = m_config;
    runInBackground(
        this,
        [cfg, id, path] {
            Fetch r;
            QSaveFile out(path);
            if (!out.open(QIODevice::WriteOnly)) {
                r.message = QStringLiteral("cannot write %1: %2").arg(path, out.errorString());
                return r;
            }
            ExportStore store(cfg.endpoint, cfg.keys, cfg.timeouts);
            Failure failure;
            r.bytes = store.fetchData(id, &out, &failure);
            if (failure) {
                r.message = failure.message;
                out.cancelWriting(); // a file failing its checksum never looks like the data
                return r;
            }
            if (!out.commit()) {
                r.message = QStringLiteral("cannot write %1: %2").arg(path, out.errorString());
                return r;
            }
            r.ok = true;
            return r;
        },
        [this, id, path](const Fetch &r) {
            if (r.ok)
                qCInfo(lcCore).noquote() << "saved" << r.bytes << "bytes of" << id << "to" << path;
            else
                qCWarning(lcCore).noquote() << "saving" << id << "failed:" << r.message;
            Q_EMIT dataFetched(id, path, r.ok, r.bytes, r.message);
        });
}

void Session::checkKeys(const QStringList &ids)
{
    if (ids.isEmpty() || m_state == ServerState::Starting) return;
    const ExporterConfig cfg = m_config;
    runInBackground(
        this,
        [cfg, ids] {
            // One pipeline of EXISTS; an answer that is not an integer (a lost
            // connection) leaves the id out: unknown is not "gone".
            QHash<QString, bool> exists;
            RedisConnection conn(cfg.endpoint, RedisTimeouts{1500, 2500});
            QStringList sent;
            for (const QString &id : ids) {
                if (!conn.append({"EXISTS", cfg.keys.statusKey(id)})) break;
                sent.append(id);
            }
            for (const QString &id : std::as_const(sent)) {
                const RedisReply r = conn.readReply();
                if (r.type != RedisReply::Type::Integer) break;
                exists.insert(id, r.integer > 0);
            }
            return exists;
        },
        [this](const QHash<QString, bool> &exists) {
            if (!exists.isEmpty()) Q_EMIT keysChecked(exists);
        });
}

} // namespace hb

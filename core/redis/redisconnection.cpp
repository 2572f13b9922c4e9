#include "redisconnection.h"

#include <QDeadlineTimer>

#include "clusterclient.h"
#include "logging.h"
#include "sentinel.h"

#include <QThread>

#include <hiredis/hiredis.h>

#include <QScopeGuard>

#include <algorithm>
#include <vector>

namespace hb {

namespace {

RedisReply convert(const redisReply *r, const QString &server)
{
    RedisReply out;
    switch (r->type) {
    case REDIS_REPLY_STRING:
        out.type = RedisReply::Type::String;
        out.string = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_STATUS:
        out.type = RedisReply::Type::Status;
        out.string = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_INTEGER:
        out.type = RedisReply::Type::Integer;
        out.integer = r->integer;
        break;
    case REDIS_REPLY_ARRAY:
        out.type = RedisReply::Type::Array;
        out.elements.reserve(qsizetype(r->elements));
        for (size_t i = 0; i < r->elements; ++i)
            out.elements.append(convert(r->element[i], server));
        break;
    case REDIS_REPLY_ERROR:
        out.type = RedisReply::Type::Error;
        out.string = QByteArray(r->str, qsizetype(r->len));
        out.error = RedisError::fromReply(out.string, server);
        break;
    case REDIS_REPLY_NIL:
    default:
        out.type = RedisReply::Type::Nil;
        break;
    }
    return out;
}

} // namespace

RedisReply RedisReply::fromError(RedisError e)
{
    RedisReply r;
    r.type = Type::Error;
    r.string = e.message.toUtf8();
    r.error = std::move(e);
    return r;
}

RedisConnection::RedisConnection(RedisEndpoint endpoint, RedisTimeouts timeouts)
    : m_endpoint(std::move(endpoint)), m_server(m_endpoint), m_timeouts(timeouts), m_resp(m_socket)
{
}

RedisConnection::~RedisConnection() = default;

void RedisConnection::disconnect()
{
    if (m_cluster) m_cluster->disconnect();
    m_socket.close();
    m_resp.close();
    m_pending = 0;
}

RedisReply RedisConnection::transportError(RedisError::Kind kind, const QString &reason)
{
    disconnect();
    // While connecting, a failure of any kind but a timeout means the server cannot
    // be reached (a TLS verification failure included).
    if (m_connecting && kind != RedisError::Kind::Timeout) kind = RedisError::Kind::Unreachable;
    m_lastError.kind = kind;
    m_lastError.message = QStringLiteral("Redis %1: %2").arg(serverName(), reason);
    qCWarning(lcRedis).noquote() << m_lastError.message;
    return RedisReply::fromError(m_lastError);
}

// what: "sending a command" or "waiting for a reply", for the timeout message.
RedisReply RedisConnection::socketError(const RedisSocket::Outcome &o, const QString &what)
{
    using Status = RedisSocket::Outcome::Status;
    if (o.status == Status::Timeout)
        return transportError(
            RedisError::Kind::Timeout,
            QStringLiteral("timed out after %1 ms %2").arg(m_timeouts.commandMs).arg(what));
    if (o.status == Status::Closed)
        return transportError(
            RedisError::Kind::ConnectionLost,
            o.reason.isEmpty()
                ? QStringLiteral("connection closed by the server")
                : QStringLiteral("connection closed by the server (%1)").arg(o.reason));
    // A TLS failure on an established session (an alert, a refused client
    // certificate that TLS 1.3 reports only after the handshake) ends it.
    return transportError(o.tlsFailure && m_connecting ? RedisError::Kind::Unreachable
                                                       : RedisError::Kind::ConnectionLost,
                          o.reason);
}

bool RedisConnection::ensureConnected()
{
    if (m_cluster) return m_cluster->ensureConnected();
    if (m_socket.isOpen()) return true;
    if (m_endpoint.kind == RedisEndpoint::Kind::Sentinel) return connectViaSentinels();
    if (m_endpoint.kind == RedisEndpoint::Kind::Tcp && m_clusterProbe == ClusterProbe::Unknown)
        return discoverCluster();
    return connectTo(m_endpoint);
}

bool RedisConnection::masterMoved() const
{
    if (m_endpoint.kind != RedisEndpoint::Kind::Sentinel || !m_socket.isOpen()) return false;
    RedisError ignored;
    const std::optional<RedisHost> master = SentinelResolver::askForMaster(
        m_endpoint, RedisTimeouts{std::min(m_timeouts.connectMs, 1000), 1000}, &ignored);
    return master && !(master->host == m_server.host && master->port == m_server.port);
}

bool RedisConnection::connectViaSentinels()
{
    // Right after a failover the sentinels may still name the old master, or the
    // new one may not have taken the role yet: ask again within the connect timeout.
    QDeadlineTimer deadline(m_timeouts.connectMs);
    RedisError last;
    while (true) {
        RedisError asked;
        const std::optional<RedisHost> master =
            SentinelResolver::askForMaster(m_endpoint, m_timeouts, &asked);
        if (!master) {
            last = asked;
            if (asked.kind == RedisError::Kind::AuthFailed ||
                asked.kind == RedisError::Kind::NoPermission)
                break;
        } else if (!connectTo(m_endpoint.atAddress(master->host, master->port))) {
            last = m_lastError;
            if (last.kind == RedisError::Kind::AuthFailed ||
                last.kind == RedisError::Kind::NoPermission)
                break;
        } else {
            const RedisReply role = command({QByteArrayLiteral("ROLE")});
            // An ACL that forbids ROLE leaves the sentinels' word for it.
            if (role.isError() && role.error.kind == RedisError::Kind::NoPermission) return true;
            const QByteArray name = role.type == RedisReply::Type::Array && !role.elements.isEmpty()
                                        ? role.elements.first().string
                                        : QByteArray();
            if (name == "master") return true;
            last.kind = RedisError::Kind::Unreachable;
            last.message = role.isError()
                               ? role.error.message
                               : QStringLiteral("Redis %1: the sentinels of %2 name it master, "
                                                "but its role is %3")
                                     .arg(serverName(), m_endpoint.displayName(),
                                          QString::fromUtf8(name.isEmpty() ? "unknown" : name));
            disconnect();
        }
        if (deadline.remainingTime() < 250) break;
        QThread::msleep(200);
    }
    m_lastError = last;
    qCWarning(lcRedis).noquote() << last.message;
    return false;
}

bool RedisConnection::discoverCluster()
{
    QList<RedisHost> seeds = m_endpoint.hosts();
    for (const RedisHost &h : ClusterClient::rememberedNodes(m_endpoint))
        if (!seeds.contains(h)) seeds.append(h);
    RedisError last;
    for (qsizetype i = 0; i < seeds.size(); ++i) {
        const RedisHost &seed = seeds[i];
        RedisEndpoint probe = i == 0 ? m_endpoint : m_endpoint.atAddress(seed.host, seed.port);
        probe.moreHosts.clear();
        probe.db = 0; // SELECT comes after the question: a cluster refuses it
        if (!connectTo(probe)) {
            if (!m_lastError.isTransport()) return false; // a refused login is final
            last = m_lastError;
            continue;
        }
        const RedisReply slotsReply = command({"CLUSTER", "SLOTS"});
        if (slotsReply.isError() && slotsReply.error.isTransport()) {
            last = slotsReply.error;
            continue;
        }
        if (slotsReply.type == RedisReply::Type::Array) {
            disconnect();
            if (m_endpoint.db != 0) {
                m_lastError = {RedisError::Kind::Misconfigured,
                               QStringLiteral("%1 is a Redis Cluster node: a cluster has only "
                                              "database 0, and the URL names database %2")
                                   .arg(m_server.displayName())
                                   .arg(m_endpoint.db)};
                return false;
            }
            cluster::SlotMap map;
            QString why;
            if (!map.parse(slotsReply, seed.host, &why)) {
                last = {RedisError::Kind::Protocol,
                        QStringLiteral("Redis %1: %2").arg(m_server.displayName(), why)};
                continue;
            }
            qCDebug(lcRedis).noquote() << m_server.displayName() << "is a Redis Cluster node";
            m_cluster =
                std::make_unique<ClusterClient>(m_endpoint, m_timeouts, std::move(map), seed);
            m_cluster->setRoutingKey(m_routingKey);
            m_cluster->setFollowMoved(m_followMoved);
            return m_cluster->ensureConnected();
        }
        // Not a cluster (cluster support disabled, or CLUSTER refused by an ACL):
        // this server, as before.
        m_clusterProbe = ClusterProbe::Off;
        if (m_endpoint.db != 0) {
            const RedisReply selected =
                command({QByteArrayLiteral("SELECT"), QByteArray::number(m_endpoint.db)});
            if (selected.isError()) {
                m_lastError = selected.error;
                disconnect();
                return false;
            }
            m_server.db = m_endpoint.db;
        }
        m_lastError = {};
        return true;
    }
    m_lastError = last;
    if (seeds.size() > 1)
        m_lastError.message = QStringLiteral("no Redis of %1 answered (%2 tried); last: %3")
                                  .arg(m_endpoint.displayName())
                                  .arg(seeds.size())
                                  .arg(last.message);
    return false;
}

bool RedisConnection::isConnected() const
{
    return m_cluster ? m_cluster->isConnected() : m_socket.isOpen();
}

int RedisConnection::pending() const
{
    return m_cluster ? m_cluster->pending() : m_pending;
}

const RedisError &RedisConnection::lastError() const
{
    return m_cluster ? m_cluster->lastError() : m_lastError;
}

const RedisEndpoint &RedisConnection::server() const
{
    return m_cluster ? m_cluster->server() : m_server;
}

void RedisConnection::setRoutingKey(const QByteArray &key)
{
    m_routingKey = key;
    if (m_cluster) m_cluster->setRoutingKey(key);
}

void RedisConnection::setFollowMoved(bool follow)
{
    m_followMoved = follow;
    if (m_cluster) m_cluster->setFollowMoved(follow);
}

void RedisConnection::setKeylessNode(const std::optional<RedisHost> &node)
{
    if (m_cluster) m_cluster->setKeylessNode(node);
}

QList<RedisHost> RedisConnection::clusterMasters()
{
    if (!m_cluster && !ensureConnected()) return {};
    return m_cluster ? m_cluster->masters() : QList<RedisHost>();
}

bool RedisConnection::connectTo(const RedisEndpoint &server)
{
    disconnect();
    m_server = server;
    const QDeadlineTimer connectDeadline(m_timeouts.connectMs);
    const RedisSocket::Outcome opened = m_socket.open(server, connectDeadline);
    if (!opened.ok()) {
        const bool timedOut = opened.status == RedisSocket::Outcome::Status::Timeout;
        // A TLS failure (a handshake that did not finish in time included) is a
        // sentence of its own and means the server cannot be used: Unreachable.
        if (opened.tlsFailure)
            transportError(RedisError::Kind::Unreachable, opened.reason);
        else if (timedOut)
            transportError(
                RedisError::Kind::Timeout,
                QStringLiteral("cannot connect: timed out after %1 ms").arg(m_timeouts.connectMs));
        else
            transportError(RedisError::Kind::Unreachable,
                           QStringLiteral("cannot connect: %1").arg(opened.reason));
        return false;
    }
    m_resp.open();
    m_pending = 0;
    qCDebug(lcRedis).noquote() << "connected to" << serverName();

    m_connecting = true;
    const auto done = qScopeGuard([this] { m_connecting = false; });
    auto handshake = [&](const QList<QByteArray> &args) {
        RedisReply r = command(args);
        if (r.isError()) {
            m_lastError = r.error;
            disconnect();
            return false;
        }
        return true;
    };
    bool exchanged = false;
    if (const QList<QByteArray> auth = server.authCommand(); !auth.isEmpty()) {
        exchanged = true;
        if (!handshake(auth)) {
            // Whatever Redis said to a failed AUTH, it is a login problem.
            if (m_lastError.kind == RedisError::Kind::ServerError)
                m_lastError.kind = RedisError::Kind::AuthFailed;
            return false;
        }
    }
    if (server.db != 0) {
        exchanged = true;
        if (!handshake({QByteArrayLiteral("SELECT"), QByteArray::number(server.db)})) return false;
    }
    // TLS 1.3 finishes the client's side of the handshake before the server has
    // checked our certificate: a refused or missing one arrives as an alert with the
    // first reply. One PING here makes it a connect failure that says so.
    if (m_socket.isTls() && !exchanged && !handshake({QByteArrayLiteral("PING")})) return false;
    m_lastError = {};
    return true;
}

bool RedisConnection::append(const QList<QByteArray> &args)
{
    if (m_cluster) return m_cluster->append(args);
    if (!ensureConnected()) return false;
    if (m_cluster) return m_cluster->append(args); // just found to be a cluster
    // One command timeout for the whole command, however many partial writes.
    const RedisSocket::Outcome o = m_resp.write(args, QDeadlineTimer(m_timeouts.commandMs));
    if (!o.ok()) {
        socketError(o, QStringLiteral("sending a command"));
        return false;
    }
    ++m_pending;
    return true;
}

RespStream::Parsed RedisConnection::nextReply(const QDeadlineTimer &deadline, RedisReply *error,
                                              bool *timedOut)
{
    *timedOut = false;
    RespStream::ReadFailure failure;
    RespStream::Parsed reply = m_resp.read(deadline, &failure);
    if (reply) return reply;
    if (failure.malformed)
        *error = transportError(RedisError::Kind::Protocol, failure.parserError);
    else if (failure.socket.status == RedisSocket::Outcome::Status::Timeout)
        *timedOut = true;
    else
        *error = socketError(failure.socket, QStringLiteral("waiting for a reply"));
    return nullptr;
}

RedisReply RedisConnection::readReply()
{
    if (m_cluster) return m_cluster->readReply();
    if (!isConnected())
        return RedisReply::fromError(
            m_lastError.kind == RedisError::Kind::None
                ? RedisError{RedisError::Kind::ConnectionLost,
                             QStringLiteral("Redis %1: not connected").arg(serverName())}
                : m_lastError);
    RedisReply error;
    bool timedOut = false;
    const RespStream::Parsed reply =
        nextReply(QDeadlineTimer(m_timeouts.commandMs), &error, &timedOut);
    if (timedOut)
        return socketError({RedisSocket::Outcome::Status::Timeout, {}, false},
                           QStringLiteral("waiting for a reply"));
    if (!reply) return error;
    --m_pending;
    RedisReply out = convert(static_cast<const redisReply *>(reply.get()), serverName());
    if (out.isError()) m_lastError = out.error;
    return out;
}

RedisReply RedisConnection::readPushed(int waitMs, bool *nothing)
{
    if (m_cluster) return m_cluster->readPushed(waitMs, nothing);
    *nothing = false;
    if (!isConnected()) return readReply(); // the "not connected" error
    RedisReply error;
    bool timedOut = false;
    const RespStream::Parsed reply =
        nextReply(QDeadlineTimer(std::max(0, waitMs)), &error, &timedOut);
    if (timedOut) {
        *nothing = true; // not an error: the connection stays up
        return {};
    }
    if (!reply) return error;
    if (m_pending > 0) --m_pending; // a reply to a command of ours (SUBSCRIBE's confirmation)
    return convert(static_cast<const redisReply *>(reply.get()), serverName());
}

RedisReply RedisConnection::command(const QList<QByteArray> &args)
{
    if (!m_cluster && !m_socket.isOpen() && !ensureConnected())
        return RedisReply::fromError(m_lastError);
    if (m_cluster) return m_cluster->command(args);
    if (m_pending != 0) {
        // A pipelined caller must drain before mixing in a blocking command.
        return transportError(
            RedisError::Kind::Protocol,
            QStringLiteral("internal: command() with %1 replies pending").arg(m_pending));
    }
    if (!append(args)) return RedisReply::fromError(m_lastError);
    return readReply();
}

QHash<QByteArray, QByteArray> parseInfo(const QByteArray &info)
{
    QHash<QByteArray, QByteArray> fields;
    for (const QByteArray &line : info.split('\n')) {
        const QByteArray l = line.trimmed();
        const int colon = l.indexOf(':');
        if (l.isEmpty() || l.startsWith('#') || colon <= 0) continue;
        fields.insert(l.left(colon), l.mid(colon + 1));
    }
    return fields;
}

} // namespace hb

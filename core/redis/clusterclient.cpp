#include "clusterclient.h"

#include "logging.h"

#include <QHash>
#include <QThread>

#include <mutex>

namespace hb {

namespace {

constexpr int maxRedirects = 5;
// TRYAGAIN and CLUSTERDOWN: 50 ms doubling to 800 ms, about 3 s in all.
constexpr int busyRetries = 7;

QString addressText(const RedisHost &h)
{
    return h.host.contains(QLatin1Char(':')) ? QStringLiteral("[%1]:%2").arg(h.host).arg(h.port)
                                             : QStringLiteral("%1:%2").arg(h.host).arg(h.port);
}

QString seedsKey(const RedisEndpoint &e)
{
    QStringList parts;
    for (const RedisHost &h : e.hosts())
        parts << addressText(h);
    return parts.join(QLatin1Char(','));
}

std::mutex rememberedMutex;
QHash<QString, QList<RedisHost>> &remembered()
{
    static QHash<QString, QList<RedisHost>> nodes;
    return nodes;
}

} // namespace

ClusterClient::ClusterClient(RedisEndpoint endpoint, RedisTimeouts timeouts, cluster::SlotMap map,
                             RedisHost answered)
    : m_endpoint(std::move(endpoint)), m_timeouts(timeouts), m_map(std::move(map)),
      m_default(std::move(answered))
{
    const std::lock_guard<std::mutex> lock(rememberedMutex);
    remembered().insert(seedsKey(m_endpoint), m_map.nodes());
}

ClusterClient::~ClusterClient() = default;

QList<RedisHost> ClusterClient::rememberedNodes(const RedisEndpoint &seeds)
{
    const std::lock_guard<std::mutex> lock(rememberedMutex);
    return remembered().value(seedsKey(seeds));
}

const RedisEndpoint &ClusterClient::server() const
{
    return m_last ? m_last->conn->server() : m_endpoint;
}

ClusterClient::Node &ClusterClient::node(const RedisHost &address)
{
    auto &slot = m_nodes[addressText(address)];
    if (!slot) {
        slot = std::make_unique<Node>();
        slot->address = address;
        RedisEndpoint at = m_endpoint.atAddress(address.host, address.port);
        at.db = 0;
        slot->conn = std::make_unique<RedisConnection>(at, m_timeouts);
        slot->conn->disableClusterDiscovery();
    }
    return *slot;
}

RedisReply ClusterClient::fail(const RedisError &error)
{
    disconnect();
    m_lastError = error;
    return RedisReply::fromError(error);
}

void ClusterClient::disconnect()
{
    for (auto &[name, n] : m_nodes) {
        n->conn->disconnect();
        n->early.clear();
    }
    m_sent.clear();
    // Whatever broke may have been a failover or a resharding: ask again.
    m_refreshDue = true;
}

bool ClusterClient::isConnected() const
{
    for (const auto &[name, n] : m_nodes)
        if (n->conn->isConnected()) return true;
    return false;
}

bool ClusterClient::refreshMap(const std::optional<RedisHost> &askFirst)
{
    QList<RedisHost> candidates;
    auto add = [&](const RedisHost &h) {
        if (!candidates.contains(h)) candidates.append(h);
    };
    if (askFirst) add(*askFirst);
    for (const RedisHost &h : m_map.masters())
        add(h);
    for (const RedisHost &h : m_endpoint.hosts())
        add(h);
    for (const RedisHost &h : m_map.nodes())
        add(h);
    for (const RedisHost &h : rememberedNodes(m_endpoint))
        add(h);
    RedisError last;
    for (const RedisHost &h : candidates) {
        Node &n = node(h);
        // The node's own connection when it is idle, else one just for this.
        std::unique_ptr<RedisConnection> own;
        RedisConnection *conn = n.conn.get();
        if (conn->pending() != 0 || !n.early.empty()) {
            own = std::make_unique<RedisConnection>(n.conn->endpoint(), m_timeouts);
            own->disableClusterDiscovery();
            conn = own.get();
        }
        if (!conn->ensureConnected()) {
            last = conn->lastError();
            continue;
        }
        const RedisReply slotsReply = conn->command({"CLUSTER", "SLOTS"});
        cluster::SlotMap map;
        QString why;
        if (slotsReply.isError()) {
            last = slotsReply.error;
            continue;
        }
        if (!map.parse(slotsReply, h.host, &why)) {
            last = {RedisError::Kind::Protocol,
                    QStringLiteral("Redis %1: %2").arg(conn->serverName(), why)};
            continue;
        }
        m_map = std::move(map);
        m_refreshDue = false;
        m_movedTo.reset();
        {
            const std::lock_guard<std::mutex> lock(rememberedMutex);
            remembered().insert(seedsKey(m_endpoint), m_map.nodes());
        }
        qCDebug(lcRedis).noquote() << "cluster slot map from" << addressText(h) << ":"
                                   << m_map.masters().size() << "masters";
        return true;
    }
    m_lastError =
        last.kind == RedisError::Kind::None
            ? RedisError{RedisError::Kind::Unreachable,
                         QStringLiteral("Redis cluster %1: no node to ask for the slot map")
                             .arg(m_endpoint.displayName())}
            : last;
    if (candidates.size() > 1)
        m_lastError.message =
            QStringLiteral("no node of the Redis cluster answered (%1 tried); last: %2")
                .arg(candidates.size())
                .arg(m_lastError.message);
    return false;
}

ClusterClient::Node *ClusterClient::connected(Node &n)
{
    if (n.conn->ensureConnected()) return &n;
    m_lastError = n.conn->lastError();
    return nullptr;
}

ClusterClient::Node *ClusterClient::target(const QList<QByteArray> &args)
{
    if (m_refreshDue && m_sent.empty()) refreshMap(m_movedTo); // else the map we have
    QByteArray key = cluster::routingKeyOf(args);
    if (key.isEmpty() && m_keyless) return connected(node(*m_keyless));
    if (key.isEmpty()) key = m_routingKey;
    if (key.isEmpty()) {
        if (Node *n = connected(node(m_default))) return n;
        // The node that answered first is gone: any other will do.
        for (const RedisHost &h : m_map.masters()) {
            if (h == m_default) continue;
            if (Node *n = connected(node(h))) {
                m_default = h;
                return n;
            }
        }
        return nullptr;
    }
    const int slot = cluster::keySlot(key);
    for (int attempt = 0; attempt < 2; ++attempt) {
        const std::optional<RedisHost> master = m_map.masterOf(slot);
        if (master) {
            if (Node *n = connected(node(*master))) return n;
        } else {
            m_lastError = {RedisError::Kind::ClusterDown,
                           QStringLiteral("Redis cluster %1: no master serves hash slot %2")
                               .arg(m_endpoint.displayName())
                               .arg(slot)};
        }
        // Unreachable or unknown: the map may be stale (a failover). Once more with
        // a fresh one, when no pipeline depends on the nodes we have.
        if (attempt > 0 || !m_sent.empty()) break;
        const RedisError why = m_lastError;
        if (!refreshMap()) {
            m_lastError = why;
            break;
        }
    }
    return nullptr;
}

bool ClusterClient::ensureConnected()
{
    if (m_refreshDue && m_sent.empty() && !refreshMap(m_movedTo)) return false;
    const QByteArray key = m_routingKey;
    Node *n = target(key.isEmpty() ? QList<QByteArray>{"PING"} : QList<QByteArray>{"GET", key});
    if (n) m_last = n;
    return n != nullptr;
}

QList<RedisHost> ClusterClient::masters()
{
    if (m_refreshDue && m_sent.empty()) refreshMap(m_movedTo);
    return m_map.masters();
}

bool ClusterClient::append(const QList<QByteArray> &args)
{
    Node *n = target(args);
    if (!n) {
        const RedisError why = m_lastError;
        fail(why);
        return false;
    }
    m_last = n;
    if (!n->conn->append(args)) {
        fail(n->conn->lastError());
        return false;
    }
    m_sent.push_back({n, args});
    return true;
}

RedisReply ClusterClient::take(Node &n)
{
    if (!n.early.empty()) {
        RedisReply r = std::move(n.early.front());
        n.early.pop_front();
        return r;
    }
    return n.conn->readReply();
}

RedisReply ClusterClient::redo(Node &n, const QList<QByteArray> &args, bool asking)
{
    if (!connected(n)) return fail(m_lastError);
    // The node may have replies of its own still to come (commands sent to it
    // before this one): read them ahead, they are taken in their turn.
    const int before = n.conn->pending();
    if ((asking && !n.conn->append({"ASKING"})) || !n.conn->append(args))
        return fail(n.conn->lastError());
    for (int i = 0; i < before; ++i) {
        RedisReply r = n.conn->readReply();
        if (r.isError() && r.error.isTransport()) return fail(r.error);
        n.early.push_back(std::move(r));
    }
    if (asking) {
        const RedisReply ok = n.conn->readReply();
        if (ok.isError()) return fail(ok.error);
    }
    m_last = &n;
    return n.conn->readReply();
}

RedisReply ClusterClient::follow(RedisReply reply, const QList<QByteArray> &args)
{
    for (int hop = 0; hop <= maxRedirects; ++hop) {
        if (!reply.isError()) return reply;
        if (reply.error.isTransport() && reply.error.kind != RedisError::Kind::Moved &&
            reply.error.kind != RedisError::Kind::ClusterDown)
            return fail(reply.error);
        const std::optional<cluster::Redirect> to = cluster::parseRedirect(reply.string);
        if (!to) return reply;
        if (hop == maxRedirects) break;
        const bool ask = to->kind == cluster::Redirect::Kind::Ask;
        if (!ask) {
            // MOVED: the slot has a new master; the whole map is asked again at the
            // next connect, first of the node that answered for it.
            m_map.assign(to->slot, to->to);
            m_movedTo = to->to;
            m_refreshDue = true;
            if (!m_followMoved) {
                m_lastError = reply.error;
                return reply;
            }
        }
        qCDebug(lcRedis).noquote()
            << (ask ? "ASK" : "MOVED") << "slot" << to->slot << "to" << addressText(to->to);
        reply = redo(node(to->to), args, ask);
    }
    return fail({RedisError::Kind::Protocol,
                 QStringLiteral("Redis cluster %1: more than %2 redirections for one command")
                     .arg(m_endpoint.displayName())
                     .arg(maxRedirects)});
}

RedisReply ClusterClient::readReply()
{
    if (m_sent.empty())
        return RedisReply::fromError(
            m_lastError.kind != RedisError::Kind::None
                ? m_lastError
                : RedisError{RedisError::Kind::ConnectionLost,
                             QStringLiteral("Redis cluster %1: not connected")
                                 .arg(m_endpoint.displayName())});
    const Sent sent = std::move(m_sent.front());
    m_sent.pop_front();
    RedisReply r = take(*sent.node);
    if (r.isError()) {
        r = follow(std::move(r), sent.args);
        if (r.isError()) m_lastError = r.error;
    }
    return r;
}

RedisReply ClusterClient::command(const QList<QByteArray> &args)
{
    if (!m_sent.empty())
        return fail(
            {RedisError::Kind::Protocol,
             QStringLiteral("internal: command() with %1 replies pending").arg(m_sent.size())});
    RedisReply r;
    for (int attempt = 0;; ++attempt) {
        if (!append(args)) return RedisReply::fromError(m_lastError);
        r = readReply();
        const bool busy = r.isError() && (r.error.kind == RedisError::Kind::TryAgain ||
                                          r.error.kind == RedisError::Kind::ClusterDown);
        if (!busy) return r;
        if (attempt + 1 >= busyRetries) break;
        // A multi-key command during a migration (TRYAGAIN), a cluster that lost a
        // master (CLUSTERDOWN until a replica takes over): wait, then again.
        if (r.error.kind == RedisError::Kind::ClusterDown) m_refreshDue = true;
        QThread::msleep(50u << std::min(attempt, 4));
    }
    r.error.message =
        QStringLiteral("%1 (still after %2 attempts)").arg(r.error.message).arg(busyRetries);
    m_lastError = r.error;
    return RedisReply::fromError(r.error);
}

RedisReply ClusterClient::readPushed(int waitMs, bool *nothing)
{
    if (!m_last) {
        *nothing = false;
        return readReply(); // "not connected"
    }
    // A subscribed connection: the node that took the SUBSCRIBE.
    RedisReply r = m_last->conn->readPushed(waitMs, nothing);
    if (r.isError() && r.error.isTransport()) return fail(r.error);
    return r;
}

} // namespace hb

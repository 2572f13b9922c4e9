#pragma once

#include "clusterslots.h"
#include "redisconnection.h"

#include <QByteArray>
#include <QList>
#include <deque>
#include <map>
#include <memory>
#include <optional>

namespace hb {

// The Redis Cluster side of one RedisConnection: routes each command to the master
// of its key's slot over one plain connection per node, keeps pipelined replies in
// the order the commands were sent, and follows redirections:
//  - ASK (the slot is migrating and the key is already on the importing node):
//    `ASKING` then the same command on that node, the map unchanged;
//  - MOVED: the map learns the slot's new master (and is refreshed from CLUSTER
//    SLOTS at the next connect); the command is sent again there, or, when
//    `followMoved` is off (an export's own connection), the MOVED is returned as an
//    error that reads like a lost connection, so that the export reconnects, checks
//    what the new master holds and resends (CONTRACT §9);
//  - TRYAGAIN and CLUSTERDOWN: command() retries with back-off, a bounded number of
//    times; in a pipeline they are returned.
// A command that names no key goes to the keyless node when one is set, else to
// the routing key's master, else to the node that answered first.
// Not thread-safe: owned by its RedisConnection, used on its thread.
class ClusterClient final
{
public:
    ClusterClient(RedisEndpoint endpoint, RedisTimeouts timeouts, cluster::SlotMap map,
                  RedisHost answered);
    ~ClusterClient();
    ClusterClient(const ClusterClient &) = delete;
    ClusterClient &operator=(const ClusterClient &) = delete;

    bool ensureConnected();
    bool isConnected() const;
    void disconnect();

    bool append(const QList<QByteArray> &args);
    RedisReply readReply();
    RedisReply command(const QList<QByteArray> &args);
    RedisReply readPushed(int waitMs, bool *nothing);
    int pending() const { return int(m_sent.size()); }

    void setRoutingKey(const QByteArray &key) { m_routingKey = key; }
    void setFollowMoved(bool follow) { m_followMoved = follow; }
    void setKeylessNode(const std::optional<RedisHost> &node) { m_keyless = node; }
    // The masters serving slots (the map refreshed first when a refresh is due).
    QList<RedisHost> masters();

    const RedisError &lastError() const { return m_lastError; }
    // The node last talked to (the first seed that answered before any command).
    const RedisEndpoint &server() const;

    // Nodes seen in any slot map of this process for these seeds: where to look
    // when every seed named is down (a resubscribing monitor, a new connection).
    static QList<RedisHost> rememberedNodes(const RedisEndpoint &seeds);

private:
    struct Node
    {
        RedisHost address;
        std::unique_ptr<RedisConnection> conn;
        std::deque<RedisReply> early; // replies read ahead while redoing a redirection
    };
    struct Sent
    {
        Node *node;
        QList<QByteArray> args;
    };

    Node &node(const RedisHost &address);
    // The node a command goes to, connected; nullptr (lastError set) when none.
    Node *target(const QList<QByteArray> &args);
    Node *connected(Node &n);
    bool refreshMap(const std::optional<RedisHost> &askFirst = std::nullopt);
    RedisReply take(Node &n);
    RedisReply redo(Node &n, const QList<QByteArray> &args, bool asking);
    RedisReply follow(RedisReply reply, const QList<QByteArray> &args);
    RedisReply fail(const RedisError &error);

    RedisEndpoint m_endpoint;
    RedisTimeouts m_timeouts;
    cluster::SlotMap m_map;
    bool m_refreshDue = false;
    std::optional<RedisHost> m_movedTo; // asked first at the next refresh
    RedisHost m_default;
    std::optional<RedisHost> m_keyless;
    QByteArray m_routingKey;
    bool m_followMoved = true;
    std::map<QString, std::unique_ptr<Node>> m_nodes;
    std::deque<Sent> m_sent;
    Node *m_last = nullptr;
    RedisError m_lastError;
};

} // namespace hb

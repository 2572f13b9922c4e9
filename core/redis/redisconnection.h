#pragma once

#include "redisendpoint.h"
#include "rediserror.h"
#include "redissocket.h"
#include "respstream.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <memory>
#include <optional>
#include <vector>

namespace hb {

class ClusterClient;

// An owned copy of one hiredis reply.
struct RedisReply
{
    enum class Type { Nil, String, Integer, Array, Status, Error };
    Type type = Type::Nil;
    qint64 integer = 0;
    QByteArray string; // String, Status, and the raw text of an Error
    QList<RedisReply> elements;
    RedisError error; // set when type == Error

    bool isError() const { return type == Type::Error; }
    bool isNil() const { return type == Type::Nil; }
    static RedisReply fromError(RedisError e);
};

struct RedisTimeouts
{
    int connectMs = 5000;
    int commandMs = 10000;
};

// The fields of an INFO reply ("key:value" lines; sections and comments skipped).
// The one INFO parser: callers look up what they need by name.
QHash<QByteArray, QByteArray> parseInfo(const QByteArray &info);

// One blocking connection to one Redis server, plain or TLS (rediss://). It owns its
// socket (RedisSocket: TCP or unix, OpenSSL for TLS) and uses hiredis only to parse
// replies. Not thread-safe: one owner thread at a time. After any transport error
// the socket is closed and the next call reconnects.
//
// Timeouts: the connect and the TLS handshake together get the connect timeout
// (never a hang on a server that does not speak TLS); each command gets one command
// timeout to be sent, and each reply one to arrive, however many partial reads or
// writes they take (the login's AUTH, SELECT, PING included).
class RedisConnection final
{
public:
    explicit RedisConnection(RedisEndpoint endpoint, RedisTimeouts timeouts = {});
    ~RedisConnection();
    RedisConnection(const RedisConnection &) = delete;
    RedisConnection &operator=(const RedisConnection &) = delete;

    // What the connection was configured with (for a sentinel or cluster URL, the
    // way to find the server, not the server itself).
    const RedisEndpoint &endpoint() const { return m_endpoint; }
    // The one server this connection talks to (or last tried): the endpoint itself,
    // the master the sentinels named, the cluster node serving the routing key.
    const RedisEndpoint &server() const;
    QString serverName() const { return server().displayName(); }

    // Connects (finding the server first where the endpoint says how; then AUTH,
    // SELECT) when not connected. False with lastError() set on failure.
    bool ensureConnected();
    bool isConnected() const;
    // For a sentinel endpoint: true when the sentinels now name another master than
    // the server connected to (a failover the old master may not know of yet: it
    // keeps taking writes until the sentinels reconfigure it). False otherwise,
    // and when no sentinel answers.
    bool masterMoved() const;
    void disconnect();

    // Redis Cluster (found from the node itself, CONTRACT §6, §9; see ClusterClient):
    // keyed commands go to the master of their key's slot. The routing key says
    // which master ensureConnected() connects to and where keyless commands (WAIT)
    // go; the keyless node overrides the latter (SCAN of one master). With
    // followMoved off, a MOVED reply is returned as an error (isTransport()) rather
    // than followed, so that the caller reconnects and checks the new master.
    bool isCluster() const { return m_cluster != nullptr; }
    void setRoutingKey(const QByteArray &key);
    void setFollowMoved(bool follow);
    void setKeylessNode(const std::optional<RedisHost> &node);
    // The masters serving slots; empty when the server is not a cluster.
    QList<RedisHost> clusterMasters();
    // A node of a cluster, driven by a ClusterClient: never probes for a cluster.
    void disableClusterDiscovery() { m_clusterProbe = ClusterProbe::Off; }

    // One command, waiting for its reply.
    RedisReply command(const QList<QByteArray> &args);

    // Pipelining: append() queues a command and pushes it to the socket;
    // readReply() returns the reply of the oldest command still unanswered.
    bool append(const QList<QByteArray> &args);
    RedisReply readReply();
    int pending() const;
    // For a subscribed connection: the next message Redis pushes, waiting at most
    // waitMs. *nothing is set (and an empty reply returned) when none came in time;
    // that is not an error and the connection stays up.
    RedisReply readPushed(int waitMs, bool *nothing);

    const RedisError &lastError() const;

private:
    // Asks the sentinels for the master, connects, confirms it with ROLE.
    bool connectViaSentinels();
    // Connects to one server (Tcp or Unix, plain or TLS) and logs in.
    bool connectTo(const RedisEndpoint &server);
    // A TCP endpoint, first time: asks the seeds in order whether they are a
    // cluster (CLUSTER SLOTS); a cluster gets a ClusterClient, any other server is
    // used as before.
    bool discoverCluster();
    RedisReply transportError(RedisError::Kind kind, const QString &reason);
    RedisReply socketError(const RedisSocket::Outcome &o, const QString &what);
    // The next complete reply from the parser, reading from the socket until the
    // deadline; nullptr with the error returned in *error otherwise.
    RespStream::Parsed nextReply(const QDeadlineTimer &deadline, RedisReply *error, bool *timedOut);

    RedisEndpoint m_endpoint;
    RedisEndpoint m_server;
    RedisTimeouts m_timeouts;
    RedisSocket m_socket;
    RespStream m_resp; // on m_socket
    int m_pending = 0;
    bool m_connecting = false; // inside connectTo: every transport failure is Unreachable
    RedisError m_lastError;
    enum class ClusterProbe { Unknown, Off };
    ClusterProbe m_clusterProbe = ClusterProbe::Unknown;
    std::unique_ptr<ClusterClient> m_cluster;
    QByteArray m_routingKey;
    bool m_followMoved = true;
};

} // namespace hb

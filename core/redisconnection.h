#pragma once

#include "redisendpoint.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <memory>

struct redisContext;

namespace hb {

// What went wrong talking to Redis, sorted so callers can map it to an exit code
// or a user-facing message without parsing text.
struct RedisError
{
    enum class Kind {
        None,
        Unreachable,    // could not connect at all
        ConnectionLost, // I/O error on an established connection
        Timeout,        // connect or command timeout
        AuthFailed,     // WRONGPASS / NOAUTH
        NoPermission,   // NOPERM from Redis ACLs
        OutOfMemory,    // OOM command not allowed
        Protocol,       // malformed reply
        ReadOnly,       // READONLY: the server is a replica (a failover moved the master)
        ServerError,    // any other error reply
    };
    Kind kind = Kind::None;
    QString message; // names the server and the reason

    bool isTransport() const
    {
        return kind == Kind::Unreachable || kind == Kind::ConnectionLost || kind == Kind::Timeout ||
               kind == Kind::Protocol || kind == Kind::ReadOnly;
    }
};

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

// One blocking hiredis connection. Not thread-safe: one owner thread at a time.
// After any transport error the hiredis context is discarded (hiredis contexts are
// unusable after an error) and the next call reconnects.
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
    const RedisEndpoint &server() const { return m_server; }
    QString serverName() const { return m_server.displayName(); }

    // Connects (finding the server first where the endpoint says how; then AUTH,
    // SELECT) when not connected. False with lastError() set on failure.
    bool ensureConnected();
    bool isConnected() const { return m_ctx != nullptr; }
    // For a sentinel endpoint: true when the sentinels now name another master than
    // the server connected to (a failover the old master may not know of yet: it
    // keeps taking writes until the sentinels reconfigure it). False otherwise,
    // and when no sentinel answers.
    bool masterMoved() const;
    void disconnect();

    // One command, waiting for its reply.
    RedisReply command(const QList<QByteArray> &args);

    // Pipelining: append() queues a command and pushes it to the socket;
    // readReply() returns the reply of the oldest command still unanswered.
    bool append(const QList<QByteArray> &args);
    RedisReply readReply();
    int pending() const { return m_pending; }
    // For a subscribed connection: the next message Redis pushes, waiting at most
    // waitMs. *nothing is set (and an empty reply returned) when none came in time;
    // that is not an error and the connection stays up.
    RedisReply readPushed(int waitMs, bool *nothing);

    const RedisError &lastError() const { return m_lastError; }

    // Classifies a Redis error reply text such as "NOPERM ..." or "OOM ...".
    static RedisError classifyReplyError(const QByteArray &text, const QString &server);

private:
    // Asks the sentinels for the master, connects, confirms it with ROLE.
    bool connectViaSentinels();
    // Connects to one server (Tcp or Unix, plain or TLS) and logs in.
    bool connectTo(const RedisEndpoint &server);
    // Arguments from this size on are sent with sendmsg(), not copied by hiredis.
    static constexpr qsizetype directWriteMin = 64 * 1024;
    bool appendDirect(const QList<QByteArray> &args);
    RedisReply transportError(RedisError::Kind kind, const QString &reason);
    RedisReply takeContextError();
    bool flush();

    struct ContextDeleter
    {
        void operator()(redisContext *c) const;
    };
    RedisEndpoint m_endpoint;
    RedisEndpoint m_server;
    RedisTimeouts m_timeouts;
    std::unique_ptr<redisContext, ContextDeleter> m_ctxHolder;
    redisContext *m_ctx = nullptr;
    int m_pending = 0;
    RedisError m_lastError;
};

} // namespace hb

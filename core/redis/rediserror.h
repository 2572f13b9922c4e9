#pragma once

#include <QByteArray>
#include <QString>

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
        Moved,          // cluster: the slot has another master (reconnect and resend)
        Ask,            // cluster: the key is on the slot's importing node
        TryAgain,       // cluster: a multi-key command during a migration
        ClusterDown,    // cluster: CLUSTERDOWN, or no master for the slot
        Misconfigured,  // the URL cannot work with this server (db != 0 on a cluster)
    };
    Kind kind = Kind::None;
    QString message; // names the server and the reason

    // Classifies a Redis error reply text such as "NOPERM ..." or "OOM ..." from
    // server.
    static RedisError fromReply(const QByteArray &text, const QString &server);

    bool isTransport() const
    {
        // MOVED and CLUSTERDOWN as well: the command did not run here; reconnecting
        // (to the slot's master as the refreshed map names it) and resending is the cure.
        return kind == Kind::Unreachable || kind == Kind::ConnectionLost || kind == Kind::Timeout ||
               kind == Kind::Protocol || kind == Kind::ReadOnly || kind == Kind::Moved ||
               kind == Kind::ClusterDown;
    }
};

} // namespace hb

#include "rediserror.h"

namespace hb {

RedisError RedisError::fromReply(const QByteArray &text, const QString &server)
{
    RedisError e;
    const QString reason = QString::fromUtf8(text);
    if (text.startsWith("NOPERM") || text.contains("can't run this command")) {
        e.kind = RedisError::Kind::NoPermission;
        e.message = QStringLiteral("permission denied by Redis %1: %2").arg(server, reason);
    } else if (text.startsWith("WRONGPASS") || text.startsWith("NOAUTH") ||
               text.contains("invalid password") || text.contains("invalid username")) {
        e.kind = RedisError::Kind::AuthFailed;
        e.message = QStringLiteral("Redis %1 refused the login: %2").arg(server, reason);
    } else if (text.startsWith("READONLY")) {
        // A master turned replica in a failover: the master is elsewhere now.
        e.kind = RedisError::Kind::ReadOnly;
        e.message = QStringLiteral("Redis %1 is a read-only replica now: %2").arg(server, reason);
    } else if (text.startsWith("MOVED ")) {
        e.kind = RedisError::Kind::Moved;
        e.message = QStringLiteral("Redis %1 redirected (the slot moved): %2").arg(server, reason);
    } else if (text.startsWith("ASK ")) {
        e.kind = RedisError::Kind::Ask;
        e.message =
            QStringLiteral("Redis %1 redirected (the slot is migrating): %2").arg(server, reason);
    } else if (text.startsWith("TRYAGAIN")) {
        e.kind = RedisError::Kind::TryAgain;
        e.message = QStringLiteral("Redis %1 asked to try again (the slot is migrating): %2")
                        .arg(server, reason);
    } else if (text.startsWith("CLUSTERDOWN")) {
        e.kind = RedisError::Kind::ClusterDown;
        e.message = QStringLiteral("the Redis cluster is down (%1): %2").arg(server, reason);
    } else if (text.startsWith("OOM")) {
        e.kind = RedisError::Kind::OutOfMemory;
        e.message = QStringLiteral("Redis is out of memory (%1): %2").arg(server, reason);
    } else {
        e.kind = RedisError::Kind::ServerError;
        e.message = QStringLiteral("Redis %1 answered: %2").arg(server, reason);
    }
    return e;
}

} // namespace hb

#include "sentinel.h"

#include "logging.h"

#include <QMutex>
#include <QStringList>

namespace hb {

namespace {

// The sentinel that answered last, per group: asked first next time.
QMutex preferredLock;
QHash<QString, RedisHost> &preferred()
{
    static QHash<QString, RedisHost> byGroup;
    return byGroup;
}

QString groupKey(const RedisEndpoint &ep)
{
    return ep.displayName();
}

} // namespace

std::optional<RedisHost> SentinelResolver::askForMaster(const RedisEndpoint &endpoint,
                                                        const RedisTimeouts &timeouts,
                                                        RedisError *error)
{
    QList<RedisHost> sentinels = endpoint.hosts();
    {
        QMutexLocker lock(&preferredLock);
        const auto it = preferred().constFind(groupKey(endpoint));
        if (it != preferred().constEnd() && sentinels.removeOne(*it)) sentinels.prepend(*it);
    }
    QStringList problems;
    RedisError::Kind kind = RedisError::Kind::Unreachable;
    for (const RedisHost &s : std::as_const(sentinels)) {
        RedisConnection conn(endpoint.sentinelAt(s), timeouts);
        const RedisReply r = conn.command({QByteArrayLiteral("SENTINEL"),
                                           QByteArrayLiteral("GET-MASTER-ADDR-BY-NAME"),
                                           endpoint.masterName.toUtf8()});
        if (r.isError()) {
            problems << r.error.message;
            if (r.error.kind == RedisError::Kind::AuthFailed ||
                r.error.kind == RedisError::Kind::NoPermission)
                kind = r.error.kind;
            continue;
        }
        if (r.type != RedisReply::Type::Array || r.elements.size() != 2) {
            problems << QStringLiteral("sentinel %1:%2 does not know a master named \"%3\"")
                            .arg(s.host)
                            .arg(s.port)
                            .arg(endpoint.masterName);
            continue;
        }
        bool ok = false;
        const int port = r.elements[1].string.toInt(&ok);
        if (!ok || port < 1 || port > 65535) {
            problems << QStringLiteral("sentinel %1:%2 answered an unreadable address")
                            .arg(s.host)
                            .arg(s.port);
            continue;
        }
        {
            QMutexLocker lock(&preferredLock);
            preferred().insert(groupKey(endpoint), s);
        }
        const RedisHost master{QString::fromUtf8(r.elements[0].string), port};
        qCDebug(lcRedis).noquote() << "sentinel" << s.host << s.port << "names" << master.host
                                   << master.port << "as master" << endpoint.masterName;
        return master;
    }
    if (error) {
        error->kind = kind;
        error->message = QStringLiteral("no sentinel of %1 named a master: %2")
                             .arg(endpoint.displayName(), problems.join(QStringLiteral("; ")));
    }
    return std::nullopt;
}

QByteArray serverRole(RedisConnection &conn)
{
    const RedisReply r = conn.command({QByteArrayLiteral("ROLE")});
    if (r.type != RedisReply::Type::Array || r.elements.isEmpty()) return {};
    return r.elements.first().string;
}

} // namespace hb

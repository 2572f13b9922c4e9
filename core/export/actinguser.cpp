#include "actinguser.h"

#include "logging.h"
#include "permissions.h"
#include "redisconnection.h"
#include "textescape.h"

namespace hb {

QString ActingUser::aclLogin(const RedisConnection &conn)
{
    const QString user = conn.endpoint().user;
    return user == QLatin1String("default") ? QString() : user;
}

ActingUser ActingUser::resolve(RedisConnection &conn, const QString &user, bool named,
                               Failure *failure)
{
    *failure = {};
    const QString unverified = user.trimmed().isEmpty() ? defaultUserName() : user;
    const QString login = aclLogin(conn);
    if (login.isEmpty()) return {unverified, false};

    if (!conn.ensureConnected()) {
        *failure = Failure::fromRedis(conn.lastError());
        return {};
    }
    QString name = login;
    const RedisReply r = conn.command({"ACL", "WHOAMI"});
    if (r.isError()) {
        if (r.error.isTransport()) {
            *failure = Failure::fromRedis(r.error);
            return {};
        }
        // NOPERM (the ACL forbids WHOAMI): the server accepted this login, so the
        // login name is who we are.
        qCDebug(lcRedis).noquote()
            << "ACL WHOAMI refused, acting as the login name" << login << "-" << r.error.message;
    } else if (r.type == RedisReply::Type::String || r.type == RedisReply::Type::Status) {
        name = QString::fromUtf8(r.string);
    }
    if (name.isEmpty() || name == QLatin1String("default")) return {unverified, false};
    if (named && user != name) {
        *failure = {ErrorCode::PermissionDenied,
                    QStringLiteral("permission denied: logged in to Redis as %1, cannot act as %2")
                        .arg(escapeUntrusted(name, 80), escapeUntrusted(user, 80))};
        return {};
    }
    return {name, true};
}

QString ActingUser::displayOwner(const QString &owner, bool verified, int maxChars)
{
    const QString name = escapeUntrusted(owner, maxChars);
    return verified ? name : QStringLiteral("%1 (unverified)").arg(name);
}

Failure checkMayPublish(RedisConnection &conn, const QByteArray &channel)
{
    const RedisReply multi = conn.command({"MULTI"});
    if (multi.isError()) {
        if (multi.error.isTransport()) return Failure::fromRedis(multi.error);
        // MULTI refused: PUBLISH outside a transaction would reach every monitor.
        qCDebug(lcRedis).noquote()
            << "cannot check the events channel without MULTI:" << multi.error.message;
        return {};
    }
    const RedisReply queued = conn.command({"PUBLISH", channel, "hbexporter: permission check"});
    // Not a DISCARD after a dropped connection: it would go out on a new one, outside
    // the transaction, and its error would hide the drop (a retry needs to see it).
    if (queued.isError() && queued.error.isTransport()) return Failure::fromRedis(queued.error);
    const RedisReply discard = conn.command({"DISCARD"});
    if (discard.isError() && discard.error.isTransport()) return Failure::fromRedis(discard.error);
    if (!queued.isError() || queued.error.kind != RedisError::Kind::NoPermission) return {};

    QString who = ActingUser::aclLogin(conn);
    if (who.isEmpty()) who = QStringLiteral("default");
    const QString chan = QString::fromUtf8(channel);
    const bool command = queued.string.contains("'publish' command");
    return {ErrorCode::PermissionDenied,
            command ? QStringLiteral("permission denied: Redis user %1 may not run PUBLISH, needed "
                                     "for channel %2 (add \"+publish\" to its ACL)")
                          .arg(escapeUntrusted(who, 80), escapeUntrusted(chan, 80))
                    : QStringLiteral("permission denied: Redis user %1 may not publish to "
                                     "channel %2 (add \"&%2\" to its ACL)")
                          .arg(escapeUntrusted(who, 80), escapeUntrusted(chan, 80))};
}

} // namespace hb

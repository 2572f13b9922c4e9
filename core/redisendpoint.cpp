#include "redisendpoint.h"

#include <QUrl>
#include <QUrlQuery>

namespace hb {

namespace {

bool fail(QString *error, const QString &message)
{
    if (error) *error = message;
    return false;
}

} // namespace

std::optional<RedisEndpoint> RedisEndpoint::parse(const QString &text, QString *error)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty()) {
        fail(error, QStringLiteral("invalid Redis URL: empty"));
        return std::nullopt;
    }
    // Never echo a password back in an error message.
    auto bad = [&](const QString &why) {
        QUrl shown(trimmed);
        const QString name = shown.isValid() ? shown.toDisplayString(QUrl::RemovePassword)
                                             : QStringLiteral("(unparsable)");
        fail(error, QStringLiteral("invalid Redis URL %1: %2").arg(name, why));
        return std::nullopt;
    };

    const QUrl url(trimmed, QUrl::StrictMode);
    if (!url.isValid()) return bad(url.errorString());

    RedisEndpoint ep;
    const QString scheme = url.scheme().toLower();
    if (scheme == QLatin1String("redis")) {
        ep.kind = Kind::Tcp;
        if (url.host().isEmpty()) return bad(QStringLiteral("no host"));
        ep.host = url.host();
        const int port = url.port(6379);
        if (port < 1 || port > 65535) return bad(QStringLiteral("port out of range"));
        ep.port = port;
        QString path = url.path();
        if (path.startsWith(QLatin1Char('/'))) path.remove(0, 1);
        if (!path.isEmpty()) {
            bool ok = false;
            ep.db = path.toInt(&ok);
            if (!ok || ep.db < 0)
                return bad(
                    QStringLiteral("database must be a non-negative number, not \"%1\"").arg(path));
        }
        if (url.hasQuery()) return bad(QStringLiteral("redis:// URLs take no query"));
    } else if (scheme == QLatin1String("unix")) {
        ep.kind = Kind::Unix;
        if (!url.host().isEmpty() || url.port() != -1)
            return bad(QStringLiteral(
                "a unix:// URL has no host or port; write unix:///path/to/redis.sock"));
        ep.socketPath = url.path();
        if (ep.socketPath.isEmpty() || !ep.socketPath.startsWith(QLatin1Char('/')))
            return bad(QStringLiteral("socket path must be absolute"));
        if (ep.socketPath.startsWith(QLatin1String("//")))
            return bad(QStringLiteral("socket path must not start with //"));
        const QUrlQuery query(url);
        for (const auto &item : query.queryItems(QUrl::FullyDecoded)) {
            if (item.first != QLatin1String("db"))
                return bad(QStringLiteral("unknown parameter \"%1\"").arg(item.first));
            bool ok = false;
            ep.db = item.second.toInt(&ok);
            if (!ok || ep.db < 0)
                return bad(QStringLiteral("database must be a non-negative number, not \"%1\"")
                               .arg(item.second));
        }
    } else if (scheme.isEmpty()) {
        return bad(QStringLiteral("no scheme; use redis:// or unix://"));
    } else {
        return bad(QStringLiteral("unknown scheme \"%1\"; use redis:// or unix://").arg(scheme));
    }
    ep.user = url.userName(QUrl::FullyDecoded);
    ep.password = url.password(QUrl::FullyDecoded);
    return ep;
}

RedisEndpoint RedisEndpoint::unixSocket(const QString &path)
{
    RedisEndpoint ep;
    ep.kind = Kind::Unix;
    ep.socketPath = path;
    return ep;
}

namespace {

QString build(const RedisEndpoint &ep, bool withPassword)
{
    QUrl url;
    if (ep.kind == RedisEndpoint::Kind::Tcp) {
        url.setScheme(QStringLiteral("redis"));
        url.setHost(ep.host);
        url.setPort(ep.port);
        if (ep.db != 0) url.setPath(QStringLiteral("/%1").arg(ep.db));
    } else {
        url.setScheme(QStringLiteral("unix"));
        url.setPath(ep.socketPath);
        if (ep.db != 0) url.setQuery(QStringLiteral("db=%1").arg(ep.db));
    }
    if (!ep.user.isEmpty()) url.setUserName(ep.user);
    if (!ep.password.isEmpty()) url.setPassword(withPassword ? ep.password : QStringLiteral("***"));
    QString s = url.toString();
    // QUrl drops the empty authority of unix:///path; put it back.
    if (ep.kind == RedisEndpoint::Kind::Unix && s.startsWith(QLatin1String("unix:/")) &&
        !s.startsWith(QLatin1String("unix://")))
        s.insert(5, QStringLiteral("//"));
    return s;
}

} // namespace

QString RedisEndpoint::displayName() const
{
    return build(*this, false);
}
QString RedisEndpoint::toUrl() const
{
    return build(*this, true);
}

QList<QByteArray> RedisEndpoint::authCommand() const
{
    if (password.isEmpty()) return {};
    QList<QByteArray> auth{QByteArrayLiteral("AUTH")};
    if (!user.isEmpty()) auth << user.toUtf8();
    auth << password.toUtf8();
    return auth;
}

bool RedisEndpoint::operator==(const RedisEndpoint &o) const
{
    return kind == o.kind && host == o.host && port == o.port && socketPath == o.socketPath &&
           user == o.user && password == o.password && db == o.db;
}

} // namespace hb

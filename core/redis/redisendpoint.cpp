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

// "host", "host:port", "[v6]", "[v6]:port" → RedisHost; false when malformed.
bool parseHost(const QString &text, RedisHost *out, QString *why)
{
    QString host = text;
    QString portText;
    if (host.startsWith(QLatin1Char('['))) {
        const int close = host.indexOf(QLatin1Char(']'));
        if (close < 0) return fail(why, QStringLiteral("unclosed [ in host \"%1\"").arg(text));
        portText = host.mid(close + 1);
        host = host.mid(1, close - 1);
        if (!portText.isEmpty() && !portText.startsWith(QLatin1Char(':')))
            return fail(why, QStringLiteral("bad host \"%1\"").arg(text));
        portText = portText.mid(1);
    } else if (const int colon = host.lastIndexOf(QLatin1Char(':')); colon >= 0) {
        portText = host.mid(colon + 1);
        host = host.left(colon);
    }
    if (host.isEmpty()) return fail(why, QStringLiteral("no host"));
    int port = 6379;
    if (!portText.isEmpty()) {
        bool ok = false;
        port = portText.toInt(&ok);
        if (!ok || port < 1 || port > 65535)
            return fail(why, QStringLiteral("port out of range in \"%1\"").arg(text));
    }
    out->host = host;
    out->port = port;
    return true;
}

// The rest of a unix:// URL (QUrl already took it): the socket path, ?db= and the
// credentials.
bool parseUnixUrl(const QUrl &url, RedisEndpoint *ep, QString *why)
{
    ep->kind = RedisEndpoint::Kind::Unix;
    if (!url.host().isEmpty() || url.port() != -1)
        return fail(
            why,
            QStringLiteral("a unix:// URL has no host or port; write unix:///path/to/redis.sock"));
    ep->socketPath = url.path();
    if (ep->socketPath.isEmpty() || !ep->socketPath.startsWith(QLatin1Char('/')))
        return fail(why, QStringLiteral("socket path must be absolute"));
    if (ep->socketPath.startsWith(QLatin1String("//")))
        return fail(why, QStringLiteral("socket path must not start with //"));
    if (url.hasFragment()) return fail(why, QStringLiteral("a unix:// URL takes no #fragment"));
    const QUrlQuery query(url);
    for (const auto &item : query.queryItems(QUrl::FullyDecoded)) {
        if (item.first != QLatin1String("db"))
            return fail(why, QStringLiteral("unknown parameter \"%1\"").arg(item.first));
        bool ok = false;
        ep->db = item.second.toInt(&ok);
        if (!ok || ep->db < 0)
            return fail(why, QStringLiteral("database must be a non-negative number, not \"%1\"")
                                 .arg(item.second));
    }
    ep->user = url.userName(QUrl::FullyDecoded);
    ep->password = url.password(QUrl::FullyDecoded);
    return true;
}

// The ?parameters of a redis://, rediss:// or sentinel URL: TLS files and options (only
// with TLS), the sentinels' own credentials (only for a sentinel URL).
bool parseQuery(const QUrl &url, bool sentinel, RedisEndpoint *ep, QString *why)
{
    const QUrlQuery query(url);
    for (const auto &item : query.queryItems(QUrl::FullyDecoded)) {
        const QString &name = item.first;
        const QString &value = item.second;
        const bool tlsParam = name == QLatin1String("cacert") || name == QLatin1String("cert") ||
                              name == QLatin1String("key") || name == QLatin1String("sni") ||
                              name == QLatin1String("insecure");
        if (tlsParam && !ep->tls.enabled)
            return fail(why, QStringLiteral("\"%1\" is a TLS parameter; use %2:// for TLS")
                                 .arg(name, sentinel ? QStringLiteral("rediss-sentinel")
                                                     : QStringLiteral("rediss")));
        if (name == QLatin1String("cacert")) {
            ep->tls.caCert = value;
        } else if (name == QLatin1String("cert")) {
            ep->tls.cert = value;
        } else if (name == QLatin1String("key")) {
            ep->tls.key = value;
        } else if (name == QLatin1String("sni")) {
            ep->tls.sni = value;
        } else if (name == QLatin1String("insecure")) {
            if (value != QLatin1String("1") && value != QLatin1String("0") &&
                value != QLatin1String("true") && value != QLatin1String("false"))
                return fail(why, QStringLiteral("insecure= takes 1 or 0, not \"%1\"").arg(value));
            ep->tls.insecure = value == QLatin1String("1") || value == QLatin1String("true");
        } else if (sentinel && name == QLatin1String("sentinel_user")) {
            ep->sentinelUser = value;
        } else if (sentinel && name == QLatin1String("sentinel_password")) {
            ep->sentinelPassword = value;
        } else {
            return fail(why, QStringLiteral("unknown parameter \"%1\"").arg(name));
        }
    }
    if (ep->tls.cert.isEmpty() != ep->tls.key.isEmpty())
        return fail(why, QStringLiteral("a client certificate needs both cert= and key="));
    return true;
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
        QUrl url(trimmed);
        const QString name = url.isValid() ? url.toDisplayString(QUrl::RemovePassword)
                                           : QStringLiteral("(unparsable)");
        fail(error, QStringLiteral("invalid Redis URL %1: %2").arg(name, why));
        return std::nullopt;
    };

    const int schemeEnd = trimmed.indexOf(QLatin1String("://"));
    const QString scheme = schemeEnd > 0 ? trimmed.left(schemeEnd).toLower() : QString();
    const bool tcpLike = scheme == QLatin1String("redis") || scheme == QLatin1String("rediss");
    const bool sentinel =
        scheme == QLatin1String("redis-sentinel") || scheme == QLatin1String("rediss-sentinel");
    if (scheme.isEmpty())
        return bad(
            QStringLiteral("no scheme; use redis://, rediss://, unix:// or redis-sentinel://"));
    if (!tcpLike && !sentinel && scheme != QLatin1String("unix"))
        return bad(QStringLiteral("unknown scheme \"%1\"; use redis://, rediss://, unix:// or "
                                  "redis-sentinel://")
                       .arg(scheme));

    RedisEndpoint ep;
    if (scheme == QLatin1String("unix")) {
        const QUrl url(trimmed, QUrl::StrictMode);
        if (!url.isValid()) return bad(url.errorString());
        QString why;
        if (!parseUnixUrl(url, &ep, &why)) return bad(why);
        return ep;
    }

    // The authority may name several hosts ("h1:7000,h2:7001"), which QUrl does not
    // take: keep the first for QUrl, parse the others here.
    const int authFrom = schemeEnd + 3;
    int authTo = int(trimmed.size());
    for (const QChar end : {QLatin1Char('/'), QLatin1Char('?'), QLatin1Char('#')}) {
        const int at = int(trimmed.indexOf(end, authFrom));
        if (at >= 0) authTo = std::min(authTo, at);
    }
    const QString authority = trimmed.mid(authFrom, authTo - authFrom);
    const int at = int(authority.lastIndexOf(QLatin1Char('@')));
    const QString hostList = authority.mid(at + 1);
    const QStringList hostTexts = hostList.split(QLatin1Char(','));
    QString why;
    for (int i = 1; i < hostTexts.size(); ++i) {
        RedisHost h;
        if (!parseHost(hostTexts[i], &h, &why)) return bad(why);
        ep.moreHosts.append(h);
    }
    QString single = trimmed;
    single.replace(authFrom + at + 1, hostList.size(), hostTexts.first());
    const QUrl url(single, QUrl::StrictMode);
    if (!url.isValid()) return bad(url.errorString());
    if (url.host().isEmpty()) return bad(QStringLiteral("no host"));
    const int port = url.port(6379);
    if (port < 1 || port > 65535) return bad(QStringLiteral("port out of range"));
    ep.host = url.host();
    ep.port = port;
    ep.kind = sentinel ? Kind::Sentinel : Kind::Tcp;
    ep.tls.enabled = scheme.startsWith(QLatin1String("rediss"));
    QString path = url.path();
    if (path.startsWith(QLatin1Char('/'))) path.remove(0, 1);
    if (!path.isEmpty()) {
        bool ok = false;
        ep.db = path.toInt(&ok);
        if (!ok || ep.db < 0)
            return bad(
                QStringLiteral("database must be a non-negative number, not \"%1\"").arg(path));
    }
    if (sentinel) {
        ep.masterName = url.fragment(QUrl::FullyDecoded);
        if (ep.masterName.isEmpty())
            return bad(QStringLiteral("a sentinel URL names its master after #, e.g. "
                                      "redis-sentinel://host:26379#mymaster"));
    } else if (url.hasFragment()) {
        return bad(QStringLiteral("a %1:// URL takes no #fragment (only redis-sentinel:// "
                                  "names a master)")
                       .arg(scheme));
    }
    if (!parseQuery(url, sentinel, &ep, &why)) return bad(why);
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

QList<RedisHost> RedisEndpoint::hosts() const
{
    if (kind == Kind::Unix) return {};
    QList<RedisHost> all{RedisHost{host, port}};
    all += moreHosts;
    return all;
}

RedisEndpoint RedisEndpoint::atAddress(const QString &h, int p) const
{
    RedisEndpoint ep = *this;
    ep.kind = Kind::Tcp;
    ep.host = h;
    ep.port = p;
    ep.socketPath.clear();
    ep.moreHosts.clear();
    ep.masterName.clear();
    ep.sentinelUser.clear();
    ep.sentinelPassword.clear();
    return ep;
}

RedisEndpoint RedisEndpoint::sentinelAt(const RedisHost &sentinel) const
{
    RedisEndpoint ep = atAddress(sentinel.host, sentinel.port);
    ep.user = sentinelUser;
    ep.password = sentinelPassword;
    ep.db = 0;
    return ep;
}

namespace {

QString hostText(const RedisHost &h)
{
    const QString name =
        h.host.contains(QLatin1Char(':')) ? QStringLiteral("[%1]").arg(h.host) : h.host;
    return QStringLiteral("%1:%2").arg(name).arg(h.port);
}

QString build(const RedisEndpoint &ep, bool withPassword)
{
    if (ep.kind == RedisEndpoint::Kind::Unix) {
        QUrl url;
        url.setScheme(QStringLiteral("unix"));
        url.setPath(ep.socketPath);
        if (ep.db != 0) url.setQuery(QStringLiteral("db=%1").arg(ep.db));
        if (!ep.user.isEmpty()) url.setUserName(ep.user);
        if (!ep.password.isEmpty())
            url.setPassword(withPassword ? ep.password : QStringLiteral("***"));
        QString s = url.toString();
        // QUrl drops the empty authority of unix:///path; put it back.
        if (s.startsWith(QLatin1String("unix:/")) && !s.startsWith(QLatin1String("unix://")))
            s.insert(5, QStringLiteral("//"));
        return s;
    }
    const bool sentinel = ep.kind == RedisEndpoint::Kind::Sentinel;
    QString s = ep.tls.enabled ? QStringLiteral("rediss") : QStringLiteral("redis");
    if (sentinel) s += QStringLiteral("-sentinel");
    s += QStringLiteral("://");
    auto enc = [](const QString &v) { return QString::fromLatin1(QUrl::toPercentEncoding(v)); };
    if (!ep.user.isEmpty() || !ep.password.isEmpty()) {
        s += enc(ep.user);
        if (!ep.password.isEmpty())
            s += QLatin1Char(':') + (withPassword ? enc(ep.password) : QStringLiteral("***"));
        s += QLatin1Char('@');
    }
    QStringList hosts;
    for (const RedisHost &h : ep.hosts())
        hosts << hostText(h);
    s += hosts.join(QLatin1Char(','));
    if (ep.db != 0) s += QStringLiteral("/%1").arg(ep.db);
    QStringList params;
    auto param = [&](const char *name, const QString &value) {
        if (!value.isEmpty()) params << QLatin1String(name) + QLatin1Char('=') + enc(value);
    };
    param("cacert", ep.tls.caCert);
    param("cert", ep.tls.cert);
    param("key", ep.tls.key);
    param("sni", ep.tls.sni);
    if (ep.tls.insecure) params << QStringLiteral("insecure=1");
    param("sentinel_user", ep.sentinelUser);
    if (!ep.sentinelPassword.isEmpty())
        param("sentinel_password", withPassword ? ep.sentinelPassword : QStringLiteral("***"));
    if (!params.isEmpty()) s += QLatin1Char('?') + params.join(QLatin1Char('&'));
    if (sentinel) s += QLatin1Char('#') + enc(ep.masterName);
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
           user == o.user && password == o.password && db == o.db && moreHosts == o.moreHosts &&
           masterName == o.masterName && sentinelUser == o.sentinelUser &&
           sentinelPassword == o.sentinelPassword && tls == o.tls;
}

} // namespace hb

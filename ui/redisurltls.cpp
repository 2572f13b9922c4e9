#include "redisurltls.h"

#include <QUrl>
#include <QUrlQuery>

namespace hb {

namespace {

const QString kCaCert = QStringLiteral("cacert");
const QString kCert = QStringLiteral("cert");
const QString kKey = QStringLiteral("key");
const QString kSni = QStringLiteral("sni");
const QString kInsecure = QStringLiteral("insecure");

QString schemeOf(const QString &url)
{
    const int colon = url.indexOf(QLatin1String("://"));
    return colon < 0 ? QString() : url.left(colon).toLower();
}

// Percent-encodes everything but unreserved characters and '/': '&', '=', '+', '#',
// spaces and non-ASCII in a file name survive every query parser.
QString encoded(const QString &value)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(value, QByteArrayLiteral("/")));
}

} // namespace

bool RedisUrlTls::schemeSupportsTls(const QString &url)
{
    const QString scheme = schemeOf(url);
    return scheme.isEmpty() || scheme == QLatin1String("redis") ||
           scheme == QLatin1String("rediss") || scheme == QLatin1String("redis-sentinel") ||
           scheme == QLatin1String("rediss-sentinel");
}

bool RedisUrlTls::hasTlsScheme(const QString &url)
{
    const QString scheme = schemeOf(url);
    return scheme == QLatin1String("rediss") || scheme == QLatin1String("rediss-sentinel");
}

QString RedisUrlTls::withTlsScheme(const QString &url, bool tls)
{
    const QString scheme = schemeOf(url);
    QString wanted;
    if (scheme == QLatin1String("redis") || scheme == QLatin1String("rediss"))
        wanted = tls ? QStringLiteral("rediss") : QStringLiteral("redis");
    else if (scheme == QLatin1String("redis-sentinel") ||
             scheme == QLatin1String("rediss-sentinel"))
        wanted = tls ? QStringLiteral("rediss-sentinel") : QStringLiteral("redis-sentinel");
    else
        return url;
    return wanted + url.mid(scheme.size());
}

namespace {

// A URL as three strings: what comes before the query, the query (without '?') and
// the fragment (with '#'). Done on the text, not QUrl: a cluster URL's seed list
// (`redis://h1:7000,h2:7001`) is no valid QUrl authority.
struct UrlParts
{
    QString head;
    QString query;
    QString fragment;
};

UrlParts partsOf(const QString &url)
{
    UrlParts p;
    const int hash = url.indexOf(QLatin1Char('#'));
    p.fragment = hash < 0 ? QString() : url.mid(hash);
    const QString rest = hash < 0 ? url : url.left(hash);
    const int question = rest.indexOf(QLatin1Char('?'));
    p.head = question < 0 ? rest : rest.left(question);
    p.query = question < 0 ? QString() : rest.mid(question + 1);
    return p;
}

} // namespace

QString RedisUrlTls::split(const QString &url, RedisUrlTls *tls)
{
    RedisUrlTls out;
    out.enabled = hasTlsScheme(url);
    UrlParts parts = partsOf(url);
    QUrlQuery query(parts.query);
    auto take = [&query](const QString &key) {
        const QString value = query.queryItemValue(key, QUrl::FullyDecoded);
        query.removeAllQueryItems(key);
        return value;
    };
    out.caCertificate = take(kCaCert);
    out.clientCertificate = take(kCert);
    out.clientKey = take(kKey);
    out.serverName = take(kSni);
    const QString insecure = take(kInsecure);
    out.insecure = insecure == QLatin1String("1") || insecure == QLatin1String("true");
    if (tls) *tls = out;
    const QString left = query.query(QUrl::FullyEncoded);
    return parts.head + (left.isEmpty() ? QString() : QLatin1Char('?') + left) + parts.fragment;
}

QString RedisUrlTls::joinedWith(const QString &url) const
{
    const UrlParts parts = partsOf(withTlsScheme(split(url, nullptr), enabled));
    QStringList items;
    if (!parts.query.isEmpty()) items << parts.query;
    if (enabled) {
        const QList<std::pair<QString, QString>> params{{kCaCert, caCertificate},
                                                        {kCert, clientCertificate},
                                                        {kKey, clientKey},
                                                        {kSni, serverName}};
        for (const auto &[key, value] : params) {
            if (!value.trimmed().isEmpty())
                items << key + QLatin1Char('=') + encoded(value.trimmed());
        }
        if (insecure) items << kInsecure + QStringLiteral("=1");
    }
    return parts.head +
           (items.isEmpty() ? QString() : QLatin1Char('?') + items.join(QLatin1Char('&'))) +
           parts.fragment;
}

bool RedisUrlTls::operator==(const RedisUrlTls &o) const
{
    return enabled == o.enabled && caCertificate == o.caCertificate &&
           clientCertificate == o.clientCertificate && clientKey == o.clientKey &&
           serverName == o.serverName && insecure == o.insecure;
}

} // namespace hb

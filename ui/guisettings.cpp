#include "guisettings.h"

#include "permissions.h"

#include <QSettings>
#include <QUrl>

#include <algorithm>

namespace hb {

namespace {
const QString kUrl = QStringLiteral("redis/url");
const QString kRedisUser = QStringLiteral("redis/user");
const QString kRedisPassword = QStringLiteral("redis/password");
const QString kTtl = QStringLiteral("export/ttlSeconds");
const QString kChunk = QStringLiteral("export/chunkSize");
const QString kSegment = QStringLiteral("export/segmentBytes");
const QString kConcurrent = QStringLiteral("export/maxConcurrent");
const QString kBandwidth = QStringLiteral("export/bandwidthLimit");
const QString kUser = QStringLiteral("export/user");
const QString kPermissions = QStringLiteral("export/permissionsFile");
} // namespace

QString GuiSettings::withoutPassword(const QString &url, QString *password)
{
    if (password) password->clear();
    const int scheme = url.indexOf(QLatin1String("://"));
    if (scheme < 0) return url;
    const int start = scheme + 3;
    int end = url.size();
    for (const QChar c : {QLatin1Char('/'), QLatin1Char('?'), QLatin1Char('#')}) {
        const int at = url.indexOf(c, start);
        if (at >= 0) end = std::min(end, at);
    }
    const QString authority = url.mid(start, end - start);
    const int at = authority.lastIndexOf(QLatin1Char('@'));
    if (at < 0) return url;
    const QString userInfo = authority.left(at);
    const int colon = userInfo.indexOf(QLatin1Char(':'));
    if (colon < 0) return url;
    if (password) *password = QUrl::fromPercentEncoding(userInfo.mid(colon + 1).toUtf8());
    const QString user = userInfo.left(colon);
    return url.left(start) + (user.isEmpty() ? QString() : user + QLatin1Char('@')) +
           authority.mid(at + 1) + url.mid(end);
}

GuiSettings GuiSettings::withPasswordOutOfUrl() const
{
    GuiSettings g = *this;
    QString inUrl;
    g.redisUrl = withoutPassword(redisUrl, &inUrl);
    if (g.redisPassword.isEmpty()) g.redisPassword = inUrl;
    return g;
}

GuiSettings GuiSettings::load(const QSettings &s, bool *plainPassword)
{
    GuiSettings g;
    g.redisUrl = s.value(kUrl).toString();
    g.redisUser = s.value(kRedisUser).toString();
    g.redisPassword = s.value(kRedisPassword).toString(); // only an older version wrote it
    g = g.withPasswordOutOfUrl();
    if (plainPassword) *plainPassword = !g.redisPassword.isEmpty();
    g.ttlSeconds = qMax(1, s.value(kTtl, g.ttlSeconds).toInt());
    g.chunkSize = qBound(ExporterConfig::minChunkSize, s.value(kChunk, g.chunkSize).toLongLong(),
                         ExporterConfig::maxChunkSize);
    g.segmentBytes =
        qBound(ExporterConfig::minSegmentBytes, s.value(kSegment, g.segmentBytes).toLongLong(),
               ExporterConfig::maxSegmentBytes);
    // A chunk size saved before segments existed (1M) may exceed the segment size.
    g.chunkSize = std::min(g.chunkSize, g.segmentBytes);
    g.maxConcurrent = qBound(1, s.value(kConcurrent, g.maxConcurrent).toInt(), 64);
    g.bandwidthLimit = qMax<qint64>(0, s.value(kBandwidth, g.bandwidthLimit).toLongLong());
    g.user = s.value(kUser).toString();
    g.permissionsFile = s.value(kPermissions).toString();
    return g;
}

void GuiSettings::save(QSettings &s) const
{
    s.setValue(kUrl, withoutPassword(redisUrl)); // the password goes to the keychain
    s.setValue(kRedisUser, redisUser);
    s.remove(kRedisPassword);
    s.setValue(kTtl, ttlSeconds);
    s.setValue(kChunk, chunkSize);
    s.setValue(kSegment, segmentBytes);
    s.setValue(kConcurrent, maxConcurrent);
    s.setValue(kBandwidth, bandwidthLimit);
    s.setValue(kUser, user);
    s.setValue(kPermissions, permissionsFile);
    s.sync();
}

QString GuiSettings::effectiveUser() const
{
    return user.trimmed().isEmpty() ? defaultUserName() : user.trimmed();
}

void GuiSettings::applyTo(ExporterConfig &config) const
{
    config.user = effectiveUser();
    config.userNamed = !user.trimmed().isEmpty();
    config.ttlSeconds = ttlSeconds;
    config.chunkSize = chunkSize;
    config.segmentBytes = segmentBytes;
    config.maxConcurrent = maxConcurrent;
    config.bandwidthLimit = bandwidthLimit;
}

bool GuiSettings::operator==(const GuiSettings &o) const
{
    return redisUrl == o.redisUrl && redisUser == o.redisUser && redisPassword == o.redisPassword &&
           ttlSeconds == o.ttlSeconds && chunkSize == o.chunkSize &&
           segmentBytes == o.segmentBytes && maxConcurrent == o.maxConcurrent &&
           bandwidthLimit == o.bandwidthLimit && user == o.user &&
           permissionsFile == o.permissionsFile;
}

} // namespace hb

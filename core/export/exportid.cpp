#include "exportid.h"

#include "exportstatus.h"
#include "textescape.h"

#include <algorithm>

namespace hb {

namespace {

constexpr int idLength = 36;

bool isDashPosition(qsizetype i)
{
    return i == 8 || i == 13 || i == 18 || i == 23;
}

QString badId(const QString &text)
{
    return QStringLiteral("not an export id: %1 (expected an id or at least %2 of its hex digits)")
        .arg(escapeUntrusted(text, 80))
        .arg(minPrefixDigits);
}

} // namespace

QString normalizedIdPrefix(const QString &text)
{
    const QString lower = text.toLower();
    if (lower.size() > idLength) return {};
    int hexDigits = 0;
    for (qsizetype i = 0; i < lower.size(); ++i) {
        const QChar c = lower.at(i);
        if (isDashPosition(i)) {
            if (c != QLatin1Char('-')) return {};
            continue;
        }
        const bool hex = (c >= QLatin1Char('0') && c <= QLatin1Char('9')) ||
                         (c >= QLatin1Char('a') && c <= QLatin1Char('f'));
        if (!hex) return {};
        ++hexDigits;
    }
    return hexDigits >= minPrefixDigits ? lower : QString();
}

ExportIdResolution resolveExportId(RedisConnection &conn, const KeyLayout &keys,
                                   const QString &text)
{
    ExportIdResolution out;
    const QString prefix = normalizedIdPrefix(text);
    if (prefix.isEmpty()) {
        out.failure = {ErrorCode::Usage, badId(text)};
        return out;
    }
    if (prefix.size() == idLength && isValidExportId(prefix)) {
        out.id = prefix;
        return out;
    }

    // The pattern is the status key pattern with the prefix before its '*'; the
    // prefix holds only hex digits and dashes, no glob characters.
    QByteArray pattern = keys.statusKeyPattern();
    pattern.insert(pattern.lastIndexOf('*'), prefix.toLatin1());
    QStringList found;
    // On a cluster, every master holds its own share of the exports: SCAN each.
    const QList<RedisHost> masters = conn.clusterMasters();
    if (masters.isEmpty() && !conn.isConnected()) { // unreachable: say so once
        out.failure = Failure::fromRedis(conn.lastError());
        return out;
    }
    for (qsizetype m = 0; m < std::max<qsizetype>(1, masters.size()); ++m) {
        if (!masters.isEmpty()) conn.setKeylessNode(masters[m]);
        QByteArray cursor = "0";
        do {
            const RedisReply r = conn.command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
            if (r.isError()) {
                conn.setKeylessNode(std::nullopt);
                out.failure = Failure::fromRedis(r.error);
                return out;
            }
            if (r.type != RedisReply::Type::Array || r.elements.size() != 2) {
                conn.setKeylessNode(std::nullopt);
                out.failure = {ErrorCode::Redis, QStringLiteral("unexpected reply to SCAN")};
                return out;
            }
            cursor = r.elements[0].string;
            for (const RedisReply &key : r.elements[1].elements) {
                const QString id = keys.idFromStatusKey(key.string);
                if (isValidExportId(id) && id.startsWith(prefix) && !found.contains(id))
                    found << id;
            }
        } while (cursor != "0");
    }
    conn.setKeylessNode(std::nullopt);

    std::sort(found.begin(), found.end());
    if (found.isEmpty()) {
        out.failure = {ErrorCode::NotFound,
                       QStringLiteral("no export found for id: %1").arg(prefix)};
    } else if (found.size() > 1) {
        out.matches = found;
        constexpr int shown = 10;
        QString list = found.mid(0, shown).join(QStringLiteral(", "));
        if (found.size() > shown) list += QStringLiteral(" and %1 more").arg(found.size() - shown);
        out.failure = {ErrorCode::Usage, QStringLiteral("ambiguous id %1: it begins %2 exports: %3")
                                             .arg(prefix)
                                             .arg(found.size())
                                             .arg(list)};
    } else {
        out.id = found.first();
    }
    return out;
}

} // namespace hb

#pragma once

// Reads an export's data straight from Redis by the contract's recipe (CONTRACT §2),
// independently of the code under test, and checks the expiry of every key.
#include "exportconfig.h"
#include "exportstatus.h"
#include "testredis.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <algorithm>

namespace hb::test {

// Every key of an export (status and data), sorted.
inline QList<QByteArray> exportKeys(TestRedisServer &redis, const QString &id,
                                    const KeyLayout &keys = {})
{
    const RedisReply r = redis.command({"KEYS", keys.prefix + "\\{" + id.toLatin1() + "\\}*"});
    QList<QByteArray> out;
    for (const RedisReply &k : r.elements)
        out.append(k.string);
    std::sort(out.begin(), out.end());
    return out;
}

// The data keys only.
inline QList<QByteArray> dataKeys(TestRedisServer &redis, const QString &id,
                                  const KeyLayout &keys = {})
{
    QList<QByteArray> out = exportKeys(redis, id, keys);
    out.removeAll(keys.statusKey(id));
    return out;
}

// The recipe: read the status; when bytesWritten <= segmentBytes GET `…-data`,
// else GET `…-data:k` for k = 0 … ceil(bytesWritten / segmentBytes) - 1.
inline QByteArray readExportData(TestRedisServer &redis, const QString &id,
                                 const KeyLayout &keys = {})
{
    const auto status = ExportStatus::fromJson(redis.command({"GET", keys.statusKey(id)}).string);
    if (!status) return {};
    const qint64 n = status->bytesWritten;
    const qint64 seg = status->segmentBytes;
    if (seg <= 0 || n <= seg) return redis.command({"GET", keys.dataKey(id)}).string;
    QByteArray out;
    for (qint64 k = 0; k * seg < n; ++k)
        out += redis.command({"GET", keys.segmentKey(id, k)}).string;
    return out;
}

// Empty when every key of the export has a TTL within (0, statusMax] for the
// status and (status TTL, statusMax + margin] for data; else what is wrong.
inline QString checkTtls(TestRedisServer &redis, const QString &id, int statusMax,
                         const KeyLayout &keys = {})
{
    const qint64 statusTtl = redis.command({"TTL", keys.statusKey(id)}).integer;
    if (statusTtl <= 0 || statusTtl > statusMax)
        return QStringLiteral("status TTL %1 (max %2)").arg(statusTtl).arg(statusMax);
    const int margin = std::clamp(statusMax / 10, 1, 60);
    for (const QByteArray &key : dataKeys(redis, id, keys)) {
        const qint64 t = redis.command({"TTL", key}).integer;
        if (t <= 0 || t > statusMax + margin)
            return QStringLiteral("%1 TTL %2 (max %3)")
                .arg(QString::fromLatin1(key))
                .arg(t)
                .arg(statusMax + margin);
    }
    return {};
}

} // namespace hb::test

#define HB_VERIFY_TTLS(redis, id, max)                                                             \
    do {                                                                                           \
        const QString ttlProblem_ = hb::test::checkTtls((redis), (id), (max));                     \
        QVERIFY2(ttlProblem_.isEmpty(), qPrintable(ttlProblem_));                                  \
    } while (false)

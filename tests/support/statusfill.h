#pragma once

// Many exports at once for the scale tests and benchmarks (issue 21): N copies of
// one export's keys (its status JSON with the id replaced, and one data segment),
// every key with its TTL from the start (CONTRACT §4), written in pipelined
// batches of SET … PX, so that it works on a cluster too (the keys of one copy
// share its hash tag; copies spread over the masters).
#include "exportconfig.h"
#include "exportstatus.h"
#include "redisconnection.h"

#include <QByteArray>
#include <QDateTime>
#include <QMap>
#include <QString>
#include <functional>

namespace hb::test {

// A valid export id made from a number: the same number gives the same id.
inline QString numberedExportId(qint64 n, quint32 series = 0xabcd1234)
{
    return QStringLiteral("%1-0000-4000-8000-%2")
        .arg(series, 8, 16, QLatin1Char('0'))
        .arg(n, 12, 16, QLatin1Char('0'));
}

inline ExportStatus madeStatus(const QString &id, ExportState state, const QDateTime &updatedAt,
                               int ttl = 3600, const QString &owner = QStringLiteral("alice"))
{
    ExportStatus s;
    s.id = id;
    s.state = state;
    s.owner = owner;
    s.source = QStringLiteral("made.bin");
    s.bytesTotal = 1000;
    s.bytesWritten = state == ExportState::Completed ? 1000 : 10;
    s.createdAt = updatedAt.addSecs(-1);
    s.updatedAt = updatedAt;
    s.segmentBytes = 1 << 20;
    s.segments = isTerminal(state) ? 1 : -1;
    s.ttl = ttl;
    s.settled = true;
    s.host = QStringLiteral("made-host");
    s.pid = 4242;
    return s;
}

// Writes `count` copies numbered from `first`: `status(i)` gives copy i's status
// (its id must be numberedExportId(i, series) or any other valid id), `data` is
// each copy's one segment. False (error set) on the first failed reply.
inline bool fillExports(RedisConnection &conn, const KeyLayout &keys, qint64 first, qint64 count,
                        const std::function<ExportStatus(qint64)> &status, const QByteArray &data,
                        qint64 ttlMs, QString *error)
{
    constexpr qint64 batch = 1000;
    const QByteArray px = QByteArray::number(ttlMs);
    const QByteArray dataPx = QByteArray::number(ttlMs + std::min<qint64>(ttlMs / 10, 60000));
    for (qint64 start = first; start < first + count; start += batch) {
        const qint64 end = std::min(first + count, start + batch);
        for (qint64 i = start; i < end; ++i) {
            const ExportStatus s = status(i);
            conn.append({"SET", keys.statusKey(s.id), s.toJson(), "PX", px});
            conn.append({"SET", keys.dataKey(s.id), data, "PX", dataPx});
        }
        for (qint64 i = start; i < end; ++i)
            for (int k = 0; k < 2; ++k) {
                const RedisReply r = conn.readReply();
                if (r.isError()) {
                    *error = r.error.message;
                    return false;
                }
            }
    }
    return true;
}

// The calls of each command in INFO commandstats ("scan", "config|resetstat", …).
inline QMap<QByteArray, qint64> commandCallsByName(RedisConnection &conn)
{
    const auto info = parseInfo(conn.command({"INFO", "commandstats"}).string);
    QMap<QByteArray, qint64> calls;
    for (auto it = info.cbegin(); it != info.cend(); ++it) {
        if (!it.key().startsWith("cmdstat_")) continue;
        // "calls=12,usec=…,…"
        const QByteArray &v = it.value();
        const qsizetype at = v.indexOf("calls=");
        if (at >= 0)
            calls[it.key().mid(8)] = v.mid(at + 6, v.indexOf(',', at) - at - 6).toLongLong();
    }
    return calls;
}

// Sum of the calls in INFO commandstats, leaving out the commands named.
inline qint64 commandCalls(RedisConnection &conn, const QList<QByteArray> &leaveOut,
                           QByteArray *detail = nullptr)
{
    const QMap<QByteArray, qint64> calls = commandCallsByName(conn);
    qint64 total = 0;
    for (auto it = calls.cbegin(); it != calls.cend(); ++it) {
        if (leaveOut.contains(it.key())) continue;
        total += it.value();
        if (detail) *detail += it.key() + '=' + QByteArray::number(it.value()) + ' ';
    }
    return total;
}

} // namespace hb::test

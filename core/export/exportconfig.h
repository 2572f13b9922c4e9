#pragma once

#include "redisconnection.h"
#include "redisendpoint.h"

#include <QByteArray>
#include <QString>

namespace hb {

// Where an export's keys live (CONTRACT §1). The braces are a Redis Cluster hash
// tag: every key of one export always shares a slot.
struct KeyLayout
{
    QByteArray prefix = QByteArrayLiteral("export:");

    QByteArray statusKey(const QString &id) const { return prefix + '{' + id.toLatin1() + '}'; }
    // The data of an export held in one segment (the original single-key layout).
    QByteArray dataKey(const QString &id) const { return statusKey(id) + "-data"; }
    // Segment k of an export held in more than one.
    QByteArray segmentKey(const QString &id, qint64 k) const
    {
        return dataKey(id) + ':' + QByteArray::number(k);
    }
    QByteArray eventsChannel() const { return prefix + "events"; }
    // A SCAN pattern matching status keys only; the prefix's glob characters escaped.
    QByteArray statusKeyPattern() const;
    // The id inside a status key, or empty when the key is not one.
    QString idFromStatusKey(const QByteArray &key) const;
};

struct ExporterConfig
{
    RedisEndpoint endpoint;
    RedisTimeouts timeouts;
    KeyLayout keys;
    // The acting user as requested: named explicitly (--user, the window's setting)
    // when userNamed, else the login name. ActingUser::resolve decides who acts.
    QString user;
    bool userNamed = false;
    int ttlSeconds = 3600;
    // Bytes per write command. Never more than segmentBytes: a chunk never
    // straddles two segments.
    qint64 chunkSize = 1024 * 1024;
    // Bytes per data key (CONTRACT §1). 16 bytes under 1 MiB: Redis 7.0 stores such
    // a value in jemalloc's 1 MiB class (1.00x its size), while exactly 1 MiB with
    // its header spills into the 1.25 MiB class (1.26x). docs/DESIGN.md has the figures.
    qint64 segmentBytes = defaultSegmentBytes;
    int window = 4; // write commands in flight per export
    // Bytes per second read from all sources of one Exporter together; 0 = none.
    qint64 bandwidthLimit = 0;
    int maxConcurrent = 4;        // running exports; the rest wait in a queue, CREATED
    int maxReconnects = 5;        // per stretch without progress
    int progressIntervalMs = 250; // status writes to Redis: at most 4 a second
    int signalIntervalMs = 100;   // progress signals: at most 10 a second

    static constexpr qint64 minChunkSize = 1;
    static constexpr qint64 maxChunkSize = 64 * 1024 * 1024;
    static constexpr qint64 defaultSegmentBytes = 1024 * 1024 - 16;
    static constexpr qint64 minSegmentBytes = 1024;
    static constexpr qint64 maxSegmentBytes = 512LL * 1024 * 1024;
    static constexpr int minTtlSeconds = 1;
    static constexpr int maxTtlSeconds = 365 * 24 * 3600;

    // The limits of the settings a person types: the CLI's flags and the Settings
    // dialog check what they were given against these (and each words its refusal
    // its own way); the exporter itself clamps (effective...() below).
    static bool ttlInRange(qint64 seconds);
    static bool chunkSizeInRange(qint64 bytes);
    static bool segmentBytesInRange(qint64 bytes);
    // Bytes per second; 0 is no limit.
    static bool bandwidthLimitInRange(qint64 bytesPerSecond);
    // A chunk never straddles two segments: at most the segment size used.
    static bool chunkFitsSegment(qint64 chunkBytes, qint64 segmentBytes);

    // The chunk size actually used: chunkSize within its bounds and the segment size.
    qint64 effectiveChunkSize() const;
    // The segment size actually used: segmentBytes within its bounds.
    qint64 effectiveSegmentBytes() const;
};

} // namespace hb

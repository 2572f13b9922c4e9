#pragma once

#include "redisconnection.h"
#include "redisendpoint.h"

#include <QByteArray>
#include <QString>

namespace hb {

// Where an export's keys live (CONTRACT §1). The braces are a Redis Cluster hash
// tag: both keys of one export always share a slot.
struct KeyLayout
{
    QByteArray prefix = QByteArrayLiteral("export:");

    QByteArray statusKey(const QString &id) const { return prefix + '{' + id.toLatin1() + '}'; }
    QByteArray dataKey(const QString &id) const { return statusKey(id) + "-data"; }
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
    QString user;
    int ttlSeconds = 3600;
    qint64 chunkSize = 1024 * 1024;
    int window = 4;              // SETRANGE commands in flight per export
    qint64 bandwidthLimit = 0;   // bytes per second read from the source; 0 = none
    int maxConcurrent = 4;       // running exports; the rest wait in a queue
    int maxReconnects = 5;       // per stretch without progress
    int progressIntervalMs = 250; // status writes to Redis: at most 4 a second
    int signalIntervalMs = 100;   // progress signals: at most 10 a second
    // Size the data string once up front (one SETRANGE at its last offset). Off by
    // default: it saves ~7 % of Redis's time on this machine, but a cancelled or
    // failed export must then be cut back to bytesWritten, a copy inside Redis
    // that takes seconds for hundreds of MiB (docs/DESIGN.md).
    bool presize = false;

    static constexpr qint64 minChunkSize = 1;
    static constexpr qint64 maxChunkSize = 64 * 1024 * 1024;
};

} // namespace hb

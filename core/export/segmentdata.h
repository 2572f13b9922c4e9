#pragma once

#include "exportconfig.h"
#include "exporterror.h"
#include "redisconnection.h"

#include <QByteArray>
#include <QString>

namespace hb {

// The data keys of one export (CONTRACT §1): segments of at most segmentBytes, all
// but the last exactly that size. Settled (terminal), an export of n bytes has
//   n == 0:                no data key (COMPLETED: an empty `…-data`),
//   0 < n <= segmentBytes: the single key `export:{id}-data`,
//   n > segmentBytes:      `export:{id}-data:0` … `:k-1`, k = ceil(n / segmentBytes),
//                          and no `…-data`.
// While it runs, a source of unknown size is written as `:0`, `:1`, … and settled
// into the single key at the end when it fits.
class SegmentLayout final
{
public:
    SegmentLayout(KeyLayout keys, QString id, qint64 segmentBytes, bool single);
    // The layout an export of `bytes` bytes (-1: unknown) is written in.
    static SegmentLayout forWriting(const KeyLayout &keys, const QString &id, qint64 segmentBytes,
                                    qint64 bytes);
    // The layout of a settled export of `bytes` bytes (the reading recipe of §2).
    static SegmentLayout forReading(const KeyLayout &keys, const QString &id, qint64 segmentBytes,
                                    qint64 bytes);

    bool isSingle() const { return m_single; }
    qint64 segmentBytes() const { return m_segmentBytes; }
    const QString &id() const { return m_id; }
    const KeyLayout &keys() const { return m_keys; }
    QByteArray key(qint64 index) const;
    qint64 indexOf(qint64 offset) const { return offset / m_segmentBytes; }
    qint64 startOf(qint64 index) const { return index * m_segmentBytes; }
    // How many keys hold `bytes` bytes (0 for none).
    qint64 countFor(qint64 bytes) const;

private:
    KeyLayout m_keys;
    QString m_id;
    qint64 m_segmentBytes;
    bool m_single;
};

// How much longer data keys live than their status key (CONTRACT §4): a tenth of the
// TTL, at least 1 s, at most a minute, so that no reader sees COMPLETED without data.
int dataTtlMarginSeconds(int ttlSeconds);
inline qint64 dataTtlMs(int ttlSeconds)
{
    return (qint64(ttlSeconds) + dataTtlMarginSeconds(ttlSeconds)) * 1000;
}

// Synchronous maintenance of an export's data keys: plain commands, pipelined in
// batches, never a script (a status script touches the status key only, §3). The
// connection must have no command in flight. Used by the owner at the end of an
// export and by a canceller settling on a silent owner's behalf.
namespace SegmentData {

struct Result
{
    Failure failure;     // Redis errors; Failed when the data is not what it should be
    qint64 segments = 0; // data keys now holding the export
};

// Brings the keys into the settled layout of `bytes` bytes: deletes every key
// beyond them (probing for segments written after the last recorded progress),
// cuts the segment at the boundary, renames a lone `:0` to the single key, and
// sets every remaining key's TTL to ttl + margin. Fails (code Failed) when fewer
// bytes are there than `bytes`: data lost (evicted, expired, a failover).
Result settle(RedisConnection &conn, const KeyLayout &keys, const QString &id, qint64 segmentBytes,
              qint64 bytes, int ttlSeconds);

// Checks, with pipelined STRLENs, that the settled layout of `bytes` bytes is all
// there at full length, and sets every key's TTL to ttl + margin. A COMPLETED
// export with no data (bytes 0) gets its empty single key here.
Result verify(RedisConnection &conn, const KeyLayout &keys, const QString &id, qint64 segmentBytes,
              qint64 bytes, int ttlSeconds);

// Re-applies ttl + margin to the keys holding the first `bytes` bytes as written
// (layout), in pipelined batches. Keys that are gone are counted in `missing`.
Result refreshTtls(RedisConnection &conn, const SegmentLayout &layout, qint64 bytes, int ttlSeconds,
                   qint64 *missing = nullptr);

// After a reconnect or a failover (CONTRACT §9): re-applies ttl + margin to the keys
// holding the first `bytes` bytes as written (layout) and checks each holds its full
// length, with pipelined PEXPIRE and STRLEN. *gapAt is the start of the first
// segment that is gone or short (replication is asynchronous: a new master may
// lack writes the old one acknowledged), or `bytes` when all are there. `lengths`,
// when given, gets each key's STRLEN in order (HeldData reports them).
Result findGap(RedisConnection &conn, const SegmentLayout &layout, qint64 bytes, int ttlSeconds,
               qint64 *gapAt, QList<qint64> *lengths = nullptr);

} // namespace SegmentData

} // namespace hb

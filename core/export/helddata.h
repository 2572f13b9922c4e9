#pragma once

#include "exporterror.h"
#include "redisconnection.h"
#include "segmentdata.h"

#include <QList>
#include <QString>

namespace hb {

class ChunkReader;
class SegmentWriter;

// Is every acknowledged byte still held? After a reconnect, a failover or before
// COMPLETED (CONTRACT §9): replication is asynchronous, so a new master may lack
// writes the old one acknowledged. Finds the first gap, rewinds the writer and the
// reader to it (a bounded number of times), and keeps the data keys' TTLs fresh.
// Reports what it found; the export decides what that means for it.
// Not thread-safe; on the export's thread, with nothing in flight on the connection.
class HeldData final
{
public:
    struct Check
    {
        Failure failure; // Redis refused or the connection broke (see transport)
        bool transport = false;
        QList<qint64> lengths;  // each key's length, in order (empty on a failure)
        qint64 exactPrefix = 0; // the bytes from offset 0 held in full
        qint64 segments = 0;    // keys held in full
    };
    // The first `bytes` bytes as written in `layout`: their keys' TTLs set again to
    // ttl + margin and their lengths read, pipelined.
    static Check check(RedisConnection &conn, const SegmentLayout &layout, qint64 bytes,
                       int ttlSeconds);
    // The same for export `id`, written with `segmentBytes` as an export of
    // `bytesTotal` bytes (-1: unknown) writes them (SegmentLayout::forWriting).
    static Check check(RedisConnection &conn, const KeyLayout &keys, const QString &id,
                       qint64 segmentBytes, qint64 bytes, qint64 bytesTotal, int ttlSeconds);

    // Where a resumed export continues (docs/RESUME.md §5): after the longest exact
    // prefix of `lengths` (each key's length, as check() reads them): segments
    // 0 … k−1 each exactly as long as `layout` writes them, then segment k's bytes
    // as far as they go (never beyond what it should hold). Nothing after it is
    // trusted: it is rewritten.
    static qint64 continuation(const SegmentLayout &layout, const QList<qint64> &lengths,
                               qint64 bytesTotal);

    HeldData(RedisConnection &conn, int ttlSeconds, int maxRewinds);

    enum class Verdict {
        All,     // every acknowledged byte is there
        Rewound, // a gap: writer and reader go on from its start
        Broken,  // the connection broke while checking: reconnect
        Ended,   // the export cannot go on: failure says why
    };
    struct Outcome
    {
        Verdict verdict = Verdict::All;
        Failure failure;
    };
    // Checks what `writer` had acknowledged and rewinds both to the first gap.
    Outcome findGapAndRewind(SegmentWriter &writer, ChunkReader &reader);

    // Re-applies the TTL of every key holding what `writer` had acknowledged. A
    // failure when Redis refused (redisDown: it timed out) or a key is gone.
    Failure refreshTtls(const SegmentWriter &writer, bool *redisDown);

private:
    bool rewindTo(qint64 offset, SegmentWriter &writer, ChunkReader &reader, Failure *failure);

    RedisConnection &m_conn;
    int m_ttlSeconds;
    int m_maxRewinds;
    int m_rewinds = 0;
};

} // namespace hb

#include "helddata.h"

#include "chunkreader.h"
#include "logging.h"
#include "segmentwriter.h"

namespace hb {

HeldData::Check HeldData::check(RedisConnection &conn, const SegmentLayout &layout, qint64 bytes,
                                int ttlSeconds)
{
    Check out;
    qint64 gap = bytes;
    const SegmentData::Result r =
        SegmentData::findGap(conn, layout, bytes, ttlSeconds, &gap, &out.lengths);
    out.failure = r.failure;
    if (r.failure) {
        out.transport = conn.lastError().isTransport();
        out.lengths.clear();
        return out;
    }
    out.exactPrefix = gap;
    out.segments = r.segments;
    return out;
}

HeldData::Check HeldData::check(RedisConnection &conn, const KeyLayout &keys, const QString &id,
                                qint64 segmentBytes, qint64 bytes, qint64 bytesTotal,
                                int ttlSeconds)
{
    return check(conn, SegmentLayout::forWriting(keys, id, segmentBytes, bytesTotal), bytes,
                 ttlSeconds);
}

qint64 HeldData::continuation(const SegmentLayout &layout, const QList<qint64> &lengths,
                              qint64 bytesTotal)
{
    qint64 at = 0;
    // A single key is segment 0 of an export no longer than segmentBytes.
    for (qsizetype k = 0; k < lengths.size(); ++k) {
        const qint64 start = layout.startOf(k);
        const qint64 want = std::min(layout.segmentBytes(), bytesTotal - start);
        if (want <= 0) break;
        const qint64 held = lengths[k];
        // Longer than it should be: not ours to trust (the key is rewritten whole).
        if (held > want) return start;
        at = start + held;
        if (held < want) break;
    }
    return at;
}

HeldData::HeldData(RedisConnection &conn, int ttlSeconds, int maxRewinds)
    : m_conn(conn), m_ttlSeconds(ttlSeconds), m_maxRewinds(maxRewinds)
{
}

HeldData::Outcome HeldData::findGapAndRewind(SegmentWriter &writer, ChunkReader &reader)
{
    const qint64 acked = writer.acked();
    const Check held = check(m_conn, writer.layout(), acked, m_ttlSeconds);
    if (held.failure) {
        if (held.transport) return {Verdict::Broken, {}};
        return {Verdict::Ended, {deniedOrFailed(held.failure.code), held.failure.message}};
    }
    if (held.exactPrefix >= acked) return {Verdict::All, {}};
    Outcome out;
    out.verdict = rewindTo(held.exactPrefix, writer, reader, &out.failure) ? Verdict::Rewound
                                                                           : Verdict::Ended;
    return out;
}

bool HeldData::rewindTo(qint64 offset, SegmentWriter &writer, ChunkReader &reader, Failure *failure)
{
    const qint64 acked = writer.acked();
    // Bounded: a server that keeps losing data is not worth chasing forever.
    if (++m_rewinds > m_maxRewinds) {
        *failure = {ErrorCode::Failed,
                    QStringLiteral("Redis %1 lost acknowledged data %2 times; giving up")
                        .arg(m_conn.serverName())
                        .arg(m_rewinds - 1)};
        return false;
    }
    if (!reader.seek(offset)) {
        *failure = {
            ErrorCode::Failed,
            QStringLiteral("Redis %1 lost %2 acknowledged bytes (from offset %3), in a failover "
                           "or eviction, and %4 cannot be read again to rewrite them")
                .arg(m_conn.serverName())
                .arg(acked - offset)
                .arg(offset)
                .arg(reader.displayName())};
        return false;
    }
    qCWarning(lcExport).noquote() << "export" << writer.layout().id() << ": Redis"
                                  << m_conn.serverName() << "lacks" << (acked - offset)
                                  << "acknowledged bytes (a failover?); rewriting from offset"
                                  << offset;
    writer.rewindTo(offset);
    return true;
}

Failure HeldData::refreshTtls(const SegmentWriter &writer, bool *redisDown)
{
    *redisDown = false;
    qint64 missing = 0;
    const SegmentData::Result r =
        SegmentData::refreshTtls(m_conn, writer.layout(), writer.acked(), m_ttlSeconds, &missing);
    if (r.failure) {
        *redisDown = m_conn.lastError().kind == RedisError::Kind::Timeout;
        return {deniedOrFailed(r.failure.code), r.failure.message};
    }
    if (missing > 0)
        return {ErrorCode::Failed,
                QStringLiteral("%1 data segment(s) vanished while the export ran "
                               "(expired, evicted or deleted)")
                    .arg(missing)};
    return {};
}

} // namespace hb

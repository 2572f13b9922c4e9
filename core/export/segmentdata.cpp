#include "segmentdata.h"

#include <algorithm>

namespace hb {

SegmentLayout::SegmentLayout(KeyLayout keys, QString id, qint64 segmentBytes, bool single)
    : m_keys(std::move(keys)), m_id(std::move(id)),
      m_segmentBytes(std::max<qint64>(1, segmentBytes)), m_single(single)
{
}

SegmentLayout SegmentLayout::forWriting(const KeyLayout &keys, const QString &id,
                                        qint64 segmentBytes, qint64 bytes)
{
    return {keys, id, segmentBytes, bytes >= 0 && bytes <= segmentBytes};
}

SegmentLayout SegmentLayout::forReading(const KeyLayout &keys, const QString &id,
                                        qint64 segmentBytes, qint64 bytes)
{
    // An export recorded without a segment size is the original single key.
    return {keys, id, segmentBytes > 0 ? segmentBytes : std::max<qint64>(1, bytes),
            segmentBytes <= 0 || bytes <= segmentBytes};
}

QByteArray SegmentLayout::key(qint64 index) const
{
    return m_single ? m_keys.dataKey(m_id) : m_keys.segmentKey(m_id, index);
}

qint64 SegmentLayout::countFor(qint64 bytes) const
{
    if (bytes <= 0) return 0;
    return m_single ? 1 : (bytes + m_segmentBytes - 1) / m_segmentBytes;
}

int dataTtlMarginSeconds(int ttlSeconds)
{
    return std::clamp(ttlSeconds / 10, 1, 60);
}

namespace SegmentData {

namespace {

constexpr int batchSize = 256;
constexpr qint64 probeBatch = 64;

// Sends commands in pipelined batches; the replies in order, or a failure on the
// first transport error (error replies are returned for the caller to judge).
bool pipeline(RedisConnection &conn, const QList<QList<QByteArray>> &commands,
              QList<RedisReply> *replies, Failure *failure)
{
    replies->clear();
    replies->reserve(commands.size());
    for (qsizetype start = 0; start < commands.size(); start += batchSize) {
        const qsizetype end = std::min<qsizetype>(commands.size(), start + batchSize);
        qsizetype sent = 0;
        for (qsizetype i = start; i < end; ++i, ++sent) {
            if (!conn.append(commands[i])) break;
        }
        for (qsizetype i = 0; i < sent; ++i) {
            RedisReply r = conn.readReply();
            if (r.isError() && r.error.isTransport()) {
                *failure = Failure::fromRedis(r.error);
                return false;
            }
            replies->append(std::move(r));
        }
        if (sent < end - start) {
            *failure = Failure::fromRedis(conn.lastError());
            return false;
        }
    }
    return true;
}

bool firstErrorReply(const QList<RedisReply> &replies, Failure *failure)
{
    for (const RedisReply &r : replies) {
        if (r.isError()) {
            *failure = Failure::fromRedis(r.error);
            return true;
        }
    }
    return false;
}

// Indices k >= from whose `:k` key exists, probing in batches until a whole batch
// is missing (an owner writes its segments in order, a window at a time).
bool probeSegments(RedisConnection &conn, const KeyLayout &keys, const QString &id, qint64 from,
                   QList<qint64> *found, Failure *failure)
{
    for (qint64 start = from;; start += probeBatch) {
        QList<QList<QByteArray>> cmds;
        for (qint64 k = start; k < start + probeBatch; ++k)
            cmds.append({"EXISTS", keys.segmentKey(id, k)});
        QList<RedisReply> replies;
        if (!pipeline(conn, cmds, &replies, failure)) return false;
        if (firstErrorReply(replies, failure)) return false;
        bool any = false;
        for (qint64 i = 0; i < probeBatch; ++i) {
            if (replies[i].integer > 0) {
                found->append(start + i);
                any = true;
            }
        }
        if (!any) return true;
    }
}

// Cuts `key` to `length` bytes (at most one segment is read back), with the TTL.
bool cutTo(RedisConnection &conn, const QByteArray &key, qint64 length, qint64 ttlMs,
           Failure *failure)
{
    QByteArray value;
    if (length > 0) {
        const RedisReply part =
            conn.command({"GETRANGE", key, "0", QByteArray::number(length - 1)});
        if (part.isError()) {
            *failure = Failure::fromRedis(part.error);
            return false;
        }
        value = part.string;
    }
    const RedisReply set = conn.command({"SET", key, value, "PX", QByteArray::number(ttlMs)});
    if (set.isError()) {
        *failure = Failure::fromRedis(set.error);
        return false;
    }
    return true;
}

// Best effort, after data was found lost: whatever is left still expires (a key
// recreated without expiry by a late write would otherwise live for ever).
void expireAll(RedisConnection &conn, const KeyLayout &keys, const QString &id,
               const QList<qint64> &segments, qint64 ttlMs)
{
    QList<QList<QByteArray>> cmds{{"PEXPIRE", keys.dataKey(id), QByteArray::number(ttlMs)}};
    for (qint64 k : segments)
        cmds.append({"PEXPIRE", keys.segmentKey(id, k), QByteArray::number(ttlMs)});
    QList<RedisReply> replies;
    Failure ignored;
    pipeline(conn, cmds, &replies, &ignored);
}

Failure lost(const QString &id, const QString &what)
{
    return {ErrorCode::Failed, QStringLiteral("data of export %1 was lost: %2").arg(id, what)};
}

} // namespace

Result settle(RedisConnection &conn, const KeyLayout &keys, const QString &id, qint64 segmentBytes,
              qint64 bytes, int ttlSeconds)
{
    Result out;
    const qint64 ttlMs = dataTtlMs(ttlSeconds);
    const SegmentLayout target = SegmentLayout::forReading(keys, id, segmentBytes, bytes);
    const qint64 count = target.countFor(bytes);
    const QByteArray single = keys.dataKey(id);

    // Every `:k` that exists, from 0 when the result is the single key (a lone
    // `:0` becomes it), else from the first index beyond the export.
    QList<qint64> segments;
    if (!probeSegments(conn, keys, id, target.isSingle() ? 0 : count, &segments, &out.failure))
        return out;
    QList<QList<QByteArray>> cmds;
    auto unlinkAll = [&](const QList<qint64> &indices, qint64 from) {
        for (qint64 k : indices)
            if (k >= from) cmds.append({"UNLINK", keys.segmentKey(id, k)});
    };

    if (bytes <= 0) {
        cmds.append({"UNLINK", single});
        unlinkAll(segments, 0);
        QList<RedisReply> replies;
        if (pipeline(conn, cmds, &replies, &out.failure)) firstErrorReply(replies, &out.failure);
        return out;
    }

    if (target.isSingle()) {
        const RedisReply len = conn.command({"STRLEN", single});
        if (len.isError()) {
            out.failure = Failure::fromRedis(len.error);
            return out;
        }
        qint64 have = len.integer;
        const bool fromSegment = have == 0 && segments.contains(0);
        if (fromSegment) {
            const RedisReply seg = conn.command({"STRLEN", keys.segmentKey(id, 0)});
            if (seg.isError()) {
                out.failure = Failure::fromRedis(seg.error);
                return out;
            }
            have = seg.integer;
        }
        if (have < bytes) {
            out.failure = lost(id, QStringLiteral("%1 of %2 bytes are left").arg(have).arg(bytes));
            expireAll(conn, keys, id, segments, ttlMs);
            return out;
        }
        const QByteArray holder = fromSegment ? keys.segmentKey(id, 0) : single;
        if (have > bytes && !cutTo(conn, holder, bytes, ttlMs, &out.failure)) return out;
        if (fromSegment) cmds.append({"RENAME", holder, single});
        unlinkAll(segments, fromSegment ? 1 : 0);
        cmds.append({"PEXPIRE", single, QByteArray::number(ttlMs)});
        QList<RedisReply> replies;
        if (pipeline(conn, cmds, &replies, &out.failure) && !firstErrorReply(replies, &out.failure))
            out.segments = 1;
        return out;
    }

    // More than one segment: `:0` … `:count-1`, nothing else.
    cmds.append({"UNLINK", single});
    unlinkAll(segments, count);
    for (qint64 k = 0; k < count; ++k)
        cmds.append({"STRLEN", keys.segmentKey(id, k)});
    QList<RedisReply> replies;
    if (!pipeline(conn, cmds, &replies, &out.failure) || firstErrorReply(replies, &out.failure))
        return out;
    QList<qint64> kept;
    for (qint64 k = 0; k < count; ++k)
        kept.append(k);
    const qint64 firstLength = replies.size() - count;
    const qint64 lastLength = bytes - (count - 1) * target.segmentBytes();
    for (qint64 k = 0; k < count; ++k) {
        const qint64 have = replies[firstLength + k].integer;
        const qint64 want = k == count - 1 ? lastLength : target.segmentBytes();
        if (have < want) {
            out.failure = lost(
                id, QStringLiteral("segment %1 holds %2 of %3 bytes").arg(k).arg(have).arg(want));
            expireAll(conn, keys, id, kept, ttlMs);
            return out;
        }
        if (have > want && !cutTo(conn, keys.segmentKey(id, k), want, ttlMs, &out.failure))
            return out;
    }
    QList<QList<QByteArray>> expire;
    for (qint64 k = 0; k < count; ++k)
        expire.append({"PEXPIRE", keys.segmentKey(id, k), QByteArray::number(ttlMs)});
    Failure expireFailure;
    if (!pipeline(conn, expire, &replies, &expireFailure) ||
        firstErrorReply(replies, &expireFailure)) {
        if (!out.failure) out.failure = expireFailure;
        return out;
    }
    if (!out.failure) out.segments = count;
    return out;
}

Result verify(RedisConnection &conn, const KeyLayout &keys, const QString &id, qint64 segmentBytes,
              qint64 bytes, int ttlSeconds)
{
    Result out = settle(conn, keys, id, segmentBytes, bytes, ttlSeconds);
    if (out.failure || bytes > 0) return out;
    // An empty source: the reading recipe GETs the single key, so it exists, empty.
    const RedisReply r = conn.command(
        {"SET", keys.dataKey(id), "", "PX", QByteArray::number(dataTtlMs(ttlSeconds))});
    if (r.isError())
        out.failure = Failure::fromRedis(r.error);
    else
        out.segments = 1;
    return out;
}

Result refreshTtls(RedisConnection &conn, const SegmentLayout &layout, qint64 bytes, int ttlSeconds,
                   qint64 *missing)
{
    Result out;
    const QByteArray ttl = QByteArray::number(dataTtlMs(ttlSeconds));
    QList<QList<QByteArray>> cmds;
    const qint64 count = layout.countFor(bytes);
    for (qint64 k = 0; k < count; ++k)
        cmds.append({"PEXPIRE", layout.key(k), ttl});
    QList<RedisReply> replies;
    if (!pipeline(conn, cmds, &replies, &out.failure) || firstErrorReply(replies, &out.failure))
        return out;
    qint64 gone = 0;
    for (const RedisReply &r : std::as_const(replies))
        gone += r.integer == 0 ? 1 : 0;
    if (missing) *missing = gone;
    out.segments = count - gone;
    return out;
}

Result findGap(RedisConnection &conn, const SegmentLayout &layout, qint64 bytes, int ttlSeconds,
               qint64 *gapAt, QList<qint64> *lengths)
{
    Result out;
    *gapAt = bytes;
    const QByteArray ttl = QByteArray::number(dataTtlMs(ttlSeconds));
    QList<QList<QByteArray>> cmds;
    const qint64 count = layout.countFor(bytes);
    for (qint64 k = 0; k < count; ++k) {
        cmds.append({"PEXPIRE", layout.key(k), ttl});
        cmds.append({"STRLEN", layout.key(k)});
    }
    QList<RedisReply> replies;
    if (!pipeline(conn, cmds, &replies, &out.failure) || firstErrorReply(replies, &out.failure))
        return out;
    if (lengths) {
        lengths->clear();
        for (qint64 k = 0; k < count; ++k)
            lengths->append(replies[2 * k + 1].integer);
    }
    for (qint64 k = 0; k < count; ++k) {
        const qint64 want = std::min(layout.segmentBytes(), bytes - layout.startOf(k));
        if (replies[2 * k + 1].integer < want) {
            *gapAt = layout.startOf(k);
            break;
        }
        ++out.segments;
    }
    return out;
}

} // namespace SegmentData

} // namespace hb

#include "resumepoint.h"

#include "chunkreader.h"
#include "helddata.h"

#include <algorithm>

namespace hb {

ResumePoint::Result ResumePoint::find(RedisConnection &conn, const SegmentLayout &layout,
                                      qint64 bytesTotal, int ttlSeconds, ChunkReader &reader,
                                      bool url)
{
    const HeldData::Check held = HeldData::check(conn, layout, bytesTotal, ttlSeconds);
    if (held.failure)
        return {0, {deniedOrFailed(held.failure.code), held.failure.message}, held.transport};
    qint64 offset = HeldData::continuation(layout, held.lengths, bytesTotal);
    if (!url) {
        if (!reader.hashPrefix(offset))
            return {0, {ErrorCode::Failed, reader.errorString()}, false};
        return {offset, {}, false};
    }
    // A URL is asked for the rest only (Range): at least its last segment, since a
    // range from its very end is no range at all.
    if (offset > 0 && offset >= bytesTotal) offset = layout.startOf(layout.indexOf(offset - 1));
    if (const Failure f = hashHeldPrefix(conn, layout, offset, reader)) return {0, f, false};
    if (!reader.seek(offset)) return {0, {ErrorCode::Source, reader.errorString()}, false};
    return {offset, {}, false};
}

// The first `offset` bytes as Redis holds them, into the hash: one key at a time,
// in order.
Failure ResumePoint::hashHeldPrefix(RedisConnection &conn, const SegmentLayout &layout,
                                    qint64 offset, ChunkReader &reader)
{
    for (qint64 k = 0; layout.startOf(k) < offset; ++k) {
        const qint64 want = std::min(offset - layout.startOf(k), layout.segmentBytes());
        const RedisReply r =
            conn.command({"GETRANGE", layout.key(k), "0", QByteArray::number(want - 1)});
        if (r.isError() || r.string.size() != want)
            return {ErrorCode::Failed,
                    QStringLiteral("could not read back the %1 bytes Redis held: %2")
                        .arg(offset)
                        .arg(r.isError() ? r.error.message : QStringLiteral("a segment changed"))};
        reader.hashHeld(r.string);
    }
    return {};
}

} // namespace hb

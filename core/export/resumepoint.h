#pragma once

#include "exporterror.h"
#include "redisconnection.h"
#include "segmentdata.h"

namespace hb {

class ChunkReader;

// Where a resumed export goes on (docs/RESUME.md §5), and its reader brought there.
// What Redis holds decides, never bytesWritten: every segment's TTL is refreshed
// and its length read (pipelined, HeldData::check), and the export continues after
// the longest exact prefix; everything after it is rewritten. The sha256 continues
// over that prefix: a file's read again from disk (ChunkReader::hashPrefix), a
// URL's read back from Redis (GETRANGE, one key at a time) so that it is not
// downloaded twice, and the rest asked for with Range (ChunkReader::seek).
// Not thread-safe; on the export's thread, with nothing in flight on `conn`.
class ResumePoint final
{
public:
    struct Result
    {
        qint64 offset = 0;
        Failure failure;
        // The connection broke while the lengths were read: nothing was hashed
        // yet, so reconnecting and finding again is safe.
        bool transport = false;
    };
    static Result find(RedisConnection &conn, const SegmentLayout &layout, qint64 bytesTotal,
                       int ttlSeconds, ChunkReader &reader, bool url);

private:
    static Failure hashHeldPrefix(RedisConnection &conn, const SegmentLayout &layout, qint64 offset,
                                  ChunkReader &reader);
};

} // namespace hb

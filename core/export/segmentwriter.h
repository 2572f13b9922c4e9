#pragma once

#include "redisconnection.h"
#include "segmentdata.h"

#include <QByteArray>
#include <deque>

namespace hb {

// The chunk pipeline of one export: writes chunks into their segment keys on one
// connection, at most `window` chunks in flight, and keeps each chunk until Redis
// acknowledged it so that a reconnect can resend it. Every write is idempotent (the
// same bytes at an explicit offset), and no key ever exists without its expiry:
//  - a chunk that starts a segment is `MULTI`, `SETRANGE key 0 bytes`, `PEXPIRE
//    key ttl`, `EXEC`: Redis runs the two as one or not at all. (SETRANGE on a new
//    key costs Redis about 0.7 of the CPU of a `SET` of the same bytes; sent as two
//    plain commands, a client dying between them leaves the key without expiry:
//    Redis drops a client whose reply it cannot write, with the PEXPIRE still
//    unread. docs/DESIGN.md, "Opening a segment".) On a cluster, or for a login
//    that may not run MULTI/EXEC (asked once, with an empty transaction), it is
//    `SET key bytes PX ttl`;
//  - a later chunk of the same segment is `SETRANGE key offset bytes` then
//    `PEXPIRE key ttl XX` (the key already expires; XX answers 0 when the segment
//    vanished and the SETRANGE recreated it).
//
// Not thread-safe; used on the export's thread. Knows nothing of statuses.
class SegmentWriter final
{
public:
    SegmentWriter(RedisConnection &conn, SegmentLayout layout, int ttlSeconds, int window);

    const SegmentLayout &layout() const { return m_layout; }
    bool canSend() const { return int(m_inFlight.size()) < m_window; }
    bool hasInFlight() const { return !m_inFlight.empty(); }
    // Bytes acknowledged by Redis, contiguous from offset 0.
    qint64 acked() const { return m_acked; }
    // Bytes handed to send().
    qint64 sent() const { return m_sent; }
    // The largest chunk that may start at `offset` (never across a segment's end).
    qint64 maxChunkAt(qint64 offset, qint64 chunkSize) const;

    // Sends the next chunk (it must start at sent()). False on a transport error:
    // the chunk is kept in flight and resent by resend() after a reconnect.
    bool send(QByteArray bytes);

    enum class Ack {
        Acknowledged, // the oldest chunk is stored (acked() may have moved)
        Transport,    // the connection broke: reconnect and resend(), or give up
        Refused,      // Redis answered an error (OOM, NOPERM, …): see error()
        Vanished,     // its segment disappeared while being written
    };
    // Reads the replies of the oldest chunk in flight (there must be one).
    Ack readOne();
    // Reads until nothing is in flight or something other than Acknowledged.
    Ack drain();
    const RedisError &error() const { return m_error; }

    // After a reconnect: sends every unacknowledged chunk again, in order.
    bool resend();
    // A resumed export: Redis holds bytes [0, offset) already; the next send() starts
    // there. Only before the first send().
    void startAt(qint64 offset);
    // Forgets the chunks in flight (the stop sequence after the connection broke:
    // what was not acknowledged is not part of the export).
    void dropInFlight();
    // Writes again from `offset` (at or before acked(), the start of a segment):
    // forgets what is in flight; the next send() starts there.
    void rewindTo(qint64 offset);

private:
    struct Chunk
    {
        qint64 offset = 0;
        QByteArray bytes;
        int replies = 0; // replies due: 4 (MULTI…EXEC), 1 (SET) or 2 (SETRANGE, PEXPIRE XX)
    };
    bool append(Chunk &chunk);
    // How a segment is opened, asked of Redis once, with nothing in flight.
    bool decideOpening();
    enum class Opening { Unknown, Transaction, Set };
    Opening m_opening = Opening::Unknown;

    RedisConnection &m_conn;
    SegmentLayout m_layout;
    QByteArray m_ttlMs;
    int m_window;
    std::deque<Chunk> m_inFlight;
    qint64 m_acked = 0;
    qint64 m_sent = 0;
    RedisError m_error;
};

} // namespace hb

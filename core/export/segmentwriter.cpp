#include "segmentwriter.h"

#include "logging.h"

#include <algorithm>

namespace hb {

SegmentWriter::SegmentWriter(RedisConnection &conn, SegmentLayout layout, int ttlSeconds,
                             int window)
    : m_conn(conn), m_layout(std::move(layout)), m_ttlMs(QByteArray::number(dataTtlMs(ttlSeconds))),
      m_window(std::max(1, window))
{
}

qint64 SegmentWriter::maxChunkAt(qint64 offset, qint64 chunkSize) const
{
    if (m_layout.isSingle()) return chunkSize;
    const qint64 segmentEnd = m_layout.startOf(m_layout.indexOf(offset) + 1);
    return std::min(chunkSize, segmentEnd - offset);
}

bool SegmentWriter::decideOpening()
{
    if (m_opening != Opening::Unknown) return true;
    if (!m_conn.ensureConnected()) return false;
    if (m_conn.isCluster()) {
        // A transaction is not redirected as a whole while its slot moves between
        // nodes (ASK is followed command by command): one command opens a segment.
        m_opening = Opening::Set;
        return true;
    }
    // May this login run transactions? An empty MULTI/EXEC asks Redis itself (ACL
    // rules may allow neither, or MULTI without EXEC).
    if (!m_conn.append({"MULTI"}) || !m_conn.append({"EXEC"})) return false;
    const RedisReply multi = m_conn.readReply();
    const RedisReply exec = m_conn.readReply();
    for (const RedisReply *r : {&multi, &exec})
        if (r->isError() && r->error.isTransport()) return false;
    if (!multi.isError() && !exec.isError()) {
        m_opening = Opening::Transaction;
        return true;
    }
    qCDebug(lcExport).noquote()
        << "segments are opened by SET … PX: this login may not run MULTI/EXEC ("
        << (multi.isError() ? multi.error.message : exec.error.message) << ")";
    m_opening = Opening::Set;
    // A refused EXEC can leave the connection inside MULTI: start afresh.
    if (!multi.isError()) m_conn.disconnect();
    return true;
}

bool SegmentWriter::append(Chunk &chunk)
{
    const qint64 index = m_layout.indexOf(chunk.offset);
    const qint64 within =
        m_layout.isSingle() ? chunk.offset : chunk.offset - m_layout.startOf(index);
    const QByteArray key = m_layout.key(index);
    if (within == 0 && m_opening == Opening::Transaction) {
        chunk.replies = 4;
        return m_conn.append({"MULTI"}) &&
               m_conn.append({"SETRANGE", key, QByteArrayLiteral("0"), chunk.bytes}) &&
               m_conn.append({"PEXPIRE", key, m_ttlMs}) && m_conn.append({"EXEC"});
    }
    if (within == 0) {
        chunk.replies = 1;
        return m_conn.append({"SET", key, chunk.bytes, "PX", m_ttlMs});
    }
    chunk.replies = 2;
    return m_conn.append({"SETRANGE", key, QByteArray::number(within), chunk.bytes}) &&
           m_conn.append({"PEXPIRE", key, m_ttlMs, "XX"});
}

bool SegmentWriter::send(QByteArray bytes)
{
    Chunk chunk{m_sent, std::move(bytes), 0};
    m_sent += chunk.bytes.size();
    // Decided before anything is in flight on the connection (the first chunk; or
    // in resend(), on a new connection).
    const bool ok = (!m_inFlight.empty() || decideOpening()) && append(chunk);
    m_inFlight.push_back(std::move(chunk));
    if (!ok) m_error = m_conn.lastError();
    return ok;
}

SegmentWriter::Ack SegmentWriter::readOne()
{
    Chunk &chunk = m_inFlight.front();
    Ack ack = Ack::Acknowledged;
    for (int i = 0; i < chunk.replies; ++i) {
        const RedisReply r = m_conn.readReply();
        if (r.isError() && r.error.isTransport()) {
            m_error = r.error;
            return Ack::Transport; // the chunk stays in flight, to be resent
        }
        if (ack != Ack::Acknowledged)
            continue; // read the rest of this chunk's replies all the same
        if (r.isError()) {
            // In a transaction: the queued command's own error (OOM, NOPERM), not
            // the EXECABORT that follows it.
            m_error = r.error;
            ack = Ack::Refused;
        } else if (chunk.replies == 4 && i == 3) {
            // EXEC: [SETRANGE's length, PEXPIRE's 1], or a command's error inside.
            const auto failed = std::find_if(r.elements.cbegin(), r.elements.cend(),
                                             [](const RedisReply &e) { return e.isError(); });
            if (failed != r.elements.cend()) {
                m_error = failed->error;
                ack = Ack::Refused;
            } else if (r.elements.size() != 2 || r.elements[1].integer != 1) {
                m_error = {RedisError::Kind::Protocol,
                           QStringLiteral("Redis %1: unexpected reply to EXEC: %2 elements")
                               .arg(m_conn.serverName())
                               .arg(r.elements.size())};
                ack = Ack::Refused;
            }
        } else if (chunk.replies == 2 && i == 1 && r.integer == 0) {
            ack = Ack::Vanished; // PEXPIRE XX: the key had no expiry, so it was recreated
        }
    }
    if (ack == Ack::Acknowledged && chunk.offset == m_acked)
        m_acked = chunk.offset + chunk.bytes.size();
    m_inFlight.pop_front();
    return ack;
}

SegmentWriter::Ack SegmentWriter::drain()
{
    while (hasInFlight()) {
        const Ack ack = readOne();
        if (ack != Ack::Acknowledged) return ack;
    }
    return Ack::Acknowledged;
}

bool SegmentWriter::resend()
{
    if (!decideOpening()) {
        m_error = m_conn.lastError();
        return false;
    }
    for (Chunk &chunk : m_inFlight) {
        if (!append(chunk)) {
            m_error = m_conn.lastError();
            return false;
        }
    }
    return true;
}

void SegmentWriter::rewindTo(qint64 offset)
{
    Q_ASSERT(offset <= m_acked && offset % m_layout.segmentBytes() == 0);
    m_inFlight.clear();
    m_acked = m_sent = offset;
}

void SegmentWriter::startAt(qint64 offset)
{
    Q_ASSERT(m_inFlight.empty() && m_sent == 0);
    m_acked = m_sent = offset;
}

void SegmentWriter::dropInFlight()
{
    m_inFlight.clear();
    m_sent = m_acked;
}

} // namespace hb

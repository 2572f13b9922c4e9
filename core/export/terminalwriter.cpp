#include "terminalwriter.h"

#include "ending.h"
#include "segmentdata.h"

namespace hb {

TerminalWriter::TerminalWriter(RedisConnection &conn, StatusWriter &status, const KeyLayout &keys,
                               int ttlSeconds)
    : m_conn(conn), m_status(status), m_keys(keys), m_ttlSeconds(ttlSeconds)
{
}

FinalStatus::Final TerminalWriter::write(Final final)
{
    for (int attempt = 0; attempt < 6; ++attempt) {
        if (!m_conn.ensureConnected())
            return FinalStatus::unwritten(
                final.code == ErrorCode::None ? ErrorCode::Redis : final.code,
                final.message.isEmpty() ? m_conn.lastError().message : final.message);
        const StatusWriter::Result r = m_status.write(final.status);
        if (r.applied()) {
            final.kind = Final::Kind::Written;
            return final;
        }
        Final result;
        const bool again = r.outcome == StatusWriter::Result::Outcome::Conflict
                               ? onConflict(r, final, &result)
                               : onError(r.error, attempt, final, &result);
        if (!again) {
            if (result.kind != Final::Kind::ToWrite) return result;
            break; // attempts that are not worth more of them
        }
    }
    return FinalStatus::unwritten(
        final.code == ErrorCode::None ? ErrorCode::Failed : final.code,
        QStringLiteral("%1; the final status could not be written after several attempts")
            .arg(final.message.isEmpty() ? QStringLiteral("export failed") : final.message));
}

bool TerminalWriter::onConflict(const StatusWriter::Result &r, Final &final, Final *result)
{
    ExportStatus &next = final.status;
    if (r.currentJson.isEmpty()) {
        // The status key is gone: write the final status afresh (with its TTL) so
        // that readers learn why; data that outlived it says nothing.
        m_status.adopt({});
        FinalStatus::statusVanished(final, r.problem);
        return true;
    }
    if (!r.current) {
        *result = FinalStatus::unwritten(ErrorCode::Failed, r.problem);
        return false;
    }
    const ExportStatus &cur = *r.current;
    m_status.adopt(r.currentJson);
    const Ending foreign = Ending::ofForeign(cur, next.ownerToken);
    if (foreign.why == Ending::Why::RemoteCancel) {
        // Another process cancelled first (even as our last chunk landed): CANCELLED
        // wins. Settled by the canceller on our behalf: our data goes back to what
        // it recorded; else we settle with what we wrote.
        final.code = foreign.code;
        final.message = foreign.message;
        if (cur.settled) {
            SegmentData::settle(m_conn, m_keys, cur.id,
                                cur.segmentBytes > 0 ? cur.segmentBytes : next.segmentBytes,
                                cur.bytesWritten, m_ttlSeconds);
            *result = {Final::Kind::Foreign, cur, final.code, final.message};
            return false;
        }
        next = FinalStatus::cancelledFirst(next, cur, QDateTime::currentDateTimeUtc());
        return true;
    }
    if (foreign.why == Ending::Why::ForeignTerminal) {
        *result = {Final::Kind::Foreign, cur, foreign.code, foreign.message};
        return false;
    }
    return true; // a non-terminal status changed under us: try again against it
}

bool TerminalWriter::onError(const RedisError &error, int attempt, Final &final, Final *result)
{
    if (error.kind == RedisError::Kind::Timeout) {
        *result =
            FinalStatus::unwritten(final.code == ErrorCode::None ? ErrorCode::Failed : final.code,
                                   final.message.isEmpty() ? error.message : final.message);
        return false;
    }
    if (error.kind == RedisError::Kind::NoPermission) {
        *result = FinalStatus::unwritten(ErrorCode::PermissionDenied, error.message);
        return false;
    }
    if (error.kind == RedisError::Kind::OutOfMemory) {
        // Redis is full: the partial data goes, which frees the memory the final
        // status needs.
        SegmentData::settle(m_conn, m_keys, final.status.id, final.status.segmentBytes, 0,
                            m_ttlSeconds);
        FinalStatus::dataDiscarded(final, error.message);
        return true;
    }
    if (error.isTransport()) {
        m_conn.disconnect(); // the same status again, once reconnected
        return true;
    }
    return attempt < 2;
}

} // namespace hb

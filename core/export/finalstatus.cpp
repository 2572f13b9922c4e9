#include "finalstatus.h"

namespace hb::FinalStatus {

Final unwritten(ErrorCode code, const QString &message)
{
    Final out;
    out.kind = Final::Kind::Unwritten;
    out.code = code;
    out.message = message;
    return out;
}

Failure verificationFailure(const Failure &held, const QString &digest, const QString &hashError)
{
    if (held) return held;
    if (digest.isEmpty()) return {ErrorCode::Failed, hashError};
    return {};
}

Final compose(const Ending &ending, const ExportStatus &snapshot, const SegmentData::Result &data,
              const QString &digest, const QString &user, const QDateTime &now)
{
    using Why = Ending::Why;
    Final out;
    out.status = ending.why == Why::RemoteCancel ? ending.foreign : snapshot;
    ExportStatus &next = out.status;
    next.bytesWritten = snapshot.bytesWritten;
    next.updatedAt = now;
    next.settled = true;
    next.segments = data.segments;
    if (ending.running()) {
        // Everything read and acknowledged, seen at full length.
        next.state = ExportState::Completed;
        next.sha256 = digest;
        next.bytesTotal = next.bytesWritten; // a stream's size is known now
        return out;
    }
    out.code = ending.code;
    out.message = ending.message;
    if (ending.why == Why::LocalCancel) {
        next.state = ExportState::Cancelled;
        next.cancelledBy = user;
    } else if (ending.why == Why::Failed) {
        next.state = ExportState::Failed;
        next.error = out.message;
    }
    if (data.failure) {
        // The data is not what bytesWritten says (evicted, lost): say so (§1).
        out.message = out.message.isEmpty()
                          ? data.failure.message
                          : QStringLiteral("%1; %2").arg(out.message, data.failure.message);
        if (next.state == ExportState::Failed) {
            next.error = out.message;
        } else if (ending.why == Why::LocalCancel) {
            next.state = ExportState::Failed;
            next.cancelledBy.clear();
            next.error = out.message;
        }
    }
    return out;
}

void statusVanished(Final &final, const QString &problem)
{
    if (final.status.state != ExportState::Completed) return;
    final.status.state = ExportState::Failed;
    final.status.sha256.clear();
    final.code = ErrorCode::Failed;
    final.message = final.status.error = problem;
}

ExportStatus cancelledFirst(const ExportStatus &ours, const ExportStatus &stored,
                            const QDateTime &now)
{
    ExportStatus next = stored;
    next.bytesWritten = ours.bytesWritten;
    next.segments = ours.segments;
    next.settled = true;
    next.updatedAt = now;
    return next;
}

void dataDiscarded(Final &final, const QString &redisError)
{
    ExportStatus &next = final.status;
    const QString why = final.message.isEmpty() ? redisError : final.message;
    if (next.state != ExportState::Cancelled) {
        next.state = ExportState::Failed;
        next.sha256.clear();
        final.code = ErrorCode::Failed;
        final.message = next.error =
            QStringLiteral("%1; the %2 bytes written were discarded to free memory")
                .arg(why)
                .arg(next.bytesWritten);
    }
    next.bytesWritten = 0;
    next.segments = 0;
}

} // namespace hb::FinalStatus

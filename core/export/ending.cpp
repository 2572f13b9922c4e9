#include "ending.h"

namespace hb {

Ending::Ending(Why why, ErrorCode code, QString message, bool redisDown, ExportStatus foreign)
    : why(why), code(code), message(std::move(message)), redisDown(redisDown),
      foreign(std::move(foreign))
{
}

void Ending::add(const Ending &reason)
{
    const bool replace = why == Why::Running || reason.why == Why::ForeignTerminal ||
                         (reason.why == Why::RemoteCancel && why != Why::ForeignTerminal);
    const bool down = redisDown || reason.redisDown;
    if (replace) *this = reason;
    redisDown = down;
}

Ending Ending::ofForeign(const ExportStatus &stored, const QString &ownToken)
{
    if (stored.state == ExportState::Cancelled)
        return {Why::RemoteCancel, ErrorCode::Cancelled, cancelledByMessage(stored.cancelledBy),
                false, stored};
    if (isTerminal(stored.state) || stored.state == ExportState::Unknown)
        return {Why::ForeignTerminal,
                stored.state == ExportState::Completed ? ErrorCode::None : ErrorCode::Failed,
                QStringLiteral("another process set the status to %1").arg(stored.stateText()),
                false, stored};
    if (!ownToken.isEmpty() && stored.ownerToken != ownToken)
        return {Why::ForeignTerminal, ErrorCode::Failed,
                QStringLiteral("export %1 was taken over by %2/%3")
                    .arg(stored.id.left(8), stored.host)
                    .arg(stored.pid),
                false, stored};
    return {};
}

} // namespace hb

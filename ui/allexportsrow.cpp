#include "allexportsrow.h"

#include "allexportsmodel.h"
#include "textescape.h"

#include "actinguser.h"
#include "statusformat.h"
#include "statussummary.h"

#include <QLocale>
#include <QStringList>
#include <algorithm>

namespace hb {

bool AllExportsRow::isStalled(qint64 nowMs) const
{
    return statusStalled(status, meter, nowMs);
}

double AllExportsRow::speed(qint64 nowMs) const
{
    return statusSpeed(status, meter, nowMs);
}

QString AllExportsRow::statusText(qint64 nowMs) const
{
    // The contract's words, as in the CLI and the "My exports" tab.
    const ExportStatus &s = status;
    switch (s.state) {
    case ExportState::Pending:
        if (isStalled(nowMs)) return tr("Stalled (owner silent)");
        return stateName(s.state);
    case ExportState::Cancelled:
        return s.cancelledBy.isEmpty() ? stateName(s.state)
                                       : tr("CANCELLED by %1").arg(escapeUntrusted(s.cancelledBy));
    case ExportState::Failed:
        return s.error.isEmpty() ? stateName(s.state)
                                 : tr("FAILED: %1").arg(escapeUntrusted(s.error));
    case ExportState::Unknown:
        return s.rawState;
    default:
        return stateName(s.state);
    }
}

QString AllExportsRow::toolTip(const QDateTime &now) const
{
    const ExportStatus &s = status;
    QStringList lines{tr("Export %1").arg(s.id)};
    if (s.updatedAt.isValid())
        lines << tr("Last update %1")
                     .arg(QLocale().toString(s.updatedAt.toLocalTime(),
                                             QStringLiteral("yyyy-MM-dd HH:mm:ss")));
    if (!s.host.isEmpty())
        lines << tr("Owner %1 on %2 (pid %3)")
                     .arg(ActingUser::displayOwner(s.owner, s.ownerVerified),
                          escapeUntrusted(s.host))
                     .arg(s.pid);
    else if (!s.owner.isEmpty())
        lines << tr("Owner %1").arg(ActingUser::displayOwner(s.owner, s.ownerVerified));
    if (!s.ownerVerified)
        lines << tr("Unverified owner: the exporting process named this user itself; "
                    "it did not log in to Redis as that ACL user");
    if (!s.error.isEmpty()) lines << tr("Error: %1").arg(escapeUntrusted(s.error));
    if (!s.cancelledBy.isEmpty())
        lines << tr("Cancelled by %1").arg(escapeUntrusted(s.cancelledBy));
    if (isStalled(now.toMSecsSinceEpoch()))
        lines
            << tr("No update from its owner for %1").arg(formatDuration(s.updatedAt.msecsTo(now)));
    return lines.join(QLatin1Char('\n'));
}

QVariant AllExportsRow::cell(int column, bool display, const QDateTime &now) const
{
    using Column = AllExportsModel::Column;
    const ExportStatus &s = status;
    const qint64 nowMs = now.toMSecsSinceEpoch();
    switch (column) {
    case Column::Id:
        return display ? QVariant(s.id.left(8)) : QVariant(s.id);
    // Names from other machines: shown escaped, never raw (issue #13 item 14).
    case Column::Host:
        return display ? escapeUntrusted(s.host) : s.host;
    case Column::Pid:
        return display ? (s.pid > 0 ? QVariant(QString::number(s.pid)) : QVariant(QString()))
                       : QVariant(s.pid);
    case Column::Owner:
        return display ? escapeUntrusted(s.owner) : s.owner;
    case Column::Source:
        return display ? escapeUntrusted(s.source) : s.source;
    case Column::Status:
        return display ? QVariant(statusText(nowMs)) : QVariant(int(s.state));
    case Column::Progress: {
        const double fraction = s.bytesTotal > 0 ? double(s.bytesWritten) / double(s.bytesTotal)
                                : s.state == ExportState::Completed ? 1.0
                                                                    : -1.0;
        if (!display)
            return s.bytesTotal > 0 ? QVariant(fraction) : QVariant(double(s.bytesWritten));
        if (s.bytesTotal > 0)
            return QStringLiteral("%1 % of %2")
                .arg(int(fraction * 100))
                .arg(sizeText(s.bytesTotal));
        return sizeText(s.bytesWritten);
    }
    case Column::Speed: {
        const double bytesPerSecond = speed(nowMs);
        if (!display) return bytesPerSecond;
        if (s.state != ExportState::Pending) return QString();
        return bytesPerSecond > 0 ? tr("%1/s").arg(sizeText(qint64(bytesPerSecond)))
                                  : QStringLiteral("—");
    }
    case Column::Age: {
        const qint64 ms = s.createdAt.isValid() ? s.createdAt.msecsTo(now) : -1;
        if (!display) return ms;
        return ms >= 0 ? formatDuration(ms) : QString();
    }
    case Column::LastUpdate:
        if (!display) return s.updatedAt;
        // How long ago, which is what tells a silent owner; the time is in the tooltip.
        return s.updatedAt.isValid()
                   ? tr("%1 ago").arg(formatDuration(std::max<qint64>(0, s.updatedAt.msecsTo(now))))
                   : QString();
    default:
        return {};
    }
}

} // namespace hb

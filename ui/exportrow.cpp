#include "exportrow.h"

#include "exportlistmodel.h"

#include "actinguser.h"
#include "exportsource.h"
#include "statusformat.h"

#include <QLocale>

#include <algorithm>
#include <limits>

namespace hb {

namespace {

QString stateText(const ExportRow &row, bool withReason)
{
    if (row.cancelling && !row.finished) return ExportRow::tr("Cancelling…");
    if (row.resume == ExportRow::Resume::Resuming)
        return row.resumedFrom < 0
                   ? ExportRow::tr("Resuming…")
                   : ExportRow::tr("Resuming — %1 already in Redis").arg(sizeText(row.resumedFrom));
    if (row.resume == ExportRow::Resume::Interrupted && row.vanished == ExportRow::Vanished::No)
        return withReason ? ExportRow::tr("Interrupted at %1 of %2 (its process ended): Resume "
                                          "continues it")
                                .arg(sizeText(row.written),
                                     row.total >= 0 ? sizeText(row.total) : QStringLiteral("?"))
                          : ExportRow::tr("Interrupted");
    QString text;
    switch (row.state) {
    case ExportState::Failed:
        text = row.error.isEmpty() || !withReason
                   ? QStringLiteral("FAILED")
                   : QStringLiteral("FAILED: %1").arg(row.shortReason());
        break;
    case ExportState::Unknown:
        text = row.status.rawState.isEmpty() ? ExportRow::tr("unknown") : row.status.rawState;
        break;
    default:
        text = stateName(row.state);
    }
    switch (row.vanished) {
    case ExportRow::Vanished::No:
        break;
    case ExportRow::Vanished::Expired:
        return ExportRow::tr("%1 — expired").arg(text);
    case ExportRow::Vanished::Gone:
        return ExportRow::tr("%1 — gone").arg(text);
    }
    return text;
}

} // namespace

bool ExportRow::isStalled(qint64 nowMs) const
{
    return !finished && !cancelling && state == ExportState::Pending &&
           (total < 0 || written < total) && meter.isStalled(nowMs);
}

double ExportRow::fraction() const
{
    if (state == ExportState::Completed) return 1.0;
    if (total <= 0) return 0.0;
    return std::clamp(double(written) / double(total), 0.0, 1.0);
}

QString ExportRow::statusText() const
{
    return stateText(*this, true);
}

QString ExportRow::statusCellText() const
{
    return stateText(*this, false);
}

QString ExportRow::shortReason() const
{
    QString reason = error;
    if (!sourcePath.isEmpty() && !isUrlSource(sourcePath)) reason.replace(sourcePath, name);
    return reason;
}

QString ExportRow::shortId() const
{
    return created ? id.left(8) : QString();
}

QString ExportRow::speedText(double bytesPerSecond)
{
    if (bytesPerSecond < 1) return QString();
    return sizeText(qint64(bytesPerSecond)) + QStringLiteral("/s");
}

QString ExportRow::etaText(qint64 nowMs) const
{
    if (finished) return QString();
    if (isStalled(nowMs)) return tr("Stalled");
    const qint64 left = total < 0 ? -1 : meter.secondsLeft(total);
    return left < 0 ? QStringLiteral("—") : formatDuration(left * 1000);
}

QString ExportRow::toolTip() const
{
    QString tip = QStringLiteral("<b>%1</b><br>%2<br>%3")
                      .arg(name.toHtmlEscaped(), sourceForMessages(sourcePath).toHtmlEscaped(),
                           statusText().toHtmlEscaped());
    if (!error.isEmpty()) tip += QStringLiteral("<br>") + error.toHtmlEscaped();
    if (vanished == Vanished::Expired)
        tip += QStringLiteral("<br>") + tr("Its keys expired from Redis: the data cannot be "
                                           "fetched back any more.");
    else if (vanished == Vanished::Gone)
        tip += QStringLiteral("<br>") + tr("Its keys are gone from Redis (deleted, evicted or "
                                           "the server restarted): the data cannot be "
                                           "fetched back.");
    tip += QStringLiteral("<br>") +
           (created ? tr("Export ID %1").arg(id) : tr("Never reached Redis: no export ID"));
    if (!status.sha256.isEmpty()) tip += QStringLiteral("<br>sha256 %1").arg(status.sha256);
    if (created && !status.owner.isEmpty())
        tip +=
            QStringLiteral("<br>") +
            tr("Owner %1")
                .arg(ActingUser::displayOwner(status.owner, status.ownerVerified).toHtmlEscaped());
    return tip;
}

QVariant ExportRow::cell(int column, bool display, qint64 nowMs) const
{
    using Column = ExportListModel::Column;
    if (display) {
        switch (column) {
        case Column::Name:
            return name;
        case Column::Size:
            return total < 0 ? QStringLiteral("—") : sizeText(total);
        case Column::Status:
            return statusCellText();
        case Column::Progress:
            if (finished && !created)
                return QStringLiteral("—"); // refused: nothing was ever written
            if (total < 0 && state != ExportState::Completed)
                return sizeText(written); // a stream: how much so far
            return QStringLiteral("%1%").arg(int(fraction() * 100.0));
        case Column::Speed:
            return finished ? QString() : speedText(speed());
        case Column::Eta:
            return etaText(nowMs);
        case Column::Id:
            return shortId();
        case Column::Started:
            // Today's rows need only the time; older ones (a long session) the date too.
            return started.date() == QDate::currentDate()
                       ? started.toString(QStringLiteral("HH:mm:ss"))
                       : QLocale().toString(started, QLocale::ShortFormat);
        default:
            return {};
        }
    }
    switch (column) {
    case Column::Name:
        return name;
    case Column::Size:
        return total;
    case Column::Status:
        return int(cancelling && !finished ? -1 : int(state));
    case Column::Progress:
        return fraction();
    case Column::Speed:
        return speed();
    case Column::Eta: {
        const qint64 left = finished || total < 0 ? -1 : meter.secondsLeft(total);
        return left < 0 ? std::numeric_limits<qint64>::max() : left;
    }
    case Column::Id:
        return id;
    case Column::Started:
        return started;
    default:
        return {};
    }
}

} // namespace hb

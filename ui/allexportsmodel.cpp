#include "allexportsmodel.h"

#include "textescape.h"

#include "actinguser.h"
#include "exportlistdelegate.h"
#include "statusformat.h"
#include "statussummary.h"

#include <QFont>
#include <QLocale>
#include <algorithm>

namespace hb {

AllExportsModel::AllExportsModel(QObject *parent) : QAbstractTableModel(parent)
{
    m_refresh.setInterval(RefreshMs);
    connect(&m_refresh, &QTimer::timeout, this, &AllExportsModel::flush);
    m_refresh.start();
}

int AllExportsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int AllExportsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : NB_COLUMNS;
}

const ExportStatus *AllExportsModel::statusAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? &m_rows[row].status : nullptr;
}

bool AllExportsModel::isStalled(const Row &row) const
{
    return statusStalled(row.status, row.meter, nowMs());
}

bool AllExportsModel::isStalled(int row) const
{
    return row >= 0 && row < m_rows.size() && isStalled(m_rows[row]);
}

double AllExportsModel::speedAt(int row) const
{
    if (row < 0 || row >= m_rows.size()) return 0;
    return statusSpeed(m_rows[row].status, m_rows[row].meter, nowMs());
}

QString AllExportsModel::statusText(const Row &row) const
{
    // The contract's words, as in the CLI and the "My exports" tab.
    const ExportStatus &s = row.status;
    switch (s.state) {
    case ExportState::Pending:
        if (isStalled(row)) return tr("Stalled (owner silent)");
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

QVariant AllExportsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size()) return {};
    const Row &row = m_rows[index.row()];
    const ExportStatus &s = row.status;
    switch (role) {
    case IdRole:
        return s.id;
    case StateRole:
        return int(s.state);
    case StalledRole:
        return isStalled(index.row());
    case OwnerRole:
        return s.owner;
    case ExportListDelegate::FractionRole:
        if (s.state == ExportState::Completed) return 1.0;
        return s.bytesTotal > 0 ? qBound(0.0, double(s.bytesWritten) / double(s.bytesTotal), 1.0)
                                : -1.0;
    case ExportListDelegate::BarStateRole:
        return int(ExportListDelegate::barStateFor(s.state));
    case Qt::ToolTipRole: {
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
        if (isStalled(index.row()))
            lines << tr("No update from its owner for %1")
                         .arg(formatDuration(s.updatedAt.msecsTo(now())));
        return lines.join(QLatin1Char('\n'));
    }
    case Qt::FontRole:
        // An owner no server vouched for: italic in the column (kept narrow), said
        // in words in the tooltip.
        if (index.column() == Owner && !s.ownerVerified) {
            QFont italic;
            italic.setItalic(true);
            return italic;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == Speed || index.column() == Age || index.column() == Pid)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    default:
        break;
    }
    const bool display = role == Qt::DisplayRole;
    if (!display && role != UnderlyingDataRole) return {};
    switch (index.column()) {
    case Id:
        return display ? QVariant(s.id.left(8)) : QVariant(s.id);
    // Names from other machines: shown escaped, never raw (issue #13 item 14).
    case Host:
        return display ? escapeUntrusted(s.host) : s.host;
    case Pid:
        return display ? (s.pid > 0 ? QVariant(QString::number(s.pid)) : QVariant(QString()))
                       : QVariant(s.pid);
    case Owner:
        return display ? escapeUntrusted(s.owner) : s.owner;
    case Source:
        return display ? escapeUntrusted(s.source) : s.source;
    case Status:
        return display ? QVariant(statusText(row)) : QVariant(int(s.state));
    case Progress: {
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
    case Speed: {
        const double speed = speedAt(index.row());
        if (!display) return speed;
        if (s.state != ExportState::Pending) return QString();
        return speed > 0 ? tr("%1/s").arg(sizeText(qint64(speed))) : QStringLiteral("—");
    }
    case Age: {
        const qint64 ms = s.createdAt.isValid() ? s.createdAt.msecsTo(now()) : -1;
        if (!display) return ms;
        return ms >= 0 ? formatDuration(ms) : QString();
    }
    case LastUpdate:
        if (!display) return s.updatedAt;
        // How long ago, which is what tells a silent owner; the time is in the tooltip.
        return s.updatedAt.isValid() ? tr("%1 ago").arg(formatDuration(
                                           std::max<qint64>(0, s.updatedAt.msecsTo(now()))))
                                     : QString();
    default:
        return {};
    }
}

QVariant AllExportsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Id:
        return tr("ID");
    case Host:
        return tr("Host");
    case Pid:
        return tr("PID");
    case Owner:
        return tr("Owner");
    case Source:
        return tr("Source");
    case Status:
        return tr("Status");
    case Progress:
        return tr("Progress");
    case Speed:
        return tr("Speed");
    case Age:
        return tr("Age");
    case LastUpdate:
        return tr("Last update");
    default:
        return {};
    }
}

void AllExportsModel::updateExport(const ExportStatus &status)
{
    const int r = rowOf(status.id);
    if (r < 0) {
        const int at = int(m_rows.size());
        beginInsertRows({}, at, at);
        Row row;
        row.status = status;
        row.meter.addSample(status.bytesWritten, nowMs());
        m_rows.append(row);
        m_rowOf.insert(status.id, at);
        endInsertRows();
        return;
    }
    Row &row = m_rows[r];
    sampleStatus(row.meter, row.status, status, nowMs());
    row.status = status;
    row.dirty = true;
}

void AllExportsModel::removeExport(const QString &id)
{
    const int r = rowOf(id);
    if (r < 0) return;
    beginRemoveRows({}, r, r);
    m_rows.removeAt(r);
    m_rowOf.remove(id);
    for (auto it = m_rowOf.begin(); it != m_rowOf.end(); ++it) {
        if (it.value() > r) --it.value();
    }
    endRemoveRows();
}

void AllExportsModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_rowOf.clear();
    endResetModel();
}

void AllExportsModel::flush()
{
    if (m_rows.isEmpty()) return;
    QList<int> dirty;
    const qint64 t = nowMs();
    for (int r = 0; r < m_rows.size(); ++r) {
        // A silent export's speed falls to 0 as its window moves on.
        sampleSilence(m_rows[r].meter, m_rows[r].status, t);
        if (m_rows[r].dirty) {
            dirty.append(r);
            m_rows[r].dirty = false;
        }
    }
    const int last = int(m_rows.size()) - 1;
    if (dirty.size() * 2 > m_rows.size()) {
        Q_EMIT dataChanged(index(0, 0), index(last, NB_COLUMNS - 1));
        return;
    }
    for (int r : std::as_const(dirty))
        Q_EMIT dataChanged(index(r, 0), index(r, NB_COLUMNS - 1));
    // Time passes for every row: status (stalled), speed, age, last update.
    Q_EMIT dataChanged(index(0, Status), index(last, LastUpdate));
}

} // namespace hb

#include "exportlistmodel.h"

#include "actinguser.h"
#include "exportlistdelegate.h"
#include "exportsource.h"
#include "statusformat.h"

#include "exporterror.h"
#include "exportstore.h"

#include <QColor>
#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QIcon>
#include <QLocale>
#include <algorithm>
#include <limits>

namespace hb {

namespace {

QString nameOf(const QString &path)
{
    if (isUrlSource(path)) return sourceDisplayName(path);            // never the credentials
    const QString name = QFileInfo(QDir::cleanPath(path)).fileName(); // "photos/" -> "photos"
    return name.isEmpty() ? path : name;
}

QString statusIconName(const ExportListModel::Row &row)
{
    if (row.cancelling && !row.finished) return QStringLiteral(":/icons/status-cancelling.svg");
    switch (row.state) {
    case ExportState::Queued:
        return QStringLiteral(":/icons/status-queued.svg");
    case ExportState::Created:
    case ExportState::Pending:
        return QStringLiteral(":/icons/status-running.svg");
    case ExportState::Completed:
        return QStringLiteral(":/icons/status-completed.svg");
    case ExportState::Cancelled:
        return QStringLiteral(":/icons/status-cancelled.svg");
    case ExportState::Failed:
    case ExportState::Unknown:
        return QStringLiteral(":/icons/status-failed.svg");
    }
    return {};
}

// The status icons, each loaded once: QIcon(file) parses the SVG again each time,
// and the view asks for the icon of every row it lays out or paints.
QIcon statusIcon(const ExportListModel::Row &row)
{
    static QHash<QString, QIcon> icons; // the GUI thread only
    const QString name = statusIconName(row);
    auto it = icons.constFind(name);
    if (it == icons.constEnd()) it = icons.insert(name, QIcon(name));
    return *it;
}

QColor statusColor(const ExportListModel::Row &row)
{
    if (row.cancelling && !row.finished) return QColor(0xa6, 0x55, 0x00);
    switch (row.state) {
    case ExportState::Queued:
    case ExportState::Created:
        return QColor(0x55, 0x5b, 0x66);
    case ExportState::Pending:
        return QColor(0x1c, 0x5f, 0xb8);
    case ExportState::Completed:
        return QColor(0x1e, 0x7d, 0x32);
    case ExportState::Cancelled:
        return QColor(0x5f, 0x63, 0x68); // 4.5:1 or more on the rows
    case ExportState::Failed:
    case ExportState::Unknown:
        return QColor(0xb3, 0x26, 0x1e);
    }
    return {};
}

} // namespace

ExportListModel::ExportListModel(QObject *parent) : QAbstractTableModel(parent)
{
    m_clock.start();
    m_timer.setInterval(250);
    connect(&m_timer, &QTimer::timeout, this, &ExportListModel::refresh);
}

int ExportListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ExportListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : NB_COLUMNS;
}

QVariant ExportListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::TextAlignmentRole) {
        switch (section) {
        case Size:
        case Speed:
        case Eta:
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return QVariant(Qt::AlignLeft | Qt::AlignVCenter);
        }
    }
    if (role != Qt::DisplayRole) return {};
    switch (section) {
    case Name:
        return tr("File");
    case Size:
        return tr("Size");
    case Status:
        return tr("Status");
    case Progress:
        return tr("Progress");
    case Speed:
        return tr("Speed");
    case Eta:
        return tr("ETA");
    case Id:
        return tr("Export ID");
    case Started:
        return tr("Started");
    default:
        return {};
    }
}

QVariant ExportListModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size()) return {};
    const Row &row = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return row.cell(index.column(), true, nowMs());
    case UnderlyingDataRole:
        return row.cell(index.column(), false, nowMs());
    case IdRole:
        return row.id;
    case StateRole:
        return int(row.state);
    case CancellingRole:
        return row.cancelling && !row.finished;
    case SourcePathRole:
        return row.sourcePath;
    case CreatedRole:
        return row.created;
    case ExportListDelegate::FractionRole:
        return row.total < 0 && row.state != ExportState::Completed ? -1.0 : row.fraction();
    case ExportListDelegate::BarStateRole: {
        using B = ExportListDelegate::BarState;
        if (row.cancelling && !row.finished) return int(B::Cancelling);
        return int(ExportListDelegate::barStateFor(row.state));
    }
    case VanishedRole:
        return int(row.vanished);
    case ReasonRole:
        return row.state == ExportState::Failed ? row.shortReason() : QString();
    case Qt::DecorationRole:
        if (index.column() == Status) return statusIcon(row);
        return {};
    case Qt::ForegroundRole:
        if (index.column() == Status) return statusColor(row);
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == Size || index.column() == Speed || index.column() == Eta)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        return row.toolTip();
    default:
        return {};
    }
}

ExportListModel::Row *ExportListModel::findMutable(const QString &id)
{
    const auto it = m_index.constFind(id);
    return it == m_index.constEnd() ? nullptr : &m_rows[*it];
}

const ExportListModel::Row *ExportListModel::find(const QString &id) const
{
    const auto it = m_index.constFind(id);
    return it == m_index.constEnd() ? nullptr : &m_rows.at(*it);
}

int ExportListModel::rowOf(const QString &id) const
{
    return m_index.value(id, -1);
}

void ExportListModel::touch(Row &row)
{
    row.dirty = true;
    if (!m_timer.isActive()) m_timer.start();
}

void ExportListModel::recordTransition(Row &row, const QDateTime &time)
{
    const QString text = row.statusText();
    if (row.transitions.isEmpty() || row.transitions.constLast().state != text)
        row.transitions.append({time.isValid() ? time : QDateTime::currentDateTimeUtc(), text});
}

void ExportListModel::addExport(const QString &id, const QString &sourcePath)
{
    if (m_index.contains(id)) return;
    Row row;
    row.id = id;
    row.sourcePath = sourcePath;
    row.name = nameOf(sourcePath);
    row.started = QDateTime::currentDateTime();
    recordTransition(row, QDateTime::currentDateTimeUtc());
    appendRow(std::move(row));
    if (!m_timer.isActive()) m_timer.start();
}

void ExportListModel::appendRow(Row row)
{
    const int at = int(m_rows.size());
    beginInsertRows({}, at, at);
    m_index.insert(row.id, at);
    m_rows.append(std::move(row));
    endInsertRows();
}

void ExportListModel::restoreExport(const QString &id, const QString &sourcePath,
                                    const ExportStatus &status, bool interrupted)
{
    if (m_index.contains(id)) return;
    Row row;
    row.id = id;
    row.sourcePath = sourcePath;
    row.name = nameOf(sourcePath);
    row.created = true;
    row.finished = true; // nothing of this window runs it (yet)
    row.resume = interrupted ? Row::Resume::Interrupted : Row::Resume::None;
    adoptStatus(row, status);
    row.written = status.bytesWritten;
    row.error = status.error;
    row.started = status.createdAt.toLocalTime();
    recordTransition(row, status.updatedAt);
    appendRow(std::move(row));
}

void ExportListModel::beginResume(const QString &id)
{
    Row *row = findMutable(id);
    if (!row || !row->finished) return;
    row->finished = false;
    row->resume = Row::Resume::Resuming;
    row->resumedFrom = -1;
    row->error.clear();
    row->cancelling = false;
    row->meter.reset();
    recordTransition(*row, QDateTime::currentDateTimeUtc());
    touch(*row);
    if (!m_timer.isActive()) m_timer.start();
}

void ExportListModel::createExport(const QString &id, const ExportStatus &status)
{
    if (Row *row = findMutable(id)) row->created = true;
    updateStatus(id, status);
}

void ExportListModel::adoptStatus(Row &row, const ExportStatus &status)
{
    row.status = status;
    row.state = status.state;
    if (!status.source.isEmpty()) row.name = status.source;
    if (status.bytesTotal >= 0) row.total = status.bytesTotal;
}

void ExportListModel::updateStatus(const QString &id, const ExportStatus &status)
{
    Row *row = findMutable(id);
    if (!row || row->finished) return;
    const bool stateChanged = row->state != status.state;
    adoptStatus(*row, status);
    if (status.bytesWritten > row->written) row->written = status.bytesWritten;
    if (!status.error.isEmpty()) row->error = status.error;
    if (stateChanged) {
        if (status.state == ExportState::Pending) {
            // Speed and the stall clock start when bytes may flow, not while queued.
            row->meter.reset();
            row->meter.addSample(row->written, nowMs());
        }
        recordTransition(*row, status.updatedAt);
    }
    touch(*row);
}

void ExportListModel::updateProgress(const QString &id, qint64 written, qint64 total)
{
    Row *row = findMutable(id);
    if (!row || row->finished) return;
    if (row->resume == Row::Resume::Resuming) {
        // The run's first progress is where it goes on from (what Redis held);
        // once bytes move past it, the row is an export like any other.
        if (row->resumedFrom < 0)
            row->resumedFrom = written;
        else if (written > row->resumedFrom)
            row->resume = Row::Resume::None;
    }
    row->written = written;
    if (total >= 0) row->total = total;
    touch(*row);
}

void ExportListModel::markCancelling(const QString &id)
{
    Row *row = findMutable(id);
    if (!row || row->finished || row->cancelling) return;
    row->cancelling = true;
    recordTransition(*row, QDateTime::currentDateTimeUtc());
    touch(*row);
}

void ExportListModel::finishExport(const QString &id, const ExportStatus &status, ErrorCode code,
                                   const QString &message)
{
    Row *row = findMutable(id);
    if (!row || row->finished) return;
    adoptStatus(*row, status);
    // A FAILED export keeps the progress it had made (the status of a failure the
    // core could not write to Redis may not carry it); other ends are exact.
    if (status.state != ExportState::Failed || status.bytesWritten > row->written)
        row->written = status.bytesWritten;
    row->error = status.error;
    if (row->error.isEmpty() && code != ErrorCode::None && code != ErrorCode::Cancelled)
        row->error = message;
    if (!isTerminal(row->state)) // the core always ends terminal; never leave a row spinning
        row->state = code == ErrorCode::None ? ExportState::Completed : ExportState::Failed;
    row->finished = true;
    row->cancelling = false;
    row->resume = Row::Resume::None;
    row->meter.reset();
    recordTransition(*row, status.updatedAt);
    touch(*row);
}

void ExportListModel::removeExports(const QStringList &ids)
{
    QList<int> rows;
    for (const QString &id : ids) {
        const int r = rowOf(id);
        if (r >= 0) rows.append(r);
    }
    if (rows.isEmpty()) return;
    std::sort(rows.begin(), rows.end(), std::greater<int>());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    for (int r : std::as_const(rows)) {
        beginRemoveRows({}, r, r);
        m_rows.removeAt(r);
        endRemoveRows();
    }
    m_index.clear();
    for (int i = 0; i < m_rows.size(); ++i)
        m_index.insert(m_rows.at(i).id, i);
    Q_EMIT exportsRemoved(ids);
    Q_EMIT refreshed();
}

QStringList ExportListModel::idsToCheck() const
{
    QStringList ids;
    for (const Row &row : m_rows) {
        if (row.finished && row.created && row.vanished == Vanished::No) ids.append(row.id);
    }
    return ids;
}

void ExportListModel::updateKeysExist(const QHash<QString, bool> &exists, const QDateTime &now)
{
    for (auto it = exists.cbegin(); it != exists.cend(); ++it) {
        Row *row = findMutable(it.key());
        if (!row || !row->finished || it.value() || row->vanished != Vanished::No) continue;
        // Expired when its expiry has passed since the last write; anything else
        // (DEL, eviction, a restarted server) is "gone".
        const QDateTime last = row->status.updatedAt;
        const int ttl = row->status.ttl;
        const bool expired =
            ttl > 0 && last.isValid() && last.addMSecs(qint64(ttl) * 1000 - 1000) <= now;
        row->vanished = expired ? Vanished::Expired : Vanished::Gone;
        recordTransition(*row, now);
        touch(*row);
    }
}

void ExportListModel::refresh()
{
    const qint64 now = nowMs();
    QList<int> changed;
    bool anyActive = false;
    for (int i = 0; i < m_rows.size(); ++i) {
        Row &row = m_rows[i];
        if (row.isActive()) {
            anyActive = true;
            const qint64 before = row.meter.bytesPerSecond();
            row.meter.addSample(row.written, now);
            if (row.meter.bytesPerSecond() != before || row.state == ExportState::Pending)
                row.dirty = true; // speed and ETA move even when no bytes arrive
        }
        if (row.dirty) {
            row.dirty = false;
            changed.append(i);
        }
    }
    if (!changed.isEmpty()) {
        const int last = NB_COLUMNS - 1;
        if (changed.size() * 2 > m_rows.size()) {
            Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, last));
        } else {
            for (int r : std::as_const(changed))
                Q_EMIT dataChanged(index(r, 0), index(r, last));
        }
    }
    if (!anyActive && changed.isEmpty()) m_timer.stop();
    Q_EMIT refreshed();
}

int ExportListModel::activeCount() const
{
    return int(
        std::count_if(m_rows.cbegin(), m_rows.cend(), [](const Row &r) { return r.isActive(); }));
}

double ExportListModel::totalSpeed() const
{
    double sum = 0;
    for (const Row &r : m_rows) {
        if (r.isActive()) sum += r.speed();
    }
    return sum;
}

int ExportListModel::overallPercent() const
{
    qint64 total = 0;
    qint64 written = 0;
    for (const Row &r : m_rows) {
        if (r.isActive() && r.total > 0) {
            total += r.total;
            written += std::min(r.written, r.total);
        }
    }
    return total > 0 ? int(written * 100 / total) : -1;
}

} // namespace hb

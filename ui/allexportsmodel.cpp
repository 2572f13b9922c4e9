#include "allexportsmodel.h"

#include "textescape.h"

#include "actinguser.h"
#include "exportlistdelegate.h"
#include "statusformat.h"
#include "statussummary.h"

#include <QFont>
#include <QLocale>
#include <algorithm>
#include <limits>
#include <vector>

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

bool AllExportsModel::isStalled(int row) const
{
    return row >= 0 && row < m_rows.size() && m_rows[row].isStalled(nowMs());
}

double AllExportsModel::speedAt(int row) const
{
    if (row < 0 || row >= m_rows.size()) return 0;
    return m_rows[row].speed(nowMs());
}

QVariant AllExportsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size()) return {};
    const AllExportsRow &row = m_rows[index.row()];
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
    case Qt::ToolTipRole:
        return row.toolTip(now());
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
    case Qt::DisplayRole:
        return row.cell(index.column(), true, now());
    case UnderlyingDataRole:
        return row.cell(index.column(), false, now());
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

bool AllExportsModel::lessThan(int left, int right, int column) const
{
    const ExportStatus &a = m_rows[left].status;
    const ExportStatus &b = m_rows[right].status;
    auto progress = [](const ExportStatus &s) {
        return s.bytesTotal > 0 ? double(s.bytesWritten) / double(s.bytesTotal)
                                : double(s.bytesWritten);
    };
    auto ms = [](const QDateTime &t) {
        return t.isValid() ? t.toMSecsSinceEpoch() : std::numeric_limits<qint64>::min();
    };
    switch (column) {
    case Id:
        return a.id < b.id;
    case Owner:
        return a.owner < b.owner;
    case Source:
        return a.source < b.source;
    case Host:
        return a.host < b.host;
    case Pid:
        return a.pid < b.pid;
    case Status:
        return int(a.state) < int(b.state);
    case Progress:
        return progress(a) < progress(b);
    case Speed:
        return speedAt(left) < speedAt(right);
    case Age: {
        // The age is now − createdAt: the younger first; no time at all before both.
        if (a.createdAt.isValid() != b.createdAt.isValid()) return !a.createdAt.isValid();
        return ms(a.createdAt) > ms(b.createdAt);
    }
    case LastUpdate:
        return ms(a.updatedAt) < ms(b.updatedAt);
    default:
        return left < right;
    }
}

void AllExportsModel::markDirty(int r)
{
    if (!m_rows[r].dirty) m_dirty.append(r);
    m_rows[r].dirty = true;
}

void AllExportsModel::applyUpdate(int r, const ExportStatus &status)
{
    AllExportsRow &row = m_rows[r];
    sampleStatus(row.meter, row.status, status, nowMs());
    row.status = status;
    if (isTerminal(status.state))
        m_live.remove(status.id);
    else
        m_live.insert(status.id);
    markDirty(r);
}

void AllExportsModel::updateExport(const ExportStatus &status)
{
    updateExports({status});
}

void AllExportsModel::updateExports(const QList<ExportStatus> &statuses)
{
    QList<const ExportStatus *> fresh;
    QSet<QString> freshIds;
    for (const ExportStatus &s : statuses) {
        const int r = rowOf(s.id);
        if (r >= 0) {
            applyUpdate(r, s);
        } else if (!freshIds.contains(s.id)) {
            freshIds.insert(s.id);
            fresh.append(&s);
        } else {
            // The same new export twice in one batch: the later one wins.
            for (const ExportStatus *&f : fresh)
                if (f->id == s.id) f = &s;
        }
    }
    if (fresh.isEmpty()) return;
    // Many new rows at once (the first scan of a server with 100,000 exports): one
    // reset, which a sorting proxy and the view handle in one pass, rather than an
    // insertion whose cost, in QSortFilterProxyModel and QTreeView, grows with the
    // rows already there.
    const int at = int(m_rows.size());
    const bool reset = fresh.size() >= kResetAt || fresh.size() > at;
    if (reset)
        beginResetModel();
    else
        beginInsertRows({}, at, at + int(fresh.size()) - 1);
    const qint64 t = nowMs();
    m_rows.reserve(at + fresh.size());
    for (const ExportStatus *s : std::as_const(fresh)) {
        AllExportsRow row;
        row.status = *s;
        sampleStatus(row.meter, ExportStatus{}, *s, t);
        m_rowOf.insert(s->id, int(m_rows.size()));
        if (!isTerminal(s->state)) m_live.insert(s->id);
        m_rows.append(std::move(row));
    }
    if (reset)
        endResetModel();
    else
        endInsertRows();
}

void AllExportsModel::reindexFrom(int first)
{
    for (int r = first; r < m_rows.size(); ++r)
        m_rowOf[m_rows[r].status.id] = r;
    m_dirty.clear();
    for (int r = 0; r < m_rows.size(); ++r)
        if (m_rows[r].dirty) m_dirty.append(r);
}

void AllExportsModel::removeExport(const QString &id)
{
    removeExports({id});
}

void AllExportsModel::removeExports(const QStringList &ids)
{
    QList<int> rows;
    for (const QString &id : ids) {
        const int r = rowOf(id);
        if (r >= 0) rows.append(r);
    }
    if (rows.isEmpty()) return;
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    qsizetype runs = 1;
    for (qsizetype i = 1; i < rows.size(); ++i)
        runs += rows[i] != rows[i - 1] + 1 ? 1 : 0;
    // Scattered rows by the thousand (a mass expiry): one reset; each removed run
    // costs the proxy and the view a pass over every row.
    const bool reset = runs > kMaxRemovedRuns;
    if (reset) {
        // One pass that keeps the others, not a removal (and a move of every row
        // below it) per run.
        beginResetModel();
        std::vector<bool> drop(size_t(m_rows.size()), false);
        for (int r : std::as_const(rows)) {
            drop[size_t(r)] = true;
            m_rowOf.remove(m_rows[r].status.id);
            m_live.remove(m_rows[r].status.id);
        }
        QList<AllExportsRow> kept;
        kept.reserve(m_rows.size() - rows.size());
        for (qsizetype r = 0; r < m_rows.size(); ++r)
            if (!drop[size_t(r)]) kept.append(std::move(m_rows[r]));
        m_rows = std::move(kept);
        reindexFrom(rows.first());
        endResetModel();
        return;
    }
    // From the bottom up, a run of consecutive rows at a time: the rows above a
    // run keep their numbers while it goes.
    qsizetype end = rows.size();
    while (end > 0) {
        qsizetype start = end - 1;
        while (start > 0 && rows[start - 1] == rows[start] - 1)
            --start;
        const int first = rows[start];
        const int last = rows[end - 1];
        beginRemoveRows({}, first, last);
        for (int r = first; r <= last; ++r) {
            m_rowOf.remove(m_rows[r].status.id);
            m_live.remove(m_rows[r].status.id);
        }
        m_rows.remove(first, last - first + 1);
        endRemoveRows();
        end = start;
    }
    reindexFrom(rows.first());
}

void AllExportsModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_rowOf.clear();
    m_dirty.clear();
    m_live.clear();
    endResetModel();
}

void AllExportsModel::emitChanged(const QList<int> &rows, int firstColumn, int lastColumn)
{
    qsizetype i = 0;
    while (i < rows.size()) {
        qsizetype j = i;
        while (j + 1 < rows.size() && rows[j + 1] == rows[j] + 1)
            ++j;
        Q_EMIT dataChanged(index(rows[i], firstColumn), index(rows[j], lastColumn));
        i = j + 1;
    }
}

void AllExportsModel::flush()
{
    if (m_rows.isEmpty()) return;
    const qint64 t = nowMs();
    QList<int> live;
    live.reserve(m_live.size());
    for (const QString &id : std::as_const(m_live)) {
        const int r = rowOf(id);
        if (r < 0) continue;
        // A silent export's speed falls to 0 as its window moves on.
        sampleSilence(m_rows[r].meter, m_rows[r].status, t);
        live.append(r);
    }
    QList<int> dirty = std::move(m_dirty);
    m_dirty = {};
    for (int r : std::as_const(dirty))
        m_rows[r].dirty = false;
    const int last = int(m_rows.size()) - 1;
    if (dirty.size() * 2 > m_rows.size()) {
        Q_EMIT dataChanged(index(0, 0), index(last, NB_COLUMNS - 1));
        return;
    }
    std::sort(dirty.begin(), dirty.end());
    emitChanged(dirty, 0, NB_COLUMNS - 1);
    // Time passes for every live row: status (stalled), speed, age, last update.
    std::sort(live.begin(), live.end());
    emitChanged(live, Status, LastUpdate);
}

} // namespace hb

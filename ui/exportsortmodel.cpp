#include "exportsortmodel.h"

#include "exportlistmodel.h"

#include <QDateTime>

namespace hb {

ExportSortModel::ExportSortModel(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(ExportListModel::UnderlyingDataRole);
    setDynamicSortFilter(true);
    setSortCaseSensitivity(Qt::CaseInsensitive);
}

void ExportSortModel::setStatusFilter(StatusFilter filter)
{
    if (filter == m_status) return;
    m_status = filter;
    invalidateFilter();
}

void ExportSortModel::setNameFilter(const QString &text)
{
    if (text == m_name) return;
    m_name = text;
    invalidateFilter();
}

bool ExportSortModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *src = sourceModel();
    const QModelIndex idx = src->index(sourceRow, ExportListModel::Name, sourceParent);
    if (!m_name.isEmpty() &&
        !idx.data(Qt::DisplayRole).toString().contains(m_name, Qt::CaseInsensitive))
        return false;
    const auto state = ExportState(idx.data(ExportListModel::StateRole).toInt());
    switch (m_status) {
    case StatusFilter::All:
        return true;
    case StatusFilter::Active:
        return !isTerminal(state);
    case StatusFilter::Completed:
        return state == ExportState::Completed;
    case StatusFilter::Cancelled:
        return state == ExportState::Cancelled;
    case StatusFilter::Failed:
        return state == ExportState::Failed || state == ExportState::Unknown;
    }
    return true;
}

bool ExportSortModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const QVariant l = left.data(ExportListModel::UnderlyingDataRole);
    const QVariant r = right.data(ExportListModel::UnderlyingDataRole);
    if (l.typeId() == QMetaType::QString)
        return QString::localeAwareCompare(l.toString().toLower(), r.toString().toLower()) < 0;
    if (l.typeId() == QMetaType::QDateTime) return l.toDateTime() < r.toDateTime();
    if (l.typeId() == QMetaType::Double) return l.toDouble() < r.toDouble();
    return l.toLongLong() < r.toLongLong();
}

} // namespace hb

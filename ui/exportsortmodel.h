#pragma once

#include <QSortFilterProxyModel>

namespace hb {

// Sorting by the model's underlying data, and the two filters above the list: by
// status group and by a piece of the file name.
class ExportSortModel final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportSortModel)
public:
    enum class StatusFilter { All, Active, Completed, Cancelled, Failed };
    Q_ENUM(StatusFilter)

    explicit ExportSortModel(QObject *parent = nullptr);

    StatusFilter statusFilter() const { return m_status; }
    void setStatusFilter(StatusFilter filter);
    QString nameFilter() const { return m_name; }
    void setNameFilter(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    StatusFilter m_status = StatusFilter::All;
    QString m_name;
};

} // namespace hb

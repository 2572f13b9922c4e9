#pragma once

#include <QStyledItemDelegate>

namespace hb {

// Paints the Progress column as a bar with its percentage; the bar is greyed when
// the export was cancelled or failed. Every other column is painted as usual.
class ExportListDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportListDelegate)
public:
    explicit ExportListDelegate(QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace hb

#include "exportlistdelegate.h"

#include "exportlistmodel.h"

#include <QApplication>
#include <QPainter>
#include <QStyleOptionProgressBar>

namespace hb {

ExportListDelegate::ExportListDelegate(QObject *parent) : QStyledItemDelegate(parent) {}

void ExportListDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                               const QModelIndex &index) const
{
    if (index.column() != ExportListModel::Progress) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    // The selection background first, then the bar inset inside the cell.
    QStyleOptionViewItem bg = option;
    initStyleOption(&bg, index);
    bg.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &bg, painter, widget);

    const double fraction = index.data(ExportListModel::UnderlyingDataRole).toDouble();
    const auto state = ExportState(index.data(ExportListModel::StateRole).toInt());
    const bool dead = state == ExportState::Cancelled || state == ExportState::Failed ||
                      index.data(ExportListModel::CancellingRole).toBool();

    QStyleOptionProgressBar bar;
    bar.initFrom(widget ? widget : qApp->activeWindow());
    bar.rect = option.rect.adjusted(3, 3, -3, -3);
    bar.minimum = 0;
    bar.maximum = 1000;
    bar.progress = int(fraction * 1000.0 + 0.5);
    bar.text = QStringLiteral("%1%").arg(fraction * 100.0, 0, 'f', fraction > 0 && fraction < 1 ? 1 : 0);
    bar.textVisible = true;
    bar.textAlignment = Qt::AlignCenter;
    bar.state = QStyle::State_Horizontal;
    if (!dead)
        bar.state |= QStyle::State_Enabled;
    if (dead)
        bar.palette.setCurrentColorGroup(QPalette::Disabled);
    else if (state == ExportState::Completed)
        bar.palette.setColor(QPalette::Highlight, QColor(0x2e, 0x9d, 0x48));
    painter->save();
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, widget);
    painter->restore();
}

QSize ExportListDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    if (index.column() == ExportListModel::Progress)
        size.setWidth(std::max(size.width(), 140));
    return size;
}

} // namespace hb

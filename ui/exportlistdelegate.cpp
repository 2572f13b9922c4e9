#include "exportlistdelegate.h"

#include <QApplication>
#include <QPainter>
#include <QTextLayout>
#include <QtMath>

namespace hb {

namespace {

double channel(double c)
{
    return c <= 0.03928 ? c / 12.92 : qPow((c + 0.055) / 1.055, 2.4);
}

double luminance(const QColor &c)
{
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
}

} // namespace

double ExportListDelegate::contrastRatio(const QColor &a, const QColor &b)
{
    const double la = luminance(a);
    const double lb = luminance(b);
    return (qMax(la, lb) + 0.05) / (qMin(la, lb) + 0.05);
}

ExportListDelegate::BarState ExportListDelegate::barStateFor(ExportState state)
{
    switch (state) {
    case ExportState::Queued:
    case ExportState::Created:
        return BarState::Waiting;
    case ExportState::Pending:
        return BarState::Running;
    case ExportState::Completed:
        return BarState::Completed;
    case ExportState::Cancelled:
        return BarState::Cancelled;
    case ExportState::Failed:
    case ExportState::Unknown:
        return BarState::Failed;
    }
    return BarState::Running;
}

ExportListDelegate::BarColors ExportListDelegate::colorsFor(BarState state)
{
    // Fixed colours rather than the style's: Fusion paints a disabled bar's text pale
    // grey on white (1.9:1). Every fill holds white text at 5:1 or more, the track
    // dark text at 13:1; the status colours match the Status column's.
    BarColors c;
    c.track = QColor(0xec, 0xef, 0xf3);
    c.textOnTrack = QColor(0x1f, 0x23, 0x28);
    c.textOnFill = Qt::white;
    c.frame = QColor(0x8c, 0x95, 0x9f);
    switch (state) {
    case BarState::Waiting:
    case BarState::Running:
        c.fill = QColor(0x1c, 0x5f, 0xb8);
        break;
    case BarState::Completed:
        c.fill = QColor(0x1e, 0x7d, 0x32);
        break;
    case BarState::Cancelling:
        c.fill = QColor(0xa6, 0x55, 0x00);
        break;
    case BarState::Cancelled:
        c.fill = QColor(0x5f, 0x63, 0x68);
        break;
    case BarState::Failed:
        c.fill = QColor(0xb3, 0x26, 0x1e);
        break;
    }
    return c;
}

ExportListDelegate::ExportListDelegate(int progressColumn, QObject *parent)
    : QStyledItemDelegate(parent), m_progressColumn(progressColumn)
{
}

void ExportListDelegate::initStyleOption(QStyleOptionViewItem *option,
                                         const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    option->textElideMode =
        m_middleElided.contains(index.column()) ? Qt::ElideMiddle : Qt::ElideRight;
}

bool ExportListDelegate::setReasonWidth(int width)
{
    width = std::max(width, 80);
    if (width == m_reasonWidth) return false;
    m_reasonWidth = width;
    m_lineCounts.clear();
    return true;
}

QString ExportListDelegate::reasonOf(const QModelIndex &index) const
{
    return m_reasonRole < 0 ? QString() : index.data(m_reasonRole).toString();
}

QStringList ExportListDelegate::reasonLines(const QString &text, const QFont &font, int width)
{
    QStringList lines;
    if (text.isEmpty() || width <= 0) return lines;
    QTextLayout layout(text, font);
    QTextOption wrap;
    wrap.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    layout.setTextOption(wrap);
    layout.beginLayout();
    for (QTextLine line = layout.createLine(); line.isValid(); line = layout.createLine()) {
        line.setLineWidth(width);
        if (lines.size() == MaxReasonLines - 1 &&
            line.textStart() + line.textLength() < text.size()) {
            // The last line allowed, and more would follow: say so with "…".
            const QFontMetrics fm(font);
            lines.append(fm.elidedText(text.mid(line.textStart()), Qt::ElideRight, width));
            break;
        }
        lines.append(text.mid(line.textStart(), line.textLength()).trimmed());
    }
    layout.endLayout();
    return lines;
}

int ExportListDelegate::reasonHeight(const QModelIndex &index, const QFont &font) const
{
    const QString reason = reasonOf(index);
    if (reason.isEmpty()) return 0;
    auto it = m_lineCounts.constFind(reason);
    if (it == m_lineCounts.constEnd())
        it = m_lineCounts.insert(reason, int(reasonLines(reason, font, m_reasonWidth).size()));
    return *it * QFontMetrics(font).lineSpacing() + 4;
}

QStyleOptionViewItem ExportListDelegate::firstLine(const QStyleOptionViewItem &option,
                                                   const QModelIndex &index) const
{
    QStyleOptionViewItem top = option;
    top.rect.setHeight(option.rect.height() - reasonHeight(index, option.font));
    return top;
}

void ExportListDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                               const QModelIndex &index) const
{
    const bool hasReason = !reasonOf(index).isEmpty();
    if (hasReason) {
        // The whole cell's background (selection, alternate colour) under the
        // reason's lines too; the cell's own content on the first line only.
        QStyleOptionViewItem bg = option;
        initStyleOption(&bg, index);
        bg.text.clear();
        bg.icon = QIcon();
        bg.features &= ~QStyleOptionViewItem::HasDecoration;
        bg.state &= ~QStyle::State_HasFocus;
        const QWidget *widget = option.widget;
        QStyle *style = widget ? widget->style() : QApplication::style();
        style->drawControl(QStyle::CE_ItemViewItem, &bg, painter, widget);
    }
    const QStyleOptionViewItem cell = hasReason ? firstLine(option, index) : option;
    if (index.column() == m_progressColumn)
        paintBar(painter, cell, index);
    else
        QStyledItemDelegate::paint(painter, cell, index);
}

void ExportListDelegate::paintBar(QPainter *painter, const QStyleOptionViewItem &option,
                                  const QModelIndex &index) const
{
    // The selection background first, then the bar inset inside the cell.
    QStyleOptionViewItem bg = option;
    initStyleOption(&bg, index);
    bg.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &bg, painter, widget);

    const double fraction = index.data(FractionRole).toDouble();
    const auto state = BarState(index.data(BarStateRole).toInt());
    const BarColors colors = colorsFor(state);
    const QRect bar = option.rect.adjusted(3, 3, -3, -3);
    if (bar.width() < 4 || bar.height() < 4) return;
    const double shown = qBound(0.0, fraction, 1.0);
    QRect done = bar;
    done.setWidth(int(bar.width() * shown + 0.5));
    QRect rest = bar;
    rest.setLeft(done.right() + 1);

    painter->save();
    painter->setPen(Qt::NoPen);
    painter->fillRect(bar, colors.track);
    if (done.width() > 0) painter->fillRect(done, colors.fill);
    painter->setPen(colors.frame);
    painter->setBrush(Qt::NoBrush);
    painter->drawRect(bar.adjusted(0, 0, -1, -1));
    if (m_barText) {
        const QString text =
            fraction < 0 || m_textFromModel
                ? index.data(Qt::DisplayRole).toString() // the size so far
                : QStringLiteral("%1%").arg(shown * 100.0, 0, 'f', shown > 0 && shown < 1 ? 1 : 0);
        painter->setFont(option.font);
        // The text in two colours, each clipped to the part it lies on.
        // (An empty clip rectangle would clip nothing: each part only when it exists.)
        if (done.width() > 0) {
            painter->setClipRect(done);
            painter->setPen(colors.textOnFill);
            painter->drawText(bar, Qt::AlignCenter, text);
        }
        if (rest.width() > 0) {
            painter->setClipRect(rest);
            painter->setPen(colors.textOnTrack);
            painter->drawText(bar, Qt::AlignCenter, text);
        }
    }
    painter->restore();
}

QSize ExportListDelegate::sizeHint(const QStyleOptionViewItem &option,
                                   const QModelIndex &index) const
{
    // QTreeView asks this of every visible column of every row it lays out (the
    // rows differ in height: a failure's reason under its row), and
    // QStyledItemDelegate lays the cell's text out to answer: with 1,000 rows the
    // window stalled for 160-440 ms. A cell here holds one line, so its height
    // depends on the font and on whether it has an icon only: measured once per
    // column and icon, with the width of the text taken from the font's metrics.
    if (option.font != m_hintFont) {
        m_hintFont = option.font;
        m_baseHints.clear();
    }
    const bool hasIcon = index.data(Qt::DecorationRole).isValid();
    const int key = index.column() * 2 + (hasIcon ? 1 : 0);
    auto base = m_baseHints.constFind(key);
    const auto textWidth = [&] {
        return option.fontMetrics.horizontalAdvance(
            displayText(index.data(Qt::DisplayRole), option.locale));
    };
    if (base == m_baseHints.constEnd()) {
        const QSize measured = QStyledItemDelegate::sizeHint(option, index);
        base = m_baseHints.insert(key, {measured.height(), measured.width() - textWidth()});
    }
    QSize size(base->extraWidth + (m_measureWidths ? textWidth() : 0), base->height);
    // Room for the bar's text inside its frame, whatever else the row holds.
    size.setHeight(std::max(size.height(), option.fontMetrics.height() + 10));
    if (index.column() == m_progressColumn) size.setWidth(std::max(size.width(), 110));
    size.rheight() += reasonHeight(index, option.font);
    return size;
}

} // namespace hb

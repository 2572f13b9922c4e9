#pragma once

#include "exportstatus.h"

#include <QColor>
#include <QHash>
#include <QStyledItemDelegate>

class QFontMetrics;

namespace hb {

// Paints a progress column as a bar with its percentage, in colours that keep the
// text readable in every state (WCAG AA: at least 4.5:1 against what is under it),
// and elides each column where it hurts least: a file name in the middle (both
// ends say something), a reason at its end. Used by My exports and All exports;
// the models answer the two roles below for their progress column.
class ExportListDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportListDelegate)
public:
    enum Role {
        FractionRole = Qt::UserRole + 50, // double 0..1, or < 0 when the size is unknown
        BarStateRole,                     // int(BarState)
    };
    enum class BarState { Waiting, Running, Completed, Cancelling, Cancelled, Failed };
    // How a bar looks for an export in `state` (both tabs paint the same way).
    static BarState barStateFor(ExportState state);

    struct BarColors
    {
        QColor fill;        // the done part
        QColor track;       // the rest
        QColor textOnFill;  // the percentage where it lies over the done part
        QColor textOnTrack; // and over the rest
        QColor frame;
    };
    static BarColors colorsFor(BarState state);
    // WCAG 2 contrast ratio of two colours (1 to 21).
    static double contrastRatio(const QColor &a, const QColor &b);

    ExportListDelegate(int progressColumn, QObject *parent = nullptr);

    // Columns whose text is elided in the middle (file names); others at the end.
    void setMiddleElidedColumns(const QList<int> &columns) { m_middleElided = columns; }
    // The bar says what the model's display text says (e.g. "40 % of 1.2 GiB")
    // instead of a percentage of its own.
    void setBarTextFromModel(bool fromModel) { m_textFromModel = fromModel; }
    // Tests render the bar without its text to find the text's pixels.
    void setBarTextVisible(bool visible) { m_barText = visible; }

    // A row whose model answers `role` with text (a failure's reason) is taller: the
    // cells keep their first line, and the view paints that text under them across
    // the row, word-wrapped to reasonWidth() (ExportListWidget::drawRow). The text
    // reads in full however narrow its column; the tooltip and Details have it too.
    void setReasonRole(int role) { m_reasonRole = role; }
    int reasonRole() const { return m_reasonRole; }
    // Returns true when the width changed: the rows' heights must be laid out again.
    bool setReasonWidth(int width);
    int reasonWidth() const { return m_reasonWidth; }
    QString reasonOf(const QModelIndex &index) const;
    // The lines the reason is painted as: broken at word boundaries (anywhere inside a
    // word longer than a line); past MaxReasonLines the last line is elided.
    static constexpr int MaxReasonLines = 4;
    static QStringList reasonLines(const QString &text, const QFont &font, int width);
    // The height the reason's lines add to its row (0 for a row without one).
    int reasonHeight(const QModelIndex &index, const QFont &font) const;

    // Whether sizeHint() measures each cell's text for its width (the default).
    // A view of rows of different heights asks sizeHint() of every cell it lays
    // out, for heights only: it turns this off except in sizeHintForColumn().
    void setMeasureWidths(bool measure) { m_measureWidths = measure; }

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;

private:
    // The first line of a row with a reason: where the cell's own content goes.
    QStyleOptionViewItem firstLine(const QStyleOptionViewItem &option,
                                   const QModelIndex &index) const;
    void paintBar(QPainter *painter, const QStyleOptionViewItem &option,
                  const QModelIndex &index) const;

    int m_progressColumn;
    int m_reasonRole = -1;
    int m_reasonWidth = 400;
    // Line counts per reason at m_reasonWidth: sizeHint runs once per column per row.
    mutable QHash<QString, int> m_lineCounts;
    // A cell's height and what its width adds to its text's, per column and icon,
    // for m_hintFont (sizeHint).
    struct BaseHint
    {
        int height = 0;
        int extraWidth = 0;
    };
    mutable QHash<int, BaseHint> m_baseHints;
    mutable QFont m_hintFont;
    bool m_measureWidths = true;
    QList<int> m_middleElided;
    bool m_barText = true;
    bool m_textFromModel = false;
};

} // namespace hb

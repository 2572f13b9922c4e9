#include "exportlistwidget.h"

#include <QStyle>

#include "exportlistdelegate.h"
#include "exportlistmodel.h"
#include "exportsortmodel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QHeaderView>
#include <QIcon>
#include <QMenu>
#include <QPainter>
#include <QResizeEvent>

namespace hb {

namespace {

QString shellQuote(const QString &s)
{
    QString out = s;
    out.replace(QLatin1Char('\''), QLatin1String("'\\''"));
    return QLatin1Char('\'') + out + QLatin1Char('\'');
}

QAction *makeAction(QObject *parent, const QString &icon, const QString &text)
{
    auto *a = new QAction(icon.isEmpty() ? QIcon() : QIcon(icon), text, parent);
    return a;
}

} // namespace

ExportListWidget::ExportListWidget(ExportListModel *model, QWidget *parent)
    : QTreeView(parent), m_model(model), m_sort(new ExportSortModel(this)),
      m_delegate(new ExportListDelegate(ExportListModel::Progress, this))
{
    m_sort->setSourceModel(model);
    setModel(m_sort);
    m_delegate->setMiddleElidedColumns({ExportListModel::Name});
    // A failure's reason reads in full on lines of its own under the row: such a row
    // is taller than the others, so row heights are not uniform. (The delegate keeps
    // sizeHint cheap for 1,000 rows: it counts each reason's lines once per width,
    // and measures no text but in sizeHintForColumn().)
    m_delegate->setReasonRole(ExportListModel::ReasonRole);
    m_delegate->setMeasureWidths(false);
    setItemDelegate(m_delegate);
    setRootIsDecorated(false);
    setUniformRowHeights(false);
    setAllColumnsShowFocus(true);
    setAlternatingRowColors(true);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSortingEnabled(true);
    sortByColumn(ExportListModel::Started, Qt::AscendingOrder);
    setAcceptDrops(false); // drops go to the window
    setObjectName(QStringLiteral("exportList"));

    // The Status column takes the room the window has: a failure's reason is what
    // people read. The id shows its first 8 hex digits (the whole in the tooltip and
    // in Copy export ID), as `watch` shows it and every command accepts it.
    QHeaderView *h = header();
    h->setStretchLastSection(false);
    h->setSectionsMovable(true);
    h->setMinimumSectionSize(40);
    h->resizeSection(ExportListModel::Name, 150);
    h->resizeSection(ExportListModel::Size, 70);
    h->resizeSection(ExportListModel::Progress, 110);
    h->resizeSection(ExportListModel::Speed, 75);
    // Wide enough for the longest ETA the model writes under an hour ("59 min 59 s").
    h->resizeSection(ExportListModel::Eta,
                     std::max(55, fontMetrics().horizontalAdvance(QStringLiteral("59 min 59 s")) +
                                      2 * style()->pixelMetric(QStyle::PM_HeaderMargin) + 6));
    h->resizeSection(ExportListModel::Id, 72);
    h->resizeSection(ExportListModel::Started, 65);
    h->setSectionResizeMode(ExportListModel::Status, QHeaderView::Stretch);
    updateReasonWidth();

    m_cancel = makeAction(this, QStringLiteral(":/icons/cancel.svg"), tr("&Cancel"));
    m_cancel->setShortcut(QKeySequence::Delete);
    m_cancel->setToolTip(tr("Cancel the selected exports (Del)"));
    m_cancelAll = makeAction(this, QStringLiteral(":/icons/cancel-all.svg"), tr("Cancel &all"));
    m_cancelAll->setToolTip(tr("Cancel every running and queued export"));
    m_copyId = makeAction(this, QStringLiteral(":/icons/copy.svg"), tr("Copy export &ID"));
    m_copyCommand =
        makeAction(this, QStringLiteral(":/icons/terminal.svg"), tr("Copy &redis-cli command"));
    m_details = makeAction(this, QStringLiteral(":/icons/details.svg"), tr("&Details…"));
    m_saveData = makeAction(this, QStringLiteral(":/icons/save.svg"), tr("&Save data as…"));
    m_retry = makeAction(this, QStringLiteral(":/icons/retry.svg"), tr("&Retry"));
    m_remove = makeAction(this, QStringLiteral(":/icons/remove.svg"), tr("Re&move from list"));
    m_resume = makeAction(this, QStringLiteral(":/icons/retry.svg"), tr("Res&ume"));
    m_resume->setToolTip(tr("Take over the export where Redis holds it and finish it (its "
                            "process ended, or ran elsewhere)"));

    connect(m_cancel, &QAction::triggered, this, [this] {
        const QStringList ids = cancellableSelection();
        if (!ids.isEmpty()) Q_EMIT cancelRequested(ids);
    });
    connect(m_cancelAll, &QAction::triggered, this, &ExportListWidget::cancelAllRequested);
    connect(m_copyId, &QAction::triggered, this,
            [this] { copyToClipboard(createdSelection().join(QLatin1Char('\n'))); });
    connect(m_copyCommand, &QAction::triggered, this, [this] {
        const QString id = currentId();
        if (!id.isEmpty()) copyToClipboard(redisCliCommand(id));
    });
    connect(m_details, &QAction::triggered, this, [this] {
        const QString id = currentId();
        if (!id.isEmpty()) Q_EMIT detailsRequested(id);
    });
    connect(m_saveData, &QAction::triggered, this, [this] {
        const QString id = currentId();
        if (!id.isEmpty()) Q_EMIT saveDataRequested(id);
    });
    connect(m_retry, &QAction::triggered, this, [this] {
        const QStringList ids = finishedSelection();
        if (!ids.isEmpty()) Q_EMIT retryRequested(ids);
    });
    connect(m_remove, &QAction::triggered, this, &ExportListWidget::removeFinishedSelection);
    connect(m_resume, &QAction::triggered, this, [this] {
        const QStringList ids = resumableSelection();
        if (!ids.isEmpty()) Q_EMIT resumeRequested(ids);
    });
    connect(this, &QAbstractItemView::doubleClicked, this, [this](const QModelIndex &index) {
        if (index.isValid())
            Q_EMIT detailsRequested(index.data(ExportListModel::IdRole).toString());
    });
    connect(selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ExportListWidget::updateActions);
    connect(model, &ExportListModel::refreshed, this, &ExportListWidget::updateActions);
    connect(model, &QAbstractItemModel::rowsInserted, this, &ExportListWidget::updateActions);
    updateActions();
}

QStringList ExportListWidget::selectedIds() const
{
    QModelIndexList rows = selectionModel()->selectedRows(ExportListModel::Id);
    std::sort(rows.begin(), rows.end(),
              [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    QStringList ids;
    for (const QModelIndex &i : std::as_const(rows))
        ids.append(i.data(ExportListModel::IdRole).toString());
    return ids;
}

void ExportListWidget::selectIds(const QStringList &ids)
{
    QItemSelection selection;
    for (const QString &id : ids) {
        const int r = m_model->rowOf(id);
        if (r < 0) continue;
        const QModelIndex proxy = m_sort->mapFromSource(m_model->index(r, 0));
        if (proxy.isValid())
            selection.select(proxy, proxy.siblingAtColumn(ExportListModel::NB_COLUMNS - 1));
    }
    selectionModel()->select(selection,
                             QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    if (!selection.isEmpty())
        selectionModel()->setCurrentIndex(selection.first().topLeft(),
                                          QItemSelectionModel::NoUpdate);
}

QString ExportListWidget::currentId() const
{
    const QStringList ids = selectedIds();
    return ids.size() == 1 ? ids.first() : QString();
}

QStringList ExportListWidget::cancellableSelection() const
{
    QStringList ids;
    for (const QString &id : selectedIds()) {
        const ExportListModel::Row *row = m_model->find(id);
        if (row && !row->finished && !row->cancelling) ids.append(id);
    }
    return ids;
}

QStringList ExportListWidget::finishedSelection() const
{
    QStringList ids;
    for (const QString &id : selectedIds()) {
        const ExportListModel::Row *row = m_model->find(id);
        if (row && row->finished) ids.append(id);
    }
    return ids;
}

QStringList ExportListWidget::resumableSelection() const
{
    QStringList ids;
    for (const QString &id : selectedIds()) {
        const ExportListModel::Row *row = m_model->find(id);
        if (row && row->finished && row->created &&
            row->vanished == ExportListModel::Vanished::No &&
            (row->resume == ExportRow::Resume::Interrupted || !isTerminal(row->status.state)))
            ids.append(id);
    }
    return ids;
}

QStringList ExportListWidget::createdSelection() const
{
    QStringList ids;
    for (const QString &id : selectedIds()) {
        const ExportListModel::Row *row = m_model->find(id);
        if (row && row->created) ids.append(id);
    }
    return ids;
}

void ExportListWidget::removeFinishedSelection()
{
    m_model->removeExports(finishedSelection());
}

void ExportListWidget::updateActions()
{
    const QStringList ids = selectedIds();
    const ExportListModel::Row *single = ids.size() == 1 ? m_model->find(ids.first()) : nullptr;
    m_cancel->setEnabled(!cancellableSelection().isEmpty());
    m_cancelAll->setEnabled(m_model->activeCount() > 0);
    // Only an id that reached Redis is one (a refused source never got there).
    m_copyId->setEnabled(!createdSelection().isEmpty());
    m_copyCommand->setEnabled(single && single->created &&
                              single->vanished == ExportListModel::Vanished::No);
    m_details->setEnabled(single != nullptr);
    m_saveData->setEnabled(single && single->finished && single->created &&
                           single->vanished == ExportListModel::Vanished::No &&
                           single->state != ExportState::Failed &&
                           (single->state == ExportState::Completed || single->written > 0));
    const bool anyFinished = !finishedSelection().isEmpty();
    m_retry->setEnabled(anyFinished);
    m_resume->setEnabled(!resumableSelection().isEmpty());
    m_remove->setEnabled(anyFinished);
}

void ExportListWidget::setRedisTarget(const RedisEndpoint &endpoint, const KeyLayout &keys)
{
    m_endpoint = endpoint;
    m_keys = keys;
}

QString ExportListWidget::redisCliCommand(const QString &id) const
{
    QStringList parts{QStringLiteral("redis-cli")};
    if (m_endpoint.kind == RedisEndpoint::Kind::Unix)
        parts << QStringLiteral("-s") << shellQuote(m_endpoint.socketPath);
    else
        parts << QStringLiteral("-h") << shellQuote(m_endpoint.host) << QStringLiteral("-p")
              << QString::number(m_endpoint.port);
    if (m_endpoint.db != 0) parts << QStringLiteral("-n") << QString::number(m_endpoint.db);
    if (!m_endpoint.user.isEmpty())
        parts << QStringLiteral("--user") << shellQuote(m_endpoint.user);
    if (!m_endpoint.password.isEmpty())
        parts << QStringLiteral("--askpass"); // never put the password on a command line
    parts << QStringLiteral("--raw GET") << shellQuote(QString::fromUtf8(m_keys.dataKey(id)));
    return parts.join(QLatin1Char(' '));
}

ExportListWidget::ReasonLayout ExportListWidget::reasonLayout(const QModelIndex &index,
                                                              const QRect &rowRect) const
{
    ReasonLayout layout;
    const QString reason = m_delegate->reasonOf(index);
    if (reason.isEmpty()) return layout;
    const int height = m_delegate->reasonHeight(index, font());
    const QFontMetrics fm(font());
    // Under the text of the first column, whatever the horizontal scroll.
    const int margin = style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, this) + 1;
    layout.rect =
        QRect(2 * margin, rowRect.bottom() + 1 - height, m_delegate->reasonWidth(), height - 2);
    layout.lines = ExportListDelegate::reasonLines(reason, font(), m_delegate->reasonWidth());
    layout.lineSpacing = fm.lineSpacing();
    return layout;
}

void ExportListWidget::drawRow(QPainter *painter, const QStyleOptionViewItem &option,
                               const QModelIndex &index) const
{
    QTreeView::drawRow(painter, option, index);
    const ReasonLayout layout = reasonLayout(index, option.rect);
    if (layout.lines.isEmpty()) return;
    const bool selected = selectionModel()->isSelected(index);
    painter->save();
    painter->setFont(font());
    // The Status column's colour for a failure (6:1 on the rows), the palette's on a
    // selected row.
    painter->setPen(selected ? palette().color(QPalette::HighlightedText)
                             : index.siblingAtColumn(ExportListModel::Status)
                                   .data(Qt::ForegroundRole)
                                   .value<QColor>());
    const QFontMetrics fm(font());
    int y = layout.rect.top() + fm.ascent();
    for (const QString &line : layout.lines) {
        painter->drawText(QPoint(layout.rect.left(), y), line);
        y += layout.lineSpacing;
    }
    painter->restore();
}

int ExportListWidget::sizeHintForColumn(int column) const
{
    // Row heights need no text widths (with 1,000 rows, measuring every cell's text
    // each time rows were laid out again stalled the window); a column's width does.
    m_delegate->setMeasureWidths(true);
    const int width = QTreeView::sizeHintForColumn(column);
    m_delegate->setMeasureWidths(false);
    return width;
}

void ExportListWidget::resizeEvent(QResizeEvent *event)
{
    QTreeView::resizeEvent(event);
    updateReasonWidth();
}

void ExportListWidget::updateReasonWidth()
{
    const int margin = style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, this) + 1;
    if (m_delegate->setReasonWidth(viewport()->width() - 4 * margin))
        scheduleDelayedItemsLayout(); // the rows with a reason change height
}

void ExportListWidget::copyToClipboard(const QString &text)
{
    if (QClipboard *cb = QApplication::clipboard()) cb->setText(text);
}

void ExportListWidget::contextMenuEvent(QContextMenuEvent *event)
{
    updateActions();
    QMenu menu(this);
    menu.addAction(m_cancel);
    menu.addSeparator();
    menu.addAction(m_copyId);
    menu.addAction(m_copyCommand);
    menu.addSeparator();
    menu.addAction(m_details);
    menu.addAction(m_saveData);
    menu.addSeparator();
    menu.addAction(m_retry);
    menu.addAction(m_resume);
    menu.addAction(m_remove);
    // Actions that do not apply are disabled, never hidden: hiding one would hide it
    // in the toolbar too, and shift every button after it.
    menu.exec(event->globalPos());
}

} // namespace hb

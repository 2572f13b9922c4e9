#include "allexportsview.h"

#include "allexportsmodel.h"
#include "exportdetailsdialog.h"
#include "exporter.h"
#include "exporterror.h"
#include "exportlistdelegate.h"
#include "exportmonitor.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QSortFilterProxyModel>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

namespace hb {

namespace {

// Sorts by the model's own comparison (no QVariant per row and comparison): a
// column of 100,000 rows sorts interactively.
class AllExportsOrder final : public QSortFilterProxyModel
{
public:
    AllExportsOrder(AllExportsModel *rows, QObject *parent)
        : QSortFilterProxyModel(parent), m_rows(rows)
    {
    }

protected:
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override
    {
        return m_rows->lessThan(left.row(), right.row(), left.column());
    }

private:
    AllExportsModel *const m_rows;
};

} // namespace

AllExportsView::AllExportsView(ExportMonitor *monitor, Exporter *exporter, QWidget *parent)
    : QWidget(parent), m_monitor(monitor), m_exporter(exporter), m_model(new AllExportsModel(this)),
      m_proxy(new AllExportsOrder(m_model, this)), m_view(new QTreeView(this)),
      m_banner(new QLabel(this)), m_statusLine(new QLabel(this)),
      m_cancel(new QAction(tr("Cancel export"), this)), m_refresh(new QAction(tr("Refresh"), this)),
      m_copyId(new QAction(QIcon(QStringLiteral(":/icons/copy.svg")), tr("Copy export &ID"), this)),
      m_details(new QAction(QIcon(QStringLiteral(":/icons/details.svg")), tr("&Details…"), this)),
      m_filter(new QLineEdit(this))
{
    setUpTable();
    QToolBar *toolbar = buildToolbar();

    m_banner->setWordWrap(true);
    m_banner->setStyleSheet(
        QStringLiteral("QLabel { background: #fff3cd; color: #664d03; padding: 4px; }"));
    m_banner->setVisible(false);

    // Ages and last-update times move for every row; the model signals only the
    // live ones, so the visible rows are repainted here (nothing else is).
    m_repaint.setInterval(1000);
    connect(&m_repaint, &QTimer::timeout, this, [this] {
        if (m_view->isVisible()) m_view->viewport()->update();
    });
    m_repaint.start();
    m_gather.setSingleShot(true);
    m_gather.setInterval(GatherMs);
    connect(&m_gather, &QTimer::timeout, this, &AllExportsView::applyPending);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(toolbar);
    layout->addWidget(m_banner);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_statusLine);

    setMonitor(monitor);
    if (m_exporter)
        connect(m_exporter, &Exporter::remoteCancelFinished, this,
                &AllExportsView::onRemoteCancelFinished);
    connect(m_cancel, &QAction::triggered, this, &AllExportsView::cancelSelected);
    connect(m_copyId, &QAction::triggered, this, [this] {
        const QString id = selectedId();
        if (!id.isEmpty()) QApplication::clipboard()->setText(id);
    });
    connect(m_details, &QAction::triggered, this, &AllExportsView::showDetails);
    connect(m_view, &QAbstractItemView::doubleClicked, this, &AllExportsView::showDetails);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &AllExportsView::updateActions);
    // Rows change state under the selection (a cancel elsewhere, a completion).
    connect(m_model, &QAbstractItemModel::dataChanged, this, &AllExportsView::updateActions);
    connect(m_view, &QWidget::customContextMenuRequested, this, &AllExportsView::showContextMenu);
    updateActions();
}

void AllExportsView::setUpTable()
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(AllExportsModel::UnderlyingDataRole);
    m_proxy->setFilterKeyColumn(AllExportsModel::Source);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_view->setModel(m_proxy);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(AllExportsModel::Age, Qt::AscendingOrder);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    auto *delegate = new ExportListDelegate(AllExportsModel::Progress, this);
    delegate->setMiddleElidedColumns({AllExportsModel::Source, AllExportsModel::Host});
    delegate->setBarTextFromModel(true);
    m_view->setItemDelegate(delegate);
    m_view->header()->setStretchLastSection(false);
    m_view->header()->setMinimumSectionSize(36);
    m_view->header()->setSectionResizeMode(AllExportsModel::Source, QHeaderView::Stretch);
    // What tells exports apart (id, owner, source, state, progress) comes first and
    // fits 800 px; host and pid follow, a scroll away on a narrow window.
    const QList<QPair<int, int>> widths{
        {AllExportsModel::Id, 78},         {AllExportsModel::Owner, 70},
        {AllExportsModel::Status, 190},    {AllExportsModel::Progress, 140},
        {AllExportsModel::Speed, 80},      {AllExportsModel::Age, 74},
        {AllExportsModel::LastUpdate, 80}, {AllExportsModel::Host, 110},
        {AllExportsModel::Pid, 60}};
    for (const auto &[column, width] : widths)
        m_view->header()->resizeSection(column, width);
}

// Cancel and Refresh (also as shortcuts of the view) and the name filter.
QToolBar *AllExportsView::buildToolbar()
{
    m_cancel->setIcon(QIcon::fromTheme(QStringLiteral("process-stop"),
                                       QIcon(QStringLiteral(":/icons/cancel.svg"))));
    m_cancel->setShortcut(QKeySequence::Delete);
    m_cancel->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_cancel->setToolTip(tr("Stop the selected export, on whichever machine it runs"));
    m_refresh->setIcon(QIcon::fromTheme(QStringLiteral("view-refresh")));
    m_refresh->setShortcut(QKeySequence::Refresh);
    m_refresh->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addAction(m_cancel);
    addAction(m_refresh);

    auto *toolbar = new QToolBar(this);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(m_cancel);
    toolbar->addAction(m_refresh);

    // The name filter: applied once typing pauses, not at every key over 100,000 rows.
    m_filter->setPlaceholderText(tr("Filter by source name"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMaximumWidth(260);
    toolbar->addSeparator();
    toolbar->addWidget(m_filter);
    m_filterDelay.setSingleShot(true);
    m_filterDelay.setInterval(150);
    connect(m_filter, &QLineEdit::textChanged, &m_filterDelay, qOverload<>(&QTimer::start));
    connect(&m_filterDelay, &QTimer::timeout, this,
            [this] { m_proxy->setFilterFixedString(m_filter->text()); });
    return toolbar;
}

AllExportsView::~AllExportsView() = default;

void AllExportsView::setMonitor(ExportMonitor *monitor)
{
    if (m_monitor) {
        disconnect(m_monitor, nullptr, this, nullptr);
        disconnect(m_monitor, nullptr, m_model, nullptr);
    }
    disconnect(m_refresh, &QAction::triggered, nullptr, nullptr);
    if (monitor != m_monitor || !monitor) {
        m_updates.clear();
        m_removals.clear();
        m_model->clear();
    }
    m_monitor = monitor;
    m_banner->setVisible(false);
    if (!m_monitor) {
        m_statusLine->setText(tr("Waiting for the Redis server…"));
        updateActions();
        return;
    }
    // A batch at a time (the monitor also emits each one singly: not wanted here),
    // gathered for a moment so that a burst reaches the model as one.
    connect(m_monitor, &ExportMonitor::exportsUpdated, this, &AllExportsView::queueUpdates);
    connect(m_monitor, &ExportMonitor::exportsRemoved, this, &AllExportsView::queueRemovals);
    connect(m_monitor, &ExportMonitor::connectionChanged, this,
            &AllExportsView::onConnectionChanged);
    connect(m_refresh, &QAction::triggered, m_monitor, &ExportMonitor::rescanNow);
    const QString server = m_monitor->endpoint().displayName();
    m_statusLine->setText(m_monitor->isConnected() ? tr("Connected to %1").arg(server)
                                                   : tr("Connecting to %1…").arg(server));
    updateActions();
}

void AllExportsView::queueUpdates(const QList<ExportStatus> &statuses)
{
    if (!m_removals.isEmpty()) applyPending(); // in the order they came
    m_updates.append(statuses);
    if (!m_gather.isActive()) m_gather.start();
}

void AllExportsView::queueRemovals(const QStringList &ids)
{
    if (!m_updates.isEmpty()) applyPending();
    m_removals.append(ids);
    if (!m_gather.isActive()) m_gather.start();
}

void AllExportsView::applyPending()
{
    if (!m_updates.isEmpty()) m_model->updateExports(std::exchange(m_updates, {}));
    if (!m_removals.isEmpty()) m_model->removeExports(std::exchange(m_removals, {}));
}

QString AllExportsView::statusLine() const
{
    return m_statusLine->text();
}

QString AllExportsView::selectedId() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(AllExportsModel::IdRole).toString();
}

bool AllExportsView::selectExport(const QString &id)
{
    const int row = m_model->rowOf(id);
    if (row < 0) return false;
    const QModelIndex at = m_proxy->mapFromSource(m_model->index(row, 0));
    m_view->selectionModel()->select(at, QItemSelectionModel::ClearAndSelect |
                                             QItemSelectionModel::Rows);
    m_view->setCurrentIndex(at);
    return true;
}

void AllExportsView::updateActions()
{
    const ExportStatus *s = m_model->statusAt(m_model->rowOf(selectedId()));
    bool may = false;
    QString why;
    if (!m_exporter) {
        why = tr("No exporter to cancel with");
    } else if (!s) {
        why = tr("Select an export to cancel");
    } else if (isTerminal(s->state)) {
        why = tr("This export has ended");
    } else if (!m_exporter->permissions()->mayCancel(m_exporter->config().user, s->owner)) {
        why = tr("You (%1) may not cancel an export of %2: that needs \"export:cancel-any\"")
                  .arg(m_exporter->config().user, s->owner);
    } else {
        may = true;
        why = tr("Cancel %1's export of %2").arg(s->owner, s->source);
    }
    m_cancel->setEnabled(may);
    m_copyId->setEnabled(s != nullptr);
    m_details->setEnabled(s != nullptr);
    m_cancel->setStatusTip(why);
    m_cancel->setToolTip(why);
}

void AllExportsView::cancelSelected()
{
    const QString id = selectedId();
    if (id.isEmpty() || !m_exporter || !m_cancel->isEnabled() || m_confirm) return;
    const ExportStatus *s = m_model->statusAt(m_model->rowOf(id));
    if (!s) return;
    auto cancel = [this, id] {
        m_statusLine->setText(tr("Cancelling %1…").arg(id));
        m_exporter->cancel(id);
    };
    if (s->owner == m_exporter->config().user) {
        cancel();
        return;
    }
    // Someone else's work: ask first, naming whose and what.
    m_confirm = new QMessageBox(QMessageBox::Warning, tr("Cancel another user's export?"),
                                tr("Cancel %1's export of %2 (%3 on %4)?\n\nIt stops on their "
                                   "machine within a second and cannot be resumed.")
                                    .arg(s->owner, s->source, id.left(8),
                                         s->host.isEmpty() ? tr("an unknown host") : s->host),
                                QMessageBox::NoButton, this);
    m_confirm->setObjectName(QStringLiteral("confirmRemoteCancel"));
    m_confirm->addButton(tr("Cancel export"), QMessageBox::AcceptRole);
    m_confirm->setDefaultButton(
        m_confirm->addButton(tr("Keep it running"), QMessageBox::RejectRole));
    m_confirm->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_confirm, &QMessageBox::buttonClicked, this, [this, cancel](QAbstractButton *button) {
        if (m_confirm && m_confirm->buttonRole(button) == QMessageBox::AcceptRole) cancel();
    });
    m_confirm->open();
}

void AllExportsView::showDetails()
{
    const ExportStatus *s = m_model->statusAt(m_model->rowOf(selectedId()));
    if (!s) return;
    auto *dialog = new ExportDetailsDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setStatus(*s);
    dialog->show();
}

void AllExportsView::onRemoteCancelFinished(const QString &id, const ExportStatus &status,
                                            ErrorCode code, const QString &message)
{
    if (code == ErrorCode::None) {
        m_statusLine->setText(tr("Cancelled %1").arg(id));
        if (status.id == id)
            m_model->updateExport(status); // at once, before the monitor's event arrives
    } else {
        m_statusLine->setText(tr("Could not cancel %1: %2").arg(id, message));
    }
    updateActions();
}

void AllExportsView::onConnectionChanged(bool connected, const QString &message)
{
    m_banner->setVisible(!connected);
    m_banner->setText(
        connected ? QString()
                  : tr("Not connected: %1. Retrying; the list may be out of date.").arg(message));
    if (connected && m_monitor)
        m_statusLine->setText(tr("Connected to %1").arg(m_monitor->endpoint().displayName()));
}

void AllExportsView::showContextMenu(const QPoint &pos)
{
    if (!m_view->indexAt(pos).isValid()) return;
    QMenu menu(this);
    menu.addAction(m_cancel);
    menu.addSeparator();
    menu.addAction(m_copyId);
    menu.addAction(m_details);
    menu.addSeparator();
    menu.addAction(m_refresh);
    menu.exec(m_view->viewport()->mapToGlobal(pos));
}

} // namespace hb

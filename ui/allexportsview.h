#pragma once

#include "exporterror.h"
#include "exportstatus.h"

#include <QList>
#include <QMessageBox>
#include <QPointer>
#include <QStringList>
#include <QTimer>
#include <QWidget>

class QAction;
class QLabel;
class QLineEdit;

class QSortFilterProxyModel;
class QToolBar;
class QTreeView;

namespace hb {

class AllExportsModel;
class ExportMonitor;
class Exporter;
struct ExportStatus;

// "All exports": every export on the server, whoever started it, live (fed by an
// ExportMonitor), with a remote cancel that goes through Exporter::cancel().
// Cancel is offered only where the acting user may (CONTRACT §8: "export:cancel-any"
// for anyone's, "export" for one's own); the outcome shows in the status line.
// The main window embeds it as a tab; it owns neither the monitor nor the exporter.
class AllExportsView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AllExportsView)
public:
    AllExportsView(ExportMonitor *monitor, Exporter *exporter, QWidget *parent = nullptr);
    ~AllExportsView() override;

    AllExportsModel *model() const { return m_model; }
    QTreeView *treeView() const { return m_view; }
    QAction *cancelAction() const { return m_cancel; }
    QAction *refreshAction() const { return m_refresh; }
    QAction *copyIdAction() const { return m_copyId; }
    QAction *detailsAction() const { return m_details; }
    QLineEdit *filterEdit() const { return m_filter; }
    // The question asked before cancelling another user's export (nullptr when none is open).
    QMessageBox *pendingConfirmation() const { return m_confirm; }
    // The monitor to show (nullptr: none, e.g. while the server starts); the rows of
    // the previous one are dropped.
    void setMonitor(ExportMonitor *monitor);
    // The one line under the table: connection state or the last cancel's outcome.
    QString statusLine() const;

    // The monitor's batches go through these: gathered for GatherMs, then handed
    // to the model as one (a burst of 100 batches is one insertion, or one reset).
    void queueUpdates(const QList<ExportStatus> &statuses);
    void queueRemovals(const QStringList &ids);

    // Selects the row of this export (for tests and "show in All exports").
    bool selectExport(const QString &id);
    QString selectedId() const;

private:
    // The proxy's sorting and filtering, the view's behaviour, columns and delegate.
    void setUpTable();
    QToolBar *buildToolbar();
    void applyPending();
    void cancelSelected();
    void updateActions();
    void onConnectionChanged(bool connected, const QString &message);
    void onRemoteCancelFinished(const QString &id, const ExportStatus &status, ErrorCode code,
                                const QString &message);
    void showContextMenu(const QPoint &pos);
    void showDetails();

    QPointer<ExportMonitor> m_monitor;
    QPointer<Exporter> m_exporter;
    AllExportsModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTreeView *m_view;
    QLabel *m_banner;
    QLabel *m_statusLine;
    QAction *m_cancel;
    QAction *m_refresh;
    QAction *m_copyId;
    QAction *m_details;
    QPointer<QMessageBox> m_confirm;
    QLineEdit *m_filter;
    QTimer m_filterDelay;
    QTimer m_repaint;
    // The monitor's batches, gathered for GatherMs and handed to the model at once.
    static constexpr int GatherMs = 200;
    QTimer m_gather;
    QList<ExportStatus> m_updates;
    QStringList m_removals;
};

} // namespace hb

#pragma once

#include "exportconfig.h"

#include <QTreeView>

class QAction;

namespace hb {

class ExportListDelegate;
class ExportListModel;
class ExportSortModel;

// The list of this window's exports: sorting, selection, the per-row actions
// (toolbar, Del key, context menu) and the saved header layout. It acts on the
// model for what needs no Redis (copying, removing rows) and asks the window for
// the rest through its signals.
class ExportListWidget final : public QTreeView
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportListWidget)
public:
    ExportListWidget(ExportListModel *model, QWidget *parent = nullptr);

    ExportListModel *listModel() const { return m_model; }
    ExportSortModel *sortModel() const { return m_sort; }

    // Ids of the selected rows, in view order.
    QStringList selectedIds() const;
    void selectIds(const QStringList &ids);

    // Where the data lives, for "Copy redis-cli command".
    void setRedisTarget(const RedisEndpoint &endpoint, const KeyLayout &keys);
    QString redisCliCommand(const QString &id) const;

    // Where a failed row's reason is painted (viewport coordinates) and its lines:
    // under the row's cells, from the view's left edge to its right one.
    struct ReasonLayout
    {
        QRect rect;
        QStringList lines;
        int lineSpacing = 0;
    };
    ReasonLayout reasonLayout(const QModelIndex &index, const QRect &rowRect) const;

    QAction *cancelAction() const { return m_cancel; }
    QAction *cancelAllAction() const { return m_cancelAll; }
    QAction *copyIdAction() const { return m_copyId; }
    QAction *copyCommandAction() const { return m_copyCommand; }
    QAction *detailsAction() const { return m_details; }
    QAction *saveDataAction() const { return m_saveData; }
    QAction *retryAction() const { return m_retry; }
    QAction *resumeAction() const { return m_resume; }
    QAction *removeAction() const { return m_remove; }

    // Selected rows the actions apply to; public so the window's tests and menus agree.
    QStringList cancellableSelection() const;
    QStringList finishedSelection() const;
    // Selected rows whose export Redis still holds unfinished while nothing here
    // runs it (interrupted, or a resume refused earlier): Resume may take it over.
    QStringList resumableSelection() const;
    // Selected rows whose export reached Redis (their id is real).
    QStringList createdSelection() const;
    void removeFinishedSelection();

Q_SIGNALS:
    void cancelRequested(const QStringList &ids);
    void cancelAllRequested();
    void detailsRequested(const QString &id);
    void saveDataRequested(const QString &id);
    void retryRequested(const QStringList &ids);
    void resumeRequested(const QStringList &ids);

public Q_SLOTS:
    void updateActions();

protected:
    void contextMenuEvent(QContextMenuEvent *event) override;
    void drawRow(QPainter *painter, const QStyleOptionViewItem &option,
                 const QModelIndex &index) const override;
    int sizeHintForColumn(int column) const override;
    void resizeEvent(QResizeEvent *event) override;

private:
    QString currentId() const;
    // The reasons wrap to the viewport's width: rows are laid out again when it changes.
    void updateReasonWidth();
    void copyToClipboard(const QString &text);

    ExportListModel *m_model;
    ExportSortModel *m_sort;
    ExportListDelegate *m_delegate;
    RedisEndpoint m_endpoint;
    KeyLayout m_keys;
    QAction *m_cancel;
    QAction *m_cancelAll;
    QAction *m_copyId;
    QAction *m_copyCommand;
    QAction *m_details;
    QAction *m_saveData;
    QAction *m_retry;
    QAction *m_resume;
    QAction *m_remove;
};

} // namespace hb

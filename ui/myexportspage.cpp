#include "myexportspage.h"

#include "exportdetailsdialog.h"
#include "exporter.h"
#include "exportlistmodel.h"
#include "exportlistwidget.h"
#include "exportsortmodel.h"

#include <QAbstractButton>
#include <QComboBox>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QVBoxLayout>

namespace hb {

MyExportsPage::MyExportsPage(ExportListModel *model, Exporter *exporter, QWidget *parent)
    : QWidget(parent), m_model(model), m_exporter(exporter),
      m_list(new ExportListWidget(model, this))
{
    createFilters();
    auto *filterRow = new QHBoxLayout;
    filterRow->setContentsMargins(6, 6, 6, 0);
    auto *statusLabel = new QLabel(tr("&Status:"), this);
    statusLabel->setBuddy(m_statusFilter);
    filterRow->addWidget(statusLabel);
    filterRow->addWidget(m_statusFilter);
    filterRow->addSpacing(12);
    filterRow->addWidget(m_nameFilter, 1);
    filterRow->addStretch(1);
    auto *pageLayout = new QVBoxLayout(this);
    pageLayout->setContentsMargins(0, 0, 0, 0);
    pageLayout->addLayout(filterRow);
    pageLayout->addWidget(m_list, 1);

    connect(m_statusFilter, &QComboBox::currentIndexChanged, this, [this] {
        m_list->sortModel()->setStatusFilter(
            ExportSortModel::StatusFilter(m_statusFilter->currentData().toInt()));
    });
    connect(m_nameFilter, &QLineEdit::textChanged, m_list->sortModel(),
            &ExportSortModel::setNameFilter);
    connect(m_list, &ExportListWidget::cancelRequested, this, &MyExportsPage::cancelExports);
    connect(m_list, &ExportListWidget::cancelAllRequested, this, &MyExportsPage::cancelAll);
    connect(m_list, &ExportListWidget::detailsRequested, this, &MyExportsPage::showDetails);
    connect(m_list, &ExportListWidget::retryRequested, this, &MyExportsPage::retryExports);
}

void MyExportsPage::retryExports(const QStringList &ids)
{
    QStringList sources;
    for (const QString &id : ids) {
        if (const ExportListModel::Row *row = m_model->find(id)) sources.append(row->sourcePath);
    }
    Q_EMIT exportAgainRequested(sources);
}

void MyExportsPage::cancelExports(const QStringList &ids)
{
    for (const QString &id : ids) {
        const ExportListModel::Row *row = m_model->find(id);
        if (row && !row->finished) // a finished export is never "cancelled" again
            m_exporter->cancel(id);
    }
}

void MyExportsPage::cancelSelected()
{
    cancelExports(m_list->cancellableSelection());
}

void MyExportsPage::cancelAll()
{
    const int active = m_model->activeCount();
    if (active == 0 || m_confirm) return;
    m_confirm = new QMessageBox(
        QMessageBox::Question, tr("Cancel all exports?"),
        active == 1 ? tr("Cancel the export still running or queued?")
                    : tr("Cancel all %1 exports still running or queued?").arg(active),
        QMessageBox::NoButton, window());
    m_confirm->setObjectName(QStringLiteral("confirmCancelAll"));
    m_confirm->setInformativeText(tr("What they wrote so far stays in Redis until it expires."));
    m_confirm->addButton(tr("Cancel all"), QMessageBox::AcceptRole);
    m_confirm->setDefaultButton(m_confirm->addButton(tr("Keep them"), QMessageBox::RejectRole));
    m_confirm->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_confirm, &QMessageBox::buttonClicked, this, [this](QAbstractButton *button) {
        if (m_confirm && m_confirm->buttonRole(button) == QMessageBox::AcceptRole) cancelAllNow();
    });
    m_confirm->open();
}

void MyExportsPage::cancelAllNow()
{
    m_exporter->cancelAll();
}

ExportDetailsDialog *MyExportsPage::showDetails(const QString &id)
{
    const ExportListModel::Row *row = m_model->find(id);
    if (!row) return nullptr;
    auto *dialog = new ExportDetailsDialog(window());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setRow(*row);
    dialog->show();
    return dialog;
}

void MyExportsPage::createFilters()
{
    using Filter = ExportSortModel::StatusFilter;
    m_statusFilter = new QComboBox(this);
    m_statusFilter->addItem(tr("All"), int(Filter::All));
    m_statusFilter->addItem(QIcon(QStringLiteral(":/icons/status-running.svg")), tr("Active"),
                            int(Filter::Active));
    m_statusFilter->addItem(QIcon(QStringLiteral(":/icons/status-completed.svg")), tr("Completed"),
                            int(Filter::Completed));
    m_statusFilter->addItem(QIcon(QStringLiteral(":/icons/status-cancelled.svg")), tr("Cancelled"),
                            int(Filter::Cancelled));
    m_statusFilter->addItem(QIcon(QStringLiteral(":/icons/status-failed.svg")), tr("Failed"),
                            int(Filter::Failed));
    m_statusFilter->setToolTip(tr("Show exports in this state"));
    m_nameFilter = new QLineEdit(this);
    m_nameFilter->setPlaceholderText(tr("Filter by file name"));
    m_nameFilter->setClearButtonEnabled(true);
    m_nameFilter->setMaximumWidth(280);
}

} // namespace hb

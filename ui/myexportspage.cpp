#include "myexportspage.h"

#include "exportlistwidget.h"
#include "exportsortmodel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>

namespace hb {

MyExportsPage::MyExportsPage(ExportListModel *model, QWidget *parent)
    : QWidget(parent), m_list(new ExportListWidget(model, this))
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

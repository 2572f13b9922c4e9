#pragma once

#include <QWidget>

class QComboBox;
class QLineEdit;

namespace hb {

class ExportListModel;
class ExportListWidget;

// The "My exports" tab: a filter row (the state, a part of the file name) above the
// list of the exports this window started. The filters drive the list's sort model;
// the list's requests (cancel, retry, details, save data) are the window's to answer.
class MyExportsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MyExportsPage)
public:
    explicit MyExportsPage(ExportListModel *model, QWidget *parent = nullptr);

    ExportListWidget *list() const { return m_list; }
    QComboBox *statusFilterBox() const { return m_statusFilter; }
    QLineEdit *nameFilterEdit() const { return m_nameFilter; }

private:
    void createFilters();

    ExportListWidget *m_list;
    QComboBox *m_statusFilter = nullptr;
    QLineEdit *m_nameFilter = nullptr;
};

} // namespace hb

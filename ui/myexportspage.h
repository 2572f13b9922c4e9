#pragma once

#include <QPointer>
#include <QStringList>
#include <QWidget>

class QComboBox;
class QLineEdit;
class QMessageBox;

namespace hb {

class ExportDetailsDialog;
class Exporter;
class ExportListModel;
class ExportListWidget;

// The "My exports" tab: a filter row (the state, a part of the file name) above the
// list of the exports this window started. The filters drive the list's sort model.
// It answers the list's cancel (Cancel all asking first, without blocking) and
// details; a retry and Save data as… it hands on.
class MyExportsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MyExportsPage)
public:
    MyExportsPage(ExportListModel *model, Exporter *exporter, QWidget *parent = nullptr);

    ExportListWidget *list() const { return m_list; }
    QComboBox *statusFilterBox() const { return m_statusFilter; }
    QLineEdit *nameFilterEdit() const { return m_nameFilter; }
    // The question asked before Cancel all (nullptr when none is open).
    QMessageBox *pendingConfirmation() const { return m_confirm; }

    void cancelExports(const QStringList &ids);
    void cancelSelected();
    // Asks first; cancelAllNow() does it.
    void cancelAll();
    void cancelAllNow();
    ExportDetailsDialog *showDetails(const QString &id);
    // Asks for the exports' sources to be exported again (exportAgainRequested).
    void retryExports(const QStringList &ids);

Q_SIGNALS:
    // Retry: these sources to be exported again.
    void exportAgainRequested(const QStringList &sources);

private:
    void createFilters();

    ExportListModel *m_model;
    Exporter *m_exporter;
    ExportListWidget *m_list;
    QComboBox *m_statusFilter = nullptr;
    QLineEdit *m_nameFilter = nullptr;
    QPointer<QMessageBox> m_confirm;
};

} // namespace hb

#pragma once

#include "exportlistmodel.h"

#include <QDialog>

class QPlainTextEdit;

namespace hb {

// Everything known about one row: the summary, each transition with its time, and
// the status JSON as the core last reported it. Non-modal.
class ExportDetailsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportDetailsDialog)
public:
    explicit ExportDetailsDialog(QWidget *parent = nullptr);

    void setRow(const ExportListModel::Row &row);
    // An export of anyone's, as the All exports view knows it.
    void setStatus(const ExportStatus &status);
    QString text() const;

private:
    QPlainTextEdit *m_text;
};

} // namespace hb

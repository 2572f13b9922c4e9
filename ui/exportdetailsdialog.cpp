#include "exportdetailsdialog.h"

#include "statusformat.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLocale>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace hb {

ExportDetailsDialog::ExportDetailsDialog(QWidget *parent)
    : QDialog(parent), m_text(new QPlainTextEdit(this))
{
    setObjectName(QStringLiteral("detailsDialog"));
    m_text->setReadOnly(true);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_text, 1);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    resize(620, 480);
}

void ExportDetailsDialog::setRow(const ExportListModel::Row &row)
{
    setWindowTitle(tr("Export details — %1").arg(row.name));
    QStringList out;
    ExportStatus s = row.status;
    if (!row.created) // refused before anything was written: the id never existed
        s.id = tr("(none: it never reached Redis)");
    if (s.id.isEmpty()) { // queued
        s.id = row.id;
        s.state = row.state;
        s.source = row.name;
    }
    out << statusSummary(s);
    out << QString() << tr("Local file: %1").arg(row.sourcePath);
    if (!row.error.isEmpty() && row.error != s.error) out << tr("Error: %1").arg(row.error);
    out << QString() << tr("Transitions:");
    for (const ExportListModel::Transition &t : row.transitions)
        out << QStringLiteral("  %1  %2")
                   .arg(t.time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")),
                        t.state);
    if (row.created && !row.status.id.isEmpty())
        out << QString() << tr("Status JSON:") << prettyStatusJson(row.status.toJson());
    m_text->setPlainText(out.join(QLatin1Char('\n')));
}

void ExportDetailsDialog::setStatus(const ExportStatus &status)
{
    setWindowTitle(tr("Export details — %1").arg(status.source));
    m_text->setPlainText(statusSummary(status) + QStringLiteral("\n\n") + tr("Status JSON:") +
                         QLatin1Char('\n') + prettyStatusJson(status.toJson()));
}

QString ExportDetailsDialog::text() const
{
    return m_text->toPlainText();
}

} // namespace hb

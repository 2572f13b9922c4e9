#include "logpanel.h"

#include <QFontDatabase>
#include <QPlainTextEdit>
#include <QScrollBar>

namespace hb {

LogPanel::LogPanel(QWidget *parent) : QDockWidget(tr("Log"), parent), m_view(new QPlainTextEdit(this))
{
    setObjectName(QStringLiteral("logPanel"));
    m_view->setReadOnly(true);
    m_view->setMaximumBlockCount(5000); // a long session does not grow without bound
    m_view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_view->setLineWrapMode(QPlainTextEdit::NoWrap);
    setWidget(m_view);
}

QString LogPanel::text() const { return m_view->toPlainText(); }

void LogPanel::appendLine(const QDateTime &time, int type, const QString &category, const QString &text)
{
    QString color;
    QString level;
    switch (QtMsgType(type)) {
    case QtDebugMsg: level = QStringLiteral("debug"); color = QStringLiteral("#777777"); break;
    case QtInfoMsg: level = QStringLiteral("info"); break;
    case QtWarningMsg: level = QStringLiteral("warning"); color = QStringLiteral("#b35c00"); break;
    case QtCriticalMsg:
    case QtFatalMsg: level = QStringLiteral("error"); color = QStringLiteral("#c62828"); break;
    }
    QScrollBar *bar = m_view->verticalScrollBar();
    const bool atEnd = bar->value() == bar->maximum();
    QString cat = category;
    cat.remove(QStringLiteral("hbexporter."));
    const QString line = QStringLiteral("%1 %2 [%3] %4")
                             .arg(time.toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz")), level, cat, text)
                             .toHtmlEscaped();
    m_view->appendHtml(color.isEmpty() ? QStringLiteral("<span>%1</span>").arg(line)
                                       : QStringLiteral("<span style=\"color:%1\">%2</span>").arg(color, line));
    if (atEnd)
        bar->setValue(bar->maximum());
}

} // namespace hb

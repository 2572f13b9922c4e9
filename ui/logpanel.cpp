#include "logpanel.h"

#include <QFontDatabase>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextCursor>

namespace hb {

LogPanel::LogPanel(QWidget *parent)
    : QDockWidget(tr("Log"), parent), m_view(new QPlainTextEdit(this))
{
    setObjectName(QStringLiteral("logPanel"));
    m_view->setReadOnly(true);
    m_view->setMaximumBlockCount(5000); // a long session does not grow without bound
    m_view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_view->setLineWrapMode(QPlainTextEdit::NoWrap);
    setWidget(m_view);

    QScrollBar *bar = m_view->verticalScrollBar();
    // Whether to follow is the user's choice, read from where they leave the bar; a
    // change of range (a new line, a horizontal scroll bar appearing under a long
    // line) is not a choice, and keeps the end in view when following.
    connect(bar, &QScrollBar::valueChanged, this, [this, bar](int value) {
        if (!m_scrolling) m_follow = value >= bar->maximum();
    });
    connect(bar, &QScrollBar::rangeChanged, this, [this] {
        if (m_follow) scrollToEnd();
    });
}

QString LogPanel::text() const
{
    return m_view->toPlainText();
}

void LogPanel::scrollToEnd()
{
    m_scrolling = true;
    QScrollBar *bar = m_view->verticalScrollBar();
    bar->setValue(bar->maximum());
    m_scrolling = false;
}

QString LogPanel::lineHtml(const QDateTime &time, const QString &level, const QString &color,
                           const QString &category, const QString &text, int repeats) const
{
    QString line = QStringLiteral("%1 %2 [%3] %4")
                       .arg(time.toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz")), level,
                            category, text);
    if (repeats > 1) line += QStringLiteral(" … ×%1").arg(repeats);
    line = line.toHtmlEscaped();
    return color.isEmpty() ? QStringLiteral("<span>%1</span>").arg(line)
                           : QStringLiteral("<span style=\"color:%1\">%2</span>").arg(color, line);
}

void LogPanel::appendLine(const QDateTime &time, int type, const QString &category,
                          const QString &text)
{
    QString color;
    QString level;
    switch (QtMsgType(type)) {
    case QtDebugMsg:
        level = QStringLiteral("debug");
        color = QStringLiteral("#5f6368");
        break;
    case QtInfoMsg:
        level = QStringLiteral("info");
        break;
    case QtWarningMsg:
        level = QStringLiteral("warning");
        color = QStringLiteral("#a65500");
        break;
    case QtCriticalMsg:
    case QtFatalMsg:
        level = QStringLiteral("error");
        color = QStringLiteral("#b3261e");
        break;
    }
    QString cat = category;
    cat.remove(QStringLiteral("hbexporter."));
    const QString key = level + QLatin1Char('\x1f') + cat + QLatin1Char('\x1f') + text;
    const int value = m_view->verticalScrollBar()->value();
    if (key == m_lastKey && m_view->document()->blockCount() > 0 && m_repeats > 0) {
        // The same line again: the last line shows its latest time and the count.
        ++m_repeats;
        QTextCursor cursor(m_view->document()->lastBlock());
        cursor.select(QTextCursor::BlockUnderCursor);
        cursor.removeSelectedText();
        if (m_view->document()->blockCount() == 1 &&
            m_view->document()->firstBlock().text().isEmpty())
            cursor.insertHtml(lineHtml(time, level, color, cat, text, m_repeats));
        else
            m_view->appendHtml(lineHtml(time, level, color, cat, text, m_repeats));
    } else {
        m_lastKey = key;
        m_repeats = 1;
        m_view->appendHtml(lineHtml(time, level, color, cat, text, 1));
    }
    if (m_follow) {
        scrollToEnd();
    } else {
        m_scrolling = true;
        m_view->verticalScrollBar()->setValue(value); // the user reads where they left it
        m_scrolling = false;
    }
}

} // namespace hb

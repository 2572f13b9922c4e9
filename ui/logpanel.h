#pragma once

#include <QDateTime>
#include <QDockWidget>

class QPlainTextEdit;

namespace hb {

// The dock showing the core's log lines (LogHub::messageLogged), newest last. It
// follows new lines unless the user has scrolled up to read, and folds a line
// repeated back to back into one ("… ×12") so a server that stays down for a minute
// does not push everything else out.
class LogPanel final : public QDockWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogPanel)
public:
    explicit LogPanel(QWidget *parent = nullptr);

    QString text() const;
    QPlainTextEdit *view() const { return m_view; }
    // True while new lines scroll into view (the user has not scrolled up).
    bool isFollowing() const { return m_follow; }

public Q_SLOTS:
    void appendLine(const QDateTime &time, int type, const QString &category, const QString &text);

private:
    QString lineHtml(const QDateTime &time, const QString &level, const QString &color,
                     const QString &category, const QString &text, int repeats) const;
    void scrollToEnd();

    QPlainTextEdit *m_view;
    bool m_follow = true;
    bool m_scrolling = false; // our own scrolling, not the user's
    QString m_lastKey;        // level, category and text of the last line
    int m_repeats = 0;
};

} // namespace hb

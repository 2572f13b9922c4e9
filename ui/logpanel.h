#pragma once

#include <QDateTime>
#include <QDockWidget>

class QPlainTextEdit;

namespace hb {

// The dock showing the core's log lines (LogHub::messageLogged), newest last.
class LogPanel final : public QDockWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogPanel)
public:
    explicit LogPanel(QWidget *parent = nullptr);

    QString text() const;

public Q_SLOTS:
    void appendLine(const QDateTime &time, int type, const QString &category, const QString &text);

private:
    QPlainTextEdit *m_view;
};

} // namespace hb

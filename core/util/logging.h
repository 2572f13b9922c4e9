#pragma once

#include <QDateTime>
#include <QLoggingCategory>
#include <QObject>

Q_DECLARE_LOGGING_CATEGORY(lcCore)
Q_DECLARE_LOGGING_CATEGORY(lcRedis)
Q_DECLARE_LOGGING_CATEGORY(lcExport)

namespace hb {

// Fans every log line out to listeners (the GUI's log panel) and to stderr.
// Lines are timestamped; info lines always reach listeners, debug lines only when verbose.
class LogHub final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogHub)
public:
    static LogHub *instance();
    // Installs the message handler. verbose enables the hbexporter.* debug lines;
    // echoToStderr=false keeps stderr quiet (the GUI shows lines in its panel).
    static void install(bool verbose, bool echoToStderr = true);

Q_SIGNALS:
    void messageLogged(QDateTime time, int type, QString category, QString text);

private:
    LogHub() = default;
};

} // namespace hb

#include "logging.h"

#include <atomic>
#include <cstdio>

Q_LOGGING_CATEGORY(lcCore, "hbexporter.core", QtWarningMsg)
Q_LOGGING_CATEGORY(lcRedis, "hbexporter.redis", QtWarningMsg)
Q_LOGGING_CATEGORY(lcExport, "hbexporter.export", QtWarningMsg)

namespace hb {

namespace {

std::atomic<bool> g_echo{true};

const char *typeName(QtMsgType t)
{
    switch (t) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "critical";
    case QtFatalMsg:
        return "fatal";
    }
    return "?";
}

void handler(QtMsgType type, const QMessageLogContext &ctx, const QString &msg)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QString category = QString::fromLatin1(ctx.category ? ctx.category : "default");
    if (g_echo.load()) {
        const QByteArray line = now.toString(Qt::ISODateWithMs).toUtf8() + ' ' + typeName(type) +
                                ' ' + category.toUtf8() + ": " + msg.toUtf8() + '\n';
        fwrite(line.constData(), 1, size_t(line.size()), stderr);
        fflush(stderr);
    }
    Q_EMIT LogHub::instance()->messageLogged(now, int(type), category, msg);
    if (type == QtFatalMsg) abort();
}

} // namespace

LogHub *LogHub::instance()
{
    static LogHub *hub = new LogHub; // lives as long as the process; log lines may come late
    return hub;
}

void LogHub::install(bool verbose, bool echoToStderr)
{
    instance();
    g_echo = echoToStderr;
    // Info lines always reach listeners (the window's log panel); debug lines only
    // when verbose. Whether anything reaches stderr is echoToStderr's business.
    QLoggingCategory::setFilterRules(
        verbose ? QStringLiteral("hbexporter.*.debug=true\nhbexporter.*.info=true")
                : QStringLiteral("hbexporter.*.debug=false\nhbexporter.*.info=true"));
    qInstallMessageHandler(handler);
}

} // namespace hb

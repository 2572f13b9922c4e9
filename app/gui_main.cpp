// The desktop window's main(): options, logging, then the window.
#include "logging.h"
#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QLoggingCategory>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    Q_INIT_RESOURCE(resources); // hbui is a static library: its resources need a nudge
    QCoreApplication::setOrganizationName(QStringLiteral("HBExporter"));
    QCoreApplication::setApplicationName(QStringLiteral("hbexporter"));
    QCoreApplication::setApplicationVersion(QStringLiteral("0.1.0"));
    QGuiApplication::setDesktopFileName(QStringLiteral("hbexporter"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/hbexporter.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Streams files into Redis and shows their progress."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption redis(QStringLiteral("redis"),
                                   QStringLiteral("Redis URL (beats HBEXPORTER_REDIS_URL and the saved setting)."),
                                   QStringLiteral("URL"));
    const QCommandLineOption permissions(QStringLiteral("permissions"), QStringLiteral("Permissions file."),
                                         QStringLiteral("FILE"));
    const QCommandLineOption settings(QStringLiteral("settings"),
                                      QStringLiteral("Keep settings in this INI file instead of the user's."),
                                      QStringLiteral("FILE"));
    const QCommandLineOption verbose(QStringLiteral("verbose"), QStringLiteral("Debug lines, also on stderr."));
    parser.addOptions({redis, permissions, settings, verbose});
    parser.addPositionalArgument(QStringLiteral("files"), QStringLiteral("Files to export."), QStringLiteral("[FILE...]"));
    parser.process(app);

    hb::LogHub::install(parser.isSet(verbose), parser.isSet(verbose));

    hb::MainWindowOptions options;
    options.redisUrl = parser.value(redis);
    options.permissionsFile = parser.value(permissions);
    options.settingsFile = parser.value(settings);
    hb::MainWindow window(options);
    window.show();
    window.addFiles(parser.positionalArguments());
    return app.exec();
}

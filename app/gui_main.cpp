// The desktop window's main(): options, one window per user, logging, the window.
#include "hbversion.h"
#include "logging.h"
#include "mainwindow.h"
#include "singleinstance.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QUrl>

#include <cstdio>

namespace {

// Files as the running window must see them: absolute (its working folder is not ours).
QStringList absoluteSources(const QStringList &args)
{
    QStringList out;
    for (const QString &a : args) {
        if (a.isEmpty()) continue;
        if (a.startsWith(QLatin1String("file://"), Qt::CaseInsensitive))
            out.append(QUrl(a).toLocalFile());
        else if (a.startsWith(QLatin1String("http://"), Qt::CaseInsensitive) ||
                 a.startsWith(QLatin1String("https://"), Qt::CaseInsensitive))
            out.append(a);
        else
            out.append(QFileInfo(a).absoluteFilePath());
    }
    return out;
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    Q_INIT_RESOURCE(resources); // hbui is a static library: its resources need a nudge
    QCoreApplication::setOrganizationName(QStringLiteral("HBExporter"));
    QCoreApplication::setApplicationName(QStringLiteral("hbexporter"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(hb::ProjectVersion));
    QGuiApplication::setDesktopFileName(QStringLiteral("hbexporter"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/hbexporter.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Streams files into Redis and shows their progress. A second "
                       "hbexporter hands its files to the window already open."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption redis(
        QStringLiteral("redis"),
        QStringLiteral("Redis URL (beats HBEXPORTER_REDIS_URL and the saved setting)."),
        QStringLiteral("URL"));
    const QCommandLineOption permissions(
        QStringLiteral("permissions"), QStringLiteral("Permissions file."), QStringLiteral("FILE"));
    const QCommandLineOption settings(
        QStringLiteral("settings"),
        QStringLiteral("Keep settings in this INI file instead of the user's."),
        QStringLiteral("FILE"));
    const QCommandLineOption verbose(QStringLiteral("verbose"),
                                     QStringLiteral("Debug lines, also on stderr."));
    parser.addOptions({redis, permissions, settings, verbose});
    parser.addPositionalArgument(QStringLiteral("files"), QStringLiteral("Files to export."),
                                 QStringLiteral("[FILE...]"));
    parser.process(app);

    const QStringList files = absoluteSources(parser.positionalArguments());
    const QString instanceName = hb::SingleInstance::defaultName();
    if (hb::SingleInstance::handOff(instanceName, files)) {
        std::fprintf(stderr, "hbexporter: handed %d file(s) to the window already open\n",
                     int(files.size()));
        return 0;
    }
    hb::SingleInstance instance(instanceName);
    QString listenError;
    if (!instance.listen(&listenError)) {
        // A window started at the same moment won the socket: hand the files to it.
        if (hb::SingleInstance::handOff(instanceName, files)) return 0;
        std::fprintf(stderr, "hbexporter: %s; this window stays on its own\n",
                     qPrintable(listenError));
    }

    hb::LogHub::install(parser.isSet(verbose), parser.isSet(verbose));

    hb::MainWindowOptions options;
    options.redisUrl = parser.value(redis);
    options.permissionsFile = parser.value(permissions);
    options.settingsFile = parser.value(settings);
    hb::MainWindow window(options);
    QObject::connect(&instance, &hb::SingleInstance::filesReceived, &window,
                     [&window](const QStringList &received) {
                         window.addFiles(received);
                         window.bringToFront();
                     });
    window.show();
    window.addFiles(files);
    return app.exec();
}

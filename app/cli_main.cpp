// hbexporter-cli: the command line of CONTRACT §6.
#include "configresolver.h"
#include "embeddedserver.h"
#include "exporter.h"
#include "exportsource.h"
#include "exportstore.h"
#include "filesource.h"
#include "logging.h"
#include "permissions.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>
#include <QSocketNotifier>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#if __has_include("cli_watch.h")
#include "cli_watch.h"
#define HB_HAVE_WATCH 1
#endif

using namespace hb;

namespace {

const char *usageText = R"(Usage: hbexporter-cli [options] COMMAND [arguments]

Commands:
  export FILE...         export files (or http(s) URLs) into Redis; prints one id per line
  status ID              show an export's status
  cancel ID              cancel an export, whoever runs it
  list                   list every export on the server
  watch                  live table of every export on the server
  fetch ID OUTPUT|-      write an export's data to OUTPUT (or stdout), checked against its sha256
  server status|stop     the embedded Redis server used when no URL is configured

Options (before or after the command):
  --redis URL            redis://[user:password@]host[:port][/db] or unix://[user:password@]/path[?db=N]
                         (default: $HBEXPORTER_REDIS_URL, else the embedded server)
  --user NAME            the acting user (default: your login name)
  --permissions FILE     permissions file (default: $HBEXPORTER_PERMISSIONS, else everyone may export)
  --json                 print status JSON instead of text
  --ttl SECONDS          export: expiry of both keys (default 3600)
  --chunk-size BYTES     export: bytes per write, K/M suffixes allowed (default 1M)
  --bwlimit RATE         export: read at most RATE bytes/s, K/M/G suffixes (powers of 1024)
  --verbose              log what happens, with timestamps, on stderr
  -h, --help             this help
  --version              the version

Exit codes: 0 success; 1 an export ended FAILED or CANCELLED, or a cancel came too late;
2 usage error; 3 no export with that id; 4 permission denied; 5 Redis unreachable or
refused the command; 6 a source that cannot be exported.
)";

void errLine(const QString &message)
{
    const QByteArray line = message.toUtf8() + '\n';
    fwrite(line.constData(), 1, size_t(line.size()), stderr);
    fflush(stderr);
}

void outLine(const QByteArray &line)
{
    fwrite(line.constData(), 1, size_t(line.size()), stdout);
    fputc('\n', stdout);
    fflush(stdout);
}

int fail(const Failure &f)
{
    errLine(f.message);
    return exitCodeFor(f.code);
}

int usage(const QString &message)
{
    errLine(QStringLiteral("hbexporter-cli: %1").arg(message));
    errLine(QStringLiteral("Try 'hbexporter-cli --help'."));
    return 2;
}

QString formatTime(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'")) : QStringLiteral("?");
}

QString summary(const ExportStatus &s, qint64 ttl = -3)
{
    QString out;
    out += QStringLiteral("export   %1\n").arg(s.id);
    QString progress;
    if (s.bytesTotal > 0)
        progress = QStringLiteral("  (%1% — %2 of %3)")
                       .arg(s.bytesWritten * 100 / s.bytesTotal)
                       .arg(formatBytes(s.bytesWritten), formatBytes(s.bytesTotal));
    else
        progress = QStringLiteral("  (%1 written)").arg(formatBytes(s.bytesWritten));
    out += QStringLiteral("status   %1%2\n").arg(s.stateText(), progress);
    out += QStringLiteral("owner    %1\n").arg(s.owner);
    out += QStringLiteral("source   %1\n").arg(s.source);
    out += QStringLiteral("created  %1\n").arg(formatTime(s.createdAt));
    out += QStringLiteral("updated  %1\n").arg(formatTime(s.updatedAt));
    if (!s.sha256.isEmpty())
        out += QStringLiteral("sha256   %1\n").arg(s.sha256);
    if (!s.error.isEmpty())
        out += QStringLiteral("error    %1\n").arg(s.error);
    if (!s.cancelledBy.isEmpty())
        out += QStringLiteral("cancelled by %1\n").arg(s.cancelledBy);
    if (ttl >= 0)
        out += QStringLiteral("expires  in %1 s\n").arg(ttl);
    out.chop(1);
    return out;
}

// SIGINT/SIGTERM arrive on a socket pair, so the stop sequence runs on the event loop.
int g_signalFd[2] = {-1, -1};
void onSignal(int)
{
    const char c = 1;
    [[maybe_unused]] const ssize_t n = ::write(g_signalFd[1], &c, 1);
}

struct Options
{
    QString command;
    QStringList args;
    QString user;
    bool json = false;
    bool verbose = false;
    std::shared_ptr<const PermissionsService> permissions;
    RedisEndpoint endpoint;
    ExporterConfig config;
};

class ExportCommand final : public QObject
{
public:
    ExportCommand(const Options &opt, QObject *parent = nullptr)
        : QObject(parent), m_opt(opt), m_exporter(opt.config, opt.permissions), m_tty(isatty(STDERR_FILENO))
    {
    }

    int run()
    {
        QObject::connect(&m_exporter, &Exporter::exportCreated, this,
                         [this](const QString &id, const ExportStatus &s) {
                             outLine(m_opt.json ? s.toJson() : id.toLatin1());
                             m_total[id] = s.bytesTotal;
                         });
        QObject::connect(&m_exporter, &Exporter::progress, this,
                         [this](const QString &id, qint64 written, qint64 total) {
                             m_written[id] = written;
                             m_total[id] = total;
                         });
        QObject::connect(&m_exporter, &Exporter::exportFinished, this,
                         [this](const QString &id, const ExportStatus &s, ErrorCode code, const QString &message) {
                             onFinished(id, s, code, message);
                         });
        QObject::connect(&m_exporter, &Exporter::idle, qApp, [] { QCoreApplication::exit(0); });

        ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_signalFd);
        QSocketNotifier notifier(g_signalFd[0], QSocketNotifier::Read);
        QObject::connect(&notifier, &QSocketNotifier::activated, this, [this] {
            char c;
            [[maybe_unused]] const ssize_t n = ::read(g_signalFd[0], &c, 1);
            if (m_interrupted) {
                errLine(QStringLiteral("interrupted again: exiting without waiting"));
                ::_exit(130);
            }
            m_interrupted = true;
            clearBar();
            errLine(QStringLiteral("interrupted: cancelling %1 running export(s)…")
                        .arg(m_exporter.runningCount() + m_exporter.queuedCount()));
            m_exporter.cancelAll();
        });
        struct sigaction sa = {};
        sa.sa_handler = onSignal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);

        QTimer bar;
        if (m_tty) {
            QObject::connect(&bar, &QTimer::timeout, this, [this] { drawBar(); });
            bar.start(200);
        }
        m_clock.start();
        for (const QString &source : std::as_const(m_opt.args))
            m_order << m_exporter.startExport(source);
        QCoreApplication::exec();
        clearBar();
        if (m_opt.verbose) {
            rusage usage = {};
            getrusage(RUSAGE_SELF, &usage);
            errLine(QStringLiteral("peak memory (max RSS): %1 KiB").arg(usage.ru_maxrss));
        }
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGTERM, SIG_DFL);
        return m_exitCode;
    }

private:
    void onFinished(const QString &id, const ExportStatus &s, ErrorCode code, const QString &message)
    {
        clearBar();
        m_written[id] = s.bytesWritten;
        ++m_done;
        const ErrorCode ec = code;
        if (ec == ErrorCode::None) {
            if (m_tty || m_opt.verbose)
                errLine(QStringLiteral("COMPLETED %1  %2  %3").arg(id, s.source, formatBytes(s.bytesWritten)));
            return;
        }
        if (s.state == ExportState::Cancelled)
            errLine(QStringLiteral("CANCELLED %1  %2  after %3 (%4)")
                        .arg(id, s.source, formatBytes(s.bytesWritten), message));
        else
            errLine(message.isEmpty() ? QStringLiteral("export %1 failed").arg(id) : message);
        // The first export that did not complete decides the exit code.
        if (m_exitCode == 0)
            m_exitCode = exitCodeFor(ec);
    }

    void clearBar()
    {
        if (m_tty && m_barShown) {
            fputs("\r\x1b[K", stderr);
            fflush(stderr);
            m_barShown = false;
        }
    }

    void drawBar()
    {
        qint64 written = 0, total = 0;
        bool known = true;
        for (const QString &id : std::as_const(m_order)) {
            written += m_written.value(id, 0);
            const qint64 t = m_total.value(id, -1);
            if (t < 0)
                known = false;
            else
                total += t;
        }
        const double secs = std::max<qint64>(1, m_clock.elapsed()) / 1000.0;
        const double speed = double(written) / secs;
        const int width = 30;
        const double frac = known && total > 0 ? double(written) / double(total) : 0.0;
        const int filled = int(frac * width);
        QString bar = QString(filled, QLatin1Char('#')) + QString(width - filled, QLatin1Char('.'));
        QString eta = QStringLiteral("—");
        if (known && speed > 0 && total > written)
            eta = QStringLiteral("%1 s").arg(qint64(double(total - written) / speed));
        const QString line = QStringLiteral("\r[%1] %2%  %3 of %4  %5/s  ETA %6  %7/%8 done\x1b[K")
                                 .arg(bar)
                                 .arg(int(frac * 100))
                                 .arg(formatBytes(written), known ? formatBytes(total) : QStringLiteral("?"),
                                      formatBytes(qint64(speed)), eta)
                                 .arg(m_done)
                                 .arg(m_order.size());
        fputs(line.toUtf8().constData(), stderr);
        fflush(stderr);
        m_barShown = true;
    }

    const Options &m_opt;
    Exporter m_exporter;
    const bool m_tty;
    bool m_barShown = false;
    bool m_interrupted = false;
    int m_exitCode = 0;
    int m_done = 0;
    QStringList m_order;
    QHash<QString, qint64> m_written;
    QHash<QString, qint64> m_total;
    QElapsedTimer m_clock;
};

int runExport(Options &opt)
{
    if (opt.args.isEmpty())
        return usage(QStringLiteral("export needs at least one FILE"));
    if (!opt.permissions->mayExport(opt.user))
        return fail({ErrorCode::PermissionDenied,
                     QStringLiteral("permission denied: user %1 lacks \"export\"").arg(opt.user)});
    // Every source is checked before anything is written.
    QHash<QString, qint64> sizes;
    bool bad = false;
    for (const QString &source : std::as_const(opt.args)) {
        if (source.startsWith(QLatin1String("http://"), Qt::CaseInsensitive) ||
            source.startsWith(QLatin1String("https://"), Qt::CaseInsensitive))
            continue;
        qint64 size = 0;
        QString error;
        if (!FileSource::preflight(source, &size, &error)) {
            errLine(error);
            bad = true;
        }
        sizes[source] = size;
    }
    if (bad)
        return 6;
    ExportStore store(opt.endpoint, opt.config.keys, opt.config.timeouts);
    if (!store.connection().ensureConnected())
        return fail(Failure::fromRedis(store.connection().lastError()));
    for (auto it = sizes.cbegin(); it != sizes.cend(); ++it) {
        const Failure refused = checkServerAccepts(store.connection(), it.key(), it.value(),
                                                   opt.config.effectiveSegmentBytes());
        if (refused.code == ErrorCode::Redis)
            return fail(refused);
        if (refused) {
            errLine(refused.message);
            bad = true;
        }
    }
    if (bad)
        return 6;
    ExportCommand cmd(opt);
    return cmd.run();
}

bool needsValidId(const Options &opt, QString *id, int *code)
{
    if (opt.args.size() != 1) {
        *code = usage(QStringLiteral("%1 takes exactly one ID").arg(opt.command));
        return false;
    }
    *id = opt.args.first();
    if (!isValidExportId(*id)) {
        *code = usage(QStringLiteral("not an export id: %1 (expected a lowercase UUID)").arg(printableForMessage(*id)));
        return false;
    }
    return true;
}

bool mayRead(const Options &opt, int *code)
{
    if (opt.permissions->mayRead(opt.user))
        return true;
    *code = fail({ErrorCode::PermissionDenied,
                  QStringLiteral("permission denied: user %1 lacks \"export:read\"").arg(opt.user)});
    return false;
}

int runStatus(const Options &opt)
{
    QString id;
    int code = 0;
    if (!needsValidId(opt, &id, &code) || !mayRead(opt, &code))
        return code;
    ExportStore store(opt.endpoint, opt.config.keys, opt.config.timeouts);
    const auto found = store.fetchStatus(id);
    if (found.failure)
        return fail(found.failure);
    if (opt.json) {
        outLine(found.json);
        return 0;
    }
    const RedisReply ttl = store.connection().command({"TTL", opt.config.keys.statusKey(id)});
    outLine(summary(*found.status, ttl.integer).toUtf8());
    return 0;
}

int runCancel(const Options &opt)
{
    QString id;
    int code = 0;
    if (!needsValidId(opt, &id, &code))
        return code;
    ExportStore store(opt.endpoint, opt.config.keys, opt.config.timeouts);
    const auto r = store.cancel(id, opt.user, *opt.permissions);
    if (r.failure && r.failure.code != ErrorCode::TooLate)
        return fail(r.failure);
    if (r.failure)
        errLine(r.failure.message);
    else if (!r.changed)
        errLine(QStringLiteral("export %1 was already CANCELLED").arg(id));
    else if (!r.ownerSettled)
        errLine(QStringLiteral("export %1 CANCELLED; its owner did not answer, so its data was settled on its behalf").arg(id));
    outLine(opt.json ? r.status.toJson() : summary(r.status).toUtf8());
    return exitCodeFor(r.failure.code);
}

int runList(const Options &opt)
{
    int code = 0;
    if (!opt.args.isEmpty())
        return usage(QStringLiteral("list takes no arguments"));
    if (!mayRead(opt, &code))
        return code;
    ExportStore store(opt.endpoint, opt.config.keys, opt.config.timeouts);
    Failure failure;
    QList<ExportStore::Entry> entries = store.list(&failure);
    if (failure)
        return fail(failure);
    std::sort(entries.begin(), entries.end(), [](const auto &a, const auto &b) {
        const QDateTime ta = a.status ? a.status->createdAt : QDateTime();
        const QDateTime tb = b.status ? b.status->createdAt : QDateTime();
        return ta < tb;
    });
    if (opt.json) {
        QByteArray out = "[";
        bool first = true;
        for (const auto &e : std::as_const(entries)) {
            if (!e.status) {
                errLine(QStringLiteral("skipping export %1: %2").arg(printableForMessage(e.id), e.problem));
                continue;
            }
            out += (first ? "" : ",") + e.json;
            first = false;
        }
        outLine(out + "]");
        return 0;
    }
    if (entries.isEmpty()) {
        errLine(QStringLiteral("no exports on %1").arg(opt.endpoint.displayName()));
        return 0;
    }
    const QString fmt = QStringLiteral("%1  %2  %3  %4  %5  %6");
    outLine(fmt.arg(QStringLiteral("ID"), -36)
                .arg(QStringLiteral("STATUS"), -9)
                .arg(QStringLiteral("PROGRESS"), 8)
                .arg(QStringLiteral("SIZE"), 10)
                .arg(QStringLiteral("OWNER"), -10)
                .arg(QStringLiteral("SOURCE"))
                .toUtf8());
    for (const auto &e : std::as_const(entries)) {
        if (!e.status) {
            outLine(fmt.arg(printableForMessage(e.id), -36).arg(QStringLiteral("?"), -9).arg(QString(), 8)
                        .arg(QString(), 10).arg(QString(), -10).arg(QStringLiteral("(%1)").arg(e.problem)).toUtf8());
            continue;
        }
        const ExportStatus &s = *e.status;
        const QString pct = s.bytesTotal > 0 ? QStringLiteral("%1%").arg(s.bytesWritten * 100 / s.bytesTotal)
                            : s.state == ExportState::Completed ? QStringLiteral("100%")
                                                                : QStringLiteral("—");
        outLine(fmt.arg(s.id, -36)
                    .arg(s.stateText().left(9), -9)
                    .arg(pct, 8)
                    .arg(formatBytes(s.bytesTotal >= 0 ? s.bytesTotal : s.bytesWritten), 10)
                    .arg(s.owner.left(10), -10)
                    .arg(s.source)
                    .toUtf8());
    }
    return 0;
}

int runFetch(const Options &opt)
{
    int code = 0;
    if (opt.args.size() != 2)
        return usage(QStringLiteral("fetch takes an ID and an OUTPUT file (or - for stdout)"));
    const QString id = opt.args[0];
    if (!isValidExportId(id))
        return usage(QStringLiteral("not an export id: %1 (expected a lowercase UUID)").arg(printableForMessage(id)));
    if (!mayRead(opt, &code))
        return code;
    ExportStore store(opt.endpoint, opt.config.keys, opt.config.timeouts);
    Failure failure;
    if (opt.args[1] == QLatin1String("-")) {
        QFile out;
        out.open(stdout, QIODevice::WriteOnly);
        store.fetchData(id, &out, &failure);
        out.flush();
        return failure ? fail(failure) : 0;
    }
    // Written aside and renamed at the end: a failed fetch leaves no half file.
    QSaveFile out(opt.args[1]);
    if (!out.open(QIODevice::WriteOnly))
        return fail({ErrorCode::Source, QStringLiteral("cannot write %1: %2").arg(opt.args[1], out.errorString())});
    const qint64 n = store.fetchData(id, &out, &failure);
    if (failure) {
        out.cancelWriting();
        return fail(failure);
    }
    if (!out.commit())
        return fail({ErrorCode::Source, QStringLiteral("cannot write %1: %2").arg(opt.args[1], out.errorString())});
    if (opt.verbose)
        errLine(QStringLiteral("wrote %1 bytes to %2, sha256 verified").arg(n).arg(opt.args[1]));
    return 0;
}

int runServer(const Options &opt)
{
    if (opt.args.size() != 1)
        return usage(QStringLiteral("server takes status or stop"));
    if (opt.args[0] == QLatin1String("status")) {
        const auto s = EmbeddedServer::status();
        if (!s.running) {
            outLine(QStringLiteral("embedded Redis server: not running (%1)").arg(s.socket).toUtf8());
            return 5;
        }
        outLine(QStringLiteral("embedded Redis server: running, pid %1, Redis %2, %3 used, %4 keys\nsocket: %5\nurl:    unix://%5")
                    .arg(s.pid)
                    .arg(s.version, s.usedMemory)
                    .arg(s.keys)
                    .arg(s.socket)
                    .toUtf8());
        return 0;
    }
    if (opt.args[0] == QLatin1String("stop")) {
        QString error;
        if (!EmbeddedServer::stop(&error))
            return fail({ErrorCode::Redis, error});
        errLine(QStringLiteral("embedded Redis server stopped"));
        return 0;
    }
    return usage(QStringLiteral("unknown server command \"%1\"; use status or stop").arg(opt.args[0]));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("hbexporter-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PROJECT_VERSION_STRING));

    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption redisOpt(QStringLiteral("redis"), {}, QStringLiteral("URL"));
    const QCommandLineOption userOpt(QStringLiteral("user"), {}, QStringLiteral("NAME"));
    const QCommandLineOption permOpt(QStringLiteral("permissions"), {}, QStringLiteral("FILE"));
    const QCommandLineOption jsonOpt(QStringLiteral("json"));
    const QCommandLineOption ttlOpt(QStringLiteral("ttl"), {}, QStringLiteral("SECONDS"));
    const QCommandLineOption chunkOpt(QStringLiteral("chunk-size"), {}, QStringLiteral("BYTES"));
    const QCommandLineOption bwOpt(QStringLiteral("bwlimit"), {}, QStringLiteral("RATE"));
    const QCommandLineOption verboseOpt(QStringLiteral("verbose"));
    const QCommandLineOption helpOpt(QStringList{QStringLiteral("h"), QStringLiteral("help")});
    const QCommandLineOption versionOpt(QStringLiteral("version"));
    parser.addOptions({redisOpt, userOpt, permOpt, jsonOpt, ttlOpt, chunkOpt, bwOpt, verboseOpt, helpOpt, versionOpt});
    if (!parser.parse(QCoreApplication::arguments()))
        return usage(parser.errorText());
    if (parser.isSet(helpOpt)) {
        fputs(usageText, stdout);
        return 0;
    }
    if (parser.isSet(versionOpt)) {
        outLine(QByteArray("hbexporter-cli ") + PROJECT_VERSION_STRING);
        return 0;
    }
    Options opt;
    opt.verbose = parser.isSet(verboseOpt);
    LogHub::install(opt.verbose, opt.verbose);
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return usage(QStringLiteral("no command given"));
    opt.command = positional.first();
    opt.args = positional.mid(1);
    opt.json = parser.isSet(jsonOpt);
    opt.user = parser.isSet(userOpt) ? parser.value(userOpt) : defaultUserName();
    if (opt.user.trimmed().isEmpty())
        return usage(QStringLiteral("--user needs a name"));

    static const QStringList commands{QStringLiteral("export"), QStringLiteral("status"), QStringLiteral("cancel"),
                                      QStringLiteral("list"),   QStringLiteral("watch"),  QStringLiteral("fetch"),
                                      QStringLiteral("server")};
    if (!commands.contains(opt.command))
        return usage(QStringLiteral("unknown command \"%1\"").arg(printableForMessage(opt.command)));
    if (opt.command != QLatin1String("export")) {
        for (const auto &o : {ttlOpt, chunkOpt, bwOpt})
            if (parser.isSet(o))
                return usage(QStringLiteral("--%1 applies only to export").arg(o.names().first()));
    }

    // Export settings.
    ExporterConfig &cfg = opt.config;
    cfg.user = opt.user;
    if (parser.isSet(ttlOpt)) {
        bool ok = false;
        const qint64 ttl = parser.value(ttlOpt).toLongLong(&ok);
        if (!ok || ttl < 1 || ttl > 365LL * 24 * 3600)
            return usage(QStringLiteral("--ttl must be a number of seconds from 1 to 31536000, not \"%1\"")
                             .arg(parser.value(ttlOpt)));
        cfg.ttlSeconds = int(ttl);
    }
    if (parser.isSet(chunkOpt)) {
        const qint64 chunk = parseByteSize(parser.value(chunkOpt));
        if (chunk < 1 || chunk > ExporterConfig::maxChunkSize)
            return usage(QStringLiteral("--chunk-size must be from 1 byte to 64M, not \"%1\"").arg(parser.value(chunkOpt)));
        cfg.chunkSize = chunk;
    }
    if (parser.isSet(bwOpt)) {
        const qint64 rate = parseByteSize(parser.value(bwOpt));
        if (rate < 1)
            return usage(QStringLiteral("--bwlimit must be a rate in bytes per second such as 512K or 10M, not \"%1\"")
                             .arg(parser.value(bwOpt)));
        cfg.bandwidthLimit = rate;
    }

    if (opt.command == QLatin1String("server"))
        return runServer(opt);

    // flags > environment (CONTRACT §6, §8); the CLI has no saved settings.
    ConfigInputs inputs = ConfigInputs::fromEnvironment();
    inputs.flagUrl = parser.value(redisOpt);
    inputs.flagPermissions = parser.value(permOpt);
    const ResolvedConfig resolved = resolveConfig(inputs);
    QString error;
    opt.permissions = loadResolvedPermissions(resolved, &error);
    if (!opt.permissions)
        return usage(error);
    if (!resolved.useEmbeddedServer && !resolved.endpoint)
        return usage(resolved.urlError);
    if (resolved.useEmbeddedServer && !EmbeddedServer::ensureRunning(&error))
        return fail({ErrorCode::Redis, error});
    opt.endpoint = resolved.useEmbeddedServer ? EmbeddedServer::endpoint() : *resolved.endpoint;
    cfg.endpoint = opt.endpoint;

    if (opt.command == QLatin1String("export"))
        return runExport(opt);
    if (opt.command == QLatin1String("status"))
        return runStatus(opt);
    if (opt.command == QLatin1String("cancel"))
        return runCancel(opt);
    if (opt.command == QLatin1String("list"))
        return runList(opt);
    if (opt.command == QLatin1String("fetch"))
        return runFetch(opt);
#ifdef HB_HAVE_WATCH
    if (opt.command == QLatin1String("watch")) {
        int code = 0;
        if (!mayRead(opt, &code))
            return code;
        return runWatch(opt.endpoint, cfg.keys, 500);
    }
#endif
    return usage(QStringLiteral("\"%1\" is not available in this build").arg(opt.command));
}

// scalebench (issue 21): what 100,000 exports on a server cost a watcher.
//   scalebench fill URL FROM_ID N [TTL_S]   N copies of export FROM_ID's keys (its
//                                           status JSON with the id replaced, its
//                                           data segments), pipelined SET … PX
//   scalebench list URL [--status S,S] [--owner O] [--limit N] [--since S] [--sort]
//                                           the streaming lister; JSON rows to
//                                           stdout, figures to stderr
//   scalebench monitor URL [--follow ID]    an ExportMonitor until SIGTERM (the
//                                           window's monitor; --follow: My exports)
//   scalebench measure URL PID SECONDS      Redis commands/s (INFO commandstats),
//                                           Redis CPU (INFO cpu), PID's CPU and RSS
//                                           (/proc) over SECONDS; PID 0: Redis only
// Run by scripts/bench.sh scale; not a test.
#include "exportlister.h"
#include "exportmonitor.h"
#include "exportstore.h"
#include "redisconnection.h"
#include "redisendpoint.h"
#include "servermeter.h"
#include "statusfill.h"
#include "textescape.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QThread>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <sys/resource.h>
#include <unistd.h>

using namespace hb;

namespace {

RedisEndpoint endpointOf(const QString &url)
{
    QString error;
    const auto e = RedisEndpoint::parse(url, &error);
    if (!e) {
        std::fprintf(stderr, "scalebench: %s\n", qPrintable(error));
        std::exit(2);
    }
    return *e;
}

int fill(const QStringList &args)
{
    if (args.size() < 3) return 2;
    RedisConnection conn(endpointOf(args[0]), RedisTimeouts{5000, 60000});
    const KeyLayout keys;
    const QString from = args[1];
    const qint64 n = args[2].toLongLong();
    const qint64 ttlMs = (args.size() > 3 ? args[3].toLongLong() : 7200) * 1000;
    const RedisReply status = conn.command({"GET", keys.statusKey(from)});
    const auto s = ExportStatus::fromJson(status.string);
    if (!s) {
        std::fprintf(stderr, "scalebench: no status for %s\n", qPrintable(from));
        return 1;
    }
    // The copies get a single data segment with the export's bytes (its first
    // segment when it has several): the keyspace holds a status and a data key each.
    RedisReply data = conn.command({"GET", keys.dataKey(from)});
    if (data.isNil()) data = conn.command({"GET", keys.dataKey(from) + ":0"});
    QElapsedTimer t;
    t.start();
    QString error;
    if (!hb::test::fillExports(
            conn, keys, 0, n,
            [&](qint64 i) {
                ExportStatus c = *s;
                c.id = hb::test::numberedExportId(i);
                return c;
            },
            data.string, ttlMs, &error)) {
        std::fprintf(stderr, "scalebench: fill: %s\n", qPrintable(error));
        return 1;
    }
    std::fprintf(stderr, "filled %lld copies of %s in %.1f s\n", n, qPrintable(from),
                 double(t.elapsed()) / 1000);
    return 0;
}

int list(const QStringList &args)
{
    if (args.isEmpty()) return 2;
    ExportStore store(endpointOf(args[0]), KeyLayout());
    ExportLister::Filter filter;
    bool sort = false;
    for (qsizetype i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--status"))
            for (const QString &w : args.value(++i).split(QLatin1Char(',')))
                filter.states.insert(stateFromName(w));
        else if (args[i] == QLatin1String("--owner"))
            filter.owner = args.value(++i);
        else if (args[i] == QLatin1String("--limit"))
            filter.limit = args.value(++i).toLongLong();
        else if (args[i] == QLatin1String("--since"))
            filter.sinceMs = args.value(++i).toLongLong() * 1000;
        else if (args[i] == QLatin1String("--sort"))
            sort = true;
    }
    QElapsedTimer t;
    t.start();
    QFile out;
    if (!out.open(stdout, QIODevice::WriteOnly)) return 1;
    qint64 rows = 0;
    bool first = true;
    out.write("[");
    QByteArray chunk; // as `list --json` prints: a block a batch, the buffer kept
    auto print = [&](const QList<ExportLister::Row> &batch) {
        chunk.resize(0);
        for (const auto &e : batch) {
            if (!e.status) continue;
            if (!first) chunk += ',';
            chunk += e.status->isPlain() ? e.json : escapeUntrustedJson(e.json);
            first = false;
            ++rows;
        }
        out.write(chunk);
        return true;
    };
    ExportLister lister(store);
    Failure failure;
    if (sort) {
        const auto all = lister.collectSorted(filter, &failure);
        print(all);
    } else {
        failure = lister.stream(filter, print);
    }
    out.write("]\n");
    out.flush();
    rusage ru = {};
    getrusage(RUSAGE_SELF, &ru);
    std::fprintf(stderr, "list: %lld rows in %.3f s, %d SCAN steps, peak RSS %.1f MiB%s%s\n", rows,
                 double(t.nsecsElapsed()) / 1e9, lister.scanSteps(), double(ru.ru_maxrss) / 1024,
                 failure ? ", failed: " : "", qPrintable(failure.message));
    return failure ? 1 : 0;
}

volatile std::sig_atomic_t g_stop = 0;

int monitor(int argc, char **argv, const QStringList &args)
{
    if (args.isEmpty()) return 2;
    QCoreApplication app(argc, argv);
    ExportMonitor::Options opts;
    for (qsizetype i = 1; i < args.size(); ++i)
        if (args[i] == QLatin1String("--follow")) {
            opts.followOnly = true;
            opts.followed.append(args.value(++i));
        }
    ExportMonitor m(endpointOf(args[0]), KeyLayout(), opts);
    qint64 updates = 0, removed = 0;
    QObject::connect(&m, &ExportMonitor::exportsUpdated,
                     [&](const QList<ExportStatus> &l) { updates += l.size(); });
    QObject::connect(&m, &ExportMonitor::exportsRemoved,
                     [&](const QStringList &l) { removed += l.size(); });
    QElapsedTimer t;
    t.start();
    QObject::connect(&m, &ExportMonitor::scanned, [&](int count) {
        static bool once = false;
        if (!once)
            std::fprintf(stderr, "monitor: first scan done in %.2f s, %d exports\n",
                         double(t.elapsed()) / 1000, count);
        once = true;
    });
    std::signal(SIGTERM, [](int) { g_stop = 1; });
    std::signal(SIGINT, [](int) { g_stop = 1; });
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, [&] {
        if (g_stop) app.quit();
    });
    poll.start(100);
    m.start();
    app.exec();
    std::fprintf(stderr, "monitor: %lld updates, %lld removals\n", updates, removed);
    return 0;
}

int measure(const QStringList &args)
{
    if (args.size() < 3) return 2;
    bench::ServerMeter meter(endpointOf(args[0]));
    const qint64 pid = args[1].toLongLong();
    const int seconds = args[2].toInt();
    meter.start();
    const double cpu0 = pid > 0 ? bench::processCpuSeconds(pid) : 0;
    QThread::sleep(seconds);
    const bench::ServerMeter::Reading r = meter.read();
    const double cpu1 = pid > 0 ? bench::processCpuSeconds(pid) : 0;
    std::printf("over %.1f s: redis %.1f commands/s (%s), redis CPU %.2f %% of a core", r.seconds,
                r.callsPerSecond(), r.detail.constData(), r.redisCpuPercent());
    if (meter.nodes() > 1) std::printf(" (summed over %d masters)", meter.nodes());
    if (pid > 0)
        std::printf("; pid %lld CPU %.2f %% of a core, RSS %.1f MiB (peak %.1f MiB)", pid,
                    100 * (cpu1 - cpu0) / r.seconds, double(bench::processKiB(pid, "VmRSS")) / 1024,
                    double(bench::processKiB(pid, "VmHWM")) / 1024);
    std::printf("\n");
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QStringList args;
    for (int i = 2; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);
    const QByteArray cmd = argc > 1 ? QByteArray(argv[1]) : QByteArray();
    int rc = 2;
    if (cmd == "fill")
        rc = fill(args);
    else if (cmd == "list")
        rc = list(args);
    else if (cmd == "monitor")
        rc = monitor(argc, argv, args);
    else if (cmd == "measure")
        rc = measure(args);
    if (rc == 2)
        std::fprintf(stderr, "usage: scalebench fill|list|monitor|measure … (see the source)\n");
    return rc;
}

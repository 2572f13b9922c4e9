// windowbench (issue 21): the real window on a server that holds N exports, and
// how soon a change shows in the window and in `hbexporter-cli watch`.
//   windowbench URL N CLI [SECONDS]
// URL: a server filled by `scalebench fill` with N exports (a cluster seed works:
// Redis figures are then summed over its masters); CLI: hbexporter-cli, run as
// child processes. In order, figures on stdout, one line each:
//   1. the window with My exports only, idle, over SECONDS (default 30): Redis
//      commands/s and CPU, the window's CPU and RSS;
//   2. All exports opened: how long until its model holds the N rows; sorting by
//      each of five columns (sortByColumn and the repaint); the name filter;
//   3. All exports idle over SECONDS, the same figures as 1;
//   4. with a `watch` running beside it: an export started by the CLI (paced, so
//      it runs), then cancelled by the CLI: from the command's start until the
//      window's model and watch's output show it; a status SET without its PUBLISH
//      (found by the paced resync); one SET without PUBLISH and then CLIENT KILL
//      TYPE pubsub on every master (a reconnect resyncs at once).
// Run by scripts/bench.sh scale; not a test. Exit status 1 when a step did not
// happen within its deadline (the figure then says "not within").
#include "allexportsmodel.h"
#include "allexportsview.h"
#include "exportconfig.h"
#include "exportstatus.h"
#include "mainwindow.h"
#include "redisconnection.h"
#include "redisendpoint.h"
#include "servermeter.h"
#include "statusfill.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QHash>
#include <QLineEdit>
#include <QProcess>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QTreeView>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <sys/resource.h>

using namespace hb;

namespace {

double selfCpuSeconds()
{
    rusage ru = {};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Runs the event loop until `done` holds (checked every 5 ms) or the deadline: the
// milliseconds it took, or -1.
qint64 waitFor(const std::function<bool()> &done, int deadlineMs)
{
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > deadlineMs) return -1;
        QEventLoop loop;
        QTimer::singleShot(5, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return t.elapsed();
}

void idleFor(int seconds)
{
    QEventLoop loop;
    QTimer::singleShot(seconds * 1000, &loop, &QEventLoop::quit);
    loop.exec();
}

// What an idle interval cost: Redis's commands and CPU, this process's CPU and RSS.
void reportIdle(const char *what, bench::ServerMeter &meter, int seconds)
{
    meter.start();
    const double cpu0 = selfCpuSeconds();
    idleFor(seconds);
    const bench::ServerMeter::Reading r = meter.read();
    const double cpu = selfCpuSeconds() - cpu0;
    std::printf("%s, idle %.1f s: redis %.1f commands/s (%s), redis CPU %.2f %% of a core; "
                "window CPU %.2f %% of a core, RSS %.1f MiB (peak %.1f MiB)\n",
                what, r.seconds, r.callsPerSecond(), r.detail.constData(), r.redisCpuPercent(),
                100 * cpu / r.seconds, double(bench::processKiB(getpid(), "VmRSS")) / 1024,
                double(bench::processKiB(getpid(), "VmHWM")) / 1024);
    std::fflush(stdout);
}

QString ms(qint64 v, int deadlineMs)
{
    return v < 0 ? QStringLiteral("not within %1 ms").arg(deadlineMs)
                 : QStringLiteral("%1 ms").arg(v);
}

// `hbexporter-cli watch`, piped: the state it last printed for each id.
class WatchReader final
{
public:
    WatchReader(const QString &cli, const QString &url)
    {
        QObject::connect(&m_process, &QProcess::readyReadStandardOutput, [this] { readLines(); });
        m_process.setStandardErrorFile(QProcess::nullDevice());
        m_process.start(cli, {QStringLiteral("watch"), QStringLiteral("--redis"), url});
    }
    ~WatchReader()
    {
        m_process.terminate();
        if (!m_process.waitForFinished(5000)) m_process.kill();
        m_process.waitForFinished(5000);
    }
    qsizetype seen() const { return m_state.size(); }
    QString stateOf(const QString &id) const { return m_state.value(id); }
    // From now on, newIds() are the ids first printed after this call.
    void markNew()
    {
        m_new.clear();
        m_marked = true;
    }
    const QStringList &newIds() const { return m_new; }

private:
    void readLines()
    {
        while (m_process.canReadLine()) {
            // "TIME ID STATE owner=… …", or "TIME ID REMOVED"
            const QList<QByteArray> f = m_process.readLine().split(' ');
            if (f.size() < 3) continue;
            const QString id = QString::fromLatin1(f[1]);
            const QString state = QString::fromLatin1(f[2]).trimmed();
            if (state == QLatin1String("REMOVED")) {
                m_state.remove(id);
            } else {
                if (m_marked && !m_state.contains(id)) m_new.append(id);
                m_state.insert(id, state);
            }
        }
    }
    QProcess m_process;
    QHash<QString, QString> m_state;
    QStringList m_new;
    bool m_marked = false;
};

int run(int argc, char **argv)
{
    QApplication app(argc, argv);
    if (argc < 4) {
        std::fprintf(stderr, "usage: windowbench URL N CLI [SECONDS]\n");
        return 2;
    }
    const QString url = QString::fromLocal8Bit(argv[1]);
    const qint64 n = QByteArray(argv[2]).toLongLong();
    const QString cli = QString::fromLocal8Bit(argv[3]);
    const int seconds = argc > 4 ? QByteArray(argv[4]).toInt() : 30;
    QString error;
    const auto endpoint = RedisEndpoint::parse(url, &error);
    if (!endpoint) {
        std::fprintf(stderr, "windowbench: %s\n", qPrintable(error));
        return 2;
    }
    QTemporaryDir dir;
    bench::ServerMeter meter(*endpoint);
    int failures = 0;

    MainWindowOptions options;
    options.settingsFile = dir.filePath(QStringLiteral("settings.ini"));
    options.journalFolder = dir.filePath(QStringLiteral("journal"));
    options.redisUrl = url;
    MainWindow w(options);
    w.resize(1280, 800);
    w.show();
    if (waitFor([&] { return w.isServerReady(); }, 30000) < 0) {
        std::fprintf(stderr, "windowbench: the window's server never became ready\n");
        return 1;
    }
    reportIdle("window, My exports only", meter, seconds);

    AllExportsView *all = w.allExportsView();
    if (!all) {
        std::fprintf(stderr, "windowbench: no All exports tab (no export:read?)\n");
        return 1;
    }
    AllExportsModel *model = all->model();
    w.tabs()->setCurrentWidget(all);
    // A deadline that grows with N: 60 s, or 1 s per 5,000 exports.
    const int loadDeadlineMs = int(std::max<qint64>(60000, n / 5));
    const qint64 loaded = waitFor([&] { return model->rowCount() >= n; }, loadDeadlineMs);
    failures += loaded < 0;
    std::printf("window, All exports opened: %lld rows in %s (RSS %.1f MiB)\n",
                qint64(model->rowCount()), qPrintable(ms(loaded, loadDeadlineMs)),
                double(bench::processKiB(getpid(), "VmRSS")) / 1024);

    QTreeView *tree = all->treeView();
    // Each column three times each way; the median and the slowest of the six.
    QStringList sorts;
    for (const int column : {AllExportsModel::Source, AllExportsModel::Status, AllExportsModel::Age,
                             AllExportsModel::Owner, AllExportsModel::Id}) {
        QList<qint64> times;
        QElapsedTimer t;
        for (int round = 0; round < 6; ++round) {
            t.start();
            tree->sortByColumn(column, round % 2 ? Qt::AscendingOrder : Qt::DescendingOrder);
            QCoreApplication::processEvents();
            tree->viewport()->repaint();
            times.append(t.elapsed());
        }
        std::sort(times.begin(), times.end());
        sorts << QStringLiteral("%1 %2 (%3)")
                     .arg(model->headerData(column, Qt::Horizontal).toString())
                     .arg(times[3])
                     .arg(times.last());
    }
    std::printf("window, All exports sorted by, ms, median (slowest) of 6: %s\n",
                qPrintable(sorts.join(QStringLiteral(", "))));
    all->filterEdit()->setText(QStringLiteral("no-such-name"));
    const qint64 filtered = waitFor([&] { return tree->model()->rowCount() == 0; }, 10000);
    all->filterEdit()->clear();
    const qint64 unfiltered = waitFor([&] { return tree->model()->rowCount() >= n; }, 10000);
    std::printf("window, All exports name filter (its typing pause included): applied %s, "
                "cleared %s\n",
                qPrintable(ms(filtered, 10000)), qPrintable(ms(unfiltered, 10000)));
    reportIdle("window, All exports open", meter, seconds);

    // A watch beside the window, then changes made by others.
    WatchReader watch(cli, url);
    const qint64 watchLoaded = waitFor([&] { return watch.seen() >= n; }, loadDeadlineMs);
    failures += watchLoaded < 0;
    std::printf("watch beside it: printed %lld exports in %s\n", qint64(watch.seen()),
                qPrintable(ms(watchLoaded, loadDeadlineMs)));

    const QString file = dir.filePath(QStringLiteral("paced.bin"));
    {
        QFile f(file);
        if (!f.open(QIODevice::WriteOnly)) return 1;
        f.write(QByteArray(8 << 20, 'x'));
    }
    auto modelState = [&](const QString &id) {
        const int row = model->rowOf(id);
        return row < 0 ? -1 : model->index(row, 0).data(AllExportsModel::StateRole).toInt();
    };
    // From now until both the window and watch show it: each one's milliseconds.
    auto timeBoth = [&](const char *what, const std::function<bool()> &inWindow,
                        const std::function<bool()> &inWatch, int deadlineMs) {
        QElapsedTimer since;
        since.start();
        qint64 windowMs = -1, watchMs = -1;
        waitFor(
            [&] {
                if (windowMs < 0 && inWindow()) windowMs = since.elapsed();
                if (watchMs < 0 && inWatch()) watchMs = since.elapsed();
                return windowMs >= 0 && watchMs >= 0;
            },
            deadlineMs);
        failures += (windowMs < 0) + (watchMs < 0);
        std::printf("%s: window %s, watch %s\n", what, qPrintable(ms(windowMs, deadlineMs)),
                    qPrintable(ms(watchMs, deadlineMs)));
        std::fflush(stdout);
    };

    watch.markNew();
    QProcess exporter;
    exporter.setStandardOutputFile(QProcess::nullDevice());
    exporter.setStandardErrorFile(QProcess::nullDevice());
    exporter.start(cli, {QStringLiteral("export"), file, QStringLiteral("--redis"), url,
                         QStringLiteral("--bwlimit"), QStringLiteral("1M"),
                         QStringLiteral("--chunk-size"), QStringLiteral("64K")});
    // The new export's id, from whichever shows it first.
    QString started;
    const int before = model->rowCount(); // the model appends: the first new row is it
    auto newRow = [&] {
        if (model->rowCount() <= before) return false;
        const QString id = model->index(before, 0).data(AllExportsModel::IdRole).toString();
        if (started.isEmpty()) started = id;
        return id == started;
    };
    auto newLine = [&] {
        if (started.isEmpty() && !watch.newIds().isEmpty()) started = watch.newIds().first();
        return !started.isEmpty() && !watch.stateOf(started).isEmpty();
    };
    timeBoth("a new export (from the CLI's start)", newRow, newLine, 10000);

    if (started.isEmpty()) return 1; // said above: "not within"
    QProcess canceller;
    canceller.setStandardOutputFile(QProcess::nullDevice());
    canceller.setStandardErrorFile(QProcess::nullDevice());
    canceller.start(cli, {QStringLiteral("cancel"), started, QStringLiteral("--redis"), url});
    timeBoth(
        "its cancel (from `cancel`'s start)",
        [&] { return modelState(started) == int(ExportState::Cancelled); },
        [&] { return watch.stateOf(started) == QLatin1String("CANCELLED"); }, 10000);
    canceller.waitForFinished(10000);
    exporter.waitForFinished(10000);

    // Statuses written without their PUBLISH, as a writer that died between the two
    // would leave them (or a message lost on the way).
    RedisConnection conn(*endpoint);
    const KeyLayout keys;
    auto setSilently = [&](const QString &id) {
        const ExportStatus s =
            test::madeStatus(id, ExportState::Pending, QDateTime::currentDateTimeUtc());
        conn.command({"SET", keys.statusKey(id), s.toJson(), "PX", "3600000"});
    };
    const QString silent = test::numberedExportId(n + 1, 0x5e7e0001);
    setSilently(silent);
    timeBoth(
        "a status SET without PUBLISH",
        [&] { return modelState(silent) == int(ExportState::Pending); },
        [&] { return watch.stateOf(silent) == QLatin1String("PENDING"); }, 90000);

    const QString lost = test::numberedExportId(n + 2, 0x5e7e0001);
    setSilently(lost);
    meter.onEveryNode({"CLIENT", "KILL", "TYPE", "pubsub"});
    timeBoth(
        "a status SET without PUBLISH, then CLIENT KILL TYPE pubsub",
        [&] { return modelState(lost) == int(ExportState::Pending); },
        [&] { return watch.stateOf(lost) == QLatin1String("PENDING"); }, 30000);
    conn.command({"DEL", keys.statusKey(silent)});
    conn.command({"DEL", keys.statusKey(lost)});
    return failures ? 1 : 0;
}

} // namespace

int main(int argc, char **argv)
{
    Q_INIT_RESOURCE(resources); // hbui is a static library: its icons need a nudge
    return run(argc, argv);
}

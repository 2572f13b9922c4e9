// hbbench: is an export limited by Redis, or by us? (issues #6 and #10)
//
// Measures, as ratios against baselines run in the same invocation, each on a
// freshly started redis-server (unix socket, temp folder, memory not yet touched)
// and on a warm one (the same server right after that first run):
//   1. throughput of 1 export and of N at once (default 4), 256 MiB files, of:
//        - the bare segmented loader (shared/probes/segments.c's algorithm, run as
//          threads of this program), with and without a SHA-256 of its own;
//        - segments.c itself, built from tests/bench/probes/, as N processes (a
//          cross-check of the re-implementation);
//        - the presized single string (limit.c's algorithm): the old reference;
//        - hb::Exporter in-process, and `hbexporter-cli export` as a child process;
//      with, for each run, another client's worst PING round trip and p99 (a
//      pinger as pinglat.c, every 5 ms, on a connection of its own), Redis's
//      used_memory per exported byte, and the CPU of the exporter and of
//      redis-server (/proc/PID/stat or wait4) to say what bounds the export;
//   1b. TLS: the CLI's export over rediss:// against plain TCP to one server, the
//      ratio (issue 11: >= 0.7x);
//   2. a segment-size sweep (bare loader and Exporter, 1 and N at once);
//   3. peak RSS of the CLI for several file sizes;
//   4. --big: a 2 GiB file exported by the CLI and fetched back byte-exact
//      (`hbexporter-cli fetch ID -` through a pipe into SHA-256), peak RSS of both;
//   5. cancel latency, Exporter::cancel() -> exportFinished(CANCELLED), p50/p99;
//   6. event-loop lateness of a 10 ms timer while 8 exports run, with the Exporter
//      alone and with the window's list model + view holding 1,000 finished rows.
// Every reply is checked, the first run of every variant has its data verified by
// sha256 and the contract's key layout (CONTRACT §1, §2, §4), any failure exits 1,
// missed targets are reported (not errors), and a watchdog bounds the whole run.

#include "exportconfig.h"
#include "exporter.h"
#include "exportstatus.h"
#include "permissions.h"
#include "rawload.h"
#include "redisconnection.h"
#include "testcluster.h"
#include "testredis.h"
#include "testtls.h"

#ifdef HBBENCH_HAVE_UI
#include "exportlistmodel.h"
#include "exportlistwidget.h"
#endif

#include <QApplication>
#include <QCommandLineParser>
#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSet>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTimer>

#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

namespace {

using namespace hb;
using namespace hbbench;
using hb::test::TestRedisServer;

constexpr qint64 MiB = 1024 * 1024;
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

struct BenchError : std::runtime_error
{
    explicit BenchError(const QString &what) : std::runtime_error(what.toStdString()) {}
};

[[noreturn]] void fail(const QString &what)
{
    throw BenchError(what);
}

// ---- watchdog: the whole run is bounded; on expiry kill our children and exit 3.
volatile sig_atomic_t g_redisPid = 0;

void onWatchdog(int)
{
    static const char msg[] = "hbbench: watchdog expired (--timeout) or interrupted; aborting\n";
    for (auto &c : g_children) {
        const pid_t p = c.load();
        if (p > 0) ::kill(p, SIGKILL);
    }
    if (g_redisPid > 0) ::kill(pid_t(g_redisPid), SIGKILL);
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(3);
}

double g_t0 = 0; // monoNow() at start, for the progress lines
QString g_startLoad;

void note(const QString &s)
{
    std::fprintf(stderr, "[%6.1f s] %s\n", g_t0 > 0 ? hbbench::monoNow() - g_t0 : 0.0,
                 qPrintable(s));
    std::fflush(stderr);
}

std::vector<double> finite(std::vector<double> v)
{
    v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }),
            v.end());
    return v;
}

double median(std::vector<double> v)
{
    v = finite(std::move(v));
    if (v.empty()) return NaN;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
double minOf(std::vector<double> v)
{
    v = finite(std::move(v));
    return v.empty() ? NaN : *std::min_element(v.begin(), v.end());
}
double maxOf(std::vector<double> v)
{
    v = finite(std::move(v));
    return v.empty() ? NaN : *std::max_element(v.begin(), v.end());
}
double percentile(const std::vector<double> &v, double p)
{
    return percentileOf(finite(v), p);
}

QString fmt(double v, int prec = 1)
{
    return std::isfinite(v) ? QString::number(v, 'f', prec) : QStringLiteral("n/a");
}
// "median [min-max]", or just the value for one run.
QString medRange(const std::vector<double> &v, int prec)
{
    const auto f = finite(v);
    if (f.empty()) return QStringLiteral("n/a");
    if (f.size() == 1) return fmt(f[0], prec);
    return QStringLiteral("%1 [%2-%3]")
        .arg(fmt(median(f), prec), fmt(minOf(f), prec), fmt(maxOf(f), prec));
}

// ---- the project's configuration, whatever this tree's core has (the write path
// is being replaced under issue 10: segmentBytes appears, presize goes).
template <typename C, typename = void> struct HasSegmentBytes : std::false_type
{
};
template <typename C>
struct HasSegmentBytes<C, std::void_t<decltype(std::declval<C &>().segmentBytes)>> : std::true_type
{
};
constexpr bool kCoreHasSegments = HasSegmentBytes<ExporterConfig>::value;

template <typename C> qint64 projectSegmentBytes(const C &c)
{
    if constexpr (HasSegmentBytes<C>::value)
        return qint64(c.segmentBytes);
    else
        return 0;
}
template <typename C> void setSegmentBytes(C &c, qint64 v)
{
    if constexpr (HasSegmentBytes<C>::value)
        c.segmentBytes = v;
    else
        (void)c, (void)v;
}

ExporterConfig benchConfig(const TestRedisServer &server, qint64 segmentBytes)
{
    ExporterConfig cfg;
    cfg.endpoint = server.endpoint();
    cfg.timeouts = RedisTimeouts{5000, 60000};
    cfg.user = QStringLiteral("bench");
    if (segmentBytes > 0) setSegmentBytes(cfg, segmentBytes);
    return cfg;
}

// ---- Redis helpers on the project's connection (admin side, outside timings).

RedisReply must(RedisConnection &c, const QList<QByteArray> &args)
{
    RedisReply r = c.command(args);
    if (r.isError())
        fail(QStringLiteral("%1: %2").arg(QString::fromLatin1(args.value(0)), r.error.message));
    return r;
}

// Deletes every key with DEL, not FLUSHALL: FLUSHALL SYNC also purges jemalloc
// (Redis 6.2+ hands the freed pages back to the kernel), which would make the next
// "warm" run as cold as a fresh server. Freed pages stay in jemalloc for reuse.
void clearKeys(RedisConnection &c)
{
    for (int round = 0; round < 100; ++round) {
        const RedisReply keys = must(c, {"KEYS", "*"});
        if (keys.elements.isEmpty()) return;
        QList<QByteArray> del{"DEL"};
        for (const RedisReply &k : keys.elements) {
            del << k.string;
            if (del.size() == 1001) {
                must(c, del);
                del = {"DEL"};
            }
        }
        if (del.size() > 1) must(c, del);
    }
    fail(QStringLiteral("keys keep appearing: cannot clear the server"));
}

QByteArray infoField(RedisConnection &c, const QByteArray &section, const QByteArray &field)
{
    const RedisReply r = must(c, {"INFO", section});
    for (const QByteArray &l : r.string.split('\n'))
        if (l.startsWith(field + ':')) return l.mid(field.size() + 1).trimmed();
    fail(QStringLiteral("INFO %1 has no %2")
             .arg(QString::fromLatin1(section), QString::fromLatin1(field)));
}

qint64 usedMemory(RedisConnection &c)
{
    return infoField(c, "memory", "used_memory").toLongLong();
}

// redis-server's CPU seconds so far, all its threads (INFO cpu: getrusage, in µs;
// /proc/PID/stat's 10 ms ticks are too coarse for a run of a few tenths of a second).
double redisCpuS(RedisConnection &c)
{
    return infoField(c, "cpu", "used_cpu_sys").toDouble() +
           infoField(c, "cpu", "used_cpu_user").toDouble();
}

// Contract deviations found while verifying: printed once each under "Contract checks".
QStringList g_contractNotes;
void contractNote(const QString &s)
{
    if (!g_contractNotes.contains(s)) g_contractNotes << s;
}

// Hashes keys' values in order (pipelined GETRANGE pieces, raw hiredis); checks
// each length against `lengths`.
std::string g_verifySocket; // the server being verified
QByteArray hashKeys(RedisConnection &, const QList<QByteArray> &keys,
                    const std::vector<qint64> &lengths)
{
    std::vector<std::string> k;
    for (const QByteArray &key : keys)
        k.push_back(key.toStdString());
    try {
        return QByteArray::fromStdString(hbbench::hashKeys(
            g_verifySocket, k, std::vector<int64_t>(lengths.begin(), lengths.end())));
    } catch (const std::exception &e) {
        fail(QStringLiteral("verify: %1").arg(QString::fromStdString(e.what())));
    }
}

// The keys "<prefix>:0".. of a bare segmented load: the file's bytes, in order.
void verifySegments(RedisConnection &c, const QByteArray &prefix, qint64 size, qint64 seg,
                    const QByteArray &sha)
{
    QList<QByteArray> keys;
    std::vector<qint64> lens;
    for (qint64 k = 0; k * seg < size; ++k) {
        keys << prefix + ':' + QByteArray::number(k);
        lens.push_back(std::min(seg, size - k * seg));
    }
    if (hashKeys(c, keys, lens) != sha)
        fail(QStringLiteral("%1:*: sha256 differs from the file's")
                 .arg(QString::fromLatin1(prefix)));
}

QJsonObject statusJson(RedisConnection &c, const QString &id)
{
    const KeyLayout keys;
    const RedisReply st = must(c, {"GET", keys.statusKey(id)});
    if (st.type != RedisReply::Type::String)
        fail(QStringLiteral("export %1: no status key").arg(id));
    const QJsonDocument d = QJsonDocument::fromJson(st.string);
    if (!d.isObject()) fail(QStringLiteral("export %1: status is not a JSON object").arg(id));
    return d.object();
}

// The data keys an export holds, in order, and their lengths (CONTRACT §1): the
// single key "-data" and/or "-data:k". Checks that the segments are contiguous.
struct DataKeys
{
    QList<QByteArray> keys;
    std::vector<qint64> lengths;
    qint64 total = 0;
    bool single = false; // "-data" exists
    int segments = 0;    // "-data:k" keys
};

DataKeys dataKeysOf(RedisConnection &c, const QString &id)
{
    const KeyLayout layout;
    const QByteArray base = layout.dataKey(id);
    DataKeys d;
    const RedisReply one = must(c, {"STRLEN", base});
    const RedisReply all = must(c, {"KEYS", base + ":*"});
    d.segments = int(all.elements.size());
    d.single = one.integer > 0 || must(c, {"EXISTS", base}).integer == 1;
    if (d.single) {
        d.keys << base;
        d.lengths.push_back(one.integer);
        d.total += one.integer;
    }
    for (int k = 0; k < d.segments; ++k) {
        const QByteArray key = base + ':' + QByteArray::number(k);
        const RedisReply len = must(c, {"STRLEN", key});
        if (len.integer == 0 && must(c, {"EXISTS", key}).integer == 0)
            fail(QStringLiteral("export %1: %2 segment keys but %3 is missing")
                     .arg(id)
                     .arg(d.segments)
                     .arg(QString::fromLatin1(key)));
        d.keys << key;
        d.lengths.push_back(len.integer);
        d.total += len.integer;
    }
    if (d.single && d.segments > 0)
        fail(QStringLiteral("export %1: both %2 and %2:0.. exist")
                 .arg(id, QString::fromLatin1(base)));
    return d;
}

// A COMPLETED export of `size` bytes with this sha: status, layout, data, TTLs.
void verifyExport(RedisConnection &c, const QString &id, qint64 size, const QByteArray &sha)
{
    const KeyLayout layout;
    const QJsonObject st = statusJson(c, id);
    if (st.value(QStringLiteral("status")).toString() != QLatin1String("COMPLETED") ||
        st.value(QStringLiteral("bytesWritten")).toInteger() != size ||
        st.value(QStringLiteral("sha256")).toString().toLatin1() != sha)
        fail(QStringLiteral("export %1: status %2, %3 bytes, sha256 %4; expected COMPLETED, %5, %6")
                 .arg(id, st.value(QStringLiteral("status")).toString())
                 .arg(st.value(QStringLiteral("bytesWritten")).toInteger())
                 .arg(st.value(QStringLiteral("sha256")).toString())
                 .arg(size)
                 .arg(QString::fromLatin1(sha)));
    const qint64 seg = st.value(QStringLiteral("segmentBytes")).toInteger(0);
    const DataKeys d = dataKeysOf(c, id);
    if (seg > 0) {
        const bool fits = size <= seg;
        const int expected = fits ? 0 : int((size + seg - 1) / seg);
        if (fits ? !d.single : (d.single || d.segments != expected))
            fail(
                QStringLiteral("export %1 (%2 bytes, segmentBytes %3): %4 the single key, %5 "
                               "segment keys, expected %6")
                    .arg(id)
                    .arg(size)
                    .arg(seg)
                    .arg(d.single ? QStringLiteral("has") : QStringLiteral("lacks"))
                    .arg(d.segments)
                    .arg(fits ? QStringLiteral("the single key only") : QString::number(expected)));
        for (size_t i = 0; i + 1 < d.lengths.size(); ++i)
            if (d.lengths[i] != seg)
                fail(QStringLiteral("export %1: segment %2 holds %3 bytes, not segmentBytes %4")
                         .arg(id)
                         .arg(i)
                         .arg(d.lengths[i])
                         .arg(seg));
        if (!st.contains(QStringLiteral("segments")))
            contractNote(QStringLiteral(
                "a COMPLETED status has segmentBytes but no \"segments\" field (CONTRACT §2)"));
        else if (st.value(QStringLiteral("segments")).toInteger() != (fits ? 1 : expected))
            contractNote(QStringLiteral("status \"segments\" %1 for a %2-segment export")
                             .arg(st.value(QStringLiteral("segments")).toInteger())
                             .arg(fits ? 1 : expected));
    } else {
        if (!d.single || d.segments > 0)
            fail(QStringLiteral(
                     "export %1: no segmentBytes in its status, yet not the single key layout")
                     .arg(id));
        contractNote(QStringLiteral("status JSON has no \"segmentBytes\": single-string layout "
                                    "(the write path before issue 10)"));
    }
    if (hashKeys(c, d.keys, d.lengths) != sha)
        fail(QStringLiteral("export %1: data sha256 differs from the file's").arg(id));
    const RedisReply stTtl = must(c, {"PTTL", layout.statusKey(id)});
    if (stTtl.integer <= 0)
        fail(QStringLiteral("export %1: status key has no TTL (%2)").arg(id).arg(stTtl.integer));
    for (const QByteArray &k : d.keys) {
        const RedisReply ttl = must(c, {"PTTL", k});
        if (ttl.integer <= 0)
            fail(QStringLiteral("%1 has no TTL (%2)").arg(QString::fromLatin1(k)).arg(ttl.integer));
        if (ttl.integer < stTtl.integer)
            contractNote(QStringLiteral("a data key expires before its status key (CONTRACT §4: "
                                        "data outlives status by a margin)"));
    }
}

// A CANCELLED (settled) export: its data keys hold exactly bytesWritten bytes, none beyond.
void verifyCancelled(RedisConnection &c, const QString &id, qint64 bytesWritten)
{
    const DataKeys d = dataKeysOf(c, id);
    if (d.total != bytesWritten)
        fail(QStringLiteral("cancelled export %1: data keys hold %2 bytes, bytesWritten %3")
                 .arg(id)
                 .arg(d.total)
                 .arg(bytesWritten));
    const qint64 seg = statusJson(c, id).value(QStringLiteral("segmentBytes")).toInteger(0);
    if (seg > 0)
        for (size_t i = 0; i < d.lengths.size(); ++i)
            if (d.lengths[i] == 0 || (i + 1 < d.lengths.size() && d.lengths[i] != seg))
                fail(QStringLiteral(
                         "cancelled export %1: segment %2 holds %3 bytes (segmentBytes %4)")
                         .arg(id)
                         .arg(i)
                         .arg(d.lengths[i])
                         .arg(seg));
}

// ---- the original design (variant "original", optional): 64 KiB APPENDs, each
// followed by a status SET, each waited for.
void originalLoader(const std::string &socket, const QString &file, const QByteArray &id,
                    qint64 size)
{
    constexpr qint64 chunk = 64 * 1024;
    RawRedis r(socket);
    QFile in(file);
    if (!in.open(QIODevice::ReadOnly)) fail(QStringLiteral("open %1").arg(file));
    const QByteArray dataKey = "orig:{" + id + "}-data";
    const QByteArray statusKey = "orig:{" + id + "}";
    ExportStatus s;
    s.id = QString::fromLatin1(id);
    s.state = ExportState::Pending;
    s.owner = QStringLiteral("bench");
    s.source = QFileInfo(file).fileName();
    s.bytesTotal = size;
    s.createdAt = QDateTime::currentDateTimeUtc();
    qint64 off = 0;
    while (off < size) {
        const QByteArray buf = in.read(std::min(chunk, size - off));
        if (buf.isEmpty()) fail(QStringLiteral("%1: short read at %2").arg(file).arg(off));
        {
            const char *argv[] = {"APPEND", dataKey.constData(), buf.constData()};
            const size_t lens[] = {6, size_t(dataKey.size()), size_t(buf.size())};
            r.send(3, argv, lens);
            r.expect(REDIS_REPLY_INTEGER, off + buf.size());
        }
        off += buf.size();
        s.bytesWritten = off;
        s.updatedAt = QDateTime::currentDateTimeUtc();
        const QByteArray json = s.toJson();
        const char *argv[] = {"SET", statusKey.constData(), json.constData()};
        const size_t lens[] = {3, size_t(statusKey.size()), size_t(json.size())};
        r.send(3, argv, lens);
        r.expect(REDIS_REPLY_STATUS);
    }
}

// ---- in-process event loop helpers.

// Runs a nested event loop until pred() holds (checked whenever poke() is called)
// or the timeout passes.
class Waiter
{
public:
    bool wait(const std::function<bool()> &pred, int timeoutMs)
    {
        if (pred()) return true;
        QEventLoop loop;
        QTimer timeout;
        timeout.setSingleShot(true);
        QObject::connect(&timeout, &QTimer::timeout, &loop, [&] { loop.exit(1); });
        timeout.start(timeoutMs);
        m_loop = &loop;
        m_pred = pred;
        loop.exec();
        m_loop = nullptr;
        m_pred = nullptr;
        return pred();
    }
    void poke()
    {
        if (m_loop && m_pred && m_pred()) m_loop->quit();
    }

private:
    QEventLoop *m_loop = nullptr;
    std::function<bool()> m_pred;
};

struct Finished
{
    bool done = false;
    ExportStatus status;
    int code = -1;
    QString message;
    double at = 0; // monoNow()
};

// Collects exportFinished (and PENDING) per id.
class ExportTracker : public QObject
{
public:
    ExportTracker(Exporter &ex, Waiter &w)
    {
        QObject::connect(&ex, &Exporter::exportFinished, this,
                         [this, &w](const QString &id, const ExportStatus &s, ErrorCode code,
                                    const QString &msg) {
                             Finished &f = finished[id];
                             f.done = true;
                             f.status = s;
                             f.code = int(code);
                             f.message = msg;
                             f.at = monoNow();
                             w.poke();
                         });
        QObject::connect(&ex, &Exporter::statusChanged, this,
                         [this](const QString &id, const ExportStatus &s) {
                             if (s.state == ExportState::Pending && onPending) onPending(id);
                         });
    }
    QHash<QString, Finished> finished;
    std::function<void(const QString &)> onPending;
};

// A 10 ms timer's lateness while something runs.
struct Lateness
{
    QTimer timer;
    QElapsedTimer clock;
    qint64 lastNs = 0;
    std::vector<double> lateMs;
    double worstMs = 0;
    double worstAtS = 0; // seconds after start() the longest wait began
    void start()
    {
        timer.setTimerType(Qt::PreciseTimer);
        timer.setInterval(10);
        QObject::connect(&timer, &QTimer::timeout, &timer, [this] {
            const qint64 now = clock.nsecsElapsed();
            lateMs.push_back(std::max(0.0, double(now - lastNs) / 1e6 - 10.0));
            if (lateMs.back() >= worstMs) {
                worstMs = lateMs.back();
                worstAtS = double(lastNs) / 1e9; // when the longest wait began
            }
            lastNs = now;
        });
        clock.start();
        lastNs = 0;
        lateMs.clear();
        worstMs = 0;
        worstAtS = 0;
        timer.start();
    }
    void stop() { timer.stop(); }
    double max() const { return worstMs; }
};

QString machineLine()
{
    QString cpu;
    QFile f(QStringLiteral("/proc/cpuinfo"));
    if (f.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : f.readAll().split('\n')) {
            if (line.startsWith("model name")) {
                cpu = QString::fromLatin1(line.mid(line.indexOf(':') + 1).trimmed());
                break;
            }
        }
    }
    return QStringLiteral("nproc %1, CPU %2").arg(sysconf(_SC_NPROCESSORS_ONLN)).arg(cpu);
}

// The 1-minute load average: how much else the machine was doing.
QString loadAvg()
{
    QFile f(QStringLiteral("/proc/loadavg"));
    return f.open(QIODevice::ReadOnly) ? QString::fromLatin1(f.readAll().split(' ').value(0))
                                       : QStringLiteral("?");
}

QString humanBytes(qint64 b)
{
    if (b % MiB == 0) return QStringLiteral("%1 MiB").arg(b / MiB);
    if (b % 1024 == 0) return QStringLiteral("%1 KiB").arg(b / 1024);
    const qint64 m = (b + MiB / 2) / MiB;
    if (m > 0 && std::abs(b - m * MiB) < 4096)
        return QStringLiteral("%1 (%2 MiB %3 %4)")
            .arg(b)
            .arg(m)
            .arg(b < m * MiB ? QLatin1Char('-') : QLatin1Char('+'))
            .arg(std::abs(b - m * MiB));
    return QString::number(b);
}

// ---- the measured variants.

enum class Kind { Idle, Seg, SegSha, SegPre, Probe, Presized, Exporter, Cli, Original };

struct Variant
{
    Kind kind;
    int n; // exports at once
    QString name() const
    {
        if (kind == Kind::Idle) return QStringLiteral("idle: pinger alone, 1 s");
        const QString k = [&] {
            switch (kind) {
            case Kind::Idle:
                return QString();
            case Kind::Seg:
                return QStringLiteral("bare segmented loader");
            case Kind::SegSha:
                return QStringLiteral("bare segmented + SHA-256");
            case Kind::SegPre:
                return QStringLiteral("bare, segments presized");
            case Kind::Probe:
                return QStringLiteral("segments.c process%1")
                    .arg(n > 1 ? QStringLiteral("es") : QString());
            case Kind::Presized:
                return QStringLiteral("presized single string");
            case Kind::Exporter:
                return QStringLiteral("hb::Exporter in-process");
            case Kind::Cli:
                return QStringLiteral("hbexporter-cli export");
            case Kind::Original:
                return QStringLiteral("original design (64K APPEND+SET)");
            }
            return QString();
        }();
        return QStringLiteral("%1x %2").arg(n).arg(k);
    }
    bool isProject() const { return kind == Kind::Exporter || kind == Kind::Cli; }
};

struct Sample
{
    double seconds = NaN;
    double mibs = NaN;
    double pingMax = NaN;
    double pingP99 = NaN;
    double memRatio = NaN;  // (used_memory after - before) / bytes
    double clientCpu = NaN; // CPU s of the exporting side / wall s (1.0 = one core)
    double redisCpu = NaN;  // redis-server CPU s / wall s
    double redisCpuPerGiB =
        NaN;                   // redis-server CPU s per GiB exported: the work Redis does per byte
    double redisFaultsK = NaN; // redis-server minor page faults, thousands
    double rssMiB = NaN;       // child peak RSS (CLI)
};

struct Options
{
    int runs = 5;
    qint64 size = 256 * MiB;
    int concurrent = 4;
    qint64 segment = 0; // 0 = the project's default (or 1 MiB - 16 where the core has none)
    qint64 chunk = MiB;
    std::vector<qint64> sweepSizes;
    int sweepRuns = 3;
    QStringList modes; // fresh, warm
    bool probes = true;
    bool original = false;
    QString cli;
    QString probeSegments;
    bool cliHasSegmentSize = false;
};

class Bench
{
public:
    Bench(const Options &o, const QString &tmp, const QString &file, const QByteArray &sha,
          Waiter &w)
        : opt(o), tmpDir(tmp), file(file), sha(sha), waiter(w)
    {
    }

    // Starts a fresh redis-server for one run.
    std::unique_ptr<TestRedisServer> freshServer()
    {
        auto s = std::make_unique<TestRedisServer>();
        QString err;
        if (!s->start(&err)) fail(err);
        g_redisPid = sig_atomic_t(s->pid());
        g_verifySocket = s->socketPath().toStdString();
        return s;
    }

    QStringList cliSegmentArgs(qint64 seg) const
    {
        if (opt.cliHasSegmentSize && seg > 0)
            return {QStringLiteral("--segment-size"), QString::number(seg)};
        return {};
    }

    // One measured run of variant v on `server`, segment size seg. Leaves the keys
    // in place (the caller flushes).
    Sample measure(const Variant &v, TestRedisServer &server, qint64 seg, bool verify)
    {
        auto admin = server.connect({5000, 120000});
        const pid_t rpid = pid_t(server.pid());
        const std::string socket = server.socketPath().toStdString();
        const qint64 bytes = opt.size * v.n;
        const qint64 mem0 = usedMemory(*admin);
        const double rcpu0 = redisCpuS(*admin);
        const int64_t rfaults0 = procMinorFaults(rpid);
        const double self0 = selfCpuS();
        double childCpu = NaN;
        long rssKiB = 0;
        Sample s;

        Pinger pinger(socket);
        pinger.start();
        const double t0 = monoNow();
        double t1 = t0;
        std::function<void()> check; // verification, after the figures are taken

        switch (v.kind) {
        case Kind::Idle: // the noise floor: another client's waits with no export at all
            std::this_thread::sleep_for(std::chrono::seconds(1));
            t1 = monoNow();
            break;
        case Kind::Seg:
        case Kind::SegSha:
        case Kind::SegPre:
        case Kind::Presized: {
            std::vector<LoadSpec> specs(size_t(v.n));
            std::vector<LoadResult> results(size_t(v.n));
            std::vector<std::thread> threads;
            for (int i = 0; i < v.n; ++i) {
                LoadSpec &sp = specs[size_t(i)];
                sp.socket = socket;
                sp.file = file.toStdString();
                sp.keyPrefix = (v.kind == Kind::Presized ? "limit:{" : "seg:{") +
                               newExportId().toStdString() + "}-data";
                sp.size = opt.size;
                sp.segmentBytes = seg;
                sp.chunk = opt.chunk;
                sp.window = 4;
                sp.sha256 = v.kind == Kind::SegSha;
                sp.presizeSegments = v.kind == Kind::SegPre;
            }
            for (int i = 0; i < v.n; ++i)
                threads.emplace_back([&, i] {
                    results[size_t(i)] = v.kind == Kind::Presized ? presizedLoad(specs[size_t(i)])
                                                                  : segmentedLoad(specs[size_t(i)]);
                });
            for (auto &t : threads)
                t.join();
            t1 = monoNow();
            for (const LoadResult &r : results) {
                if (!r.error.empty())
                    fail(QStringLiteral("%1: %2").arg(v.name(), QString::fromStdString(r.error)));
                if (r.bytes != opt.size)
                    fail(QStringLiteral("%1: loaded %2 bytes of %3")
                             .arg(v.name())
                             .arg(r.bytes)
                             .arg(opt.size));
                if (v.kind == Kind::SegSha && QByteArray::fromStdString(r.shaHex) != sha)
                    fail(QStringLiteral("%1: its own SHA-256 differs from the file's")
                             .arg(v.name()));
            }
            if (v.kind == Kind::Presized) // one key, the prefix itself
                check = [&, specs] {
                    for (const LoadSpec &sp : specs)
                        if (hashKeys(*admin, {QByteArray::fromStdString(sp.keyPrefix)},
                                     {opt.size}) != sha)
                            fail(QStringLiteral("%1: data sha256 differs").arg(v.name()));
                };
            else
                check = [&, specs] {
                    for (const LoadSpec &sp : specs)
                        verifySegments(*admin, QByteArray::fromStdString(sp.keyPrefix), opt.size,
                                       seg, sha);
                };
            break;
        }
        case Kind::Probe: {
            // segments.c FILE SOCKET SEGMENT CHUNK WINDOW; it times itself (connect
            // excluded) and UNLINKs its keys afterwards: memory is not measurable.
            // segments.c lets a chunk straddle two keys: give it a chunk that divides the segment.
            qint64 chunk = std::min(opt.chunk, seg);
            if (seg % chunk != 0) {
                const qint64 pieces = (seg + chunk - 1) / chunk;
                chunk = seg % pieces == 0 ? seg / pieces : seg;
            }
            std::vector<Child> kids;
            for (int i = 0; i < v.n; ++i)
                kids.push_back(spawnChild(
                    opt.probeSegments.toStdString(),
                    {file.toStdString(), socket, std::to_string(seg), std::to_string(chunk), "4"},
                    (tmpDir + QStringLiteral("/probe%1.out").arg(i)).toStdString(),
                    (tmpDir + QStringLiteral("/probe%1.err").arg(i)).toStdString()));
            waitChildren(kids, 600);
            t1 = monoNow();
            double own = 0, cpu = 0;
            for (const Child &k : kids) {
                const QByteArray out = QByteArray::fromStdString(readFileText(k.outPath));
                if (k.exitCode != 0)
                    fail(QStringLiteral("segments probe exited %1: %2")
                             .arg(k.exitCode)
                             .arg(QString::fromStdString(readFileText(k.errPath))));
                const QJsonObject o = QJsonDocument::fromJson(out).object();
                if (o.value(QStringLiteral("bytes")).toInteger() != opt.size)
                    fail(QStringLiteral("segments probe: unexpected output %1")
                             .arg(QString::fromLatin1(out)));
                own = std::max(own, o.value(QStringLiteral("seconds")).toDouble());
                cpu += k.cpuS;
            }
            childCpu = cpu;
            // Wall time includes process start and the probe's own UNLINKs; its
            // printed seconds (the slowest of the N) are what segments.c measures.
            s.seconds = own;
            break;
        }
        case Kind::Exporter: {
            ExporterConfig cfg = benchConfig(server, seg);
            cfg.maxConcurrent = std::max(cfg.maxConcurrent, v.n);
            Exporter exporter(cfg, std::make_shared<DefaultPermissions>());
            ExportTracker tracker(exporter, waiter);
            QStringList ids;
            for (int i = 0; i < v.n; ++i)
                ids << exporter.startExport(file);
            const bool all = waiter.wait(
                [&] {
                    return std::all_of(ids.begin(), ids.end(), [&](const QString &id) {
                        return tracker.finished.value(id).done;
                    });
                },
                600000);
            if (!all) fail(QStringLiteral("%1: not finished within 600 s").arg(v.name()));
            for (const QString &id : ids) {
                const Finished f = tracker.finished.value(id);
                if (f.code != 0 || f.status.state != ExportState::Completed)
                    fail(QStringLiteral("%1: export ended %2: %3")
                             .arg(v.name(), f.status.stateText(), f.message));
                t1 = std::max(t1, f.at);
            }
            check = [&, ids] {
                for (const QString &id : ids)
                    verifyExport(*admin, id, opt.size, sha);
            };
            break;
        }
        case Kind::Cli: {
            QStringList args{QStringLiteral("export")};
            for (int i = 0; i < v.n; ++i)
                args << file;
            args << QStringLiteral("--redis") << server.url() << QStringLiteral("--user")
                 << QStringLiteral("bench") << cliSegmentArgs(seg);
            std::vector<std::string> a;
            for (const QString &x : args)
                a.push_back(x.toStdString());
            std::vector<Child> kids{spawnChild(
                opt.cli.toStdString(), a, (tmpDir + QStringLiteral("/cli.out")).toStdString(),
                (tmpDir + QStringLiteral("/cli.err")).toStdString())};
            waitChildren(kids, 600);
            t1 = monoNow();
            const Child &k = kids[0];
            if (k.exitCode != 0)
                fail(QStringLiteral("hbexporter-cli exited %1: %2")
                         .arg(k.exitCode)
                         .arg(QString::fromStdString(readFileText(k.errPath)).trimmed()));
            const QStringList ids = QString::fromStdString(readFileText(k.outPath))
                                        .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
            if (ids.size() != v.n || !std::all_of(ids.begin(), ids.end(), [](const QString &id) {
                    return isValidExportId(id);
                }))
                fail(QStringLiteral("hbexporter-cli printed %1, expected %2 ids")
                         .arg(ids.join(QLatin1Char(' ')))
                         .arg(v.n));
            childCpu = k.cpuS;
            rssKiB = k.maxRssKiB;
            check = [&, ids] {
                for (const QString &id : ids)
                    verifyExport(*admin, id, opt.size, sha);
            };
            break;
        }
        case Kind::Original: {
            const QByteArray id = newExportId().toLatin1();
            originalLoader(socket, file, id, opt.size);
            t1 = monoNow();
            check = [&, id] {
                if (hashKeys(*admin, {"orig:{" + id + "}-data"}, {opt.size}) != sha)
                    fail(QStringLiteral("original design: data sha256 differs"));
            };
            break;
        }
        }
        pinger.stop();
        if (!pinger.error().empty())
            fail(QStringLiteral("pinger: %1").arg(QString::fromStdString(pinger.error())));
        const double wall = t1 - t0;
        if (!std::isfinite(s.seconds)) s.seconds = wall;
        s.mibs = v.kind == Kind::Idle ? NaN : double(bytes) / MiB / s.seconds;
        s.pingMax = pinger.maxMs();
        s.pingP99 = pinger.p99Ms();
        s.redisCpu = (redisCpuS(*admin) - rcpu0) / wall;
        if (v.kind != Kind::Idle)
            s.redisCpuPerGiB = s.redisCpu * wall / (double(bytes) / double(1024 * MiB));
        s.redisFaultsK = double(procMinorFaults(rpid) - rfaults0) / 1000.0;
        s.clientCpu =
            (std::isfinite(childCpu) ? childCpu : selfCpuS() - self0 - pinger.threadCpuS()) / wall;
        if (v.kind != Kind::Probe && v.kind != Kind::Idle)
            s.memRatio = double(usedMemory(*admin) - mem0) / double(bytes);
        if (rssKiB > 0) s.rssMiB = double(rssKiB) / 1024.0;
        if (verify && check) check();
        return s;
    }

    // runs x variants, alternating, each variant's run on a server of its own: the
    // first mode on it fresh, the second (warm) on the same server right after.
    // samples[variant][mode] -> one Sample per run.
    std::vector<std::map<QString, std::vector<Sample>>>
    series(const std::vector<Variant> &vs, qint64 seg, int runs, const QString &label)
    {
        std::vector<std::map<QString, std::vector<Sample>>> out(vs.size());
        for (int run = 0; run < runs; ++run) {
            for (size_t i = 0; i < vs.size(); ++i) {
                auto server = freshServer();
                auto admin = server->connect({5000, 120000});
                bool first = true;
                for (const QString &mode : opt.modes) {
                    if (mode == QLatin1String("warm") &&
                        first) { // warm only: one throwaway run first
                        measure(vs[i], *server, seg, false);
                        clearKeys(*admin);
                    }
                    // Verify on the last mode's run: between fresh and warm, time spent
                    // reading the data back would let jemalloc decay its free pages.
                    const Sample s =
                        measure(vs[i], *server, seg, run == 0 && mode == opt.modes.last());
                    out[i][mode].push_back(s);
                    note(QStringLiteral(
                             "  %1 run %2 %3 %4: %5 MiB/s, worst wait %6 ms (p99 %7), mem %8x, "
                             "client CPU %9%, redis CPU %10%, %11k faults, load %12")
                             .arg(label)
                             .arg(run + 1)
                             .arg(mode, -5)
                             .arg(vs[i].name(), -34)
                             .arg(fmt(s.mibs, 0))
                             .arg(fmt(s.pingMax, 1))
                             .arg(fmt(s.pingP99, 1))
                             .arg(fmt(s.memRatio, 3))
                             .arg(fmt(100 * s.clientCpu, 0))
                             .arg(fmt(100 * s.redisCpu, 0))
                             .arg(fmt(s.redisFaultsK, 0))
                             .arg(loadAvg()));
                    clearKeys(*admin);
                    first = false;
                }
                admin.reset();
                server->stop();
                g_redisPid = 0;
            }
        }
        return out;
    }

    const Options &opt;
    QString tmpDir;
    QString file;
    QByteArray sha;
    Waiter &waiter;
};

template <typename F> std::vector<double> field(const std::vector<Sample> &v, F f)
{
    std::vector<double> out;
    for (const Sample &s : v)
        out.push_back(f(s));
    return out;
}
// Per-run ratio of a's MiB/s to b's (the same run index: alternating, paired).
std::vector<double> ratios(const std::vector<Sample> &a, const std::vector<Sample> &b)
{
    std::vector<double> out;
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        out.push_back(a[i].mibs / b[i].mibs);
    return out;
}

// Writes a random file in 1 MiB blocks, hashing it as it goes.
QByteArray makeBigFile(const QString &path, qint64 size)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        fail(QStringLiteral("cannot write %1").arg(path));
    QRandomGenerator rng(2048);
    QByteArray block(MiB, Qt::Uninitialized);
    QCryptographicHash h(QCryptographicHash::Sha256);
    for (qint64 left = size; left > 0;) {
        const qint64 n = std::min<qint64>(left, block.size());
        rng.fillRange(reinterpret_cast<quint32 *>(block.data()), block.size() / 4);
        if (f.write(block.constData(), n) != n)
            fail(QStringLiteral("cannot write %1: %2").arg(path, f.errorString()));
        h.addData(QByteArrayView(block.constData(), n));
        left -= n;
    }
    return h.result().toHex();
}

} // namespace

// ---- 7. cluster: `count` exports at once through one Exporter on a local Redis
// Cluster (3 masters + 3 replicas) and on one redis-server, both over loopback TCP,
// each run on data flushed first; every export verified COMPLETED with the file's
// sha256. CPU of this process and of every redis-server node (INFO cpu) says what
// bounds the run on this machine.

QStringList clusterPart(const QString &dir, int sizeMiB, int count, int runs, Waiter &waiter)
{
    const qint64 size = qint64(sizeMiB) * 1024 * 1024;
    const QString file = hb::test::makeRandomFile(dir, QStringLiteral("cluster.bin"), size, 7);
    const QByteArray sha = hb::test::sha256OfFile(file);
    hb::test::TestRedisCluster cluster;
    QString err;
    note(QStringLiteral("cluster: starting 3 masters + 3 replicas"));
    if (!cluster.start(&err)) fail(err);
    int port = 0;
    {
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost);
        port = probe.serverPort();
    }
    TestRedisServer single({QStringLiteral("--port"), QString::number(port),
                            QStringLiteral("--bind"), QStringLiteral("127.0.0.1")});
    if (!single.start(&err)) fail(err);
    const RedisEndpoint singleEp =
        *RedisEndpoint::parse(QStringLiteral("redis://127.0.0.1:%1").arg(port));

    auto redisCpu = [](const QList<RedisEndpoint> &nodes) {
        double s = 0;
        for (const RedisEndpoint &ep : nodes) {
            RedisConnection c(ep, {5000, 60000});
            c.disableClusterDiscovery();
            const auto info = parseInfo(c.command({"INFO", "cpu"}).string);
            s += info.value("used_cpu_user").toDouble() + info.value("used_cpu_sys").toDouble();
        }
        return s;
    };
    QStringList out;
    out << QString()
        << QStringLiteral("Cluster: %1 exports of %2 MiB at once, one Exporter (%1 running), "
                          "loopback TCP, medians of %3 runs")
               .arg(count)
               .arg(sizeMiB)
               .arg(runs);
    double singleMiBs = 0;
    for (const bool onCluster : {false, true}) {
        QList<RedisEndpoint> nodes;
        if (onCluster)
            for (const int p : cluster.ports())
                nodes << cluster.endpoint(p);
        else
            nodes << singleEp;
        std::vector<double> secs, mibs, selfCpu, serverCpu;
        for (int run = 0; run < runs; ++run) {
            for (const RedisEndpoint &ep : nodes) {
                RedisConnection c(ep, {5000, 60000});
                c.disableClusterDiscovery();
                c.command({"FLUSHALL"}); // replicas answer READONLY: fine
            }
            ExporterConfig cfg;
            cfg.endpoint = onCluster ? cluster.endpoint(cluster.ports().first()) : singleEp;
            cfg.timeouts = RedisTimeouts{5000, 60000};
            cfg.user = QStringLiteral("bench");
            cfg.maxConcurrent = count;
            Exporter ex(cfg, nullptr);
            ExportTracker tracker(ex, waiter);
            const double cpu0 = selfCpuS();
            const double redis0 = redisCpu(nodes);
            const double t0 = monoNow();
            QStringList ids;
            for (int i = 0; i < count; ++i)
                ids << ex.startExport(file);
            if (!waiter.wait([&] { return tracker.finished.size() == count; }, 600000))
                fail(QStringLiteral("cluster part: exports did not finish in 10 minutes"));
            const double t1 = monoNow();
            for (const QString &id : ids) {
                const Finished &f = tracker.finished.value(id);
                if (f.status.state != ExportState::Completed || f.status.sha256.toLatin1() != sha)
                    fail(QStringLiteral("cluster part: export %1 ended %2: %3")
                             .arg(id, f.status.stateText(), f.message));
            }
            secs.push_back(t1 - t0);
            mibs.push_back(double(count) * sizeMiB / (t1 - t0));
            selfCpu.push_back(selfCpuS() - cpu0);
            serverCpu.push_back(redisCpu(nodes) - redis0);
            note(QStringLiteral("cluster: %1 run %2: %3 s")
                     .arg(onCluster ? QStringLiteral("cluster") : QStringLiteral("one node"))
                     .arg(run + 1)
                     .arg(fmt(t1 - t0, 2)));
        }
        const double m = median(mibs);
        if (!onCluster) singleMiBs = m;
        out << QStringLiteral("  %1 %2 s, %3 MiB/s in total%4; CPU: exporter %5 s, redis-server "
                              "%6 s (%7 node(s)) per run")
                   .arg(onCluster ? QStringLiteral("3 masters + 3 replicas:")
                                  : QStringLiteral("one redis-server:      "))
                   .arg(fmt(median(secs), 2))
                   .arg(fmt(m, 0))
                   .arg(onCluster && singleMiBs > 0
                            ? QStringLiteral(" (%1x one node)").arg(fmt(m / singleMiBs, 2))
                            : QString())
                   .arg(fmt(median(selfCpu), 1))
                   .arg(fmt(median(serverCpu), 1))
                   .arg(nodes.size());
    }
    return out;
}

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    // The bench's own servers only, default permissions, for us and for the CLI child.
    qunsetenv("HBEXPORTER_REDIS_URL");
    qunsetenv("HBEXPORTER_PERMISSIONS");
    g_t0 = monoNow();
    QApplication app(argc, argv);
#ifdef HBBENCH_HAVE_UI
    Q_INIT_RESOURCE(resources); // hbui is a static library: its icons need a nudge
#endif
    QCoreApplication::setApplicationName(QStringLiteral("hbbench"));
    g_startLoad = loadAvg();

    const qint64 projectSeg = projectSegmentBytes(ExporterConfig{});
    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral("HB Exporter benchmark (issues #6, #10): throughput of 1 and N exports "
                       "against the bare segmented loader on fresh "
                       "and warm redis-servers, another client's worst wait, Redis memory per "
                       "byte, a segment-size sweep, peak RSS, "
                       "a 2 GiB export+fetch (--big), cancel latency, event-loop lateness. Missed "
                       "targets are reported, not errors."));
    p.addHelpOption();
    auto opt = [&](const char *name, const char *help, const char *valueName = nullptr,
                   const QString &def = {}) {
        return valueName ? QCommandLineOption(QString::fromLatin1(name), QString::fromLatin1(help),
                                              QString::fromLatin1(valueName), def)
                         : QCommandLineOption(QString::fromLatin1(name), QString::fromLatin1(help));
    };
    const auto quickOpt = opt("quick", "a check that everything works in about a minute: 16 MiB "
                                       "files, 1 run, 10 cancels, a sweep of 2 sizes");
    const auto runsOpt =
        opt("runs", "runs per variant, medians reported (default 5; --quick 1)", "N");
    const auto sizeOpt =
        opt("size", "file size in MiB for throughput, sweep, cancel, gui (default 256; --quick 16)",
            "MiB");
    const auto concOpt = opt("concurrent", "exports at once for the N-at-once variants (default 4)",
                             "N", QStringLiteral("4"));
    const auto segOpt = opt(
        "segment-size",
        "segment size in bytes for the throughput part (default: the project's default)", "BYTES");
    const auto sweepOpt = opt("segment-sizes",
                              "segment sizes in bytes for the sweep (default "
                              "262144,1048560,1048576,4194288,8388608; --quick 1048560,1048576)",
                              "LIST");
    const auto sweepRunsOpt =
        opt("sweep-runs", "runs per segment size in the sweep (default: min(--runs, 3))", "N");
    const auto chunkOpt =
        opt("chunk-size",
            "chunk size in bytes for the bare loaders (default 1048576; the project's is its own)",
            "BYTES", QStringLiteral("1048576"));
    const auto modesOpt = opt("modes", "servers to measure on: fresh,warm (default both)", "LIST",
                              QStringLiteral("fresh,warm"));
    const auto memOpt = opt(
        "mem-sizes",
        "file sizes in MiB for the CLI's peak memory (default 64,256,400; --quick 8,16)", "LIST");
    const auto bigOpt = opt("big", "also export a 2 GiB file with the CLI and fetch it back "
                                   "byte-exact (needs ~4.5 GiB for Redis, disk for the file)");
    const auto bigSizeOpt =
        opt("big-size", "file size in MiB for --big (default 2048)", "MiB", QStringLiteral("2048"));
    const auto cancelsOpt = opt("cancels", "cancels to time (default 50; --quick 10)", "N");
    const auto guiExportsOpt =
        opt("gui-exports", "concurrent exports for the event-loop test (default 8)", "N",
            QStringLiteral("8"));
    const auto guiRowsOpt =
        opt("gui-rows", "finished rows in the list (default 1000)", "N", QStringLiteral("1000"));
    const auto onlyOpt = opt("only",
                             "comma list of parts: throughput,tls,sweep,memory,big,cancel,gui,"
                             "cluster (default all but big and cluster; --big adds big; cluster: "
                             "6 exports on a local Redis Cluster against one node)",
                             "PARTS", QStringLiteral("throughput,tls,sweep,memory,cancel,gui"));
    const auto noProbesOpt =
        opt("no-probes",
            "leave out the segments.c processes (the cross-check of the in-process loader)");
    const auto originalOpt =
        opt("original",
            "also time the original design (64 KiB APPEND + status SET per chunk), 1 export");
    const auto cliOpt = opt("cli", "hbexporter-cli to run (default: the one built with this tree)",
                            "PATH", hb::test::builtExecutable(QStringLiteral("hbexporter-cli")));
    const auto clusterSizeOpt =
        opt("cluster-size", "MiB per export in the cluster part (default 32)", "MiB",
            QStringLiteral("32"));
    const auto timeoutOpt = opt("timeout", "watchdog for the whole run in seconds (default 5400)",
                                "S", QStringLiteral("5400"));
    p.addOptions({quickOpt,     runsOpt,       sizeOpt,       concOpt, segOpt,      sweepOpt,
                  sweepRunsOpt, chunkOpt,      modesOpt,      memOpt,  bigOpt,      bigSizeOpt,
                  cancelsOpt,   guiExportsOpt, guiRowsOpt,    onlyOpt, noProbesOpt, originalOpt,
                  cliOpt,       timeoutOpt,    clusterSizeOpt});
    p.process(app);

    const bool quick = p.isSet(quickOpt);
    auto valueOr = [&](const QCommandLineOption &o, const QString &normal,
                       const QString &quickValue) {
        return p.isSet(o) ? p.value(o) : (quick ? quickValue : normal);
    };
    bool okAll = true;
    auto toInt = [&](const QString &s) {
        bool ok = false;
        const qint64 v = s.toLongLong(&ok);
        okAll = okAll && ok;
        return v;
    };
    auto toList = [&](const QString &s) {
        std::vector<qint64> out;
        for (const QString &x : s.split(QLatin1Char(','), Qt::SkipEmptyParts))
            out.push_back(toInt(x));
        return out;
    };

    Options o;
    o.runs = int(toInt(valueOr(runsOpt, QStringLiteral("5"), QStringLiteral("1"))));
    const qint64 sizeMiB = toInt(valueOr(sizeOpt, QStringLiteral("256"), QStringLiteral("16")));
    o.size = sizeMiB * MiB;
    o.concurrent = int(toInt(p.value(concOpt)));
    o.segment = p.isSet(segOpt) ? toInt(p.value(segOpt)) : (projectSeg > 0 ? projectSeg : MiB - 16);
    o.chunk = toInt(p.value(chunkOpt));
    const QString sweepList =
        valueOr(sweepOpt, QStringLiteral("262144,1048560,1048576,4194288,8388608"),
                QStringLiteral("1048560,1048576"));
    o.sweepSizes = toList(sweepList);
    o.sweepRuns = int(
        toInt(valueOr(sweepRunsOpt, QString::number(std::min(o.runs, 3)), QStringLiteral("1"))));
    o.modes = p.value(modesOpt).split(QLatin1Char(','), Qt::SkipEmptyParts);
    o.probes = !p.isSet(noProbesOpt);
    o.original = p.isSet(originalOpt);
    o.cli = p.value(cliOpt);
    o.probeSegments = QCoreApplication::applicationDirPath() + QStringLiteral("/probe-segments");
    const std::vector<qint64> memSizes =
        toList(valueOr(memOpt, QStringLiteral("64,256,400"), QStringLiteral("8,16")));
    const qint64 bigMiB = toInt(p.value(bigSizeOpt));
    const int cancels = int(toInt(valueOr(cancelsOpt, QStringLiteral("50"), QStringLiteral("10"))));
    const int guiExports = int(toInt(p.value(guiExportsOpt)));
    const int guiRows = int(toInt(p.value(guiRowsOpt)));
    const int timeoutS = int(toInt(p.value(timeoutOpt)));
    QStringList parts = p.value(onlyOpt).split(QLatin1Char(','), Qt::SkipEmptyParts);
    if (p.isSet(bigOpt) && !parts.contains(QStringLiteral("big"))) parts << QStringLiteral("big");
    const QStringList known{QStringLiteral("throughput"), QStringLiteral("tls"),
                            QStringLiteral("sweep"),      QStringLiteral("memory"),
                            QStringLiteral("big"),        QStringLiteral("cancel"),
                            QStringLiteral("gui"),        QStringLiteral("cluster")};
    for (const QString &part : parts) {
        if (!known.contains(part)) {
            std::fprintf(stderr, "hbbench: unknown part %s\n", qPrintable(part));
            return 2;
        }
    }
    bool okModes = !o.modes.isEmpty() && o.modes.size() <= 2;
    for (const QString &m : o.modes)
        okModes = okModes && (m == QLatin1String("fresh") || m == QLatin1String("warm"));
    const bool okSizes =
        std::all_of(memSizes.begin(), memSizes.end(), [](qint64 m) { return m > 0; }) &&
        std::all_of(o.sweepSizes.begin(), o.sweepSizes.end(), [](qint64 s) { return s > 0; });
    if (!okAll || !okModes || !okSizes || o.runs < 1 || o.sweepRuns < 1 || sizeMiB < 1 ||
        o.concurrent < 1 || o.concurrent > 32 || o.segment < 1 || o.chunk < 1 || cancels < 1 ||
        guiExports < 1 || guiRows < 0 || timeoutS < 10 || bigMiB < 1) {
        std::fprintf(stderr, "hbbench: bad option value (see --help)\n");
        return 2;
    }
    const bool wantCli =
        parts.contains(QStringLiteral("throughput")) || parts.contains(QStringLiteral("tls")) ||
        parts.contains(QStringLiteral("memory")) || parts.contains(QStringLiteral("big"));
    if (wantCli && !QFileInfo(o.cli).isExecutable()) {
        std::fprintf(stderr,
                     "hbbench: %s is not an executable (build hbexporter-cli or pass --cli)\n",
                     qPrintable(o.cli));
        return 2;
    }
    if (o.probes && !QFileInfo(o.probeSegments).isExecutable()) {
        note(QStringLiteral("hbbench: %1 not built: the segments.c processes are left out")
                 .arg(o.probeSegments));
        o.probes = false;
    }

    std::signal(SIGALRM, onWatchdog);
    std::signal(SIGINT, onWatchdog); // ^C too: never leave a redis-server or a child behind
    std::signal(SIGTERM, onWatchdog);
    ::alarm(unsigned(timeoutS));

    QStringList report; // the summary printed at the end (stdout)
    QStringList targets;
    int missed = 0;
    auto target = [&](bool met, const QString &what) {
        targets << QStringLiteral("  [%1] %2")
                       .arg(met ? QStringLiteral("met ") : QStringLiteral("MISS"), what);
        if (!met) ++missed;
        return met ? QStringLiteral("ok") : QStringLiteral("MISS");
    };

    try {
        QTemporaryDir tmp;
        if (!tmp.isValid()) fail(QStringLiteral("cannot create a temporary folder"));
        QString redisVersion;
        {
            TestRedisServer probe;
            QString err;
            if (!probe.start(&err)) fail(err);
            auto c = probe.connect();
            redisVersion = QString::fromLatin1(infoField(*c, "server", "redis_version"));
            const QByteArray allocator = infoField(*c, "memory", "mem_allocator");
            redisVersion += QStringLiteral(" (%1)").arg(QString::fromLatin1(allocator));
        }
        if (wantCli) {
            std::vector<Child> k{
                spawnChild(o.cli.toStdString(), {"--help"},
                           (tmp.path() + QStringLiteral("/help.out")).toStdString(),
                           (tmp.path() + QStringLiteral("/help.err")).toStdString())};
            waitChildren(k, 30);
            o.cliHasSegmentSize = QString::fromStdString(readFileText(k[0].outPath))
                                      .contains(QLatin1String("--segment-size"));
        }

        report << QStringLiteral("hbbench: %1; redis-server %2 on a unix socket; Qt %3")
                      .arg(machineLine(), redisVersion, QString::fromLatin1(qVersion()))
               << QStringLiteral("core: %1; CLI: %2")
                      .arg(kCoreHasSegments
                               ? QStringLiteral("segmented write path, default segmentBytes %1")
                                     .arg(projectSeg)
                               : QStringLiteral(
                                     "NO ExporterConfig::segmentBytes (single-string write path): "
                                     "the Exporter and CLI ignore segment sizes"))
                      .arg(!wantCli              ? QStringLiteral("not used in this run")
                           : o.cliHasSegmentSize ? QStringLiteral("--segment-size passed")
                                                 : QStringLiteral("no --segment-size option"));

        const QString file = hb::test::makeRandomFile(
            tmp.path(), QStringLiteral("bench-%1M.bin").arg(sizeMiB), o.size, 42);
        if (file.isEmpty()) fail(QStringLiteral("cannot write the random file"));
        const QByteArray sha = hb::test::sha256OfFile(file);

        Waiter waiter;
        Bench bench(o, tmp.path(), file, sha, waiter);
        const int N = o.concurrent;
        double exporterMedianS = 0;

        // ---------------------------------------------------------------- 1. throughput
        if (parts.contains(QStringLiteral("throughput"))) {
            note(QStringLiteral("throughput: %1 MiB file, segment %2 B, %3 runs, 1 and %4 at once, "
                                "on %5 servers")
                     .arg(sizeMiB)
                     .arg(o.segment)
                     .arg(o.runs)
                     .arg(N)
                     .arg(o.modes.join(QLatin1Char('/'))));
            std::vector<Variant> vs{{Kind::Idle, 1}};
            const bool presizeOk = o.size < 512 * MiB; // proto-max-bulk-len
            // 1 export, and N at once (with --concurrent 1 that is the same variant).
            const std::vector<int> counts = N == 1 ? std::vector<int>{1} : std::vector<int>{1, N};
            for (int n : counts) {
                vs.push_back({Kind::Seg, n});
                vs.push_back({Kind::SegSha, n});
                if (o.probes) vs.push_back({Kind::Probe, n});
                if (presizeOk) vs.push_back({Kind::Presized, n});
                vs.push_back({Kind::Exporter, n});
                vs.push_back({Kind::Cli, n});
            }
            if (o.original) vs.push_back({Kind::Original, 1});
            const auto res = bench.series(vs, o.segment, o.runs, QStringLiteral("throughput"));
            auto idx = [&](Kind k, int n) -> int {
                for (size_t i = 0; i < vs.size(); ++i)
                    if (vs[i].kind == k && vs[i].n == n) return int(i);
                return -1;
            };
            for (const QString &mode : o.modes) {
                report << QString()
                       << QStringLiteral("Throughput on %1 servers (%2): %3 MiB random file, "
                                         "segment %4 B, chunk %5 B, window 4; "
                                         "median [min-max] of %6 runs, variants alternating; "
                                         "ratios paired per run")
                              .arg(mode,
                                   mode == QLatin1String("fresh")
                                       ? QStringLiteral(
                                             "redis-server started for each run, memory untouched")
                                       : QStringLiteral("the same server right after the fresh "
                                                        "run, its keys DELeted between"))
                              .arg(sizeMiB)
                              .arg(o.segment)
                              .arg(o.chunk)
                              .arg(o.runs)
                       << QStringLiteral("  %1 %2 %3 %4 %5 %6 %7 %8  %9")
                              .arg(QStringLiteral("variant"), -34)
                              .arg(QStringLiteral("MiB/s"), -18)
                              .arg(QStringLiteral("vs bare"), -17)
                              .arg(QStringLiteral("vs +sha"), -6)
                              .arg(QStringLiteral("worst wait ms"), -18)
                              .arg(QStringLiteral("p99 ms"), -6)
                              .arg(QStringLiteral("mem x"), -6)
                              .arg(QStringLiteral("CPU cli/redis"), -14)
                              .arg(QStringLiteral("targets"));
                for (size_t i = 0; i < vs.size(); ++i) {
                    const Variant &v = vs[i];
                    const auto &ss = res[i].at(mode);
                    const int bare = idx(Kind::Seg, v.n), withSha = idx(Kind::SegSha, v.n);
                    const auto rBare =
                        bare >= 0 ? ratios(ss, res[size_t(bare)].at(mode)) : std::vector<double>{};
                    const auto rSha = withSha >= 0 ? ratios(ss, res[size_t(withSha)].at(mode))
                                                   : std::vector<double>{};
                    const auto waits = field(ss, [](const Sample &s) { return s.pingMax; });
                    const auto mem = field(ss, [](const Sample &s) { return s.memRatio; });
                    QString t;
                    if (v.isProject() && (v.n == 1 || v.n == N)) {
                        const double waitLimit = v.n == 1 ? 10 : 20;
                        const QString who = QStringLiteral("%1 (%2)").arg(v.name(), mode);
                        t = QStringLiteral("thr %1 wait %2 mem %3")
                                .arg(target(median(rBare) >= 0.9,
                                            QStringLiteral("%1: >= 0.9x %2x bare segmented loader: "
                                                           "%3x (+sha: %4x)")
                                                .arg(who)
                                                .arg(v.n)
                                                .arg(fmt(median(rBare), 2), fmt(median(rSha), 2))),
                                     target(
                                         median(waits) <= waitLimit,
                                         QStringLiteral("%1: worst wait <= %2 ms: median %3 ms, "
                                                        "max %4 ms (idle server, no export: %5 ms)")
                                             .arg(who)
                                             .arg(waitLimit)
                                             .arg(fmt(median(waits), 1), fmt(maxOf(waits), 1))
                                             .arg(fmt(median(field(res[0].at(mode),
                                                                   [](const Sample &s) {
                                                                       return s.pingMax;
                                                                   })),
                                                      1))),
                                     target(median(mem) <= 1.05,
                                            QStringLiteral("%1: Redis memory <= 1.05x bytes: %2x")
                                                .arg(who, fmt(median(mem), 3))));
                    }
                    report << QStringLiteral("  %1 %2 %3 %4 %5 %6 %7 %8  %9")
                                  .arg(v.name(), -34)
                                  .arg(medRange(field(ss, [](const Sample &s) { return s.mibs; }),
                                                0),
                                       -18)
                                  .arg(v.kind == Kind::Seg    ? QStringLiteral("1.00")
                                       : v.kind == Kind::Idle ? QStringLiteral("n/a")
                                                              : medRange(rBare, 2),
                                       -17)
                                  .arg(fmt(median(rSha), 2), -6)
                                  .arg(medRange(waits, 1), -18)
                                  .arg(fmt(median(field(ss,
                                                        [](const Sample &s) { return s.pingP99; })),
                                           1),
                                       -6)
                                  .arg(fmt(median(mem), 3), -6)
                                  .arg(QStringLiteral("%1%/%2%").arg(
                                           fmt(100 * median(field(ss,
                                                                  [](const Sample &s) {
                                                                      return s.clientCpu;
                                                                  })),
                                               0),
                                           fmt(100 * median(field(ss,
                                                                  [](const Sample &s) {
                                                                      return s.redisCpu;
                                                                  })),
                                               0)),
                                       -14)
                                  .arg(t);
                }
                // What bounds the exporter: its own CPU, redis-server's, or neither
                // (waiting); and how much work Redis does per byte against the bare loader.
                for (int n : counts) {
                    const int e = idx(Kind::Exporter, n), b = idx(Kind::Seg, n);
                    if (e < 0) continue;
                    const auto &es = res[size_t(e)].at(mode);
                    const auto med = [](const std::vector<Sample> &v, double Sample::*f) {
                        return median(field(v, [f](const Sample &s) { return s.*f; }));
                    };
                    const double ec = med(es, &Sample::clientCpu), rc = med(es, &Sample::redisCpu);
                    const double rg = med(es, &Sample::redisCpuPerGiB);
                    const double bc =
                        b >= 0 ? med(res[size_t(b)].at(mode), &Sample::redisCpu) : NaN;
                    const double bg =
                        b >= 0 ? med(res[size_t(b)].at(mode), &Sample::redisCpuPerGiB) : NaN;
                    report << QStringLiteral("  bound (%1x Exporter, %2): exporter process %3% of "
                                             "a core, redis-server %4% (bare loader: %5%); "
                                             "Redis CPU %6 s/GiB (bare loader: %7 s/GiB), %8k "
                                             "redis page faults; %9")
                                  .arg(n)
                                  .arg(mode)
                                  .arg(fmt(100 * ec, 0), fmt(100 * rc, 0), fmt(100 * bc, 0),
                                       fmt(rg, 2), fmt(bg, 2))
                                  .arg(fmt(med(es, &Sample::redisFaultsK), 0))
                                  .arg(rc >= 0.9 ? QStringLiteral(
                                                       "Redis is saturated: bound by redis-server")
                                       : ec + rc >= 1.7
                                           ? QStringLiteral(
                                                 "both cores busy: bound by the machine's 2 cores")
                                       : ec >= 0.9
                                           ? QStringLiteral("the exporter's own CPU bounds it")
                                           : QStringLiteral("neither saturated: bound by waiting "
                                                            "(round trips, window, scheduling)"));
                }
            }
            const int e1 = idx(Kind::Exporter, 1);
            exporterMedianS = median(field(res[size_t(e1)].at(o.modes.last()),
                                           [](const Sample &s) { return s.seconds; }));
        }

        // ---------------------------------------------------------------- TLS against plain TCP
        if (parts.contains(QStringLiteral("tls"))) {
            // One redis-server on a plain TCP port and a TLS port (certificates made
            // with the openssl command, as tst_tls does): the CLI exports the same file
            // over both, alternating, after one warm-up export over each.
            hb::test::TestCertificates certs;
            QString err;
            if (!certs.create(&err)) fail(err);
            const int plainPort = hb::test::freeTcpPort();
            const int tlsPort = hb::test::freeTcpPort();
            TestRedisServer server({QStringLiteral("--port"), QString::number(plainPort),
                                    QStringLiteral("--tls-port"), QString::number(tlsPort),
                                    QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                                    QStringLiteral("--tls-cert-file"), certs.serverCert(),
                                    QStringLiteral("--tls-key-file"), certs.serverKey(),
                                    QStringLiteral("--tls-ca-cert-file"), certs.caCert(),
                                    QStringLiteral("--tls-auth-clients"), QStringLiteral("no")});
            if (!server.start(&err)) fail(err);
            g_redisPid = sig_atomic_t(server.pid());
            g_verifySocket = server.socketPath().toStdString(); // verifyExport reads over it
            auto admin = server.connect({5000, 120000});
            const QString plainUrl = QStringLiteral("redis://127.0.0.1:%1").arg(plainPort);
            const QString tlsUrl =
                QStringLiteral("rediss://127.0.0.1:%1?cacert=%2").arg(tlsPort).arg(certs.caCert());
            note(QStringLiteral("tls: %1 MiB file, %2 runs, hbexporter-cli over %3 and %4")
                     .arg(sizeMiB)
                     .arg(o.runs)
                     .arg(plainUrl, tlsUrl));
            // One CLI export; MiB/s from spawn to exit, and the CLI's CPU seconds.
            auto exportVia = [&](const QString &url, bool verify, double *cpuS) {
                QStringList args{QStringLiteral("export"),  file,
                                 QStringLiteral("--redis"), url,
                                 QStringLiteral("--user"),  QStringLiteral("bench")};
                args << bench.cliSegmentArgs(o.segment);
                std::vector<std::string> a;
                for (const QString &x : args)
                    a.push_back(x.toStdString());
                std::vector<Child> kids{spawnChild(
                    o.cli.toStdString(), a, (tmp.path() + QStringLiteral("/tls.out")).toStdString(),
                    (tmp.path() + QStringLiteral("/tls.err")).toStdString())};
                waitChildren(kids, 600);
                const Child &k = kids[0];
                if (k.exitCode != 0)
                    fail(QStringLiteral("hbexporter-cli over %1 exited %2: %3")
                             .arg(url)
                             .arg(k.exitCode)
                             .arg(QString::fromStdString(readFileText(k.errPath)).trimmed()));
                const QString id = QString::fromStdString(readFileText(k.outPath)).trimmed();
                if (verify) verifyExport(*admin, id, o.size, sha);
                clearKeys(*admin);
                if (cpuS) *cpuS = k.cpuS;
                return double(o.size) / MiB / k.seconds;
            };
            exportVia(plainUrl, false, nullptr); // warm-up: the server's memory touched once
            exportVia(tlsUrl, false, nullptr);
            std::vector<double> plain, tls, ratio, plainCpu, tlsCpu;
            for (int run = 0; run < o.runs; ++run) {
                double pc = 0, tc = 0;
                plain.push_back(exportVia(plainUrl, run == 0, &pc));
                tls.push_back(exportVia(tlsUrl, run == 0, &tc));
                ratio.push_back(tls.back() / plain.back());
                plainCpu.push_back(pc);
                tlsCpu.push_back(tc);
                note(QStringLiteral("  tls run %1: plain %2 MiB/s (CLI CPU %3 s), TLS %4 MiB/s "
                                    "(CLI CPU %5 s), ratio %6, load %7")
                         .arg(run + 1)
                         .arg(fmt(plain.back(), 0), fmt(pc, 2), fmt(tls.back(), 0), fmt(tc, 2),
                              fmt(ratio.back(), 2), loadAvg()));
            }
            admin.reset();
            server.stop();
            g_redisPid = 0;
            const bool met = median(ratio) >= 0.7;
            report << QString()
                   << QStringLiteral("TLS (rediss://, verified, TLS 1.3) against plain TCP, one "
                                     "redis-server on 127.0.0.1 (warm), hbexporter-cli export of "
                                     "the %1 MiB file, alternating; median [min-max] of %2 runs")
                          .arg(sizeMiB)
                          .arg(o.runs)
                   << QStringLiteral("  plain TCP  %1 MiB/s, CLI CPU %2 s")
                          .arg(medRange(plain, 0), medRange(plainCpu, 2))
                   << QStringLiteral("  TLS        %1 MiB/s, CLI CPU %2 s")
                          .arg(medRange(tls, 0), medRange(tlsCpu, 2))
                   << QStringLiteral("  TLS / plain, paired per run: %1  %2")
                          .arg(medRange(ratio, 2),
                               target(met, QStringLiteral("TLS at >= 0.7x plain TCP (median %1)")
                                               .arg(fmt(median(ratio), 2))));
        }

        // ---------------------------------------------------------------- 2. segment-size sweep
        if (parts.contains(QStringLiteral("sweep")) && !o.sweepSizes.empty()) {
            note(QStringLiteral("sweep: segment sizes %1, %2 runs each")
                     .arg(sweepList)
                     .arg(o.sweepRuns));
            std::vector<Variant> vs{{Kind::Seg, 1}, {Kind::Exporter, 1}};
            if (N > 1) {
                vs.push_back({Kind::Seg, N});
                vs.push_back({Kind::Exporter, N});
            }
            vs.push_back(
                {Kind::SegPre,
                 1}); // does opening each segment at full length avoid SETRANGE's greedy growth?
            report << QString()
                   << QStringLiteral(
                          "Segment-size sweep: %1 MiB file, chunk %2 B (cut at segment ends), "
                          "median of %3 runs; MiB/s (Exporter as x of the bare loader), "
                          "worst wait ms, Redis memory x bytes")
                          .arg(sizeMiB)
                          .arg(o.chunk)
                          .arg(o.sweepRuns);
            if (!kCoreHasSegments)
                report << QStringLiteral("  (this core has no segmentBytes: the Exporter's figures "
                                         "are its single string whatever the size)");
            QString head = QStringLiteral("  %1 %2")
                               .arg(QStringLiteral("segment bytes"), -28)
                               .arg(QStringLiteral("mode"), -5);
            for (const Variant &v : vs)
                head += QStringLiteral(" | %1").arg(
                    v.name()
                        .replace(QStringLiteral("bare segmented loader"), QStringLiteral("bare"))
                        .replace(QStringLiteral("hb::Exporter in-process"),
                                 QStringLiteral("Exporter"))
                        .replace(QStringLiteral("bare, segments presized"),
                                 QStringLiteral("bare, presized segs")),
                    -26);
            report << head;
            for (qint64 seg : o.sweepSizes) {
                const auto res =
                    bench.series(vs, seg, o.sweepRuns, QStringLiteral("sweep %1").arg(seg));
                for (const QString &mode : o.modes) {
                    QString line =
                        QStringLiteral("  %1 %2").arg(humanBytes(seg), -28).arg(mode, -5);
                    for (size_t i = 0; i < vs.size(); ++i) {
                        const auto &ss = res[i].at(mode);
                        QString mibs =
                            fmt(median(field(ss, [](const Sample &s) { return s.mibs; })), 0);
                        if (vs[i].kind == Kind::Exporter ||
                            vs[i].kind == Kind::SegPre) // x the bare loader, same n
                            mibs += QStringLiteral(" (%1x)").arg(
                                fmt(median(ratios(ss, res[vs[i].n == 1 ? 0 : 2].at(mode))), 2));
                        line +=
                            QStringLiteral(" | %1 %2ms %3x")
                                .arg(mibs, -11)
                                .arg(fmt(median(
                                             field(ss, [](const Sample &s) { return s.pingMax; })),
                                         1),
                                     5)
                                .arg(fmt(
                                    median(field(ss, [](const Sample &s) { return s.memRatio; })),
                                    2));
                    }
                    report << line;
                }
            }
        }

        // ---------------------------------------------------------------- 3. peak memory of the
        // CLI
        if (parts.contains(QStringLiteral("memory"))) {
            note(QStringLiteral("memory: peak RSS of hbexporter-cli export for %1 MiB")
                     .arg(valueOr(memOpt, QStringLiteral("64,256,400"), QStringLiteral("8,16"))));
            auto server = bench.freshServer();
            auto admin = server->connect({5000, 120000});
            report << QString()
                   << QStringLiteral("Peak RSS of `hbexporter-cli export` (the child's VmHWM from "
                                     "/proc/PID/status, sampled every 10 ms)");
            std::vector<Child> base{
                spawnChild(o.cli.toStdString(), {"--version"},
                           (tmp.path() + QStringLiteral("/v.out")).toStdString(),
                           (tmp.path() + QStringLiteral("/v.err")).toStdString())};
            waitChildren(base, 60);
            report << QStringLiteral("  %1 %2 MiB")
                          .arg(QStringLiteral("--version (process baseline)"), -30)
                          .arg(fmt(double(base[0].maxRssKiB) / 1024.0), 7);
            std::vector<double> peaks;
            for (qint64 mib : memSizes) {
                clearKeys(*admin);
                const qint64 bytes = mib * MiB;
                const QString f =
                    mib == sizeMiB
                        ? file
                        : hb::test::makeRandomFile(
                              tmp.path(), QStringLiteral("mem-%1M.bin").arg(mib), bytes, 7);
                if (f.isEmpty()) fail(QStringLiteral("cannot write the random file"));
                std::vector<std::string> args{"export",  f.toStdString(),
                                              "--redis", server->url().toStdString(),
                                              "--user",  "bench"};
                for (const QString &a : bench.cliSegmentArgs(o.segment))
                    args.push_back(a.toStdString());
                std::vector<Child> k{
                    spawnChild(o.cli.toStdString(), args,
                               (tmp.path() + QStringLiteral("/m.out")).toStdString(),
                               (tmp.path() + QStringLiteral("/m.err")).toStdString())};
                waitChildren(k, 600);
                if (k[0].exitCode != 0)
                    fail(QStringLiteral("hbexporter-cli exited %1: %2")
                             .arg(k[0].exitCode)
                             .arg(QString::fromStdString(readFileText(k[0].errPath)).trimmed()));
                const QString id = QString::fromStdString(readFileText(k[0].outPath)).trimmed();
                verifyExport(*admin, id, bytes, f == file ? sha : hb::test::sha256OfFile(f));
                if (f != file) QFile::remove(f);
                const double peak = double(k[0].maxRssKiB) / 1024.0;
                peaks.push_back(peak);
                report << QStringLiteral("  %1 %2 MiB   (%3 s)")
                              .arg(QStringLiteral("export %1 MiB").arg(mib), -30)
                              .arg(fmt(peak), 7)
                              .arg(fmt(k[0].seconds, 2));
            }
            const double hi = maxOf(peaks), lo = minOf(peaks);
            target(hi <= 64,
                   QStringLiteral("CLI export peak RSS <= 64 MiB: max %1 MiB").arg(fmt(hi)));
            target(hi - lo <= 4,
                   QStringLiteral(
                       "CLI export peak RSS flat across sizes (within 4 MiB): spread %1 MiB")
                       .arg(fmt(hi - lo)));
            admin.reset();
            server->stop();
        }

        // ---------------------------------------------------------------- 4. a big file, exported
        // and fetched back
        if (parts.contains(QStringLiteral("big"))) {
            const qint64 bigBytes = bigMiB * MiB;
            note(QStringLiteral("big: writing a %1 MiB random file").arg(bigMiB));
            const QString bigFile = tmp.path() + QStringLiteral("/big-%1M.bin").arg(bigMiB);
            const QByteArray bigSha = makeBigFile(bigFile, bigBytes);
            auto server = bench.freshServer();
            auto admin = server->connect({5000, 120000});
            report << QString()
                   << QStringLiteral(
                          "Big file: %1 MiB, `hbexporter-cli export` then `hbexporter-cli fetch ID "
                          "-` into SHA-256 through a pipe, fresh server, segment %2 B")
                          .arg(bigMiB)
                          .arg(o.segment);
            const qint64 mem0 = usedMemory(*admin);
            Pinger pinger(server->socketPath().toStdString());
            pinger.start();
            std::vector<std::string> args{"export",  bigFile.toStdString(),
                                          "--redis", server->url().toStdString(),
                                          "--user",  "bench"};
            for (const QString &a : bench.cliSegmentArgs(o.segment))
                args.push_back(a.toStdString());
            note(QStringLiteral("big: export"));
            std::vector<Child> ex{spawnChild(
                o.cli.toStdString(), args, (tmp.path() + QStringLiteral("/big.out")).toStdString(),
                (tmp.path() + QStringLiteral("/big.err")).toStdString())};
            waitChildren(ex, 1800);
            pinger.stop();
            const qint64 mem1 = usedMemory(*admin);
            const QString exportErr = QString::fromStdString(readFileText(ex[0].errPath)).trimmed();
            if (ex[0].exitCode != 0) {
                report << QStringLiteral("  export: exit %1 after %2 s: %3")
                              .arg(ex[0].exitCode)
                              .arg(fmt(ex[0].seconds, 1), exportErr.right(300));
                target(false, QStringLiteral(
                                  "%1 MiB file exports and fetches byte-exact: export exit %2 (%3)")
                                  .arg(bigMiB)
                                  .arg(ex[0].exitCode)
                                  .arg(exportErr.right(160)));
            } else {
                const QString id = QString::fromStdString(readFileText(ex[0].outPath)).trimmed();
                const double exRss = double(ex[0].maxRssKiB) / 1024.0;
                report << QStringLiteral(
                              "  export: %1 s, %2 MiB/s, peak RSS %3 MiB, CPU %4 s; Redis memory "
                              "%5x bytes; another client's worst wait %6 ms (p99 %7)")
                              .arg(fmt(ex[0].seconds, 1), fmt(double(bigMiB) / ex[0].seconds, 0),
                                   fmt(exRss), fmt(ex[0].cpuS, 1))
                              .arg(fmt(double(mem1 - mem0) / double(bigBytes), 3),
                                   fmt(pinger.maxMs(), 1), fmt(pinger.p99Ms(), 1));
                // fetch ID - : stdout through a pipe, hashed here as it arrives.
                note(QStringLiteral("big: fetch %1 -").arg(id));
                int pfd[2];
                if (::pipe2(pfd, O_CLOEXEC) != 0) fail(QStringLiteral("pipe2 failed"));
                ::fcntl(pfd[0], F_SETPIPE_SZ, int(MiB));
                std::vector<Child> fe{spawnChild(
                    o.cli.toStdString(),
                    {"fetch", id.toStdString(), "-", "--redis", server->url().toStdString(),
                     "--user", "bench"},
                    "", (tmp.path() + QStringLiteral("/fetch.err")).toStdString(), pfd[1])};
                ::close(pfd[1]);
                EVP_MD_CTX *ctx = EVP_MD_CTX_new();
                EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
                std::vector<char> buf(static_cast<size_t>(MiB));
                qint64 got = 0;
                waitChildren(fe, 1800, pfd[0], [&] {
                    const ssize_t r = ::read(pfd[0], buf.data(), buf.size());
                    if (r > 0) {
                        EVP_DigestUpdate(ctx, buf.data(), size_t(r));
                        got += r;
                        return true;
                    }
                    return r < 0 && errno == EINTR;
                });
                ::close(pfd[0]);
                unsigned char md[EVP_MAX_MD_SIZE];
                unsigned int mdLen = 0;
                EVP_DigestFinal_ex(ctx, md, &mdLen);
                EVP_MD_CTX_free(ctx);
                const QByteArray fetchedSha =
                    QByteArray(reinterpret_cast<const char *>(md), int(mdLen)).toHex();
                const double feRss = double(fe[0].maxRssKiB) / 1024.0;
                const bool exact = fe[0].exitCode == 0 && got == bigBytes && fetchedSha == bigSha;
                report << QStringLiteral("  fetch:  %1 s, %2 MiB/s, peak RSS %3 MiB, exit %4, %5 "
                                         "bytes, sha256 %6")
                              .arg(fmt(fe[0].seconds, 1), fmt(double(got) / MiB / fe[0].seconds, 0),
                                   fmt(feRss))
                              .arg(fe[0].exitCode)
                              .arg(got)
                              .arg(fetchedSha == bigSha
                                       ? QStringLiteral("equal to the file's")
                                       : QStringLiteral("DIFFERS from the file's"));
                if (fe[0].exitCode != 0)
                    report << QStringLiteral("  fetch stderr: %1")
                                  .arg(QString::fromStdString(readFileText(fe[0].errPath))
                                           .trimmed()
                                           .right(300));
                target(exact, QStringLiteral("%1 MiB file exports and fetches byte-exact: %2")
                                  .arg(bigMiB)
                                  .arg(exact ? QStringLiteral("yes") : QStringLiteral("no")));
                target(exRss <= 64 && feRss <= 64,
                       QStringLiteral("%1 MiB: peak RSS <= 64 MiB: export %2 MiB, fetch %3 MiB")
                           .arg(bigMiB)
                           .arg(fmt(exRss), fmt(feRss)));
                target(double(mem1 - mem0) / double(bigBytes) <= 1.05,
                       QStringLiteral("%1 MiB: Redis memory <= 1.05x bytes: %2x")
                           .arg(bigMiB)
                           .arg(fmt(double(mem1 - mem0) / double(bigBytes), 3)));
            }
            QFile::remove(bigFile);
            admin.reset();
            server->stop();
        }

        // ---------------------------------------------------------------- 5. cancel latency
        if (parts.contains(QStringLiteral("cancel"))) {
            note(QStringLiteral("cancel: %1 cancels of running %2 MiB exports")
                     .arg(cancels)
                     .arg(sizeMiB));
            auto server = bench.freshServer();
            auto admin = server->connect({5000, 120000});
            Exporter exporter(benchConfig(*server, o.segment),
                              std::make_shared<DefaultPermissions>());
            ExportTracker tracker(exporter, waiter);
            if (!(exporterMedianS >
                  0)) { // no throughput part: time two exports (the first warms up)
                for (int i = 0; i < 2; ++i) {
                    clearKeys(*admin);
                    const double t0 = monoNow();
                    const QString id = exporter.startExport(file);
                    if (!waiter.wait([&] { return tracker.finished.value(id).done; }, 300000) ||
                        tracker.finished.value(id).code != 0)
                        fail(QStringLiteral("calibration export failed"));
                    exporterMedianS = tracker.finished.value(id).at - t0;
                }
            }
            // The terminal status write is the newest script run (EVAL/EVALSHA/FCALL)
            // in SLOWLOG with a 0 µs threshold: its time inside Redis.
            must(*admin, {"CONFIG", "SET", "slowlog-log-slower-than", "0"});
            must(*admin, {"CONFIG", "SET", "slowlog-max-len",
                          "4096"}); // the last writes refresh every segment's TTL after the script
            QRandomGenerator rng(4242);
            const int windowMs = std::max(5, int(exporterMedianS * 1000 * 0.7));
            std::vector<double> latMs, scriptMs, writtenFrac;
            int attempts = 0, completedFirst = 0;
            while (int(latMs.size()) < cancels) {
                if (++attempts > cancels * 5)
                    fail(QStringLiteral("too many exports completed before their cancel (%1 of %2)")
                             .arg(completedFirst)
                             .arg(attempts));
                clearKeys(*admin);
                must(*admin, {"SLOWLOG", "RESET"});
                QString id;
                double cancelAt = -1;
                const int delayMs = int(rng.bounded(windowMs));
                QTimer shot;
                shot.setSingleShot(true);
                QObject::connect(&shot, &QTimer::timeout, &shot, [&] {
                    if (tracker.finished.value(id).done) return;
                    cancelAt = monoNow();
                    exporter.cancel(id);
                });
                tracker.onPending = [&](const QString &pid) {
                    if (pid == id && !shot.isActive() && cancelAt < 0) shot.start(delayMs);
                };
                id = exporter.startExport(file);
                if (!waiter.wait([&] { return tracker.finished.value(id).done; }, 120000))
                    fail(QStringLiteral("export %1 did not finish within 120 s of its cancel")
                             .arg(id));
                tracker.onPending = nullptr;
                const Finished f = tracker.finished.value(id);
                if (cancelAt < 0 || f.status.state == ExportState::Completed) {
                    if (f.status.state != ExportState::Completed)
                        fail(QStringLiteral("export %1 ended %2 without a cancel: %3")
                                 .arg(id, f.status.stateText(), f.message));
                    ++completedFirst;
                    continue;
                }
                if (f.status.state != ExportState::Cancelled)
                    fail(QStringLiteral("cancelled export %1 ended %2: %3")
                             .arg(id, f.status.stateText(), f.message));
                latMs.push_back((f.at - cancelAt) * 1000);
                writtenFrac.push_back(double(f.status.bytesWritten) / double(o.size));
                verifyCancelled(*admin, id,
                                f.status.bytesWritten); // CONTRACT §1: exactly bytesWritten
                const RedisReply slow = must(*admin, {"SLOWLOG", "GET", "4096"});
                for (const RedisReply &e : slow.elements) { // newest first
                    if (e.elements.size() < 4) continue;
                    const QList<RedisReply> &args = e.elements[3].elements;
                    const QByteArray cmd = args.isEmpty() ? QByteArray() : args[0].string.toUpper();
                    if (cmd.startsWith("EVAL") || cmd.startsWith("FCALL")) {
                        scriptMs.push_back(double(e.elements[2].integer) / 1000.0);
                        break;
                    }
                }
            }
            must(*admin, {"CONFIG", "SET", "slowlog-log-slower-than", "10000"});
            must(*admin, {"CONFIG", "SET", "slowlog-max-len", "128"});
            report << QString()
                   << QStringLiteral("Cancel latency: %1 cancels of %2 MiB exports at a random "
                                     "moment while PENDING "
                                     "(%3 completed first, retried); Exporter::cancel() -> "
                                     "exportFinished(CANCELLED); data checked = bytesWritten")
                          .arg(latMs.size())
                          .arg(sizeMiB)
                          .arg(completedFirst)
                   << QStringLiteral("  total                 p50 %1 ms  p99 %2 ms  max %3 ms   "
                                     "target p99 <= 50 ms: %4")
                          .arg(fmt(percentile(latMs, 50), 2), fmt(percentile(latMs, 99), 2),
                               fmt(percentile(latMs, 100), 2))
                          .arg(target(percentile(latMs, 99) <= 50,
                                      QStringLiteral("cancel p99 <= 50 ms: %1 ms")
                                          .arg(fmt(percentile(latMs, 99), 2))));
            if (!scriptMs.empty())
                report << QStringLiteral("  last status script    p50 %1 ms  p99 %2 ms  max %3 ms  "
                                         "(inside Redis, SLOWLOG; found for %4 of %5)")
                              .arg(fmt(percentile(scriptMs, 50), 2),
                                   fmt(percentile(scriptMs, 99), 2),
                                   fmt(percentile(scriptMs, 100), 2))
                              .arg(scriptMs.size())
                              .arg(latMs.size());
            report << QStringLiteral("  cancelled at          %1%..%2% of the file (median %3%)")
                          .arg(fmt(100 * percentile(writtenFrac, 0), 0),
                               fmt(100 * percentile(writtenFrac, 100), 0),
                               fmt(100 * median(writtenFrac), 0));
            admin.reset();
        }

        // ---------------------------------------------------------------- 6. event loop
        if (parts.contains(QStringLiteral("gui"))) {
            auto server = bench.freshServer();
            auto admin = server->connect({5000, 120000});
            report << QString()
                   << QStringLiteral("Event loop (QApplication, %1 platform): lateness of a 10 ms "
                                     "PreciseTimer while %2 exports of %3 MiB run")
                          .arg(QGuiApplication::platformName())
                          .arg(guiExports)
                          .arg(sizeMiB);
            auto scenario = [&](const QString &label, bool withList) {
                note(QStringLiteral("gui: %1").arg(label));
                clearKeys(*admin);
                ExporterConfig cfg = benchConfig(*server, o.segment);
                cfg.maxConcurrent = guiExports;
                Exporter exporter(cfg, std::make_shared<DefaultPermissions>());
                ExportTracker tracker(exporter, waiter);
#ifdef HBBENCH_HAVE_UI
                std::unique_ptr<ExportListModel> model;
                std::unique_ptr<ExportListWidget> view;
                if (withList) {
                    model = std::make_unique<ExportListModel>();
                    ExportStatus done;
                    done.state = ExportState::Completed;
                    done.owner = QStringLiteral("bench");
                    done.bytesTotal = done.bytesWritten = 123456789;
                    done.sha256 = QString(64, QLatin1Char('0'));
                    for (int i = 0; i < guiRows; ++i) {
                        done.id = newExportId();
                        done.source = QStringLiteral("finished-%1.bin").arg(i);
                        done.createdAt = done.updatedAt = QDateTime::currentDateTimeUtc();
                        model->addExport(done.id, QStringLiteral("/data/") + done.source);
                        model->updateStatus(done.id, done);
                        model->finishExport(done.id, done, ErrorCode::None, QString());
                    }
                    model->refresh();
                    view = std::make_unique<ExportListWidget>(model.get());
                    view->resize(1280, 800);
                    view->show();
                    // Wire it as the main window does.
                    QObject::connect(&exporter, &Exporter::exportQueued, model.get(),
                                     &ExportListModel::addExport);
                    QObject::connect(&exporter, &Exporter::exportCreated, model.get(),
                                     &ExportListModel::updateStatus);
                    QObject::connect(&exporter, &Exporter::statusChanged, model.get(),
                                     &ExportListModel::updateStatus);
                    QObject::connect(&exporter, &Exporter::progress, model.get(),
                                     &ExportListModel::updateProgress);
                    QObject::connect(&exporter, &Exporter::cancelRequested, model.get(),
                                     &ExportListModel::markCancelling);
                    QObject::connect(&exporter, &Exporter::exportFinished, model.get(),
                                     &ExportListModel::finishExport);
                    QElapsedTimer settle;
                    settle.start();
                    while (settle.elapsed() < 300) // first layout and paint out of the way
                        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
                    if (model->rowCount() != guiRows)
                        fail(QStringLiteral("list model holds %1 rows, expected %2")
                                 .arg(model->rowCount())
                                 .arg(guiRows));
                }
#else
                Q_UNUSED(withList);
#endif
                Lateness late;
                late.start();
                const double t0 = monoNow();
                QStringList ids;
                for (int i = 0; i < guiExports; ++i)
                    ids << exporter.startExport(file);
                const bool allDone = waiter.wait(
                    [&] {
                        return std::all_of(ids.begin(), ids.end(), [&](const QString &id) {
                            return tracker.finished.value(id).done;
                        });
                    },
                    600000);
                const double wall = monoNow() - t0;
                late.stop();
                if (!allDone)
                    fail(QStringLiteral("%1 exports did not finish within 600 s").arg(guiExports));
                for (const QString &id : ids)
                    if (tracker.finished.value(id).code != 0)
                        fail(QStringLiteral("export %1 ended %2: %3")
                                 .arg(id, tracker.finished.value(id).status.stateText(),
                                      tracker.finished.value(id).message));
                verifyExport(*admin, ids.first(), o.size, sha);
#ifdef HBBENCH_HAVE_UI
                if (model && model->activeCount() != 0)
                    fail(QStringLiteral("list model still shows %1 active rows")
                             .arg(model->activeCount()));
#endif
                clearKeys(*admin);
                report << QStringLiteral("  %1 max late %2 ms (from %3 s), p99 %4 ms, %5 ticks, %6 "
                                         "s (%7 MiB/s total)   target never > 50 ms: %8")
                              .arg(label, -44)
                              .arg(fmt(late.max(), 1))
                              .arg(fmt(late.worstAtS, 2))
                              .arg(fmt(percentile(late.lateMs, 99), 1))
                              .arg(late.lateMs.size())
                              .arg(fmt(wall, 2))
                              .arg(fmt(double(guiExports * sizeMiB) / wall, 0))
                              .arg(
                                  target(late.max() <= 50,
                                         QStringLiteral("event loop never > 50 ms late (%1): %2 ms")
                                             .arg(label, fmt(late.max(), 1))));
            };
            scenario(QStringLiteral("Exporter alone:"), false);
#ifdef HBBENCH_HAVE_UI
            scenario(QStringLiteral("ExportListModel+View, %1 finished rows:").arg(guiRows), true);
#else
            report << QStringLiteral(
                "  (ui/ has no ExportListModel in this build: measured with the Exporter alone)");
#endif
            admin.reset();
        }
        // ---------------------------------------------------------------- 7. cluster
        if (parts.contains(QStringLiteral("cluster")))
            report << clusterPart(tmp.path(), int(toInt(p.value(clusterSizeOpt))), 6,
                                  std::min(o.runs, 3), waiter);
    } catch (const std::exception &e) {
        ::alarm(0);
        std::fprintf(stderr, "hbbench: FAILED: %s\n", e.what());
        for (const QString &l : std::as_const(report))
            std::printf("%s\n", qPrintable(l));
        return 1;
    }
    ::alarm(0);
    for (const QString &l : std::as_const(report))
        std::printf("%s\n", qPrintable(l));
    if (!g_contractNotes.isEmpty()) {
        std::printf("\nContract checks (not errors):\n");
        for (const QString &l : std::as_const(g_contractNotes))
            std::printf("  %s\n", qPrintable(l));
    }
    std::printf("\nTargets (issue 10; medians; missed ones are reported, not errors):\n");
    for (const QString &l : std::as_const(targets))
        std::printf("%s\n", qPrintable(l));
    std::printf("%s\n", missed ? qPrintable(QStringLiteral("%1 target(s) missed").arg(missed))
                               : "all targets met");
    std::printf("(hbbench ran %.0f s; 1-minute load average at the end %s, at the start %s)\n",
                monoNow() - g_t0, qPrintable(loadAvg()), qPrintable(g_startLoad));
    return 0;
}

// hbbench: is an export limited by Redis, or by us? (issue #6)
//
// Starts its own redis-server (unix socket, temp folder) and measures, on that one
// server in one run:
//   1. throughput for one file (default 256 MiB), the variants timed alternately,
//      several runs each, medians reported:
//        (a) a bare hiredis loader written here: read(2), pipelined SETRANGE of
//            1 MiB chunks, 4 in flight, the string presized with one SETRANGE at
//            its last offset (the best loader hiredis allows: the reference);
//        (b) hb::Exporter in-process, startExport() until exportFinished;
//        (c) `hbexporter-cli export FILE --redis unix://...` as a whole process;
//        (d) the original design: per 64 KiB chunk APPEND + wait, SET status + wait.
//   2. peak RSS of (c) for several file sizes (wait4() rusage ru_maxrss);
//   3. cancel latency: Exporter::cancel() -> exportFinished(CANCELLED), p50/p99, and
//      how long the terminal Lua script (with its GETRANGE+SET truncation) took
//      inside Redis (SLOWLOG);
//   4. event-loop lateness of a 10 ms timer while 8 exports run, with the Exporter
//      alone and with the window's list model + view holding 1,000 finished rows.
// Every reply is checked, one run of each variant has its data verified by
// sha256, any failure exits non-zero, and a watchdog bounds the whole run.

#include "exporter.h"
#include "exportconfig.h"
#include "exportstatus.h"
#include "permissions.h"
#include "redisconnection.h"
#include "testredis.h"

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
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTimer>

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace {

using namespace hb;
using hb::test::TestRedisServer;

constexpr qint64 MiB = 1024 * 1024;

struct BenchError : std::runtime_error
{
    explicit BenchError(const QString &what) : std::runtime_error(what.toStdString()) {}
};

[[noreturn]] void fail(const QString &what) { throw BenchError(what); }

// ---- watchdog: the whole run is bounded; on expiry kill our children and exit 3.
volatile sig_atomic_t g_redisPid = 0;
volatile sig_atomic_t g_childPid = 0;

void onWatchdog(int)
{
    static const char msg[] = "hbbench: watchdog expired (--timeout); aborting\n";
    if (g_childPid > 0)
        ::kill(pid_t(g_childPid), SIGKILL);
    if (g_redisPid > 0)
        ::kill(pid_t(g_redisPid), SIGKILL);
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(3);
}

void note(const QString &s)
{
    std::fprintf(stderr, "%s\n", qPrintable(s));
    std::fflush(stderr);
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    // Nearest rank: the smallest value with at least p% of the samples at or below it.
    size_t rank = size_t(std::ceil(p / 100.0 * double(v.size())));
    rank = std::clamp<size_t>(rank, 1, v.size());
    return v[rank - 1];
}

// ---- Redis helpers on the project's connection (admin side, outside timings).

RedisReply must(RedisConnection &c, const QList<QByteArray> &args)
{
    RedisReply r = c.command(args);
    if (r.isError())
        fail(QStringLiteral("%1: %2").arg(QString::fromLatin1(args.value(0)), r.error.message));
    return r;
}

// Redis's own CPU seconds so far (user + sys, INFO cpu): how busy the server was.
double redisCpu(RedisConnection &c)
{
    const RedisReply r = must(c, {"INFO", "cpu"});
    double total = 0;
    for (const QByteArray &l : r.string.split('\n')) {
        if (l.startsWith("used_cpu_sys:") || l.startsWith("used_cpu_user:"))
            total += l.mid(l.indexOf(':') + 1).trimmed().toDouble();
    }
    return total;
}

// Minor page faults of a process so far (/proc/PID/stat field 10).
qint64 minorFaults(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray all = f.readAll();
    const QList<QByteArray> fields = all.mid(all.lastIndexOf(')') + 2).split(' ');
    return fields.size() > 7 ? fields[7].toLongLong() : 0;
}

void flushAll(RedisConnection &c)
{
    const RedisReply r = must(c, {"FLUSHALL", "SYNC"});
    if (r.type != RedisReply::Type::Status || r.string != "OK")
        fail(QStringLiteral("FLUSHALL: unexpected reply"));
}

// Data key exactly the file's bytes: length and sha256 over GETRANGE pieces.
void verifyData(RedisConnection &c, const QByteArray &key, qint64 size, const QByteArray &sha)
{
    const RedisReply len = must(c, {"STRLEN", key});
    if (len.type != RedisReply::Type::Integer || len.integer != size)
        fail(QStringLiteral("%1: length %2, expected %3").arg(QString::fromLatin1(key)).arg(len.integer).arg(size));
    QCryptographicHash h(QCryptographicHash::Sha256);
    constexpr qint64 piece = 16 * MiB;
    for (qint64 off = 0; off < size; off += piece) {
        const qint64 end = std::min(size, off + piece) - 1;
        const RedisReply r = must(c, {"GETRANGE", key, QByteArray::number(off), QByteArray::number(end)});
        if (r.type != RedisReply::Type::String || r.string.size() != end - off + 1)
            fail(QStringLiteral("GETRANGE %1 %2: short reply").arg(off).arg(end));
        h.addData(r.string);
    }
    if (h.result().toHex() != sha)
        fail(QStringLiteral("%1: sha256 differs from the file's").arg(QString::fromLatin1(key)));
}

// The project's keys of a COMPLETED export: status, sha256, both TTLs.
void verifyExport(RedisConnection &c, const QString &id, qint64 size, const QByteArray &sha)
{
    const KeyLayout keys;
    const RedisReply st = must(c, {"GET", keys.statusKey(id)});
    QString problem;
    const auto s = ExportStatus::fromJson(st.string, &problem);
    if (st.type != RedisReply::Type::String || !s)
        fail(QStringLiteral("export %1: unreadable status (%2)").arg(id, problem));
    if (s->state != ExportState::Completed || s->bytesWritten != size || s->sha256.toLatin1() != sha)
        fail(QStringLiteral("export %1: status %2, %3 bytes, sha256 %4; expected COMPLETED, %5, %6")
                 .arg(id, s->stateText())
                 .arg(s->bytesWritten)
                 .arg(s->sha256)
                 .arg(size)
                 .arg(QString::fromLatin1(sha)));
    for (const QByteArray &k : {keys.statusKey(id), keys.dataKey(id)}) {
        const RedisReply ttl = must(c, {"TTL", k});
        if (ttl.integer <= 0)
            fail(QStringLiteral("%1 has no TTL (%2)").arg(QString::fromLatin1(k)).arg(ttl.integer));
    }
    verifyData(c, keys.dataKey(id), size, sha);
}

// ---- raw hiredis (variants a and d): every reply checked.

struct RawRedis
{
    redisContext *c = nullptr;
    explicit RawRedis(const QString &socket)
    {
        c = redisConnectUnix(socket.toLocal8Bit().constData());
        if (!c || c->err)
            fail(QStringLiteral("hiredis connect %1: %2").arg(socket, c ? QString::fromLocal8Bit(c->errstr) : QString()));
        timeval tv{60, 0};
        redisSetTimeout(c, tv);
    }
    ~RawRedis() { redisFree(c); }
    RawRedis(const RawRedis &) = delete;
    RawRedis &operator=(const RawRedis &) = delete;

    void append(int argc, const char **argv, const size_t *lens)
    {
        if (redisAppendCommandArgv(c, argc, argv, lens) != REDIS_OK)
            fail(QStringLiteral("redisAppendCommandArgv: %1").arg(QString::fromLocal8Bit(c->errstr)));
        int done = 0;
        while (!done)
            if (redisBufferWrite(c, &done) != REDIS_OK)
                fail(QStringLiteral("redisBufferWrite: %1").arg(QString::fromLocal8Bit(c->errstr)));
    }
    // The next reply; fails unless it has the given type (and integer value, when >= 0).
    void expect(int type, long long integer = -1, const char *status = nullptr)
    {
        void *raw = nullptr;
        if (redisGetReply(c, &raw) != REDIS_OK || !raw)
            fail(QStringLiteral("redisGetReply: %1").arg(QString::fromLocal8Bit(c->errstr)));
        redisReply *r = static_cast<redisReply *>(raw);
        const bool ok = r->type == type && (integer < 0 || r->integer == integer) &&
                        (!status || (r->str && std::strcmp(r->str, status) == 0));
        const QString text = r->type == REDIS_REPLY_ERROR ? QString::fromLocal8Bit(r->str, int(r->len))
                                                           : QStringLiteral("type %1 int %2").arg(r->type).arg(r->integer);
        freeReplyObject(r);
        if (!ok)
            fail(QStringLiteral("unexpected reply: %1").arg(text));
    }
};

qint64 readFull(int fd, char *buf, qint64 n)
{
    qint64 got = 0;
    while (got < n) {
        const ssize_t r = ::read(fd, buf + got, size_t(n - got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            fail(QStringLiteral("read: %1").arg(QString::fromLocal8Bit(std::strerror(errno))));
        if (r == 0)
            break;
        got += r;
    }
    return got;
}

struct Fd
{
    int fd;
    explicit Fd(const QString &path) : fd(::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC))
    {
        if (fd < 0)
            fail(QStringLiteral("open %1: %2").arg(path, QString::fromLocal8Bit(std::strerror(errno))));
    }
    ~Fd() { ::close(fd); }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
};

// (a) The reference: what a careful hand-written hiredis loader achieves.
void bareLoader(const QString &socket, const QString &file, const QByteArray &key, qint64 size)
{
    constexpr qint64 chunk = MiB;
    constexpr int window = 4;
    RawRedis r(socket);
    Fd in(file);
    const char *cmd = "SETRANGE";
    if (size > 0) {
        const QByteArray last = QByteArray::number(size - 1);
        const char zero = 0;
        const char *argv[] = {cmd, key.constData(), last.constData(), &zero};
        const size_t lens[] = {8, size_t(key.size()), size_t(last.size()), 1};
        r.append(4, argv, lens);
        r.expect(REDIS_REPLY_INTEGER, size);
    }
    std::vector<char> buf(chunk);
    qint64 off = 0;
    int inflight = 0;
    while (off < size || inflight > 0) {
        if (off < size && inflight < window) {
            const qint64 n = readFull(in.fd, buf.data(), std::min(chunk, size - off));
            if (n <= 0)
                fail(QStringLiteral("%1: short read at %2").arg(file).arg(off));
            const QByteArray offText = QByteArray::number(off);
            const char *argv[] = {cmd, key.constData(), offText.constData(), buf.data()};
            const size_t lens[] = {8, size_t(key.size()), size_t(offText.size()), size_t(n)};
            r.append(4, argv, lens);
            off += n;
            ++inflight;
            continue;
        }
        r.expect(REDIS_REPLY_INTEGER, size);
        --inflight;
    }
}

// (d) The original design: 64 KiB APPENDs, each followed by a status SET, each
// waited for.
void originalLoader(const QString &socket, const QString &file, const QByteArray &id, qint64 size)
{
    constexpr qint64 chunk = 64 * 1024;
    RawRedis r(socket);
    Fd in(file);
    const QByteArray dataKey = "orig:{" + id + "}-data";
    const QByteArray statusKey = "orig:{" + id + "}";
    ExportStatus s;
    s.id = QString::fromLatin1(id);
    s.state = ExportState::Pending;
    s.owner = QStringLiteral("bench");
    s.source = QFileInfo(file).fileName();
    s.bytesTotal = size;
    s.createdAt = QDateTime::currentDateTimeUtc();
    std::vector<char> buf(chunk);
    qint64 off = 0;
    while (off < size) {
        const qint64 n = readFull(in.fd, buf.data(), std::min(chunk, size - off));
        if (n <= 0)
            fail(QStringLiteral("%1: short read at %2").arg(file).arg(off));
        {
            const char *argv[] = {"APPEND", dataKey.constData(), buf.data()};
            const size_t lens[] = {6, size_t(dataKey.size()), size_t(n)};
            r.append(3, argv, lens);
            r.expect(REDIS_REPLY_INTEGER, off + n);
        }
        off += n;
        s.bytesWritten = off;
        s.updatedAt = QDateTime::currentDateTimeUtc();
        const QByteArray json = s.toJson();
        const char *argv[] = {"SET", statusKey.constData(), json.constData()};
        const size_t lens[] = {3, size_t(statusKey.size()), size_t(json.size())};
        r.append(3, argv, lens);
        r.expect(REDIS_REPLY_STATUS, -1, "OK");
    }
}

// ---- the CLI as a child process (variant c, peak memory).

struct ChildResult
{
    double seconds = 0;
    int exitCode = -1;
    // The child's peak RSS: VmHWM of /proc/PID/status, sampled every 10 ms while it
    // runs (a high-water mark, so only growth in its last 10 ms could be missed).
    // Not wait4()'s ru_maxrss: posix_spawn's vfork makes that include our own peak.
    long maxRssKiB = 0;
    QByteArray out;
    QByteArray err;
};

long vmHwmKiB(pid_t pid)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &l : f.readAll().split('\n'))
        if (l.startsWith("VmHWM:"))
            return l.mid(6).trimmed().split(' ').value(0).toLong();
    return 0;
}

ChildResult runChild(const QString &program, const QStringList &args, const QString &tmpDir, int timeoutMs)
{
    const QByteArray outPath = QFile::encodeName(tmpDir + QStringLiteral("/child.out"));
    const QByteArray errPath = QFile::encodeName(tmpDir + QStringLiteral("/child.err"));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, outPath.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, errPath.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<QByteArray> store;
    store.push_back(QFile::encodeName(program));
    for (const QString &a : args)
        store.push_back(a.toLocal8Bit());
    std::vector<char *> argv;
    for (QByteArray &a : store)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    ChildResult res;
    QElapsedTimer t;
    t.start();
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, store[0].constData(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        fail(QStringLiteral("cannot start %1: %2").arg(program, QString::fromLocal8Bit(std::strerror(rc))));
    g_childPid = pid;
    int status = 0;
    rusage ru{};
    // Sleep until the child exits (a pidfd turns readable), without polling: on a
    // small machine a busy parent would steal CPU from the child and from Redis.
    const int pidfd = int(::syscall(SYS_pidfd_open, pid, 0));
    while (true) {
        const pid_t w = ::wait4(pid, &status, WNOHANG, &ru);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            fail(QStringLiteral("wait4: %1").arg(QString::fromLocal8Bit(std::strerror(errno))));
        if (t.elapsed() > timeoutMs) {
            ::kill(pid, SIGKILL);
            ::wait4(pid, &status, 0, &ru);
            g_childPid = 0;
            if (pidfd >= 0)
                ::close(pidfd);
            fail(QStringLiteral("%1 did not finish within %2 s").arg(program).arg(timeoutMs / 1000));
        }
        res.maxRssKiB = std::max(res.maxRssKiB, vmHwmKiB(pid));
        if (pidfd >= 0) {
            pollfd pfd{pidfd, POLLIN, 0};
            ::poll(&pfd, 1, 10);
        } else {
            ::usleep(10000);
        }
    }
    if (pidfd >= 0)
        ::close(pidfd);
    res.seconds = double(t.nsecsElapsed()) / 1e9;
    g_childPid = 0;
    res.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    QFile o(QString::fromLocal8Bit(outPath)), e(QString::fromLocal8Bit(errPath));
    if (o.open(QIODevice::ReadOnly))
        res.out = o.readAll();
    if (e.open(QIODevice::ReadOnly))
        res.err = e.readAll();
    return res;
}

// ---- in-process event loop helpers.

// Runs a nested event loop until pred() holds (checked whenever poke() is called)
// or the timeout passes.
class Waiter
{
public:
    bool wait(const std::function<bool()> &pred, int timeoutMs)
    {
        if (pred())
            return true;
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
        if (m_loop && m_pred && m_pred())
            m_loop->quit();
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
    qint64 atNs = 0;
};

// Collects exportFinished (and PENDING) per id, stamped on a shared clock.
class ExportTracker : public QObject
{
public:
    ExportTracker(Exporter &ex, Waiter &w, const QElapsedTimer &clock) : m_clock(clock)
    {
        QObject::connect(&ex, &Exporter::exportFinished, this,
                         [this, &w](const QString &id, const ExportStatus &s, ErrorCode code, const QString &msg) {
                             Finished &f = finished[id];
                             f.done = true;
                             f.status = s;
                             f.code = int(code);
                             f.message = msg;
                             f.atNs = m_clock.nsecsElapsed();
                             w.poke();
                         });
        QObject::connect(&ex, &Exporter::statusChanged, this, [this](const QString &id, const ExportStatus &s) {
            if (s.state == ExportState::Pending && onPending)
                onPending(id);
        });
    }
    QHash<QString, Finished> finished;
    std::function<void(const QString &)> onPending;

private:
    const QElapsedTimer &m_clock;
};

bool g_presize = ExporterConfig{}.presize; // the project's default unless --presize

ExporterConfig benchConfig(const TestRedisServer &server)
{
    ExporterConfig cfg;
    cfg.presize = g_presize;
    cfg.endpoint = server.endpoint();
    cfg.timeouts = RedisTimeouts{5000, 60000};
    cfg.user = QStringLiteral("bench");
    return cfg;
}

// A 10 ms timer's lateness while something runs.
struct Lateness
{
    QTimer timer;
    QElapsedTimer clock;
    qint64 lastNs = 0;
    std::vector<double> lateMs;
    void start()
    {
        timer.setTimerType(Qt::PreciseTimer);
        timer.setInterval(10);
        QObject::connect(&timer, &QTimer::timeout, &timer, [this] {
            const qint64 now = clock.nsecsElapsed();
            lateMs.push_back(std::max(0.0, double(now - lastNs) / 1e6 - 10.0));
            lastNs = now;
        });
        clock.start();
        lastNs = 0;
        lateMs.clear();
        timer.start();
    }
    void stop() { timer.stop(); }
    double max() const { return lateMs.empty() ? 0 : *std::max_element(lateMs.begin(), lateMs.end()); }
};

QString fmt(double v, int prec = 1) { return QString::number(v, 'f', prec); }

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

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    // The bench's own server only, default permissions, for us and for the CLI child.
    qunsetenv("HBEXPORTER_REDIS_URL");
    qunsetenv("HBEXPORTER_PERMISSIONS");
    QApplication app(argc, argv);
#ifdef HBBENCH_HAVE_UI
    Q_INIT_RESOURCE(resources); // hbui is a static library: its icons need a nudge
#endif
    QCoreApplication::setApplicationName(QStringLiteral("hbbench"));

    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("HB Exporter benchmark: throughput vs a bare hiredis loader, peak memory, "
                                               "cancel latency, event-loop lateness"));
    p.addHelpOption();
    const QCommandLineOption runsOpt(QStringLiteral("runs"), QStringLiteral("runs per variant (default 5)"), QStringLiteral("N"), QStringLiteral("5"));
    const QCommandLineOption sizeOpt(QStringLiteral("size"), QStringLiteral("throughput file size in MiB (default 256)"), QStringLiteral("MiB"), QStringLiteral("256"));
    const QCommandLineOption memOpt(QStringLiteral("mem-sizes"), QStringLiteral("file sizes in MiB for the CLI's peak memory (default 64,256,400)"), QStringLiteral("LIST"), QStringLiteral("64,256,400"));
    const QCommandLineOption cancelsOpt(QStringLiteral("cancels"), QStringLiteral("cancels to time (default 50)"), QStringLiteral("N"), QStringLiteral("50"));
    const QCommandLineOption guiExportsOpt(QStringLiteral("gui-exports"), QStringLiteral("concurrent exports for the event-loop test (default 8)"), QStringLiteral("N"), QStringLiteral("8"));
    const QCommandLineOption guiRowsOpt(QStringLiteral("gui-rows"), QStringLiteral("finished rows in the list (default 1000)"), QStringLiteral("N"), QStringLiteral("1000"));
    const QCommandLineOption onlyOpt(QStringLiteral("only"), QStringLiteral("comma list of parts: throughput,memory,cancel,gui (default all)"), QStringLiteral("PARTS"), QStringLiteral("throughput,memory,cancel,gui"));
    const QCommandLineOption skipOrigOpt(QStringLiteral("skip-original"), QStringLiteral("leave out variant (d), the slow original design"));
    const QCommandLineOption cliOpt(QStringLiteral("cli"), QStringLiteral("hbexporter-cli to run (default: the one built with this tree)"), QStringLiteral("PATH"), hb::test::builtExecutable(QStringLiteral("hbexporter-cli")));
    const QCommandLineOption presizeOpt(QStringLiteral("presize"), QStringLiteral("in-process exports (b, cancel, gui) presize the data string (the project's default does not)"));
    const QCommandLineOption timeoutOpt(QStringLiteral("timeout"), QStringLiteral("watchdog for the whole run in seconds (default 1800)"), QStringLiteral("S"), QStringLiteral("1800"));
    p.addOptions({presizeOpt, runsOpt, sizeOpt, memOpt, cancelsOpt, guiExportsOpt, guiRowsOpt, onlyOpt, skipOrigOpt, cliOpt, timeoutOpt});
    p.process(app);

    bool ok1 = false, ok2 = false, ok3 = false, ok4 = false, ok5 = false, ok6 = false;
    const int runs = p.value(runsOpt).toInt(&ok1);
    const qint64 sizeMiB = p.value(sizeOpt).toLongLong(&ok2);
    const int cancels = p.value(cancelsOpt).toInt(&ok3);
    const int guiExports = p.value(guiExportsOpt).toInt(&ok4);
    const int guiRows = p.value(guiRowsOpt).toInt(&ok5);
    const int timeoutS = p.value(timeoutOpt).toInt(&ok6);
    std::vector<qint64> memSizes;
    bool okMem = true;
    for (const QString &s : p.value(memOpt).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        memSizes.push_back(s.toLongLong(&ok));
        okMem = okMem && ok && memSizes.back() > 0 && memSizes.back() <= 500;
    }
    const QStringList parts = p.value(onlyOpt).split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (const QString &part : parts) {
        if (!QStringList{QStringLiteral("throughput"), QStringLiteral("memory"), QStringLiteral("cancel"), QStringLiteral("gui")}.contains(part)) {
            std::fprintf(stderr, "hbbench: unknown part %s\n", qPrintable(part));
            return 2;
        }
    }
    if (!ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || !okMem || runs < 1 || sizeMiB < 1 || sizeMiB > 500 ||
        cancels < 1 || guiExports < 1 || guiRows < 0 || timeoutS < 10) {
        std::fprintf(stderr, "hbbench: bad option value (see --help)\n");
        return 2;
    }
    if (p.isSet(presizeOpt))
        g_presize = true;
    const QString cli = p.value(cliOpt);
    const bool wantCli = parts.contains(QStringLiteral("throughput")) || parts.contains(QStringLiteral("memory"));
    if (wantCli && !QFileInfo(cli).isExecutable()) {
        std::fprintf(stderr, "hbbench: %s is not an executable (build hbexporter-cli or pass --cli)\n", qPrintable(cli));
        return 2;
    }

    std::signal(SIGALRM, onWatchdog);
    ::alarm(unsigned(timeoutS));

    QStringList report; // the summary printed at the end (stdout)
    int missed = 0;
    auto target = [&](bool met, const QString &what) {
        report << QStringLiteral("  [%1] %2").arg(met ? QStringLiteral("met ") : QStringLiteral("MISS"), what);
        if (!met)
            ++missed;
    };

    try {
        TestRedisServer server;
        QString err;
        if (!server.start(&err))
            fail(err);
        g_redisPid = sig_atomic_t(server.pid());
        auto admin = server.connect({5000, 120000});
        const RedisReply info = must(*admin, {"INFO", "server"});
        QString redisVersion;
        for (const QByteArray &l : info.string.split('\n'))
            if (l.startsWith("redis_version:"))
                redisVersion = QString::fromLatin1(l.mid(14).trimmed());
        QTemporaryDir tmp;
        if (!tmp.isValid())
            fail(QStringLiteral("cannot create a temporary folder"));

        report << QStringLiteral("hbbench: %1; redis-server %2 on a unix socket; Qt %3")
                      .arg(machineLine(), redisVersion, QString::fromLatin1(qVersion()));

        const qint64 size = sizeMiB * MiB;
        const QString file = hb::test::makeRandomFile(tmp.path(), QStringLiteral("bench-%1M.bin").arg(sizeMiB), size, 42);
        if (file.isEmpty())
            fail(QStringLiteral("cannot write the random file"));
        const QByteArray sha = hb::test::sha256OfFile(file);

        QElapsedTimer clock;
        clock.start();
        Waiter waiter;
        double exporterMedianS = 0;

        // ---------------------------------------------------------------- 1. throughput
        if (parts.contains(QStringLiteral("throughput"))) {
            note(QStringLiteral("throughput: %1 MiB file, %2 runs per variant, alternating").arg(sizeMiB).arg(runs));
            Exporter exporter(benchConfig(server), std::make_shared<DefaultPermissions>());
            ExportTracker tracker(exporter, waiter, clock);
            const QStringList names{QStringLiteral("(a) bare hiredis loader (reference)"),
                                    QStringLiteral("(b) hb::Exporter in-process"),
                                    QStringLiteral("(c) hbexporter-cli export (process)"),
                                    QStringLiteral("(d) original design (64K APPEND+SET)")};
            const int variants = p.isSet(skipOrigOpt) ? 3 : 4;
            std::vector<std::vector<double>> secs(static_cast<size_t>(variants));
            std::vector<std::vector<double>> busy(static_cast<size_t>(variants)); // Redis CPU s / wall s
            for (int run = 0; run < runs; ++run) {
                for (int v = 0; v < variants; ++v) {
                    flushAll(*admin);
                    const bool verify = run == 0;
                    double s = 0;
                    const double cpu0 = redisCpu(*admin);
                    const qint64 faults0 = minorFaults(server.pid());
                    double cpu1 = 0;
                    if (v == 0) {
                        const QByteArray key = "bare:{" + newExportId().toLatin1() + "}-data";
                        const qint64 t0 = clock.nsecsElapsed();
                        bareLoader(server.socketPath(), file, key, size);
                        s = double(clock.nsecsElapsed() - t0) / 1e9;
                        cpu1 = redisCpu(*admin);
                        if (verify)
                            verifyData(*admin, key, size, sha);
                    } else if (v == 1) {
                        const qint64 t0 = clock.nsecsElapsed();
                        const QString id = exporter.startExport(file);
                        if (!waiter.wait([&] { return tracker.finished.value(id).done; }, 300000))
                            fail(QStringLiteral("(b) export %1 did not finish within 300 s").arg(id));
                        const Finished f = tracker.finished.value(id);
                        s = double(f.atNs - t0) / 1e9;
                        if (f.code != 0 || f.status.state != ExportState::Completed)
                            fail(QStringLiteral("(b) export ended %1: %2").arg(f.status.stateText(), f.message));
                        cpu1 = redisCpu(*admin);
                        if (verify)
                            verifyExport(*admin, id, size, sha);
                    } else if (v == 2) {
                        const ChildResult r = runChild(cli, {QStringLiteral("export"), file, QStringLiteral("--redis"), server.url(),
                                                             QStringLiteral("--user"), QStringLiteral("bench")},
                                                       tmp.path(), 300000);
                        if (r.exitCode != 0)
                            fail(QStringLiteral("(c) hbexporter-cli exited %1: %2").arg(r.exitCode).arg(QString::fromLocal8Bit(r.err.trimmed())));
                        s = r.seconds;
                        const QString id = QString::fromLatin1(r.out.trimmed());
                        if (!isValidExportId(id))
                            fail(QStringLiteral("(c) hbexporter-cli printed no id: %1").arg(QString::fromLatin1(r.out)));
                        cpu1 = redisCpu(*admin);
                        if (verify)
                            verifyExport(*admin, id, size, sha);
                    } else {
                        const QByteArray id = newExportId().toLatin1();
                        const qint64 t0 = clock.nsecsElapsed();
                        originalLoader(server.socketPath(), file, id, size);
                        s = double(clock.nsecsElapsed() - t0) / 1e9;
                        cpu1 = redisCpu(*admin);
                        if (verify)
                            verifyData(*admin, "orig:{" + id + "}-data", size, sha);
                    }
                    secs[size_t(v)].push_back(s);
                    busy[size_t(v)].push_back((cpu1 - cpu0) / s);
                    note(QStringLiteral("  run %1 %2: %3 s, %4 MiB/s, redis-server busy %5%, %6 page faults")
                             .arg(run + 1)
                             .arg(names[v])
                             .arg(fmt(s, 3))
                             .arg(fmt(double(sizeMiB) / s))
                             .arg(fmt(100 * busy[size_t(v)].back(), 0))
                             .arg(minorFaults(server.pid()) - faults0));
                }
            }
            flushAll(*admin);
            const double ref = median(secs[0]);
            report << QString()
                   << QStringLiteral("Throughput: %1 MiB random file, %2 runs each (alternating), medians; "
                                     "verified by sha256 on run 1 of each; redis busy = redis-server CPU s / wall s")
                          .arg(sizeMiB)
                          .arg(runs)
                   << QStringLiteral("  %1 %2 %3 %4 %5  %6").arg(QStringLiteral("variant"), -40).arg(QStringLiteral("median s"), 9).arg(QStringLiteral("MiB/s"), 8).arg(QStringLiteral("vs (a)"), 7).arg(QStringLiteral("redis busy"), 10).arg(QStringLiteral("all runs MiB/s"));
            std::vector<double> mibs(static_cast<size_t>(variants), 0.0);
            for (int v = 0; v < variants; ++v) {
                const double m = median(secs[size_t(v)]);
                mibs[size_t(v)] = double(sizeMiB) / m;
                QStringList all;
                for (double s : secs[size_t(v)])
                    all << fmt(double(sizeMiB) / s, 0);
                report << QStringLiteral("  %1 %2 %3 %4 %5  %6")
                              .arg(names[v], -40)
                              .arg(fmt(m, 3), 9)
                              .arg(fmt(mibs[size_t(v)], 0), 8)
                              .arg(fmt(ref / m, 2) + QLatin1Char('x'), 7)
                              .arg(fmt(100 * median(busy[size_t(v)]), 0) + QLatin1Char('%'), 10)
                              .arg(all.join(QLatin1Char(' ')));
            }
            exporterMedianS = median(secs[1]);
            target(mibs[1] >= 0.9 * mibs[0], QStringLiteral("(b) >= 0.9x (a): %1x").arg(fmt(mibs[1] / mibs[0], 2)));
            target(mibs[2] >= 0.9 * mibs[0], QStringLiteral("(c) >= 0.9x (a): %1x").arg(fmt(mibs[2] / mibs[0], 2)));
            if (variants == 4) {
                target(mibs[1] >= 10 * mibs[3], QStringLiteral("(b) >= 10x (d): %1x").arg(fmt(mibs[1] / mibs[3], 1)));
                target(mibs[2] >= 10 * mibs[3], QStringLiteral("(c) >= 10x (d): %1x").arg(fmt(mibs[2] / mibs[3], 1)));
            }
        }

        // ---------------------------------------------------------------- 2. peak memory
        if (parts.contains(QStringLiteral("memory"))) {
            note(QStringLiteral("memory: peak RSS of hbexporter-cli export for %1 MiB").arg(p.value(memOpt)));
            report << QString() << QStringLiteral("Peak RSS of `hbexporter-cli export` (the child's VmHWM from /proc/PID/status, sampled every 10 ms)");
            const ChildResult base = runChild(cli, {QStringLiteral("--version")}, tmp.path(), 60000);
            report << QStringLiteral("  %1 %2 MiB").arg(QStringLiteral("--version (process baseline)"), -30).arg(fmt(double(base.maxRssKiB) / 1024.0), 7);
            std::vector<double> peaks;
            for (qint64 mib : memSizes) {
                flushAll(*admin);
                const qint64 bytes = mib * MiB;
                const QString f = mib == sizeMiB ? file
                                                 : hb::test::makeRandomFile(tmp.path(), QStringLiteral("mem-%1M.bin").arg(mib), bytes, 7);
                if (f.isEmpty())
                    fail(QStringLiteral("cannot write the random file"));
                const ChildResult r = runChild(cli, {QStringLiteral("export"), f, QStringLiteral("--redis"), server.url(),
                                                     QStringLiteral("--user"), QStringLiteral("bench")},
                                               tmp.path(), 300000);
                if (r.exitCode != 0)
                    fail(QStringLiteral("hbexporter-cli exited %1: %2").arg(r.exitCode).arg(QString::fromLocal8Bit(r.err.trimmed())));
                const QString id = QString::fromLatin1(r.out.trimmed());
                verifyExport(*admin, id, bytes, f == file ? sha : hb::test::sha256OfFile(f));
                if (f != file)
                    QFile::remove(f);
                const double peak = double(r.maxRssKiB) / 1024.0;
                peaks.push_back(peak);
                report << QStringLiteral("  %1 %2 MiB   (%3 s)").arg(QStringLiteral("export %1 MiB").arg(mib), -30).arg(fmt(peak), 7).arg(fmt(r.seconds, 2));
            }
            flushAll(*admin);
            const double hi = *std::max_element(peaks.begin(), peaks.end());
            const double lo = *std::min_element(peaks.begin(), peaks.end());
            target(hi <= 64, QStringLiteral("peak RSS <= 64 MiB: max %1 MiB").arg(fmt(hi)));
            target(hi - lo <= 4, QStringLiteral("peak RSS flat across sizes (within 4 MiB): spread %1 MiB").arg(fmt(hi - lo)));
        }

        // ---------------------------------------------------------------- 3. cancel latency
        if (parts.contains(QStringLiteral("cancel"))) {
            note(QStringLiteral("cancel: %1 cancels of running %2 MiB exports").arg(cancels).arg(sizeMiB));
            Exporter exporter(benchConfig(server), std::make_shared<DefaultPermissions>());
            ExportTracker tracker(exporter, waiter, clock);
            if (exporterMedianS <= 0) { // no throughput part: time two exports (the first warms up)
                for (int i = 0; i < 2; ++i) {
                    flushAll(*admin);
                    const qint64 t0 = clock.nsecsElapsed();
                    const QString id = exporter.startExport(file);
                    if (!waiter.wait([&] { return tracker.finished.value(id).done; }, 300000) || tracker.finished.value(id).code != 0)
                        fail(QStringLiteral("calibration export failed"));
                    exporterMedianS = double(tracker.finished.value(id).atNs - t0) / 1e9;
                }
            }
            // The terminal compare-and-set (with its truncation) is the newest EVALSHA
            // carrying "truncate": SLOWLOG with a 0 µs threshold times it inside Redis.
            must(*admin, {"CONFIG", "SET", "slowlog-log-slower-than", "0"});
            must(*admin, {"CONFIG", "SET", "slowlog-max-len", "64"});
            QRandomGenerator rng(4242);
            // Cancel somewhere in the first 70% of a typical export's time after PENDING.
            const int windowMs = std::max(5, int(exporterMedianS * 1000 * 0.7));
            std::vector<double> latMs, scriptMs, writtenFrac;
            int attempts = 0, completedFirst = 0;
            while (int(latMs.size()) < cancels) {
                if (++attempts > cancels * 5)
                    fail(QStringLiteral("too many exports completed before their cancel (%1 of %2)").arg(completedFirst).arg(attempts));
                flushAll(*admin);
                must(*admin, {"SLOWLOG", "RESET"});
                QString id;
                qint64 cancelAt = -1;
                const int delayMs = int(rng.bounded(windowMs));
                QTimer shot;
                shot.setSingleShot(true);
                QObject::connect(&shot, &QTimer::timeout, &shot, [&] {
                    if (tracker.finished.value(id).done)
                        return;
                    cancelAt = clock.nsecsElapsed();
                    exporter.cancel(id);
                });
                tracker.onPending = [&](const QString &pid) {
                    if (pid == id && !shot.isActive() && cancelAt < 0)
                        shot.start(delayMs);
                };
                id = exporter.startExport(file);
                if (!waiter.wait([&] { return tracker.finished.value(id).done; }, 120000))
                    fail(QStringLiteral("export %1 did not finish within 120 s of its cancel").arg(id));
                tracker.onPending = nullptr;
                const Finished f = tracker.finished.value(id);
                if (cancelAt < 0 || f.status.state == ExportState::Completed) {
                    if (f.status.state != ExportState::Completed)
                        fail(QStringLiteral("export %1 ended %2 without a cancel: %3").arg(id, f.status.stateText(), f.message));
                    ++completedFirst;
                    continue;
                }
                if (f.status.state != ExportState::Cancelled)
                    fail(QStringLiteral("cancelled export %1 ended %2: %3").arg(id, f.status.stateText(), f.message));
                latMs.push_back(double(f.atNs - cancelAt) / 1e6);
                writtenFrac.push_back(double(f.status.bytesWritten) / double(size));
                // Contract: CANCELLED data holds exactly bytesWritten bytes.
                const KeyLayout keys;
                const RedisReply len = must(*admin, {"STRLEN", keys.dataKey(id)});
                if (len.integer != f.status.bytesWritten)
                    fail(QStringLiteral("cancelled export %1: data %2 bytes, bytesWritten %3").arg(id).arg(len.integer).arg(f.status.bytesWritten));
                const RedisReply slow = must(*admin, {"SLOWLOG", "GET", "64"});
                double script = -1;
                for (const RedisReply &e : slow.elements) { // newest first
                    if (e.elements.size() < 4)
                        continue;
                    const QList<RedisReply> &args = e.elements[3].elements;
                    const bool isTerminal = !args.isEmpty() && args[0].string.toUpper().startsWith("EVAL") &&
                                            std::any_of(args.begin(), args.end(), [](const RedisReply &a) { return a.string == "truncate"; });
                    if (isTerminal) {
                        script = double(e.elements[2].integer) / 1000.0;
                        break;
                    }
                }
                if (script < 0)
                    fail(QStringLiteral("cancelled export %1: no terminal script in SLOWLOG").arg(id));
                scriptMs.push_back(script);
            }
            must(*admin, {"CONFIG", "SET", "slowlog-log-slower-than", "10000"});
            must(*admin, {"CONFIG", "SET", "slowlog-max-len", "128"});
            flushAll(*admin);
            std::vector<double> rest;
            for (size_t i = 0; i < latMs.size(); ++i)
                rest.push_back(latMs[i] - scriptMs[i]);
            report << QString()
                   << QStringLiteral("Cancel latency: %1 cancels of %2 MiB exports at a random moment while PENDING "
                                     "(%3 completed first, retried); Exporter::cancel() -> exportFinished(CANCELLED)")
                          .arg(latMs.size())
                          .arg(sizeMiB)
                          .arg(completedFirst)
                   << QStringLiteral("  total                 p50 %1 ms  p99 %2 ms  max %3 ms")
                          .arg(fmt(percentile(latMs, 50), 2), fmt(percentile(latMs, 99), 2), fmt(percentile(latMs, 100), 2))
                   << QStringLiteral("  terminal Lua script   p50 %1 ms  p99 %2 ms  max %3 ms  (inside Redis, SLOWLOG; includes the GETRANGE+SET truncation)")
                          .arg(fmt(percentile(scriptMs, 50), 2), fmt(percentile(scriptMs, 99), 2), fmt(percentile(scriptMs, 100), 2))
                   << QStringLiteral("  everything else       p50 %1 ms  p99 %2 ms  max %3 ms")
                          .arg(fmt(percentile(rest, 50), 2), fmt(percentile(rest, 99), 2), fmt(percentile(rest, 100), 2))
                   << QStringLiteral("  cancelled at          %1%..%2% of the file (median %3%)")
                          .arg(fmt(100 * percentile(writtenFrac, 0), 0), fmt(100 * percentile(writtenFrac, 100), 0), fmt(100 * median(writtenFrac), 0));
            target(percentile(latMs, 99) <= 50, QStringLiteral("cancel p99 <= 50 ms: %1 ms").arg(fmt(percentile(latMs, 99), 2)));
        }

        // ---------------------------------------------------------------- 4. event loop
        if (parts.contains(QStringLiteral("gui"))) {
            report << QString()
                   << QStringLiteral("Event loop (QApplication, %1 platform): lateness of a 10 ms PreciseTimer while %2 exports of %3 MiB run")
                          .arg(QGuiApplication::platformName())
                          .arg(guiExports)
                          .arg(sizeMiB);
            auto scenario = [&](const QString &label, bool withList) {
                note(QStringLiteral("gui: %1").arg(label));
                flushAll(*admin);
                ExporterConfig cfg = benchConfig(server);
                cfg.maxConcurrent = guiExports;
                Exporter exporter(cfg, std::make_shared<DefaultPermissions>());
                ExportTracker tracker(exporter, waiter, clock);
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
                    QObject::connect(&exporter, &Exporter::exportQueued, model.get(), &ExportListModel::addExport);
                    QObject::connect(&exporter, &Exporter::exportCreated, model.get(), &ExportListModel::updateStatus);
                    QObject::connect(&exporter, &Exporter::statusChanged, model.get(), &ExportListModel::updateStatus);
                    QObject::connect(&exporter, &Exporter::progress, model.get(), &ExportListModel::updateProgress);
                    QObject::connect(&exporter, &Exporter::cancelRequested, model.get(), &ExportListModel::markCancelling);
                    QObject::connect(&exporter, &Exporter::exportFinished, model.get(), &ExportListModel::finishExport);
                    QElapsedTimer settle;
                    settle.start();
                    while (settle.elapsed() < 300) // first layout and paint out of the way
                        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
                    if (model->rowCount() != guiRows)
                        fail(QStringLiteral("list model holds %1 rows, expected %2").arg(model->rowCount()).arg(guiRows));
                }
#else
                Q_UNUSED(withList);
#endif
                Lateness late;
                late.start();
                const qint64 t0 = clock.nsecsElapsed();
                QStringList ids;
                for (int i = 0; i < guiExports; ++i)
                    ids << exporter.startExport(file);
                const bool allDone = waiter.wait([&] {
                    return std::all_of(ids.begin(), ids.end(), [&](const QString &id) { return tracker.finished.value(id).done; });
                }, 600000);
                const double wall = double(clock.nsecsElapsed() - t0) / 1e9;
                late.stop();
                if (!allDone)
                    fail(QStringLiteral("%1 exports did not finish within 600 s").arg(guiExports));
                for (const QString &id : ids)
                    if (tracker.finished.value(id).code != 0)
                        fail(QStringLiteral("export %1 ended %2: %3").arg(id, tracker.finished.value(id).status.stateText(), tracker.finished.value(id).message));
                verifyExport(*admin, ids.first(), size, sha);
#ifdef HBBENCH_HAVE_UI
                if (model && model->activeCount() != 0)
                    fail(QStringLiteral("list model still shows %1 active rows").arg(model->activeCount()));
#endif
                flushAll(*admin);
                report << QStringLiteral("  %1 max late %2 ms, p99 %3 ms, %4 ticks, %5 s (%6 MiB/s total)")
                              .arg(label, -44)
                              .arg(fmt(late.max(), 1))
                              .arg(fmt(percentile(late.lateMs, 99), 1))
                              .arg(late.lateMs.size())
                              .arg(fmt(wall, 2))
                              .arg(fmt(double(guiExports * sizeMiB) / wall, 0));
                target(late.max() <= 50, QStringLiteral("event loop never > 50 ms late (%1): %2 ms").arg(label, fmt(late.max(), 1)));
            };
            scenario(QStringLiteral("Exporter alone:"), false);
#ifdef HBBENCH_HAVE_UI
            scenario(QStringLiteral("ExportListModel+View, %1 finished rows:").arg(guiRows), true);
#else
            report << QStringLiteral("  (ui/ has no ExportListModel in this build: measured with the Exporter alone)");
#endif
        }

        report << QString() << QStringLiteral("Targets:") ;
        // (targets were appended as measured; move them under the heading)
    } catch (const std::exception &e) {
        ::alarm(0);
        std::fprintf(stderr, "hbbench: FAILED: %s\n", e.what());
        for (const QString &l : std::as_const(report))
            std::printf("%s\n", qPrintable(l));
        return 1;
    }
    ::alarm(0);
    // Print: everything but the target lines, then the target lines.
    QStringList targets, body;
    for (const QString &l : std::as_const(report))
        (l.startsWith(QLatin1String("  [")) ? targets : body) << l;
    for (const QString &l : std::as_const(body))
        std::printf("%s\n", qPrintable(l));
    for (const QString &l : std::as_const(targets))
        std::printf("%s\n", qPrintable(l));
    std::printf("%s\n", missed ? qPrintable(QStringLiteral("%1 target(s) missed").arg(missed)) : "all targets met");
    return 0;
}

#include "rawload.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

namespace hbbench {

std::atomic<pid_t> g_children[64];

double monoNow()
{
    timespec t{};
    clock_gettime(CLOCK_MONOTONIC, &t);
    return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

static std::string errnoText()
{
    return std::strerror(errno);
}

RawRedis::RawRedis(const std::string &socket, int timeoutS)
{
    c = redisConnectUnix(socket.c_str());
    if (!c || c->err)
        throw RawError("hiredis connect " + socket + ": " + (c ? c->errstr : "out of memory"));
    timeval tv{timeoutS, 0};
    redisSetTimeout(c, tv);
}

RawRedis::~RawRedis()
{
    redisFree(c);
}

void RawRedis::send(int argc, const char **argv, const size_t *lens)
{
    if (redisAppendCommandArgv(c, argc, argv, lens) != REDIS_OK)
        throw RawError(std::string("redisAppendCommandArgv: ") + c->errstr);
    int done = 0;
    while (!done)
        if (redisBufferWrite(c, &done) != REDIS_OK)
            throw RawError(std::string("redisBufferWrite: ") + c->errstr);
}

void RawRedis::expect(int type, long long integer)
{
    void *raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK || !raw)
        throw RawError(std::string("redisGetReply: ") + c->errstr);
    std::unique_ptr<redisReply, void (*)(void *)> r(static_cast<redisReply *>(raw),
                                                    freeReplyObject);
    if (r->type == type && (integer < 0 || r->integer == integer)) return;
    if (r->type == REDIS_REPLY_ERROR) throw RawError("Redis error: " + std::string(r->str, r->len));
    throw RawError("unexpected reply type " + std::to_string(r->type) + " integer " +
                   std::to_string(r->integer));
}

namespace {

struct FileIn
{
    int fd;
    explicit FileIn(const std::string &path) : fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC))
    {
        if (fd < 0) throw RawError("open " + path + ": " + errnoText());
    }
    ~FileIn() { ::close(fd); }
    int64_t readFull(char *buf, int64_t n)
    {
        int64_t got = 0;
        while (got < n) {
            const ssize_t r = ::read(fd, buf + got, size_t(n - got));
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) throw RawError("read: " + errnoText());
            if (r == 0) break;
            got += r;
        }
        return got;
    }
};

struct Sha
{
    EVP_MD_CTX *ctx = nullptr;
    explicit Sha(bool on)
    {
        if (!on) return;
        ctx = EVP_MD_CTX_new();
        if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1)
            throw RawError("EVP_DigestInit_ex failed");
    }
    ~Sha() { EVP_MD_CTX_free(ctx); }
    void add(const char *p, int64_t n)
    {
        if (ctx && EVP_DigestUpdate(ctx, p, size_t(n)) != 1)
            throw RawError("EVP_DigestUpdate failed");
    }
    std::string hex()
    {
        if (!ctx) return {};
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_DigestFinal_ex(ctx, md, &len);
        static const char digits[] = "0123456789abcdef";
        std::string out;
        for (unsigned i = 0; i < len; ++i) {
            out += digits[md[i] >> 4];
            out += digits[md[i] & 15];
        }
        return out;
    }
};

} // namespace

LoadResult segmentedLoad(const LoadSpec &spec)
{
    LoadResult res;
    try {
        const double t0 = monoNow();
        RawRedis r(spec.socket);
        FileIn in(spec.file);
        Sha sha(spec.sha256);
        std::vector<char> buf(size_t(std::min(spec.chunk, spec.segmentBytes)));
        int64_t off = 0;
        int inflight = 0;
        while (off < spec.size) {
            const int64_t inSeg = off % spec.segmentBytes;
            const int64_t want = std::min({spec.chunk, spec.segmentBytes - inSeg, spec.size - off});
            const int64_t n = in.readFull(buf.data(), want);
            if (n <= 0) throw RawError("short read at " + std::to_string(off));
            const std::string key = spec.keyPrefix + ":" + std::to_string(off / spec.segmentBytes);
            if (spec.presizeSegments && inSeg == 0 &&
                std::min(spec.segmentBytes, spec.size - off) > n) {
                const std::string last =
                    std::to_string(std::min(spec.segmentBytes, spec.size - off) - 1);
                const char zero = 0;
                const char *pargv[] = {"SETRANGE", key.c_str(), last.c_str(), &zero};
                const size_t plens[] = {8, key.size(), last.size(), 1};
                r.send(4, pargv, plens);
                if (++inflight >= spec.window) {
                    r.expect(REDIS_REPLY_INTEGER);
                    --inflight;
                }
            }
            const std::string offText = std::to_string(inSeg);
            const char *argv[] = {"SETRANGE", key.c_str(), offText.c_str(), buf.data()};
            const size_t lens[] = {8, key.size(), offText.size(), size_t(n)};
            r.send(4, argv, lens);
            sha.add(buf.data(), n); // while Redis stores the chunk just sent
            off += n;
            if (++inflight >= spec.window) {
                r.expect(REDIS_REPLY_INTEGER);
                --inflight;
            }
        }
        while (inflight-- > 0)
            r.expect(REDIS_REPLY_INTEGER);
        res.seconds = monoNow() - t0;
        res.bytes = off;
        res.segments = int((off + spec.segmentBytes - 1) / spec.segmentBytes);
        res.shaHex = sha.hex();
    } catch (const std::exception &e) {
        res.error = e.what();
    }
    return res;
}

LoadResult presizedLoad(const LoadSpec &spec)
{
    LoadResult res;
    try {
        const double t0 = monoNow();
        RawRedis r(spec.socket);
        FileIn in(spec.file);
        Sha sha(spec.sha256);
        const std::string &key = spec.keyPrefix;
        if (spec.size > 0) {
            const std::string last = std::to_string(spec.size - 1);
            const char zero = 0;
            const char *argv[] = {"SETRANGE", key.c_str(), last.c_str(), &zero};
            const size_t lens[] = {8, key.size(), last.size(), 1};
            r.send(4, argv, lens);
            r.expect(REDIS_REPLY_INTEGER, spec.size);
        }
        std::vector<char> buf(size_t(spec.chunk));
        int64_t off = 0;
        int inflight = 0;
        while (off < spec.size) {
            const int64_t n = in.readFull(buf.data(), std::min(spec.chunk, spec.size - off));
            if (n <= 0) throw RawError("short read at " + std::to_string(off));
            const std::string offText = std::to_string(off);
            const char *argv[] = {"SETRANGE", key.c_str(), offText.c_str(), buf.data()};
            const size_t lens[] = {8, key.size(), offText.size(), size_t(n)};
            r.send(4, argv, lens);
            sha.add(buf.data(), n);
            off += n;
            if (++inflight >= spec.window) {
                r.expect(REDIS_REPLY_INTEGER, spec.size);
                --inflight;
            }
        }
        while (inflight-- > 0)
            r.expect(REDIS_REPLY_INTEGER, spec.size);
        res.seconds = monoNow() - t0;
        res.bytes = off;
        res.segments = 1;
        res.shaHex = sha.hex();
    } catch (const std::exception &e) {
        res.error = e.what();
    }
    return res;
}

std::string hashKeys(const std::string &socket, const std::vector<std::string> &keys,
                     const std::vector<int64_t> &lengths)
{
    RawRedis r(socket, 120);
    Sha sha(true);
    struct Piece
    {
        size_t key;
        int64_t from, to;
    };
    std::vector<Piece> pieces;
    constexpr int64_t piece = 16 << 20;
    for (size_t i = 0; i < keys.size(); ++i) {
        const char *argv[] = {"STRLEN", keys[i].c_str()};
        const size_t lens[] = {6, keys[i].size()};
        r.send(2, argv, lens);
        r.expect(REDIS_REPLY_INTEGER, lengths[i]);
        for (int64_t off = 0; off < lengths[i]; off += piece)
            pieces.push_back({i, off, std::min(lengths[i], off + piece) - 1});
    }
    size_t sent = 0, got = 0;
    while (got < pieces.size()) {
        while (sent < pieces.size() && sent - got < 4) {
            const Piece &p = pieces[sent++];
            const std::string from = std::to_string(p.from), to = std::to_string(p.to);
            const char *argv[] = {"GETRANGE", keys[p.key].c_str(), from.c_str(), to.c_str()};
            const size_t lens[] = {8, keys[p.key].size(), from.size(), to.size()};
            r.send(4, argv, lens);
        }
        void *raw = nullptr;
        if (redisGetReply(r.ctx(), &raw) != REDIS_OK || !raw)
            throw RawError(std::string("redisGetReply: ") + r.ctx()->errstr);
        std::unique_ptr<redisReply, void (*)(void *)> rep(static_cast<redisReply *>(raw),
                                                          freeReplyObject);
        const Piece &p = pieces[got++];
        if (rep->type != REDIS_REPLY_STRING || int64_t(rep->len) != p.to - p.from + 1)
            throw RawError("GETRANGE " + keys[p.key] + " " + std::to_string(p.from) +
                           ": short reply");
        sha.add(rep->str, int64_t(rep->len));
    }
    return sha.hex();
}

Pinger::~Pinger()
{
    if (m_thread.joinable()) {
        m_stop = true;
        m_thread.join();
    }
}

void Pinger::start()
{
    m_stop = false;
    m_lat.clear();
    m_lat.reserve(200000);
    m_error.clear();
    m_ready = false;
    m_thread = std::thread([this] {
        try {
            RawRedis r(m_socket, 30);
            m_ready = true;
            while (!m_stop && m_lat.size() < 200000) {
                const double s = monoNow();
                const char *argv[] = {"PING"};
                const size_t lens[] = {4};
                r.send(1, argv, lens);
                r.expect(REDIS_REPLY_STATUS);
                m_lat.push_back((monoNow() - s) * 1000);
                ::usleep(5000);
            }
        } catch (const std::exception &e) {
            m_error = e.what();
            m_ready = true;
        }
        timespec t{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
        m_cpuS = double(t.tv_sec) + double(t.tv_nsec) / 1e9;
    });
    while (!m_ready) // connected before the measured run begins
        ::usleep(200);
}

void Pinger::stop()
{
    m_stop = true;
    if (m_thread.joinable()) m_thread.join();
}

double percentileOf(std::vector<double> v, double p)
{
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    size_t rank = size_t(std::ceil(p / 100.0 * double(v.size())));
    rank = std::clamp<size_t>(rank, 1, v.size());
    return v[rank - 1];
}

double Pinger::maxMs() const
{
    return m_lat.empty() ? 0 : *std::max_element(m_lat.begin(), m_lat.end());
}
double Pinger::p99Ms() const
{
    return percentileOf(m_lat, 99);
}

std::string readFileText(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

static std::vector<std::string> statFields(pid_t pid)
{
    const std::string all = readFileText("/proc/" + std::to_string(pid) + "/stat");
    const size_t close = all.rfind(')');
    std::vector<std::string> out;
    if (close == std::string::npos) return out;
    std::istringstream ss(all.substr(close + 2));
    std::string f;
    while (ss >> f)
        out.push_back(f); // out[0] is field 3 (state)
    return out;
}

double procCpuS(pid_t pid)
{
    const auto f = statFields(pid);
    if (f.size() < 13) return 0;
    return double(std::stoll(f[11]) + std::stoll(f[12])) / double(sysconf(_SC_CLK_TCK));
}

int64_t procMinorFaults(pid_t pid)
{
    const auto f = statFields(pid);
    return f.size() > 7 ? std::stoll(f[7]) : 0;
}

double selfCpuS()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

long vmHwmKiB(pid_t pid)
{
    const std::string all = readFileText("/proc/" + std::to_string(pid) + "/status");
    const size_t at = all.find("VmHWM:");
    if (at == std::string::npos) return 0;
    return std::strtol(all.c_str() + at + 6, nullptr, 10);
}

Child spawnChild(const std::string &program, const std::vector<std::string> &args,
                 const std::string &outPath, const std::string &errPath, int stdoutFd)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (stdoutFd >= 0)
        posix_spawn_file_actions_adddup2(&fa, stdoutFd, 1);
    else
        posix_spawn_file_actions_addopen(&fa, 1, outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0600);
    posix_spawn_file_actions_addopen(&fa, 2, errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<std::string> store{program};
    store.insert(store.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (std::string &a : store)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    Child c;
    c.outPath = outPath;
    c.errPath = errPath;
    c.startedAt = monoNow();
    const int rc = posix_spawn(&c.pid, program.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw RawError("cannot start " + program + ": " + std::strerror(rc));
    for (auto &slot : g_children) {
        pid_t expected = 0;
        if (slot.compare_exchange_strong(expected, c.pid)) break;
    }
    c.pidfd = int(::syscall(SYS_pidfd_open, c.pid, 0));
    return c;
}

static void forget(pid_t pid)
{
    for (auto &slot : g_children) {
        pid_t expected = pid;
        if (slot.compare_exchange_strong(expected, 0)) break;
    }
}

void waitChildren(std::vector<Child> &children, double timeoutS, int extraFd,
                  const std::function<bool()> &onExtraReadable)
{
    const double t0 = monoNow();
    size_t left = children.size();
    std::vector<bool> done(children.size(), false);
    bool extraOpen = extraFd >= 0;
    double lastSample = 0;
    while (left > 0 || extraOpen) {
        const bool sample = monoNow() - lastSample >= 0.01;
        if (sample) lastSample = monoNow();
        for (size_t i = 0; i < children.size(); ++i) {
            if (done[i]) continue;
            Child &c = children[i];
            if (sample) c.maxRssKiB = std::max(c.maxRssKiB, vmHwmKiB(c.pid));
            int status = 0;
            rusage ru{};
            const pid_t w = ::wait4(c.pid, &status, WNOHANG, &ru);
            if (w == c.pid) {
                c.seconds = monoNow() - c.startedAt;
                c.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                c.cpuS = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
                if (c.pidfd >= 0) ::close(c.pidfd);
                c.pidfd = -1;
                forget(c.pid);
                done[i] = true;
                --left;
            }
        }
        if (monoNow() - t0 > timeoutS) {
            for (size_t i = 0; i < children.size(); ++i) {
                if (done[i]) continue;
                ::kill(children[i].pid, SIGKILL);
                ::waitpid(children[i].pid, nullptr, 0);
                if (children[i].pidfd >= 0) ::close(children[i].pidfd);
                forget(children[i].pid);
            }
            throw RawError("child process did not finish within " + std::to_string(int(timeoutS)) +
                           " s");
        }
        if (left == 0 && !extraOpen) break;
        std::vector<pollfd> fds;
        for (size_t i = 0; i < children.size(); ++i)
            if (!done[i] && children[i].pidfd >= 0) fds.push_back({children[i].pidfd, POLLIN, 0});
        if (extraOpen) fds.push_back({extraFd, POLLIN, 0});
        ::poll(fds.data(), nfds_t(fds.size()), 10);
        if (extraOpen && (fds.back().revents & (POLLIN | POLLHUP | POLLERR)))
            extraOpen = onExtraReadable();
    }
}

} // namespace hbbench

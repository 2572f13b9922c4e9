#pragma once
// The benchmark's baselines on plain hiredis, faithful re-implementations of the
// probes in tests/bench/probes/ (copies of shared/probes/): the segmented loader
// (segments.c), the presized single string (limit.c) and the pinger (pinglat.c);
// plus the process helpers hbbench measures with (/proc, posix_spawn, VmHWM).
// Everything here is Qt-free and thread-safe per object, so N loaders can run as
// N threads of the benchmark.

#include <hiredis/hiredis.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace hbbench {

// Thrown by everything here; the message names what failed.
struct RawError : std::exception
{
    std::string what_;
    explicit RawError(std::string w) : what_(std::move(w)) {}
    const char *what() const noexcept override { return what_.c_str(); }
};

double monoNow(); // CLOCK_MONOTONIC seconds

class RawRedis
{
public:
    explicit RawRedis(const std::string &socket, int timeoutS = 60);
    ~RawRedis();
    RawRedis(const RawRedis &) = delete;
    RawRedis &operator=(const RawRedis &) = delete;

    // Appends one command and writes the whole output buffer to the socket at once
    // (as segments.c does: the chunk buffer is free for the next read on return).
    void send(int argc, const char **argv, const size_t *lens);
    // The next reply; throws unless it has this type (and this integer, when >= 0).
    void expect(int type, long long integer = -1);
    redisContext *ctx() { return c; }

private:
    redisContext *c = nullptr;
};

struct LoadSpec
{
    std::string socket;
    std::string file;
    std::string
        keyPrefix;    // segment k is "<keyPrefix>:<k>"; the presized string is keyPrefix itself
    int64_t size = 0; // bytes to load (the file's size)
    int64_t segmentBytes = 1 << 20;
    int64_t chunk = 1 << 20;
    int window = 4;
    bool sha256 = false; // hash every byte read with OpenSSL EVP SHA-256, on the loader's thread
    bool presizeSegments =
        false; // segmentedLoad: open each segment with one SETRANGE at its last offset
};

struct LoadResult
{
    double seconds = 0; // from before connect to the last reply
    int64_t bytes = 0;
    int segments = 0;
    std::string shaHex; // when spec.sha256
    std::string error;  // empty = ok
};

// segments.c's algorithm: read(2) CHUNK bytes, SETRANGE <prefix>:<off/seg> <off%seg>,
// pipelined, WINDOW replies outstanding. One difference, stated in the README: a
// chunk is cut at a segment boundary (CONTRACT §1: chunks never straddle segments),
// where segments.c would let it run over into the same key. With presizeSegments
// (not in segments.c), each segment key is first created at its full length by a
// pipelined SETRANGE at its last offset, so the chunks that follow never grow it.
LoadResult segmentedLoad(const LoadSpec &spec);
// limit.c's algorithm: one SETRANGE at the last offset sizes the string, then
// pipelined SETRANGE of CHUNK bytes, WINDOW in flight, into the one key keyPrefix.
LoadResult presizedLoad(const LoadSpec &spec);

// pinglat.c on a thread of its own: PING, wait for the reply, sleep 5 ms, again;
// every round trip's time kept.
class Pinger
{
public:
    explicit Pinger(std::string socket) : m_socket(std::move(socket)) {}
    ~Pinger();
    void start();
    void stop(); // joins; then the figures below are valid
    double maxMs() const;
    double p99Ms() const;
    size_t count() const { return m_lat.size(); }
    double threadCpuS() const { return m_cpuS; } // the pinger's own CPU, to subtract from ours
    const std::string &error() const { return m_error; }

private:
    std::string m_socket;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_ready{false};
    std::vector<double> m_lat;
    double m_cpuS = 0;
    std::string m_error;
};

// SHA-256 (hex) of the keys' values concatenated in order, read with pipelined
// GETRANGE pieces of at most 16 MiB; throws when a key's length differs from
// lengths[i]. The verification read, fast enough to run after every first run.
std::string hashKeys(const std::string &socket, const std::vector<std::string> &keys,
                     const std::vector<int64_t> &lengths);

double percentileOf(std::vector<double> v, double p); // nearest rank

// /proc/PID/stat: utime+stime in seconds, and minor faults.
double procCpuS(pid_t pid);
int64_t procMinorFaults(pid_t pid);
// This process's CPU (all threads) in seconds.
double selfCpuS();
// VmHWM of /proc/PID/status in KiB (0 when gone).
long vmHwmKiB(pid_t pid);

struct Child
{
    pid_t pid = 0;
    int pidfd = -1;
    int exitCode = -1;
    double cpuS = 0; // utime+stime from wait4's rusage (exact; ru_maxrss is not: see hbbench.cpp)
    long maxRssKiB = 0; // VmHWM sampled every 10 ms
    double seconds = 0; // spawn to exit
    double startedAt = 0;
    std::string outPath, errPath;
};

// Spawns program with args, stdin /dev/null, stdout and stderr to the files
// given (stdout to stdoutFd instead when >= 0, e.g. a pipe's write end).
Child spawnChild(const std::string &program, const std::vector<std::string> &args,
                 const std::string &outPath, const std::string &errPath, int stdoutFd = -1);
// Waits for every child, sampling VmHWM every 10 ms and sleeping on their pidfds
// in between (a busy parent would steal CPU from the children and from Redis).
// When extraFd >= 0 (a pipe from a child), onExtraReadable is called whenever it
// is readable, until it returns false (end of file). Kills all and throws after
// timeoutS.
void waitChildren(std::vector<Child> &children, double timeoutS, int extraFd = -1,
                  const std::function<bool()> &onExtraReadable = nullptr);
std::string readFileText(const std::string &path);

extern std::atomic<pid_t> g_children[64]; // for the watchdog: children to kill on expiry

} // namespace hbbench

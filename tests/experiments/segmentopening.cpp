// How should a chunk open a new segment key, with its expiry? Redis's own CPU
// (INFO cpu, user + sys, and sys alone), its page faults (/proc/PID/stat) and the
// wall time for 1 and N clients at once, each
// writing the same file as segments of 1 MiB - 16 B, 4 chunks in flight, every
// variant in turn on one warm redis-server (docs/PERFORMANCE.md, section 0):
//   setrange        SETRANGE key 0 bytes (the bare loader: no expiry)
//   setrange+pexp   SETRANGE, then PEXPIRE key ttl as a second plain command
//   multi           MULTI, SETRANGE, PEXPIRE, EXEC (the write path since 3bcdad6)
//   set-px          SET key bytes PX ttl (the write path before)
//   set             SET key bytes (is it the PX option?)
//   eval            EVAL of SETRANGE + PEXPIRE with the bytes as an argument
//   presized        MULTI, SETRANGE key last-offset one-byte, PEXPIRE, EXEC (the key
//                   at its full length, with expiry), then SETRANGE key 0 bytes and
//                   PEXPIRE XX
//   psetex          PSETEX key ttl bytes (SET with the expiry before the bytes)
// ./build/tests/experiments/segmentopening [MiB] [runs] [clients] [mode,mode,...]
// (HB_IN_FLIGHT=N in the environment: N segments in flight instead of 4)
#include "redisconnection.h"
#include "testredis.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>

#include <algorithm>
#include <cstdio>
#include <thread>

using namespace hb;
using namespace hb::test;

namespace {

const char *const modes[] = {"setrange", "setrange+pexp", "multi",    "set-px",
                             "set",      "eval",          "presized", "psetex"};
constexpr qint64 segment = 1048560;
// Segments sent before the oldest one's replies are read (HB_IN_FLIGHT, default 4).
const size_t inFlight = qEnvironmentVariableIntValue("HB_IN_FLIGHT") > 0
                            ? size_t(qEnvironmentVariableIntValue("HB_IN_FLIGHT"))
                            : 4;
const QByteArray ttl = "3600000";
const QByteArray script =
    "redis.call('SETRANGE', KEYS[1], 0, ARGV[1]) return redis.call('PEXPIRE', KEYS[1], ARGV[2])";

// Commands for one segment, and how many replies they give.
int append(RedisConnection &c, int mode, const QByteArray &key, const QByteArray &bytes)
{
    switch (mode) {
    case 0:
        c.append({"SETRANGE", key, "0", bytes});
        return 1;
    case 1:
        c.append({"SETRANGE", key, "0", bytes});
        c.append({"PEXPIRE", key, ttl});
        return 2;
    case 2:
        c.append({"MULTI"});
        c.append({"SETRANGE", key, "0", bytes});
        c.append({"PEXPIRE", key, ttl});
        c.append({"EXEC"});
        return 4;
    case 3:
        c.append({"SET", key, bytes, "PX", ttl});
        return 1;
    case 4:
        c.append({"SET", key, bytes});
        return 1;
    case 5:
        c.append({"EVAL", script, "1", key, bytes, ttl});
        return 1;
    case 7:
        c.append({"PSETEX", key, ttl, bytes});
        return 1;
    default:
        c.append({"MULTI"});
        c.append({"SETRANGE", key, QByteArray::number(bytes.size() - 1), QByteArray(1, '\0')});
        c.append({"PEXPIRE", key, ttl});
        c.append({"EXEC"});
        c.append({"SETRANGE", key, "0", bytes});
        c.append({"PEXPIRE", key, ttl, "XX"});
        return 6;
    }
}

void writeAll(const RedisEndpoint &ep, int mode, int client, const QByteArray &data)
{
    RedisConnection c(ep, {5000, 60000});
    std::vector<int> replies;
    size_t next = 0;
    for (qint64 at = 0, i = 0; at < data.size() || next < replies.size();) {
        if (at < data.size() && replies.size() - next < inFlight) {
            const QByteArray key =
                "seg:" + QByteArray::number(client) + ":" + QByteArray::number(i++);
            replies.push_back(append(c, mode, key, data.mid(at, segment)));
            at += segment;
            continue;
        }
        for (int k = 0; k < replies[next]; ++k) {
            const RedisReply r = c.readReply();
            if (r.isError()) {
                fprintf(stderr, "%s: %s\n", modes[mode], r.string.constData());
                exit(1);
            }
        }
        ++next;
    }
}

// Redis's CPU so far, user + system and system alone.
std::pair<double, double> redisCpu(TestRedisServer &redis)
{
    const auto info = parseInfo(redis.command({"INFO", "cpu"}).string);
    const double sys = info.value("used_cpu_sys").toDouble();
    return {info.value("used_cpu_user").toDouble() + sys, sys};
}

// The page faults redis-server has taken so far (minflt of /proc/PID/stat).
double redisFaults(TestRedisServer &redis)
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(redis.pid()));
    if (!f.open(QIODevice::ReadOnly)) return 0;
    const QByteArray text = f.readAll();
    // Fields after the parenthesised name: state ppid pgrp session tty tpgid flags minflt.
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    return fields.size() > 7 ? fields[7].toDouble() : 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const qint64 mib = argc > 1 ? atoi(argv[1]) : 256;
    const int runs = argc > 2 ? atoi(argv[2]) : 3;
    const int clients = argc > 3 ? atoi(argv[3]) : 1;
    constexpr int count = sizeof modes / sizeof *modes;
    // Only the modes named (all by default), e.g. to profile one under perf.
    std::vector<int> chosen;
    for (int m = 0; m < count; ++m)
        if (argc <= 4 || QByteArray(argv[4]).split(',').contains(modes[m])) chosen.push_back(m);
    if (chosen.empty()) {
        fprintf(stderr, "no such mode: %s\n", argv[4]);
        return 2;
    }
    TestRedisServer redis;
    QString err;
    if (!redis.start(&err)) {
        fprintf(stderr, "%s\n", qPrintable(err));
        return 1;
    }
    const QByteArray data = randomBytes(mib * 1024 * 1024);
    std::vector<double> cpu[count], sys[count], faults[count], wall[count];
    for (int r = 0; r < runs; ++r) {
        for (int m : chosen) {
            const auto c0 = redisCpu(redis);
            const double f0 = redisFaults(redis);
            QElapsedTimer t;
            t.start();
            std::vector<std::thread> threads;
            for (int k = 0; k < clients; ++k)
                threads.emplace_back(writeAll, redis.endpoint(), m, k, std::cref(data));
            for (std::thread &th : threads)
                th.join();
            wall[m].push_back(t.nsecsElapsed() / 1e9);
            const auto c1 = redisCpu(redis);
            cpu[m].push_back(c1.first - c0.first);
            sys[m].push_back(c1.second - c0.second);
            faults[m].push_back((redisFaults(redis) - f0) / 1000);
            redis.command({"FLUSHALL"});
        }
    }
    auto range = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return QStringLiteral("%1 [%2-%3]")
            .arg(v[v.size() / 2], 0, 'f', 2)
            .arg(v.front(), 0, 'f', 2)
            .arg(v.back(), 0, 'f', 2);
    };
    printf("%lld MiB x %d client(s), segments of %lld B, 4 in flight, %d runs each "
           "(alternating), medians [min-max]:\n",
           mib, clients, segment, runs);
    printf("%-16s %-20s %-20s %-20s %-20s\n", "opening", "Redis CPU s", "of it system s",
           "page faults k", "wall s");
    for (int m : chosen)
        printf("%-16s %-20s %-20s %-20s %-20s\n", modes[m], qPrintable(range(cpu[m])),
               qPrintable(range(sys[m])), qPrintable(range(faults[m])), qPrintable(range(wall[m])));
    return 0;
}

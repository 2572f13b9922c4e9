// How should chunks reach Redis? Times, on one fresh redis-server, alternating
// runs of: SETRANGE into a presized string, SETRANGE growing the string, APPEND,
// and an EVAL that carries each chunk's bytes through Lua. Same pipeline (4 in
// flight, 1 MiB chunks) for all; medians printed with ratios to the first.
#include "testredis.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <cstdio>

using namespace hb;
using namespace hb::test;

namespace {

enum class Mode { Presized, Growing, Append, LuaCarried };
const char *name(Mode m)
{
    switch (m) {
    case Mode::Presized:
        return "SETRANGE, string sized first";
    case Mode::Growing:
        return "SETRANGE, string grows";
    case Mode::Append:
        return "APPEND";
    case Mode::LuaCarried:
        return "EVAL carrying the chunk";
    }
    return "?";
}

double runOnce(RedisConnection &c, Mode mode, const QByteArray &data, qint64 chunk, int window)
{
    c.command({"DEL", "k"});
    const QByteArray lua = "return redis.call('SETRANGE', KEYS[1], ARGV[1], ARGV[2])";
    QElapsedTimer t;
    t.start();
    if (mode == Mode::Presized)
        c.command({"SETRANGE", "k", QByteArray::number(data.size() - 1), QByteArray(1, '\0')});
    qint64 sent = 0;
    while (sent < data.size() || c.pending() > 0) {
        if (sent < data.size() && c.pending() < window) {
            const QByteArray part = data.mid(sent, chunk);
            const QByteArray off = QByteArray::number(sent);
            switch (mode) {
            case Mode::Presized:
            case Mode::Growing:
                c.append({"SETRANGE", "k", off, part});
                break;
            case Mode::Append:
                c.append({"APPEND", "k", part});
                break;
            case Mode::LuaCarried:
                c.append({"EVAL", lua, "1", "k", off, part});
                break;
            }
            sent += part.size();
            continue;
        }
        const RedisReply r = c.readReply();
        if (r.isError()) {
            fprintf(stderr, "error: %s\n", r.string.constData());
            exit(1);
        }
    }
    const double secs = t.nsecsElapsed() / 1e9;
    if (c.command({"STRLEN", "k"}).integer != data.size()) {
        fprintf(stderr, "wrong length\n");
        exit(1);
    }
    return secs;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const qint64 mib = argc > 1 ? atoi(argv[1]) : 256;
    const int runs = argc > 2 ? atoi(argv[2]) : 5;
    TestRedisServer redis;
    QString err;
    if (!redis.start(&err)) {
        fprintf(stderr, "%s\n", qPrintable(err));
        return 1;
    }
    const QByteArray data = randomBytes(mib * 1024 * 1024);
    auto conn = redis.connect({5000, 60000});
    const Mode modes[] = {Mode::Presized, Mode::Growing, Mode::Append, Mode::LuaCarried};
    std::vector<double> times[4];
    for (int r = 0; r < runs; ++r)
        for (int m = 0; m < 4; ++m)
            times[m].push_back(runOnce(*conn, modes[m], data, 1024 * 1024, 4));
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    const double base = median(times[0]);
    printf("%lld MiB, 1 MiB chunks, 4 in flight, %d runs each (alternating), medians:\n", mib,
           runs);
    printf("%-32s %10s %10s %8s\n", "write path", "seconds", "MiB/s", "time ×");
    for (int m = 0; m < 4; ++m) {
        const double s = median(times[m]);
        printf("%-32s %10.3f %10.1f %8.2f\n", name(modes[m]), s, double(mib) / s, s / base);
    }
    return 0;
}

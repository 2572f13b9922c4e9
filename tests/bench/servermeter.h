#pragma once
// What the scale benchmarks (issue 21) measure of a server and of a process:
// Redis's commands (INFO commandstats; not INFO and CONFIG, the meter's own, nor the
// replicas' REPLCONF) and its CPU (INFO cpu), summed over every master of a cluster;
// a process's CPU and RSS from /proc. Not a test.
#include "redisconnection.h"
#include "redisendpoint.h"
#include "statusfill.h"

#include <QElapsedTimer>
#include <QFile>
#include <QMap>

#include <memory>
#include <unistd.h>
#include <vector>

namespace hb::bench {

// utime + stime of a process, in seconds.
inline double processCpuSeconds(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return -1;
    const QByteArray stat = f.readAll();
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the name: state is [0], utime [11], stime [12].
    return (fields.value(11).toDouble() + fields.value(12).toDouble()) /
           double(sysconf(_SC_CLK_TCK));
}

// A field of /proc/PID/status in KiB (VmRSS, VmHWM).
inline qint64 processKiB(qint64 pid, const QByteArray &field)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith(field + ':'))
            return line.mid(field.size() + 1).trimmed().split(' ').value(0).toLongLong();
    return -1;
}

// Redis's side over an interval: start() resets the counters of every node (the
// server itself, or each master of a cluster), read() sums them since.
class ServerMeter final
{
public:
    explicit ServerMeter(const RedisEndpoint &endpoint)
    {
        auto first = std::make_unique<RedisConnection>(endpoint);
        const QList<RedisHost> masters = first->clusterMasters();
        if (masters.isEmpty()) {
            m_nodes.push_back(std::move(first));
            return;
        }
        for (const RedisHost &m : masters) {
            auto c = std::make_unique<RedisConnection>(endpoint.atAddress(m.host, m.port));
            c->disableClusterDiscovery();
            m_nodes.push_back(std::move(c));
        }
    }

    int nodes() const { return int(m_nodes.size()); }

    // A command sent to every node (the server, or each master), replies ignored.
    void onEveryNode(const QList<QByteArray> &args)
    {
        for (auto &n : m_nodes)
            n->command(args);
    }

    void start()
    {
        for (auto &n : m_nodes)
            n->command({"CONFIG", "RESETSTAT"});
        m_cpu0 = cpu();
        m_clock.start();
    }

    struct Reading
    {
        double seconds = 0;
        qint64 calls = 0;
        QByteArray detail; // name=calls, summed over the nodes
        double redisCpuSeconds = 0;

        double callsPerSecond() const { return seconds > 0 ? double(calls) / seconds : 0; }
        double redisCpuPercent() const { return seconds > 0 ? 100 * redisCpuSeconds / seconds : 0; }
    };

    Reading read()
    {
        Reading r;
        r.seconds = double(m_clock.nsecsElapsed()) / 1e9;
        r.redisCpuSeconds = cpu() - m_cpu0;
        QMap<QByteArray, qint64> calls;
        for (auto &n : m_nodes) {
            const QMap<QByteArray, qint64> own = test::commandCallsByName(*n);
            for (auto it = own.cbegin(); it != own.cend(); ++it) {
                const QByteArray &name = it.key();
                // INFO and CONFIG are the meter's; REPLCONF a cluster's replicas' ACK,
                // once a second each whatever anyone does.
                if (name.startsWith("info") || name.startsWith("config") || name == "replconf")
                    continue;
                calls[name] += it.value();
            }
        }
        for (auto it = calls.cbegin(); it != calls.cend(); ++it) {
            r.calls += it.value();
            r.detail += it.key() + '=' + QByteArray::number(it.value()) + ' ';
        }
        r.detail = r.detail.trimmed();
        return r;
    }

private:
    double cpu()
    {
        double total = 0;
        for (auto &n : m_nodes) {
            const auto info = parseInfo(n->command({"INFO", "cpu"}).string);
            total += info.value("used_cpu_sys").toDouble() + info.value("used_cpu_user").toDouble();
        }
        return total;
    }

    std::vector<std::unique_ptr<RedisConnection>> m_nodes;
    double m_cpu0 = 0;
    QElapsedTimer m_clock;
};

} // namespace hb::bench

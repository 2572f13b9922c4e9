#pragma once

#include "redisconnection.h"
#include "redisendpoint.h"
#include "testtime.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <map>
#include <memory>

namespace hb::test {

// A real Redis Cluster for a test suite: 3 masters and 3 replicas on loopback, on
// free ports (each with its bus port, +10000, free too), no persistence, created
// with `redis-cli --cluster create … --cluster-replicas 1`. Every node dies with
// the test. Started from the test's main thread.
class TestRedisCluster final
{
public:
    TestRedisCluster();
    ~TestRedisCluster();
    TestRedisCluster(const TestRedisCluster &) = delete;
    TestRedisCluster &operator=(const TestRedisCluster &) = delete;

    // Starts the six nodes, creates the cluster and waits (polling, with a
    // deadline) until every node reports cluster_state:ok and names 3 masters.
    bool start(QString *error = nullptr);

    // The nodes still running.
    QList<int> ports() const { return m_ports; }
    // SIGKILL to one node; it is left out of ports() from then on.
    void killNode(int port);
    // redis://127.0.0.1:port of one node (any node is a seed).
    QString url(int port) const;
    RedisEndpoint endpoint(int port) const;

    // One command on a node itself (a plain connection: no routing, no redirection).
    RedisReply command(int port, const QList<QByteArray> &args);
    // What the server says, independently of the code under test: the slot of a
    // key (CLUSTER KEYSLOT), and from CLUSTER NODES as `port` sees it: the master
    // serving a slot, the masters, a master's replica, a node's id.
    int keySlot(const QByteArray &key);
    int masterOfSlot(int slot, int askPort = 0);
    QList<int> masters(int askPort = 0);
    int replicaOf(int masterPort);
    QByteArray nodeId(int port);
    // Until every node agrees that `slot` is served by `masterPort` and reports
    // cluster_state:ok (deadline scaledMs(ms)).
    bool waitForSlotOwner(int slot, int masterPort, int ms = 20000);
    bool waitForState(const QByteArray &state, int ms = 30000);

private:
    struct NodeLine
    {
        QByteArray id;
        int port = 0;
        bool master = false;
        QByteArray masterId;
        QList<QPair<int, int>> slotRanges;
    };
    QList<NodeLine> nodes(int askPort);

    QTemporaryDir m_dir;
    QList<int> m_ports;
    std::map<int, std::unique_ptr<QProcess>> m_processes;
    std::map<int, std::unique_ptr<RedisConnection>> m_admin;
};

} // namespace hb::test

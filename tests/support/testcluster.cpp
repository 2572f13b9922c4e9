#include "testcluster.h"
#include "testredis.h"

#include <QDeadlineTimer>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTcpServer>
#include <QThread>

#include <unistd.h>

namespace hb::test {

namespace {

constexpr int nodeCount = 6;

bool portFree(int port)
{
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost, quint16(port));
}

// A port whose cluster bus port (+10000) is free too.
int freePortPair(const QList<int> &taken)
{
    for (int attempt = 0; attempt < 500; ++attempt) {
        const int port = 20000 + int(QRandomGenerator::global()->bounded(30000));
        if (taken.contains(port) || taken.contains(port + 10000) || taken.contains(port - 10000))
            continue;
        if (portFree(port) && portFree(port + 10000)) return port;
    }
    return 0;
}

QString findBinary(const QString &name)
{
    const QString found = QStandardPaths::findExecutable(name);
    return found.isEmpty() ? QStringLiteral("/usr/bin/") + name : found;
}

} // namespace

TestRedisCluster::TestRedisCluster() = default;

TestRedisCluster::~TestRedisCluster()
{
    m_admin.clear();
    for (auto &[port, p] : m_processes) {
        if (p->state() != QProcess::NotRunning) {
            p->kill();
            p->waitForFinished(5000);
        }
    }
}

QString TestRedisCluster::url(int port) const
{
    return QStringLiteral("redis://127.0.0.1:%1").arg(port);
}

RedisEndpoint TestRedisCluster::endpoint(int port) const
{
    return *RedisEndpoint::parse(url(port));
}

RedisReply TestRedisCluster::command(int port, const QList<QByteArray> &args)
{
    auto &c = m_admin[port];
    if (!c) {
        c = std::make_unique<RedisConnection>(endpoint(port), RedisTimeouts{2000, 10000});
        c->disableClusterDiscovery();
    }
    RedisReply r = c->command(args);
    if (r.isError() && r.error.isTransport()) c.reset();
    return r;
}

bool TestRedisCluster::start(QString *error)
{
    QString dummy;
    QString &err = error ? *error : dummy;
    if (!m_dir.isValid()) {
        err = QStringLiteral("cannot create a temporary folder");
        return false;
    }
    for (int i = 0; i < nodeCount; ++i) {
        const int port = freePortPair(m_ports);
        if (port == 0) {
            err = QStringLiteral("no free port pair");
            return false;
        }
        m_ports.append(port);
        auto p = std::make_unique<QProcess>();
        p->setProcessChannelMode(QProcess::MergedChannels);
        p->setStandardOutputFile(m_dir.filePath(QStringLiteral("node-%1.log").arg(port)));
        dieWithThisProcess(*p);
        p->start(findBinary(QStringLiteral("redis-server")),
                 {QStringLiteral("--port"), QString::number(port), QStringLiteral("--bind"),
                  QStringLiteral("127.0.0.1"), QStringLiteral("--cluster-enabled"),
                  QStringLiteral("yes"), QStringLiteral("--cluster-config-file"),
                  m_dir.filePath(QStringLiteral("nodes-%1.conf").arg(port)),
                  QStringLiteral("--cluster-node-timeout"), QStringLiteral("3000"),
                  QStringLiteral("--save"), QString(), QStringLiteral("--appendonly"),
                  QStringLiteral("no"), QStringLiteral("--dir"), m_dir.path()});
        if (!p->waitForStarted(scaledMs(10000))) {
            err = QStringLiteral("cannot start redis-server: %1").arg(p->errorString());
            return false;
        }
        m_processes[port] = std::move(p);
    }
    for (const int port : std::as_const(m_ports)) {
        QDeadlineTimer deadline(scaledMs(15000));
        while (command(port, {"PING"}).isError()) {
            if (deadline.hasExpired()) {
                err = QStringLiteral("node %1 did not answer PING").arg(port);
                return false;
            }
            QThread::msleep(20);
        }
    }
    QStringList args{QStringLiteral("--cluster"), QStringLiteral("create")};
    for (const int port : std::as_const(m_ports))
        args << QStringLiteral("127.0.0.1:%1").arg(port);
    args << QStringLiteral("--cluster-replicas") << QStringLiteral("1")
         << QStringLiteral("--cluster-yes");
    QProcess create;
    create.setProcessChannelMode(QProcess::MergedChannels);
    create.start(findBinary(QStringLiteral("redis-cli")), args);
    if (!create.waitForFinished(scaledMs(60000)) || create.exitCode() != 0) {
        err = QStringLiteral("redis-cli --cluster create failed: %1")
                  .arg(QString::fromLocal8Bit(create.readAll()));
        return false;
    }
    if (!waitForState("ok")) {
        err = QStringLiteral("the cluster did not reach cluster_state:ok");
        return false;
    }
    // Every node knows the three masters and each has its replica.
    QDeadlineTimer deadline(scaledMs(30000));
    for (;;) {
        bool agreed = true;
        for (const int port : std::as_const(m_ports)) {
            const QList<int> m = masters(port);
            if (m.size() != 3) agreed = false;
            for (const int master : m)
                if (replicaOf(master) == 0) agreed = false;
        }
        if (agreed) return true;
        if (deadline.hasExpired()) {
            err = QStringLiteral("the nodes did not agree on 3 masters with a replica each");
            return false;
        }
        QThread::msleep(50);
    }
}

void TestRedisCluster::killNode(int port)
{
    m_admin.erase(port);
    m_ports.removeAll(port);
    auto it = m_processes.find(port);
    if (it == m_processes.end()) return;
    it->second->kill();
    it->second->waitForFinished(5000);
}

QList<TestRedisCluster::NodeLine> TestRedisCluster::nodes(int askPort)
{
    const RedisReply r = command(askPort ? askPort : m_ports.first(), {"CLUSTER", "NODES"});
    QList<NodeLine> out;
    for (const QByteArray &line : r.string.split('\n')) {
        const QList<QByteArray> f = line.trimmed().split(' ');
        if (f.size() < 8) continue;
        NodeLine n;
        n.id = f[0];
        const QByteArray address = f[1].left(f[1].indexOf('@'));
        n.port = address.mid(address.lastIndexOf(':') + 1).toInt();
        n.master = f[2].split(',').contains("master") && !f[2].contains("fail");
        n.masterId = f[3];
        for (qsizetype i = 8; i < f.size(); ++i) {
            if (f[i].startsWith('[')) continue; // migrating / importing
            const qsizetype dash = f[i].indexOf('-');
            if (dash < 0)
                n.slotRanges.append({f[i].toInt(), f[i].toInt()});
            else
                n.slotRanges.append({f[i].left(dash).toInt(), f[i].mid(dash + 1).toInt()});
        }
        out.append(n);
    }
    return out;
}

int TestRedisCluster::keySlot(const QByteArray &key)
{
    return int(command(m_ports.first(), {"CLUSTER", "KEYSLOT", key}).integer);
}

int TestRedisCluster::masterOfSlot(int slot, int askPort)
{
    for (const NodeLine &n : nodes(askPort))
        if (n.master)
            for (const auto &range : n.slotRanges)
                if (slot >= range.first && slot <= range.second) return n.port;
    return 0;
}

QList<int> TestRedisCluster::masters(int askPort)
{
    QList<int> out;
    for (const NodeLine &n : nodes(askPort))
        if (n.master && !n.slotRanges.isEmpty()) out.append(n.port);
    std::sort(out.begin(), out.end());
    return out;
}

int TestRedisCluster::replicaOf(int masterPort)
{
    const QList<NodeLine> all = nodes(masterPort);
    QByteArray masterId;
    for (const NodeLine &n : all)
        if (n.port == masterPort) masterId = n.id;
    for (const NodeLine &n : all)
        if (!n.master && n.masterId == masterId) return n.port;
    return 0;
}

QByteArray TestRedisCluster::nodeId(int port)
{
    return command(port, {"CLUSTER", "MYID"}).string;
}

bool TestRedisCluster::waitForState(const QByteArray &state, int ms)
{
    QDeadlineTimer deadline(scaledMs(ms));
    for (;;) {
        bool all = true;
        for (const int port : std::as_const(m_ports)) {
            const RedisReply info = command(port, {"CLUSTER", "INFO"});
            if (parseInfo(info.string).value("cluster_state") != state) all = false;
        }
        if (all) return true;
        if (deadline.hasExpired()) return false;
        QThread::msleep(50);
    }
}

bool TestRedisCluster::waitForSlotOwner(int slot, int masterPort, int ms)
{
    QDeadlineTimer deadline(scaledMs(ms));
    for (;;) {
        bool all = true;
        for (const int port : std::as_const(m_ports)) {
            if (masterOfSlot(slot, port) != masterPort) all = false;
            if (parseInfo(command(port, {"CLUSTER", "INFO"}).string).value("cluster_state") != "ok")
                all = false;
        }
        if (all) return true;
        if (deadline.hasExpired()) return false;
        QThread::msleep(50);
    }
}

} // namespace hb::test

#include "testsentinel.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QStandardPaths>
#include <QThread>

namespace hb::test {

TestSentinelGroup::TestSentinelGroup() = default;

TestSentinelGroup::~TestSentinelGroup()
{
    for (auto &s : m_sentinels) {
        if (s && s->state() != QProcess::NotRunning) {
            s->kill();
            s->waitForFinished(5000);
        }
    }
}

int TestSentinelGroup::portOf(const TestRedisServer &server) const
{
    for (size_t i = 0; i < m_servers.size(); ++i)
        if (m_servers[i].get() == &server) return m_serverPorts[i];
    return 0;
}

QString TestSentinelGroup::url() const
{
    QStringList hosts;
    for (int p : m_sentinelPorts)
        hosts << QStringLiteral("127.0.0.1:%1").arg(p);
    return QStringLiteral("redis-sentinel://%1#%2")
        .arg(hosts.join(QLatin1Char(',')), QLatin1String(masterName));
}

RedisEndpoint TestSentinelGroup::endpoint() const
{
    return *RedisEndpoint::parse(url());
}

RedisReply TestSentinelGroup::sentinelCommand(const QList<QByteArray> &args)
{
    RedisReply last;
    for (int p : m_sentinelPorts) {
        RedisConnection c(RedisEndpoint().atAddress(QStringLiteral("127.0.0.1"), p), {1000, 3000});
        last = c.command(args);
        if (!last.isError()) return last;
    }
    return last;
}

TestRedisServer *TestSentinelGroup::currentMaster()
{
    const RedisReply r = sentinelCommand({"SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName});
    if (r.type != RedisReply::Type::Array || r.elements.size() != 2) return nullptr;
    const int port = r.elements[1].string.toInt();
    for (size_t i = 0; i < m_servers.size(); ++i)
        if (m_serverPorts[i] == port) return m_servers[i].get();
    return nullptr;
}

bool TestSentinelGroup::waitForMaster(TestRedisServer &server, int deadlineMs)
{
    QDeadlineTimer deadline(deadlineMs);
    while (!deadline.hasExpired()) {
        if (currentMaster() == &server) {
            const RedisReply role = server.command({"ROLE"});
            if (!role.isError() && !role.elements.isEmpty() &&
                role.elements.first().string == "master")
                return true;
        }
        QThread::msleep(50);
    }
    return false;
}

bool TestSentinelGroup::start(QString *error)
{
    if (!m_dir.isValid()) {
        *error = QStringLiteral("cannot create a temporary folder");
        return false;
    }
    for (size_t i = 0; i < m_servers.size(); ++i) {
        m_serverPorts[i] = freeTcpPort();
        QStringList args{QStringLiteral("--port"), QString::number(m_serverPorts[i]),
                         QStringLiteral("--bind"), QStringLiteral("127.0.0.1")};
        if (i > 0)
            args << QStringLiteral("--replicaof") << QStringLiteral("127.0.0.1")
                 << QString::number(m_serverPorts[0]);
        // A replica that stops reading is cut off after 1 MiB of backlog instead of
        // taking the kernel's socket buffers' worth (megabytes) on resuming: what
        // the master acknowledged after that is lost in a failover, for certain.
        args << QStringLiteral("--client-output-buffer-limit")
             << QStringLiteral("replica 1mb 1mb 0");
        m_servers[i] = std::make_unique<TestRedisServer>(args);
        if (!m_servers[i]->start(error)) return false;
    }
    QString binary = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
    if (binary.isEmpty()) binary = QStringLiteral("/usr/bin/redis-server");
    for (size_t i = 0; i < m_sentinels.size(); ++i) {
        m_sentinelPorts[i] = freeTcpPort();
        const QString conf = m_dir.filePath(QStringLiteral("sentinel%1.conf").arg(i));
        QFile f(conf);
        if (!f.open(QIODevice::WriteOnly)) {
            *error = QStringLiteral("cannot write %1").arg(conf);
            return false;
        }
        f.write(QStringLiteral("port %1\nbind 127.0.0.1\ndir %2\n"
                               "sentinel monitor %3 127.0.0.1 %4 2\n"
                               "sentinel down-after-milliseconds %3 1000\n"
                               "sentinel failover-timeout %3 10000\n"
                               "sentinel parallel-syncs %3 1\n")
                    .arg(m_sentinelPorts[i])
                    .arg(m_dir.path(), QLatin1String(masterName))
                    .arg(m_serverPorts[0])
                    .toUtf8());
        f.close();
        auto p = std::make_unique<QProcess>();
        p->setProcessChannelMode(QProcess::MergedChannels);
        p->setStandardOutputFile(m_dir.filePath(QStringLiteral("sentinel%1.log").arg(i)));
        dieWithThisProcess(*p);
        p->start(binary, {conf, QStringLiteral("--sentinel")});
        if (!p->waitForStarted(scaledMs(10000))) {
            *error = QStringLiteral("cannot start a sentinel: %1").arg(p->errorString());
            return false;
        }
        m_sentinels[i] = std::move(p);
    }
    // Every sentinel must know the replica and the other sentinels (they find each
    // other through hello messages every 2 s), and the replica must be in sync.
    QDeadlineTimer deadline(scaledMs(60000));
    QString lastProblem = QStringLiteral("nothing checked yet");
    while (!deadline.hasExpired()) {
        bool ready = true;
        for (int port : m_sentinelPorts) {
            RedisConnection c(RedisEndpoint().atAddress(QStringLiteral("127.0.0.1"), port),
                              {1000, 3000});
            const RedisReply q = c.command({"SENTINEL", "CKQUORUM", masterName});
            const RedisReply replicas = c.command({"SENTINEL", "REPLICAS", masterName});
            if (q.isError() || !q.string.contains("3 usable") ||
                replicas.type != RedisReply::Type::Array || replicas.elements.size() != 1) {
                lastProblem =
                    QStringLiteral("sentinel %1: %2")
                        .arg(port)
                        .arg(QString::fromUtf8(q.isError() ? q.error.message.toUtf8() : q.string));
                ready = false;
                break;
            }
        }
        const auto info = parseInfo(replica().command({"INFO", "replication"}).string);
        if (ready && info.value("master_link_status") != "up") {
            lastProblem = QStringLiteral("replica not in sync");
            ready = false;
        }
        if (ready) return true;
        QThread::msleep(100);
    }
    *error = QStringLiteral("the sentinel group did not come up: %1").arg(lastProblem);
    return false;
}

} // namespace hb::test

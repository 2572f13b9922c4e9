#pragma once

#include "testredis.h"

#include <QProcess>
#include <QTemporaryDir>
#include <array>
#include <memory>

namespace hb::test {

// A master, one replica and three sentinels (quorum 2) on 127.0.0.1, started by
// the test: the smallest group in which a failover can happen. The sentinels
// judge a master down after 1 s of silence.
class TestSentinelGroup final
{
public:
    static constexpr const char *masterName = "hbmaster";

    TestSentinelGroup();
    ~TestSentinelGroup();
    TestSentinelGroup(const TestSentinelGroup &) = delete;
    TestSentinelGroup &operator=(const TestSentinelGroup &) = delete;

    // Starts everything and waits until the sentinels agree (quorum reachable) and
    // the replica is in sync.
    bool start(QString *error);

    // redis-sentinel://127.0.0.1:s1,…#hbmaster
    QString url() const;
    RedisEndpoint endpoint() const;

    // The server the sentinels name as master now (the original or the replica);
    // nullptr when they name none of the two.
    TestRedisServer *currentMaster();
    TestRedisServer &original() { return *m_servers[0]; }
    TestRedisServer &replica() { return *m_servers[1]; }
    int portOf(const TestRedisServer &server) const;
    // A command to the first sentinel that answers.
    RedisReply sentinelCommand(const QList<QByteArray> &args);
    // Waits (deadline ms) until the sentinels name `server` as master and it says so.
    bool waitForMaster(TestRedisServer &server, int deadlineMs);

private:
    QTemporaryDir m_dir;
    std::array<int, 2> m_serverPorts{};
    std::array<std::unique_ptr<TestRedisServer>, 2> m_servers;
    std::array<int, 3> m_sentinelPorts{};
    std::array<std::unique_ptr<QProcess>, 3> m_sentinels;
};

} // namespace hb::test

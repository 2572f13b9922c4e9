#pragma once

#include "redisconnection.h"
#include "redisendpoint.h"
#include "testtime.h"

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <memory>

namespace hb::test {

// A real redis-server for one test case or suite: unix socket in a fresh temporary
// folder, no TCP port, no persistence. Started by the harness, killed on destruction.
class TestRedisServer final
{
public:
    explicit TestRedisServer(QStringList extraArgs = {});
    ~TestRedisServer();
    TestRedisServer(const TestRedisServer &) = delete;
    TestRedisServer &operator=(const TestRedisServer &) = delete;

    // Starts and waits (deadline scaledMs(15000)) until it answers PING.
    bool start(QString *error = nullptr);
    bool isRunning() const;
    void stop();   // SIGTERM and wait
    void kill();   // SIGKILL and wait
    void pause();  // SIGSTOP: accepts connections, answers nothing
    void resume(); // SIGCONT
    qint64 pid() const;

    QString socketPath() const;
    QString directory() const { return m_dir.path(); }
    RedisEndpoint endpoint() const;
    QString url() const; // unix:///...

    // A fresh connection to this server, and a one-shot command on a shared one.
    std::unique_ptr<RedisConnection> connect(RedisTimeouts timeouts = {2000, 5000}) const;
    RedisReply command(const QList<QByteArray> &args);

private:
    QStringList m_extraArgs;
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_process;
    std::unique_ptr<RedisConnection> m_admin;
};

// A file of `size` pseudo-random bytes (every byte value occurs) in `dir`.
QString makeRandomFile(const QString &dir, const QString &name, qint64 size, quint32 seed = 1);
// `size` pseudo-random bytes, the same for the same seed.
QByteArray randomBytes(qint64 size, quint32 seed = 1);
QByteArray sha256OfFile(const QString &path);
QByteArray sha256Of(const QByteArray &data);

// A TCP port on 127.0.0.1 that nothing listens on right now.
int freeTcpPort();
// Makes a child process die with this one (PR_SET_PDEATHSIG), as TestRedisServer's do.
void dieWithThisProcess(QProcess &child);

// Path of a built executable next to the test binaries' build tree.
QString builtExecutable(const QString &name);

} // namespace hb::test

#include "testredis.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QThread>

#include <csignal>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hb::test {

namespace {

// Runs in the child between fork and exec. Qt 6.4 starts children with vfork
// semantics (the child borrows the parent's memory until exec), so this touches
// nothing a sanitizer keeps state in: raw system calls only, no instrumentation.
__attribute__((no_sanitize("address", "thread", "undefined"))) void dieWithParent(pid_t parent)
{
    ::syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (::syscall(SYS_getppid) != parent) ::syscall(SYS_kill, ::syscall(SYS_getpid), SIGKILL);
}

} // namespace

void dieWithThisProcess(QProcess &child)
{
    const pid_t parent = ::getpid();
    child.setChildProcessModifier([parent] { dieWithParent(parent); });
}

int freeTcpPort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = 0;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    if (fd >= 0) ::close(fd);
    return port;
}

TestRedisServer::TestRedisServer(QStringList extraArgs) : m_extraArgs(std::move(extraArgs)) {}

TestRedisServer::~TestRedisServer()
{
    m_admin.reset();
    if (m_process && m_process->state() != QProcess::NotRunning) {
        resume();
        m_process->kill();
        m_process->waitForFinished(5000);
    }
}

QString TestRedisServer::socketPath() const
{
    return m_dir.path() + QStringLiteral("/redis.sock");
}

RedisEndpoint TestRedisServer::endpoint() const
{
    return RedisEndpoint::unixSocket(socketPath());
}

QString TestRedisServer::url() const
{
    return QStringLiteral("unix://") + socketPath();
}

bool TestRedisServer::start(QString *error)
{
    QString dummy;
    QString &err = error ? *error : dummy;
    if (!m_dir.isValid()) {
        err = QStringLiteral("cannot create a temporary folder");
        return false;
    }
    if (socketPath().size() > 100) {
        err = QStringLiteral("socket path too long: %1").arg(socketPath());
        return false;
    }
    QString binary = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
    if (binary.isEmpty()) binary = QStringLiteral("/usr/bin/redis-server");
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setStandardOutputFile(m_dir.path() + QStringLiteral("/redis.log"));
    QStringList args{QStringLiteral("--port"),
                     QStringLiteral("0"),
                     QStringLiteral("--unixsocket"),
                     socketPath(),
                     QStringLiteral("--unixsocketperm"),
                     QStringLiteral("700"),
                     QStringLiteral("--save"),
                     QString(),
                     QStringLiteral("--appendonly"),
                     QStringLiteral("no"),
                     QStringLiteral("--dir"),
                     m_dir.path()};
    args += m_extraArgs;
    // The server dies with the test that started it, even when the test crashes or
    // is SIGKILLed: the kernel sends the child SIGKILL when its parent goes away.
    // Runs in the forked child before exec (async-signal-safe calls only). If the
    // parent died before prctl() took effect, the child was already reparented:
    // getppid() no longer names the parent, and it kills itself. Note the "parent"
    // is the forking thread: start servers from a thread that outlives them (the
    // test's main thread does).
    dieWithThisProcess(*m_process);
    m_process->start(binary, args);
    if (!m_process->waitForStarted(scaledMs(10000))) {
        err = QStringLiteral("cannot start %1: %2").arg(binary, m_process->errorString());
        return false;
    }
    QDeadlineTimer deadline(scaledMs(15000));
    while (!deadline.hasExpired()) {
        if (m_process->state() == QProcess::NotRunning) break;
        if (QFile::exists(socketPath())) {
            auto c = connect({500, 1000});
            const RedisReply r = c->command({"PING"});
            // NOAUTH is an answer too; LOADING (a restart reading its AOF) is not yet.
            if (!r.isError() || (!r.error.isTransport() && !r.string.startsWith("LOADING")))
                return true;
        }
        QThread::msleep(10);
    }
    QFile log(m_dir.path() + QStringLiteral("/redis.log"));
    log.open(QIODevice::ReadOnly);
    err = QStringLiteral("redis-server did not answer on %1: %2")
              .arg(socketPath(), QString::fromLocal8Bit(log.readAll()));
    return false;
}

bool TestRedisServer::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

qint64 TestRedisServer::pid() const
{
    return m_process ? m_process->processId() : 0;
}

void TestRedisServer::stop()
{
    m_admin.reset();
    if (!isRunning()) return;
    resume();
    m_process->terminate();
    if (!m_process->waitForFinished(10000)) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
}

void TestRedisServer::kill()
{
    m_admin.reset();
    if (!isRunning()) return;
    m_process->kill();
    m_process->waitForFinished(5000);
}

void TestRedisServer::pause()
{
    if (isRunning()) ::kill(pid_t(pid()), SIGSTOP);
}

void TestRedisServer::resume()
{
    if (isRunning()) ::kill(pid_t(pid()), SIGCONT);
}

std::unique_ptr<RedisConnection> TestRedisServer::connect(RedisTimeouts timeouts) const
{
    return std::make_unique<RedisConnection>(endpoint(), timeouts);
}

RedisReply TestRedisServer::command(const QList<QByteArray> &args)
{
    if (!m_admin) m_admin = connect();
    return m_admin->command(args);
}

QString makeRandomFile(const QString &dir, const QString &name, qint64 size, quint32 seed)
{
    const QString path = dir + QLatin1Char('/') + name;
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return {};
    QRandomGenerator rng(seed);
    QByteArray block(1024 * 1024, Qt::Uninitialized);
    qint64 left = size;
    while (left > 0) {
        const qint64 n = std::min<qint64>(left, block.size());
        rng.fillRange(reinterpret_cast<quint32 *>(block.data()), block.size() / 4);
        // Make sure NUL and every other byte value occur, even in tiny files.
        for (qint64 i = 0; i < std::min<qint64>(n, 256); ++i)
            if (((size - left) + i) % 97 == 0) block[i] = char(i);
        f.write(block.constData(), n);
        left -= n;
    }
    return path;
}

QByteArray randomBytes(qint64 size, quint32 seed)
{
    QByteArray b(size, Qt::Uninitialized);
    QRandomGenerator(seed).fillRange(reinterpret_cast<quint32 *>(b.data()), size_t(size / 4));
    for (qint64 i = size / 4 * 4; i < size; ++i)
        b[i] = char(i);
    return b;
}

QByteArray sha256Of(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

QByteArray sha256OfFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return h.result().toHex();
}

QString builtExecutable(const QString &name)
{
    const QString dir = QStringLiteral(HB_BUILD_BIN_DIR);
    return dir + QLatin1Char('/') + name;
}

} // namespace hb::test

#include "embeddedserver.h"

#include "logging.h"
#include "redisconnection.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QLockFile>
#include <QProcess>
#include <QStandardPaths>
#include <QThread>

namespace hb {

namespace {

RedisTimeouts quick()
{
    return {1000, 2000};
}

QString redisServerBinary()
{
    const QString env = qEnvironmentVariable("HBEXPORTER_REDIS_SERVER");
    if (!env.isEmpty()) return env;
    QString found = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
    if (found.isEmpty())
        found =
            QStandardPaths::findExecutable(QStringLiteral("redis-server"),
                                           {QStringLiteral("/usr/bin"), QStringLiteral("/usr/sbin"),
                                            QStringLiteral("/usr/local/bin")});
    return found;
}

} // namespace

QString EmbeddedServer::directory()
{
    QString base = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (base.isEmpty() || !QFileInfo(base).isDir())
        base = QDir::tempPath() + QStringLiteral("/hbexporter-%1")
                                      .arg(qEnvironmentVariable("USER", QStringLiteral("user")));
    return base + QStringLiteral("/hbexporter");
}

QString EmbeddedServer::socketPath()
{
    return directory() + QStringLiteral("/redis.sock");
}

RedisEndpoint EmbeddedServer::endpoint()
{
    return RedisEndpoint::unixSocket(socketPath());
}

bool EmbeddedServer::isAnswering()
{
    if (!QFileInfo::exists(socketPath())) return false;
    RedisConnection c(endpoint(), quick());
    const RedisReply r = c.command({"PING"});
    return !r.isError();
}

bool EmbeddedServer::ensureRunning(QString *error)
{
    if (isAnswering()) return true;
    const QString dir = directory();
    if (!QDir().mkpath(dir)) {
        *error = QStringLiteral("cannot create %1 for the embedded Redis server").arg(dir);
        return false;
    }
    QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    if (socketPath().toLocal8Bit().size() >= 100) {
        *error =
            QStringLiteral("the embedded server's socket path is too long for a unix socket: %1")
                .arg(socketPath());
        return false;
    }
    // Two processes starting at once must not both start a server: the second
    // would take over the socket path and orphan the first.
    QLockFile lock(dir + QStringLiteral("/start.lock"));
    lock.setStaleLockTime(10000);
    if (!lock.tryLock(10000)) {
        *error =
            QStringLiteral("cannot lock %1 to start the embedded Redis server").arg(lock.error());
        return false;
    }
    if (isAnswering()) return true;
    const QString binary = redisServerBinary();
    if (binary.isEmpty()) {
        *error = QStringLiteral("no Redis URL configured and redis-server is not installed "
                                "(install the redis-server package, or pass --redis URL)");
        return false;
    }
    const QStringList args{QStringLiteral("--port"),
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
                           dir,
                           QStringLiteral("--pidfile"),
                           dir + QStringLiteral("/redis.pid"),
                           QStringLiteral("--logfile"),
                           dir + QStringLiteral("/redis.log"),
                           QStringLiteral("--daemonize"),
                           QStringLiteral("yes")};
    qCInfo(lcCore).noquote() << "starting the embedded Redis server on" << socketPath();
    QProcess p;
    p.start(binary, args);
    if (!p.waitForFinished(10000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        *error = QStringLiteral("cannot start the embedded Redis server (%1): %2")
                     .arg(binary, QString::fromLocal8Bit(p.readAllStandardError() +
                                                         p.readAllStandardOutput())
                                      .trimmed());
        return false;
    }
    QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired()) {
        if (isAnswering()) return true;
        QThread::msleep(20);
    }
    *error = QStringLiteral("the embedded Redis server did not answer on %1 (see %2/redis.log)")
                 .arg(socketPath(), dir);
    return false;
}

bool EmbeddedServer::stop(QString *error)
{
    if (!isAnswering()) {
        *error = QStringLiteral("the embedded Redis server is not running (%1)").arg(socketPath());
        return false;
    }
    RedisConnection c(endpoint(), quick());
    const RedisReply r = c.command({"SHUTDOWN", "NOSAVE"});
    // A successful SHUTDOWN closes the connection without a reply.
    if (r.isError() && !r.error.isTransport()) {
        *error = r.error.message;
        return false;
    }
    QDeadlineTimer deadline(5000);
    while (!deadline.hasExpired() && isAnswering())
        QThread::msleep(20);
    return true;
}

EmbeddedServer::Status EmbeddedServer::status()
{
    Status s;
    s.socket = socketPath();
    RedisConnection c(endpoint(), quick());
    if (!QFileInfo::exists(s.socket)) return s;
    const RedisReply info = c.command({"INFO"});
    if (info.isError()) return s;
    s.running = true;
    const auto fields = parseInfo(info.string);
    s.version = QString::fromLatin1(fields.value("redis_version"));
    s.pid = fields.value("process_id").toLongLong();
    s.usedMemory = QString::fromLatin1(fields.value("used_memory_human"));
    const RedisReply size = c.command({"DBSIZE"});
    s.keys = size.integer;
    return s;
}

std::optional<RedisEndpoint> resolveEndpoint(const QString &explicitUrl, const QString &savedUrl,
                                             bool *embedded, QString *error)
{
    *embedded = false;
    for (const QString &candidate :
         {explicitUrl, qEnvironmentVariable("HBEXPORTER_REDIS_URL"), savedUrl}) {
        if (candidate.trimmed().isEmpty()) continue;
        return RedisEndpoint::parse(candidate, error);
    }
    *embedded = true;
    return EmbeddedServer::endpoint();
}

} // namespace hb

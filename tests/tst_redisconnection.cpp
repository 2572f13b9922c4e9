// RedisConnection against a real redis-server: transport, classified errors,
// pipelining, large arguments, reconnects; and the test harness's own promise that
// a test's redis-server dies with it.
#include "redisconnection.h"
#include "testredis.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QScopeGuard>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace hb;
using namespace hb::test;

namespace {

// 1 MiB + 3 bytes holding every byte value 0-255 (NUL, CR, LF included) in a
// pattern that is not periodic in 256, so a shifted or dropped byte shows.
QByteArray binaryPayload(qsizetype size, quint32 seed)
{
    QByteArray out(size, Qt::Uninitialized);
    quint32 x = seed;
    for (qsizetype i = 0; i < size; ++i) {
        if (i % 512 < 256) {
            out[i] = char(i % 256);
        } else {
            x = x * 1664525u + 1013904223u;
            out[i] = char(x >> 24);
        }
    }
    return out;
}

bool processGone(qint64 pid)
{
    if (::kill(pid_t(pid), 0) != 0) return true;
    // A zombie no one has reaped yet is gone too (PID 1 in a container may not reap).
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly)) return true;
    const QByteArray text = stat.readAll();
    const qsizetype close = text.lastIndexOf(')');
    return close >= 0 && text.mid(close + 2, 1) == "Z";
}

} // namespace

class TestRedisConnection final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void connectsOverUnixSocket()
    {
        TestRedisServer redis;
        QString error;
        QVERIFY2(redis.start(&error), qPrintable(error));
        RedisConnection c(redis.endpoint());
        QVERIFY(!c.isConnected());
        QVERIFY2(c.ensureConnected(), qPrintable(c.lastError().message));
        QVERIFY(c.isConnected());
        const RedisReply pong = c.command({"PING"});
        QCOMPARE(pong.type, RedisReply::Type::Status);
        QCOMPARE(pong.string, QByteArray("PONG"));
        QCOMPARE(c.command({"SET", "k", "v"}).string, QByteArray("OK"));
        QCOMPARE(c.command({"GET", "k"}).string, QByteArray("v"));
        QVERIFY(c.command({"GET", "missing"}).isNil());
        QCOMPARE(c.command({"INCRBY", "n", "41"}).integer, 41);
        const RedisReply arr = c.command({"MGET", "k", "missing"});
        QCOMPARE(arr.type, RedisReply::Type::Array);
        QCOMPARE(arr.elements.size(), 2);
        QCOMPARE(arr.elements[0].string, QByteArray("v"));
        QVERIFY(arr.elements[1].isNil());
        // An ordinary error reply is a ServerError and leaves the connection usable.
        const RedisReply wrongType = c.command({"LPUSH", "k", "x"});
        QVERIFY(wrongType.isError());
        QCOMPARE(wrongType.error.kind, RedisError::Kind::ServerError);
        QVERIFY(!wrongType.error.isTransport());
        QVERIFY(c.isConnected());
        QCOMPARE(c.command({"PING"}).string, QByteArray("PONG"));
    }

    void unreachableServerIsClassifiedAndNamed()
    {
        QTemporaryDir dir;
        const QString socket = dir.path() + QStringLiteral("/nobody-listens.sock");
        RedisConnection c(RedisEndpoint::unixSocket(socket), {1000, 1000});
        QVERIFY(!c.ensureConnected());
        QCOMPARE(c.lastError().kind, RedisError::Kind::Unreachable);
        QVERIFY2(c.lastError().message.contains(socket), qPrintable(c.lastError().message));
        QVERIFY(c.lastError().isTransport());

        const RedisReply r = c.command({"PING"});
        QVERIFY(r.isError());
        QCOMPARE(r.error.kind, RedisError::Kind::Unreachable);
        QVERIFY2(r.error.message.contains(socket), qPrintable(r.error.message));
        QVERIFY(!c.isConnected());
    }

    void stoppedServerTimesOutWithinTheCommandTimeout()
    {
        TestRedisServer redis;
        QVERIFY(redis.start());
        const int commandMs = 500;
        RedisConnection established(redis.endpoint(), {1000, commandMs});
        QCOMPARE(established.command({"PING"}).string, QByteArray("PONG"));

        redis.pause(); // SIGSTOP: the kernel still accepts connections, no one answers
        QElapsedTimer t;
        t.start();
        const RedisReply r = established.command({"PING"});
        const qint64 elapsed = t.elapsed();
        QVERIFY(r.isError());
        QCOMPARE(r.error.kind, RedisError::Kind::Timeout);
        QVERIFY2(r.error.message.contains(redis.socketPath()), qPrintable(r.error.message));
        QVERIFY2(elapsed >= commandMs - 50, qPrintable(QString::number(elapsed)));
        QVERIFY2(elapsed <= commandMs + scaledMs(1000), qPrintable(QString::number(elapsed)));
        QVERIFY(!established.isConnected());

        // A new connection is accepted, and its first command times out the same way.
        RedisConnection fresh(redis.endpoint(), {1000, commandMs});
        t.restart();
        const RedisReply r2 = fresh.command({"PING"});
        QVERIFY(r2.isError());
        QCOMPARE(r2.error.kind, RedisError::Kind::Timeout);
        QVERIFY2(t.elapsed() <= 1000 + commandMs + scaledMs(1000),
                 qPrintable(QString::number(t.elapsed())));

        redis.resume();
        QCOMPARE(established.command({"PING"}).string, QByteArray("PONG"));
    }

    void wrongPasswordIsAuthFailed()
    {
        TestRedisServer redis({QStringLiteral("--requirepass"), QStringLiteral("right-password")});
        QVERIFY(redis.start());

        RedisEndpoint wrong = redis.endpoint();
        wrong.password = QStringLiteral("wrong-password");
        RedisConnection c(wrong);
        QVERIFY(!c.ensureConnected());
        QCOMPARE(c.lastError().kind, RedisError::Kind::AuthFailed);
        QVERIFY2(c.lastError().message.contains(redis.socketPath()),
                 qPrintable(c.lastError().message));
        QVERIFY2(!c.lastError().message.contains(QStringLiteral("wrong-password")),
                 qPrintable(c.lastError().message));
        QVERIFY(!c.isConnected());
        const RedisReply r = c.command({"PING"});
        QCOMPARE(r.error.kind, RedisError::Kind::AuthFailed);

        // No password at all: the server answers NOAUTH to the first command.
        RedisConnection anonymous(redis.endpoint());
        const RedisReply noauth = anonymous.command({"GET", "k"});
        QVERIFY(noauth.isError());
        QCOMPARE(noauth.error.kind, RedisError::Kind::AuthFailed);

        RedisEndpoint right = redis.endpoint();
        right.password = QStringLiteral("right-password");
        RedisConnection ok(right);
        QCOMPARE(ok.command({"PING"}).string, QByteArray("PONG"));
    }

    void aclUserLackingACommandIsNoPermission()
    {
        TestRedisServer redis;
        QVERIFY(redis.start());
        QCOMPARE(
            redis.command({"ACL", "SETUSER", "reader", "on", ">reader-pw", "~*", "+get", "+ping"})
                .string,
            QByteArray("OK"));
        RedisEndpoint reader = redis.endpoint();
        reader.user = QStringLiteral("reader");
        reader.password = QStringLiteral("reader-pw");
        RedisConnection c(reader);
        QVERIFY2(c.ensureConnected(), qPrintable(c.lastError().message));
        QVERIFY(c.command({"GET", "k"}).isNil());
        const RedisReply r = c.command({"SET", "k", "v"});
        QVERIFY(r.isError());
        QCOMPARE(r.error.kind, RedisError::Kind::NoPermission);
        QVERIFY2(r.error.message.contains(redis.socketPath()), qPrintable(r.error.message));
        QVERIFY(c.isConnected()); // a refusal is not a transport error
        QCOMPARE(c.command({"PING"}).string, QByteArray("PONG"));

        // A user with the right password but disabled is a refused login.
        QCOMPARE(redis.command({"ACL", "SETUSER", "reader", "off"}).string, QByteArray("OK"));
        RedisConnection off(reader);
        QVERIFY(!off.ensureConnected());
        QCOMPARE(off.lastError().kind, RedisError::Kind::AuthFailed);
    }

    void fullServerIsOutOfMemory()
    {
        TestRedisServer redis({QStringLiteral("--maxmemory"), QStringLiteral("1mb"),
                               QStringLiteral("--maxmemory-policy"), QStringLiteral("noeviction")});
        QVERIFY(redis.start());
        RedisConnection c(redis.endpoint());
        const QByteArray big(512 * 1024, 'x');
        RedisReply r;
        for (int i = 0; i < 16; ++i) {
            r = c.command({"SET", "big:" + QByteArray::number(i), big});
            if (r.isError()) break;
        }
        QVERIFY2(r.isError(), "1 MiB of maxmemory took 8 MiB");
        QCOMPARE(r.error.kind, RedisError::Kind::OutOfMemory);
        QVERIFY2(r.error.message.contains(redis.socketPath()), qPrintable(r.error.message));
        QVERIFY(c.isConnected());
        QCOMPARE(c.command({"PING"}).string, QByteArray("PONG"));
    }

    void pipelinedRepliesComeBackInOrder()
    {
        TestRedisServer redis;
        QVERIFY(redis.start());
        RedisConnection c(redis.endpoint());
        const int n = 500;
        for (int i = 0; i < n; ++i) {
            QVERIFY(c.append({"RPUSH", "list", QByteArray::number(i)}));
            QVERIFY(c.append({"LINDEX", "list", QByteArray::number(i)}));
        }
        QVERIFY(c.append({"NO-SUCH-COMMAND"}));
        QVERIFY(c.append({"LLEN", "list"}));
        QCOMPARE(c.pending(), 2 * n + 2);
        for (int i = 0; i < n; ++i) {
            const RedisReply pushed = c.readReply();
            QCOMPARE(pushed.type, RedisReply::Type::Integer);
            QCOMPARE(pushed.integer, i + 1);
            const RedisReply read = c.readReply();
            QCOMPARE(read.string, QByteArray::number(i));
        }
        QCOMPARE(c.readReply().error.kind, RedisError::Kind::ServerError);
        QCOMPARE(c.readReply().integer, n);
        QCOMPARE(c.pending(), 0);

        // A blocking command while replies are pending is refused, not interleaved.
        QVERIFY(c.append({"PING"}));
        QVERIFY(c.command({"PING"}).isError());
    }

    void largeArgumentsAreBinaryExact_data()
    {
        QTest::addColumn<qsizetype>("size");
        QTest::newRow("just under 64 KiB (hiredis buffer)") << qsizetype(64 * 1024 - 1);
        QTest::newRow("64 KiB (sendmsg)") << qsizetype(64 * 1024);
        QTest::newRow("1 MiB + 3 (sendmsg)") << qsizetype(1024 * 1024 + 3);
        QTest::newRow("9 MiB + 1 (sendmsg, many partial writes)") << qsizetype(9 * 1024 * 1024 + 1);
    }

    void largeArgumentsAreBinaryExact()
    {
        QFETCH(qsizetype, size);
        TestRedisServer redis;
        QVERIFY(redis.start());
        RedisConnection c(redis.endpoint());
        const QByteArray a = binaryPayload(size, 7);
        const QByteArray b = binaryPayload(size + 5, 11);

        // Blocking, pipelined, two large arguments in one command, and a large
        // argument after small commands still in flight: order and bytes kept.
        QCOMPARE(c.command({"SET", "a", a}).string, QByteArray("OK"));
        QVERIFY(c.append({"INCR", "counter"}));
        QVERIFY(c.append({"MSET", "b", b, "c", a}));
        QVERIFY(c.append({"SETRANGE", "d", "3", b}));
        QVERIFY(c.append({"INCR", "counter"}));
        QCOMPARE(c.readReply().integer, 1);
        QCOMPARE(c.readReply().string, QByteArray("OK"));
        QCOMPARE(c.readReply().integer, b.size() + 3);
        QCOMPARE(c.readReply().integer, 2);

        const RedisReply ga = c.command({"GET", "a"});
        QCOMPARE(ga.string.size(), a.size());
        QVERIFY(ga.string == a);
        QVERIFY(c.command({"GET", "b"}).string == b);
        QVERIFY(c.command({"GET", "c"}).string == a);
        QVERIFY(c.command({"GET", "d"}).string == QByteArray(3, '\0') + b);
        // Every byte value made the round trip.
        QSet<char> seen;
        for (char ch : ga.string)
            seen.insert(ch);
        QCOMPARE(seen.size(), 256);
    }

    void nextCommandReconnectsAfterServerRestart()
    {
        TestRedisServer redis;
        QVERIFY(redis.start());
        RedisConnection c(redis.endpoint(), {1000, 2000});
        QCOMPARE(c.command({"SET", "k", "before"}).string, QByteArray("OK"));
        QVERIFY(c.isConnected());

        redis.kill();
        // While it is down: a transport error naming the server, never a hang.
        const RedisReply down = c.command({"PING"});
        QVERIFY(down.isError());
        QVERIFY(down.error.isTransport());
        QVERIFY2(down.error.message.contains(redis.socketPath()), qPrintable(down.error.message));
        QVERIFY(!c.isConnected());

        QString error;
        QVERIFY2(redis.start(&error), qPrintable(error)); // same socket path
        const RedisReply up = c.command({"SET", "k", "after"});
        QVERIFY2(!up.isError(), up.string.constData());
        QVERIFY(c.isConnected());
        QCOMPARE(c.command({"GET", "k"}).string, QByteArray("after"));

        // Killed and restarted while the connection looked healthy: the command that
        // meets the dead socket fails as a transport error (it is never resent on its
        // own: it may not be idempotent), and the one after it reconnects.
        redis.kill();
        QVERIFY2(redis.start(&error), qPrintable(error));
        int failures = 0;
        RedisReply r = c.command({"INCR", "n"});
        if (r.isError()) {
            ++failures;
            QVERIFY2(r.error.isTransport(), r.string.constData());
            r = c.command({"INCR", "n"});
        }
        QVERIFY2(!r.isError(), r.string.constData());
        QCOMPARE(r.integer, 1);
        QVERIFY(failures <= 1);
    }

    void testServerDiesWithACrashedTest()
    {
        QProcess child;
        child.start(QStringLiteral(HB_CRASHINGPARENT), {});
        QVERIFY(child.waitForFinished(scaledMs(30000)));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit); // abort()
        const QByteArray out = child.readAllStandardOutput().trimmed();
        bool ok = false;
        const qint64 serverPid = out.toLongLong(&ok);
        QVERIFY2(ok && serverPid > 0, (out + " / " + child.readAllStandardError()).constData());
        const auto noOrphan = qScopeGuard([serverPid] { ::kill(pid_t(serverPid), SIGKILL); });
        QTRY_VERIFY2_WITH_TIMEOUT(
            processGone(serverPid),
            qPrintable(QStringLiteral("redis-server %1 outlived its test").arg(serverPid)),
            scaledMs(5000));
    }
};

QTEST_GUILESS_MAIN(TestRedisConnection)
#include "tst_redisconnection.moc"

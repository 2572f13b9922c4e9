// Resume's takeover (issue 22) against a real redis-server: one compare-and-set on
// the status key, so that of two resumers exactly one wins, a status the owner
// wrote meanwhile or a terminal one is never changed, and an old owner that wakes
// up learns at its next status write that it lost the export.
#include "exportconfig.h"
#include "exportstatus.h"
#include "exporttesting.h"
#include "httpsource.h"
#include "ownerliveness.h"
#include "statuswriter.h"
#include "takeover.h"
#include "testredis.h"

#include <QCoreApplication>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <thread>

using namespace hb;
using namespace hb::test;

namespace {

ExportStatus pendingStatus()
{
    ExportStatus s;
    s.id = newExportId();
    s.state = ExportState::Pending;
    s.owner = QStringLiteral("alice");
    s.source = QStringLiteral("scan.tiff");
    s.bytesTotal = 73400320;
    s.bytesWritten = 36700160;
    s.createdAt = QDateTime::currentDateTimeUtc().addSecs(-60);
    s.updatedAt = QDateTime::currentDateTimeUtc().addSecs(-20); // silent: the owner is gone
    s.segmentBytes = ExporterConfig::defaultSegmentBytes;
    s.ttl = 3600;
    s.host = QStringLiteral("host-gone");
    s.pid = 4242;
    s.bootId = QStringLiteral("boot-old");
    s.pidStart = 777;
    s.ownerToken = newOwnerToken();
    s.fingerprint =
        SourceFingerprint::ofFile(QStringLiteral("scan.tiff"), 73400320, 1764270131, 5, 99, 2049);
    return s;
}

} // namespace

class TstResume : public QObject
{
    Q_OBJECT
private:
    TestRedisServer m_redis;
    KeyLayout m_keys;

    void store(const ExportStatus &s, int ttl = 100)
    {
        QVERIFY(!m_redis
                     .command(
                         {"SET", m_keys.statusKey(s.id), s.toJson(), "EX", QByteArray::number(ttl)})
                     .isError());
    }
    QByteArray stored(const QString &id)
    {
        return m_redis.command({"GET", m_keys.statusKey(id)}).string;
    }
    qint64 pttl(const QString &id)
    {
        return m_redis.command({"PTTL", m_keys.statusKey(id)}).integer;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString err;
        QVERIFY2(m_redis.start(&err), qPrintable(err));
    }
    void init() { m_redis.command({"FLUSHALL"}); }

    void httpSource_fingerprintIsETagLastModifiedAndLength()
    {
        // A one-route server on this thread: HttpSource::open() spins a local event
        // loop, which serves it too.
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost));
        QByteArray headers;
        connect(&server, &QTcpServer::newConnection, &server, [&] {
            QTcpSocket *sock = server.nextPendingConnection();
            connect(sock, &QTcpSocket::readyRead, sock, [sock, &headers] {
                if (!sock->readAll().contains("\r\n\r\n")) return;
                sock->write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n" +
                            headers + "\r\nhello");
                sock->disconnectFromHost();
            });
            connect(sock, &QTcpSocket::disconnected, sock, &QObject::deleteLater);
        });
        const QUrl url(
            QStringLiteral("http://user:pw@127.0.0.1:%1/f.bin").arg(server.serverPort()));
        headers = "ETag: \"v1-abc\"\r\nLast-Modified: Wed, 21 Oct 2026 07:28:00 GMT\r\n";
        {
            HttpSource source(url);
            QVERIFY2(source.open(), qPrintable(source.errorString()));
            const SourceFingerprint fp = source.fingerprint();
            QCOMPARE(fp.kind, SourceFingerprint::Kind::Url);
            QCOMPARE(fp.etag, QStringLiteral("\"v1-abc\""));
            QCOMPARE(fp.lastModified, QStringLiteral("Wed, 21 Oct 2026 07:28:00 GMT"));
            QCOMPARE(fp.size, 5);
            QVERIFY(!fp.name.contains(QLatin1String("pw")));
        }
        headers.clear(); // no validator: nothing tells this version from the next
        {
            HttpSource source(url);
            QVERIFY2(source.open(), qPrintable(source.errorString()));
            QVERIFY(!source.fingerprint().isValid());
        }
    }

    void takeover_ofAGoneOwner_writesTheNewOwnerAndRefreshesTheTtl()
    {
        const ExportStatus read = pendingStatus();
        store(read);
        auto sub = m_redis.connect();
        QVERIFY(sub->ensureConnected());
        QVERIFY(!sub->command({"SUBSCRIBE", m_keys.eventsChannel()}).isError());

        auto conn = m_redis.connect();
        const Takeover takeover(m_keys, stored(read.id), 3600);
        QVERIFY(takeover.isValid());
        const QDateTime before = QDateTime::currentDateTimeUtc();
        const Takeover::Result r = takeover.run(*conn);
        QVERIFY2(r.won(), qPrintable(r.error.message));
        const auto now = ExportStatus::fromJson(stored(read.id));
        QVERIFY(now);
        const ProcessFacts &me = ProcessFacts::self();
        QCOMPARE(now->state, ExportState::Pending);
        QVERIFY(now->ownerToken != read.ownerToken);
        QCOMPARE(now->ownerToken, r.status.ownerToken);
        QCOMPARE(now->host, me.hostName);
        QCOMPARE(now->pid, me.pid);
        QCOMPARE(now->bootId, me.bootId);
        QCOMPARE(now->pidStart, me.pidStart);
        QCOMPARE(now->resumes, 1);
        QVERIFY(now->resumedAt >= before.addMSecs(-1));
        QCOMPARE(now->updatedAt, now->resumedAt);
        // The rest is the export as it was.
        QCOMPARE(now->bytesWritten, read.bytesWritten);
        QCOMPARE(now->fingerprint, read.fingerprint);
        QCOMPARE(now->createdAt, read.createdAt);
        QCOMPARE(now->owner, read.owner);
        QVERIFY2(pttl(read.id) > 3590 * 1000, qPrintable(QString::number(pttl(read.id))));
        // Published as every status change is.
        bool nothing = true;
        const RedisReply msg = sub->readPushed(scaledMs(2000), &nothing);
        QVERIFY(!nothing);
        QCOMPARE(msg.elements.size(), 3);
        QCOMPARE(msg.elements.at(2).string, stored(read.id));

        // A second takeover counts on.
        const Takeover again(m_keys, stored(read.id), 3600);
        QVERIFY(again.run(*conn).won());
        QCOMPARE(ExportStatus::fromJson(stored(read.id))->resumes, 2);
    }

    void takeover_twoResumersRacing_exactlyOneWins()
    {
        const int rounds = 40;
        for (int round = 0; round < rounds; ++round) {
            const ExportStatus read = pendingStatus();
            store(read);
            const QByteArray readJson = stored(read.id);
            auto a = m_redis.connect();
            auto b = m_redis.connect();
            QVERIFY(a->ensureConnected() && b->ensureConnected());
            std::atomic<int> ready{0};
            std::atomic<bool> go{false};
            Takeover::Result ra, rb;
            auto resumer = [&](RedisConnection *conn, Takeover::Result *out) {
                const Takeover t(m_keys, readJson, 3600);
                ++ready;
                while (!go.load())
                    std::this_thread::yield();
                *out = t.run(*conn);
            };
            std::thread ta(resumer, a.get(), &ra);
            std::thread tb(resumer, b.get(), &rb);
            while (ready.load() < 2)
                std::this_thread::yield();
            go = true;
            ta.join();
            tb.join();
            QVERIFY2(ra.outcome != Takeover::Result::Outcome::Error, qPrintable(ra.error.message));
            QVERIFY2(rb.outcome != Takeover::Result::Outcome::Error, qPrintable(rb.error.message));
            QCOMPARE(int(ra.won()) + int(rb.won()), 1);
            const Takeover::Result &winner = ra.won() ? ra : rb;
            const Takeover::Result &loser = ra.won() ? rb : ra;
            const auto now = ExportStatus::fromJson(stored(read.id));
            QVERIFY(now);
            QCOMPARE(now->ownerToken, winner.status.ownerToken);
            QCOMPARE(now->resumes, 1);
            QVERIFY(loser.current);
            QCOMPARE(loser.current->ownerToken, winner.status.ownerToken);
            const QString why = loser.lossText();
            QVERIFY2(why.startsWith(QStringLiteral("taken over by %1/%2 at ")
                                        .arg(ProcessFacts::self().hostName)
                                        .arg(ProcessFacts::self().pid)),
                     qPrintable(why));
        }
    }

    void takeover_neverChangesATerminalStatus_data()
    {
        QTest::addColumn<int>("state");
        QTest::newRow("COMPLETED") << int(ExportState::Completed);
        QTest::newRow("CANCELLED") << int(ExportState::Cancelled);
        QTest::newRow("FAILED") << int(ExportState::Failed);
    }
    void takeover_neverChangesATerminalStatus()
    {
        QFETCH(int, state);
        ExportStatus read = pendingStatus();
        // Read while PENDING; then it ended, with the same token and time: only the
        // script's own state check stands between the takeover and the terminal status.
        ExportStatus ended = read;
        ended.state = ExportState(state);
        ended.settled = true;
        store(ended);
        const QByteArray before = stored(read.id);
        const qint64 ttlBefore = pttl(read.id);
        auto conn = m_redis.connect();
        const Takeover t(m_keys, read.toJson(), 3600);
        QVERIFY(t.isValid());
        const Takeover::Result r = t.run(*conn);
        QCOMPARE(r.outcome, Takeover::Result::Outcome::Lost);
        QCOMPARE(r.currentJson, before);
        QCOMPARE(r.lossText(),
                 QStringLiteral("it is already %1").arg(stateName(ExportState(state))));
        QCOMPARE(stored(read.id), before);
        QVERIFY(pttl(read.id) <= ttlBefore);
        // Nor does a takeover start from a terminal status it read.
        const Takeover fromEnded(m_keys, before, 3600);
        QVERIFY(!fromEnded.isValid());
        QVERIFY(fromEnded.reason().contains(stateName(ExportState(state))));
        QCOMPARE(fromEnded.run(*conn).outcome, Takeover::Result::Outcome::Error);
        QCOMPARE(stored(read.id), before);
    }

    void takeover_losesToAnOwnerThatWroteMeanwhile()
    {
        auto ownerConn = m_redis.connect();
        StatusWriter owner(*ownerConn, m_keys, 3600);
        ExportStatus s = pendingStatus();
        s.state = ExportState::Created;
        QVERIFY(owner.create(s).applied());
        const QByteArray readJson = stored(s.id);
        // The owner was only slow: its heartbeat lands before the takeover.
        s.state = ExportState::Pending;
        s.updatedAt = s.updatedAt.addMSecs(15000);
        QVERIFY(owner.write(s).applied());
        const QByteArray ownerJson = stored(s.id);
        auto conn = m_redis.connect();
        const Takeover::Result r = Takeover(m_keys, readJson, 3600).run(*conn);
        QCOMPARE(r.outcome, Takeover::Result::Outcome::Lost);
        QCOMPARE(stored(s.id), ownerJson);
        QVERIFY2(r.lossText().contains(QLatin1String("host-gone/4242 wrote its status meanwhile")),
                 qPrintable(r.lossText()));
    }

    void oldOwner_learnsAtItsNextWriteThatItLost()
    {
        auto ownerConn = m_redis.connect();
        StatusWriter owner(*ownerConn, m_keys, 3600);
        ExportStatus s = pendingStatus();
        QVERIFY(owner.create(s).applied());
        auto conn = m_redis.connect();
        const Takeover::Result won = Takeover(m_keys, stored(s.id), 3600).run(*conn);
        QVERIFY(won.won());
        const QByteArray taken = stored(s.id);
        // SIGCONT: the old owner's next progress write.
        s.bytesWritten += 1048560;
        s.updatedAt = QDateTime::currentDateTimeUtc();
        const StatusWriter::Result late = owner.write(s);
        QCOMPARE(late.outcome, StatusWriter::Result::Outcome::Conflict);
        QVERIFY(late.current);
        QCOMPARE(late.current->ownerToken, won.status.ownerToken);
        QVERIFY(late.current->ownerToken != s.ownerToken);
        QCOMPARE(stored(s.id), taken);
    }

    // A running export records who owns it at CREATED, and stops at its next status
    // write once another process took it over, writing nothing more (issue 22).
    void runningOwner_recordsItsIdentity_andStopsWhenTakenOver()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = makeRandomFile(dir.path(), QStringLiteral("big.bin"), 8 << 20, 7);
        ExporterConfig cfg;
        cfg.endpoint = m_redis.endpoint();
        cfg.user = QStringLiteral("alice");
        cfg.ttlSeconds = 600;
        cfg.chunkSize = 64 * 1024;
        cfg.bandwidthLimit = 1 << 20; // 8 s for the file: long enough to take it over
        cfg.timeouts = {3000, 10000};
        WritingExport w = startWriting(m_redis, cfg, path);
        QVERIFY(w.started);
        const auto s = ExportStatus::fromJson(stored(w.id));
        QVERIFY(s);
        QCOMPARE(s->ownerToken.size(), 32);
        QCOMPARE(s->bootId, ProcessFacts::self().bootId);
        QCOMPARE(s->pidStart, ProcessFacts::self().pidStart);
        QCOMPARE(s->pid, QCoreApplication::applicationPid());
        QVERIFY(s->fingerprint.isValid());
        QCOMPARE(s->fingerprint, SourceFingerprint::ofPath(path));

        // The owner writes every 250 ms, so a takeover may lose to it: read again.
        auto conn = m_redis.connect();
        Takeover::Result won;
        QVERIFY(QTest::qWaitFor(
            [&] {
                won = Takeover(m_keys, stored(w.id), 600).run(*conn);
                return won.won();
            },
            10000));
        const QByteArray taken = stored(w.id);
        QVERIFY(!w.finished->isEmpty() || w.finished->wait(20000));
        const FinishedExport f = takeFinished(*w.finished);
        QCOMPARE(f.code, ErrorCode::Failed);
        QCOMPARE(f.message, QStringLiteral("export %1 was taken over by %2/%3")
                                .arg(w.id.left(8), won.status.host)
                                .arg(won.status.pid));
        QCOMPARE(stored(w.id), taken); // its status is the taker's, untouched
    }

    void takeover_ofAStatusWrittenBeforeOwnerTokens()
    {
        // A status from a version without ownerToken, bootId or pidStart.
        const QString id = newExportId();
        const QByteArray legacy =
            "{\"id\":\"" + id.toLatin1() +
            "\",\"status\":\"PENDING\",\"owner\":\"bob\",\"source\":\"a.bin\",\"bytesTotal\":10,"
            "\"bytesWritten\":5,\"createdAt\":\"2026-11-27T19:02:11.532Z\",\"updatedAt\":"
            "\"2026-11-27T19:02:12.1Z\",\"sha256\":null,\"error\":null,\"cancelledBy\":null,"
            "\"ttl\":600,\"settled\":false,\"host\":\"h\",\"pid\":1,\"ownerVerified\":false}";
        QVERIFY(!m_redis.command({"SET", m_keys.statusKey(id), legacy, "EX", "100"}).isError());
        auto conn = m_redis.connect();
        // updatedAt "…12.1Z" is compared as stored, not as we would write it.
        const Takeover::Result r = Takeover(m_keys, legacy, 600).run(*conn);
        QVERIFY2(r.won(), qPrintable(r.lossText() + r.error.message));
        const auto now = ExportStatus::fromJson(stored(id));
        QCOMPARE(now->resumes, 1);
        QVERIFY(!now->ownerToken.isEmpty());
        QCOMPARE(now->bytesWritten, 5);
    }

    void takeover_ofAVanishedStatus_saysSo()
    {
        const ExportStatus read = pendingStatus(); // read, then expired
        auto conn = m_redis.connect();
        const Takeover::Result r = Takeover(m_keys, read.toJson(), 3600).run(*conn);
        QCOMPARE(r.outcome, Takeover::Result::Outcome::Lost);
        QVERIFY(r.currentJson.isEmpty());
        QCOMPARE(r.lossText(), QStringLiteral("the export no longer exists"));
        QCOMPARE(m_redis.command({"EXISTS", m_keys.statusKey(read.id)}).integer, 0);
    }
};

QTEST_GUILESS_MAIN(TstResume)
#include "tst_resume.moc"

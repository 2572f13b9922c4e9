// The pieces of an export's run (core/export/exportrun.h) on their own: the outcome
// precedence (Ending), the final status (FinalStatus), the conflict classification,
// the chunk reader, and, against a real redis-server, the held-data check and the
// connection recovery.
#include "chunkreader.h"
#include "connectionrecovery.h"
#include "ending.h"
#include "exporterror.h"
#include "filesource.h"
#include "finalstatus.h"
#include "helddata.h"
#include "statuswriter.h"
#include "testredis.h"

#include <QtTest>

using namespace hb;
using Why = Ending::Why;
using Final = FinalStatus::Final;

namespace {

const QString exportId = QStringLiteral("0b9c1f2e-3d4a-4b5c-8d6e-7f8091a2b3c4");

ExportStatus running(qint64 acked)
{
    ExportStatus s;
    s.id = exportId;
    s.state = ExportState::Completed; // as the run composes it: a snapshot to complete
    s.owner = QStringLiteral("alice");
    s.bytesTotal = -1;
    s.bytesWritten = acked;
    s.segmentBytes = 4;
    return s;
}

ExportStatus stored(ExportState state, const QString &cancelledBy = {})
{
    ExportStatus s = running(0);
    s.state = state;
    s.cancelledBy = cancelledBy;
    s.segmentBytes = 8;
    s.error = state == ExportState::Failed ? QStringLiteral("theirs") : QString();
    return s;
}

SegmentData::Result data(qint64 segments, Failure failure = {})
{
    SegmentData::Result r;
    r.segments = segments;
    r.failure = std::move(failure);
    return r;
}

} // namespace

class TstRunPhases : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void ending_firstReasonStays()
    {
        Ending e;
        QVERIFY(e.running());
        e.add({Why::Failed, ErrorCode::Failed, QStringLiteral("first")});
        e.add({Why::LocalCancel, ErrorCode::Cancelled, QStringLiteral("second")});
        QCOMPARE(e.why, Why::Failed);
        QCOMPARE(e.message, QStringLiteral("first"));
        QVERIFY(!e.running());
    }
    void ending_remoteCancelOutranksLocalOnes()
    {
        Ending e;
        e.add({Why::LocalCancel, ErrorCode::Cancelled, QStringLiteral("cancelled by me")});
        e.add({Why::RemoteCancel, ErrorCode::Cancelled, QStringLiteral("cancelled by bob"), false,
               stored(ExportState::Cancelled, QStringLiteral("bob"))});
        QCOMPARE(e.why, Why::RemoteCancel);
        QCOMPARE(e.foreign.cancelledBy, QStringLiteral("bob"));
        e.add({Why::Failed, ErrorCode::Failed, QStringLiteral("late")});
        QCOMPARE(e.why, Why::RemoteCancel);
    }
    void ending_foreignTerminalOutranksAll()
    {
        Ending e;
        e.add({Why::RemoteCancel, ErrorCode::Cancelled, QStringLiteral("cancelled by bob")});
        e.add({Why::ForeignTerminal, ErrorCode::None, QStringLiteral("theirs")});
        QCOMPARE(e.why, Why::ForeignTerminal);
        e.add({Why::RemoteCancel, ErrorCode::Cancelled, QStringLiteral("again")});
        QCOMPARE(e.why, Why::ForeignTerminal);
        QCOMPARE(e.message, QStringLiteral("theirs"));
    }
    void ending_redisDownSticks()
    {
        Ending e;
        e.add({Why::LocalCancel, ErrorCode::Cancelled, QStringLiteral("mine")});
        e.add({Why::Failed, ErrorCode::Failed, QStringLiteral("down"), true});
        QCOMPARE(e.why, Why::LocalCancel);
        QVERIFY(e.redisDown);
        e.add({Why::ForeignTerminal, ErrorCode::Failed, QStringLiteral("theirs")});
        QCOMPARE(e.why, Why::ForeignTerminal);
        QVERIFY(e.redisDown);
    }
    void ending_ofForeign_data()
    {
        QTest::addColumn<int>("state");
        QTest::addColumn<int>("why");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        QTest::newRow("cancelled") << int(ExportState::Cancelled) << int(Why::RemoteCancel)
                                   << int(ErrorCode::Cancelled) << "cancelled by bob";
        QTest::newRow("completed")
            << int(ExportState::Completed) << int(Why::ForeignTerminal) << int(ErrorCode::None)
            << "another process set the status to COMPLETED";
        QTest::newRow("failed") << int(ExportState::Failed) << int(Why::ForeignTerminal)
                                << int(ErrorCode::Failed)
                                << "another process set the status to FAILED";
        QTest::newRow("pending") << int(ExportState::Pending) << int(Why::Running)
                                 << int(ErrorCode::None) << "";
    }
    void ending_ofForeign()
    {
        QFETCH(int, state);
        QFETCH(int, why);
        QFETCH(int, code);
        QFETCH(QString, message);
        const Ending e = Ending::ofForeign(stored(ExportState(state), QStringLiteral("bob")));
        QCOMPARE(int(e.why), why);
        QCOMPARE(int(e.code), code);
        QCOMPARE(e.message, message);
        if (!e.running()) QCOMPARE(e.foreign.state, ExportState(state));
    }
    // Issue 22: a non-terminal status with another owner token was taken over.
    void ending_ofForeign_takenOverEnds()
    {
        ExportStatus s = stored(ExportState::Pending, QStringLiteral("bob"));
        s.ownerToken = QStringLiteral("b").repeated(32);
        s.host = QStringLiteral("host-b");
        s.pid = 5151;
        const Ending e = Ending::ofForeign(s, QStringLiteral("a").repeated(32));
        QCOMPARE(e.why, Why::ForeignTerminal);
        QCOMPARE(e.code, ErrorCode::Failed);
        QCOMPARE(e.message,
                 QStringLiteral("export %1 was taken over by host-b/5151").arg(exportId.left(8)));
        // Our own token: adopted; a cancel still wins whoever owns it.
        QVERIFY(Ending::ofForeign(s, s.ownerToken).running());
        s.state = ExportState::Cancelled;
        QCOMPARE(Ending::ofForeign(s, QStringLiteral("a").repeated(32)).why, Why::RemoteCancel);
    }
    void ending_ofForeign_unknownStateEnds()
    {
        const auto s = ExportStatus::fromJson(
            QStringLiteral("{\"id\":\"%1\",\"status\":\"PAUSED\"}").arg(exportId).toUtf8());
        QVERIFY(s);
        const Ending e = Ending::ofForeign(*s);
        QCOMPARE(e.why, Why::ForeignTerminal);
        QCOMPARE(e.code, ErrorCode::Failed);
        QCOMPARE(e.message, QStringLiteral("another process set the status to PAUSED"));
    }

    void errors_oneWording()
    {
        QCOMPARE(cancelledByMessage(QStringLiteral("alice")), QStringLiteral("cancelled by alice"));
        QCOMPARE(cancelledByMessage(QStringLiteral("alice"), QStringLiteral("while queued")),
                 QStringLiteral("cancelled by alice while queued"));
        QCOMPARE(deniedOrFailed(ErrorCode::PermissionDenied), ErrorCode::PermissionDenied);
        QCOMPARE(deniedOrFailed(ErrorCode::Redis), ErrorCode::Failed);
        QCOMPARE(deniedOrFailed(ErrorCode::Usage), ErrorCode::Failed);
        const Failure denied =
            Failure::ofExport({RedisError::Kind::NoPermission, QStringLiteral("NOPERM no")});
        QCOMPARE(denied.code, ErrorCode::PermissionDenied);
        QCOMPARE(denied.message, QStringLiteral("NOPERM no"));
        QCOMPARE(Failure::ofExport({RedisError::Kind::OutOfMemory, QStringLiteral("OOM")}).code,
                 ErrorCode::Failed);
    }

    void final_completesWithDigestWhileRunning()
    {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const Final f = FinalStatus::compose({}, running(10), data(3), QStringLiteral("abc"),
                                             QStringLiteral("alice"), now);
        QCOMPARE(f.kind, Final::Kind::ToWrite);
        QCOMPARE(f.code, ErrorCode::None);
        QVERIFY(f.message.isEmpty());
        QCOMPARE(f.status.state, ExportState::Completed);
        QCOMPARE(f.status.sha256, QStringLiteral("abc"));
        QCOMPARE(f.status.bytesTotal, 10); // a stream's size is known at the end
        QCOMPARE(f.status.bytesWritten, 10);
        QCOMPARE(f.status.segments, 3);
        QVERIFY(f.status.settled);
        QCOMPARE(f.status.updatedAt, now);
    }
    void final_localCancelNamesTheUser()
    {
        const Ending e{Why::LocalCancel, ErrorCode::Cancelled, QStringLiteral("cancelled by me")};
        const Final f = FinalStatus::compose(e, running(6), data(2), {}, QStringLiteral("me"),
                                             QDateTime::currentDateTimeUtc());
        QCOMPARE(f.status.state, ExportState::Cancelled);
        QCOMPARE(f.status.cancelledBy, QStringLiteral("me"));
        QVERIFY(f.status.error.isEmpty());
        QVERIFY(f.status.sha256.isEmpty());
        QCOMPARE(f.status.segments, 2);
        QCOMPARE(f.code, ErrorCode::Cancelled);
        QCOMPARE(f.message, QStringLiteral("cancelled by me"));
    }
    void final_localCancelWithLostDataFails()
    {
        const Ending e{Why::LocalCancel, ErrorCode::Cancelled, QStringLiteral("cancelled by me")};
        const Final f = FinalStatus::compose(
            e, running(6), data(0, {ErrorCode::Failed, QStringLiteral("lost")}), {},
            QStringLiteral("me"), QDateTime::currentDateTimeUtc());
        QCOMPARE(f.status.state, ExportState::Failed);
        QVERIFY(f.status.cancelledBy.isEmpty());
        QCOMPARE(f.status.error, QStringLiteral("cancelled by me; lost"));
        QCOMPARE(f.message, f.status.error);
        QCOMPARE(f.code, ErrorCode::Cancelled); // the exit code stays the ending's
    }
    void final_failureSaysWhyAndWhatWasLost()
    {
        const Ending e{Why::Failed, ErrorCode::PermissionDenied, QStringLiteral("NOPERM")};
        Final f = FinalStatus::compose(e, running(6), data(1), {}, QStringLiteral("me"),
                                       QDateTime::currentDateTimeUtc());
        QCOMPARE(f.status.state, ExportState::Failed);
        QCOMPARE(f.status.error, QStringLiteral("NOPERM"));
        QCOMPARE(f.code, ErrorCode::PermissionDenied);
        f = FinalStatus::compose(e, running(6),
                                 data(0, {ErrorCode::Failed, QStringLiteral("lost")}), {},
                                 QStringLiteral("me"), QDateTime::currentDateTimeUtc());
        QCOMPARE(f.status.error, QStringLiteral("NOPERM; lost"));
    }
    void final_remoteCancelWritesTheCancellersStatusWithOurData()
    {
        const ExportStatus theirs = stored(ExportState::Cancelled, QStringLiteral("bob"));
        const Ending e{Why::RemoteCancel, ErrorCode::Cancelled, QStringLiteral("cancelled by bob"),
                       false, theirs};
        const Final f = FinalStatus::compose(e, running(7), data(2), {}, QStringLiteral("me"),
                                             QDateTime::currentDateTimeUtc());
        QCOMPARE(f.status.state, ExportState::Cancelled);
        QCOMPARE(f.status.cancelledBy, QStringLiteral("bob"));
        QCOMPARE(f.status.segmentBytes, 8); // theirs
        QCOMPARE(f.status.bytesWritten, 7); // ours
        QCOMPARE(f.status.segments, 2);
        QVERIFY(f.status.settled);
        QCOMPARE(f.message, QStringLiteral("cancelled by bob"));
        // With the data lost, a remote cancel still stands, and says so.
        const Final lost = FinalStatus::compose(
            e, running(7), data(0, {ErrorCode::Failed, QStringLiteral("gone")}), {},
            QStringLiteral("me"), QDateTime::currentDateTimeUtc());
        QCOMPARE(lost.status.state, ExportState::Cancelled);
        QCOMPARE(lost.message, QStringLiteral("cancelled by bob; gone"));
    }
    void final_verificationFailure()
    {
        QVERIFY(!FinalStatus::verificationFailure({}, QStringLiteral("abc"), {}));
        const Failure held = FinalStatus::verificationFailure(
            {ErrorCode::PermissionDenied, QStringLiteral("NOPERM")}, {}, QStringLiteral("evp"));
        QCOMPARE(held.code, ErrorCode::PermissionDenied);
        QCOMPARE(held.message, QStringLiteral("NOPERM"));
        const Failure hash = FinalStatus::verificationFailure({}, {}, QStringLiteral("evp"));
        QCOMPARE(hash.code, ErrorCode::Failed);
        QCOMPARE(hash.message, QStringLiteral("evp"));
    }
    void final_terminalRetriesChangeWhatIsWritten()
    {
        Final f = FinalStatus::compose({}, running(5), data(2), QStringLiteral("abc"),
                                       QStringLiteral("me"), QDateTime::currentDateTimeUtc());
        FinalStatus::statusVanished(f, QStringLiteral("the status key vanished"));
        QCOMPARE(f.status.state, ExportState::Failed);
        QVERIFY(f.status.sha256.isEmpty());
        QCOMPARE(f.code, ErrorCode::Failed);
        QCOMPARE(f.status.error, QStringLiteral("the status key vanished"));

        const Ending cancel{Why::LocalCancel, ErrorCode::Cancelled, QStringLiteral("c")};
        Final c = FinalStatus::compose(cancel, running(5), data(2), {}, QStringLiteral("me"),
                                       QDateTime::currentDateTimeUtc());
        FinalStatus::statusVanished(c, QStringLiteral("gone"));
        QCOMPARE(c.status.state, ExportState::Cancelled); // only a COMPLETED becomes FAILED

        FinalStatus::dataDiscarded(c, QStringLiteral("OOM"));
        QCOMPARE(c.status.state, ExportState::Cancelled);
        QCOMPARE(c.status.bytesWritten, 0);
        QCOMPARE(c.status.segments, 0);
        Final d = FinalStatus::compose({}, running(5), data(2), QStringLiteral("abc"),
                                       QStringLiteral("me"), QDateTime::currentDateTimeUtc());
        FinalStatus::dataDiscarded(d, QStringLiteral("OOM command not allowed"));
        QCOMPARE(d.status.state, ExportState::Failed);
        QCOMPARE(d.code, ErrorCode::Failed);
        QCOMPARE(d.message, QStringLiteral("OOM command not allowed; the 5 bytes written were "
                                           "discarded to free memory"));
        QCOMPARE(d.status.error, d.message);
        QCOMPARE(d.status.bytesWritten, 0);

        const ExportStatus ours = running(9);
        const ExportStatus theirs = stored(ExportState::Cancelled, QStringLiteral("bob"));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const ExportStatus merged = FinalStatus::cancelledFirst(ours, theirs, now);
        QCOMPARE(merged.cancelledBy, QStringLiteral("bob"));
        QCOMPARE(merged.bytesWritten, 9);
        QCOMPARE(merged.segments, ours.segments);
        QVERIFY(merged.settled);
        QCOMPARE(merged.updatedAt, now);
    }

    void conflict_classifiesWhatIsStored()
    {
        const QString vanished = QStringLiteral("the status key vanished here");
        StatusWriter::Result r = StatusWriter::conflict({}, exportId, vanished);
        QCOMPARE(r.outcome, StatusWriter::Result::Outcome::Conflict);
        QVERIFY(!r.current);
        QCOMPARE(r.problem, vanished);

        r = StatusWriter::conflict("{not json", exportId, vanished);
        QVERIFY(!r.current);
        QVERIFY2(r.problem.startsWith(
                     QLatin1String("the status key was overwritten with something unreadable (")),
                 qPrintable(r.problem));
        QCOMPARE(r.currentJson, QByteArray("{not json"));

        ExportStatus other = stored(ExportState::Pending);
        other.id = QStringLiteral("11111111-2222-4333-8444-555555555555");
        r = StatusWriter::conflict(other.toJson(), exportId, vanished);
        QVERIFY(!r.current);
        QCOMPARE(r.problem, QStringLiteral("the status key was overwritten with another export's"));

        const ExportStatus mine = stored(ExportState::Cancelled, QStringLiteral("bob"));
        r = StatusWriter::conflict(mine.toJson(), exportId, vanished);
        QVERIFY(r.current);
        QCOMPARE(r.current->cancelledBy, QStringLiteral("bob"));
        QVERIFY(r.problem.isEmpty());
    }

    void backoff_keepsTheReconnectFigures()
    {
        // base = min(2000, 100 << min(n - 1, 5)), the delay base/2 + random(base).
        Backoff b(ConnectionRecovery::firstDelayMs, ConnectionRecovery::maxDelayMs);
        for (int n = 1; n <= 10; ++n) {
            const int base = std::min(2000, 100 << std::min(n - 1, 5));
            const int delay = b.next();
            QVERIFY2(delay >= base / 2 && delay < base / 2 + base,
                     qPrintable(QStringLiteral("attempt %1: %2 ms").arg(n).arg(delay)));
            QCOMPARE(b.attempts(), n);
        }
    }

    void chunkReader_hashesEveryByteOnceAcrossASeek()
    {
        QTemporaryDir dir;
        const QString path = test::makeRandomFile(dir.path(), QStringLiteral("src"), 10000, 7);
        BandwidthBudget budget;
        ChunkReader reader(std::make_unique<FileSource>(path), budget, 4096, [] { return false; });
        QVERIFY(reader.open());
        QCOMPARE(reader.size(), 10000);
        QCOMPARE(reader.nextChunkSize(), 4096);
        bool error = false;
        qint64 at = 0;
        while (at < 6000) {
            const QByteArray chunk = reader.read(at, 2000, &error);
            QVERIFY(!error);
            at += chunk.size();
        }
        QCOMPARE(at, 6000);
        // A failover lost a segment: read again from 4000, hashed only once.
        QVERIFY(reader.seek(4000));
        at = 4000;
        while (!reader.atEnd()) {
            const QByteArray chunk = reader.read(at, 3000, &error);
            QVERIFY(!error);
            at += chunk.size();
        }
        QCOMPARE(at, 10000);
        QCOMPARE(reader.finishHash().toLatin1(), test::sha256OfFile(path));
        reader.close();
    }
    void chunkReader_throttledChunksAreAnEighthOfASecond()
    {
        BandwidthBudget budget(80000);
        QTemporaryDir dir;
        const QString path = test::makeRandomFile(dir.path(), QStringLiteral("src"), 100);
        ChunkReader reader(std::make_unique<FileSource>(path), budget, 65536, [] { return false; });
        QCOMPARE(reader.nextChunkSize(), 10000);
        budget.setRate(4000);
        QCOMPARE(reader.nextChunkSize(), 1024); // never below 1 KiB
        budget.setRate(0);
        QCOMPARE(reader.nextChunkSize(), 65536);
    }
    void chunkReader_stopsWhenKilled()
    {
        QTemporaryDir dir;
        const QString path = test::makeRandomFile(dir.path(), QStringLiteral("src"), 5000);
        BandwidthBudget budget;
        ChunkReader reader(std::make_unique<FileSource>(path), budget, 4096, [] { return true; });
        QVERIFY(reader.open());
        bool error = false;
        QVERIFY(reader.read(0, 4096, &error).isEmpty());
        QVERIFY(!error);
    }

    void heldData_lengthsAndLongestExactPrefix()
    {
        test::TestRedisServer server;
        QString why;
        QVERIFY2(server.start(&why), qPrintable(why));
        const KeyLayout keys;
        const auto conn = server.connect();
        // Segments of 4 bytes: :0 full, :1 short (a failover lost its end), :2 full.
        QVERIFY(!server.command({"SET", keys.segmentKey(exportId, 0), "abcd"}).isError());
        QVERIFY(!server.command({"SET", keys.segmentKey(exportId, 1), "ef"}).isError());
        QVERIFY(!server.command({"SET", keys.segmentKey(exportId, 2), "ijkl"}).isError());
        const HeldData::Check c = HeldData::check(*conn, keys, exportId, 4, 12, -1, 60);
        QVERIFY2(!c.failure, qPrintable(c.failure.message));
        QCOMPARE(c.lengths, (QList<qint64>{4, 2, 4}));
        QCOMPARE(c.exactPrefix, 4);
        QCOMPARE(c.segments, 1);
        // Every key checked got its data TTL again (ttl + margin).
        for (qint64 k = 0; k < 3; ++k) {
            const qint64 pttl = server.command({"PTTL", keys.segmentKey(exportId, k)}).integer;
            QVERIFY2(pttl > 60000 && pttl <= dataTtlMs(60), qPrintable(QString::number(pttl)));
        }
        // Expecting only the first 6 bytes: all there.
        const HeldData::Check prefix = HeldData::check(*conn, keys, exportId, 4, 6, -1, 60);
        QCOMPARE(prefix.exactPrefix, 6);
        QCOMPARE(prefix.segments, 2);
        // An export that fits one segment is the single key.
        QVERIFY(!server.command({"SET", keys.dataKey(exportId), "xyz"}).isError());
        const HeldData::Check single = HeldData::check(*conn, keys, exportId, 4, 3, 3, 60);
        QCOMPARE(single.lengths, (QList<qint64>{3}));
        QCOMPARE(single.exactPrefix, 3);
        // Nothing held: the prefix is empty.
        QVERIFY(!server.command({"DEL", keys.segmentKey(exportId, 0)}).isError());
        QCOMPARE(HeldData::check(*conn, keys, exportId, 4, 12, -1, 60).exactPrefix, 0);
        // A broken connection is told apart from a refusal.
        server.kill();
        const HeldData::Check broken = HeldData::check(*conn, keys, exportId, 4, 12, -1, 60);
        QVERIFY(broken.failure);
        QVERIFY(broken.transport);
        QVERIFY(broken.lengths.isEmpty());
    }

    void recovery_resyncsOnAFreshConnection()
    {
        test::TestRedisServer server;
        QString why;
        QVERIFY2(server.start(&why), qPrintable(why));
        RedisConnection conn(server.endpoint(), {2000, 5000});
        QVERIFY(conn.ensureConnected());
        ConnectionRecovery recovery(conn, exportId, 3, [] { return false; });
        int resyncs = 0;
        const ConnectionRecovery::Hooks hooks{
            [] { QFAIL("not killed"); },
            [&](RedisError &last) {
                ++resyncs;
                if (resyncs == 1) {
                    last = {RedisError::Kind::ConnectionLost, QStringLiteral("again")};
                    return ConnectionRecovery::Resync::Retry;
                }
                return ConnectionRecovery::Resync::Resumed;
            }};
        const auto out = recovery.recover(
            {RedisError::Kind::ConnectionLost, QStringLiteral("reset")}, false, 0, hooks);
        QVERIFY(out.reconnected());
        QCOMPARE(resyncs, 2);
        QVERIFY(conn.isConnected());
        QVERIFY(!out.failure);
    }
    void recovery_givesUpAfterMaxReconnects()
    {
        test::TestRedisServer server;
        QString why;
        QVERIFY2(server.start(&why), qPrintable(why));
        RedisConnection conn(server.endpoint(), {500, 1000});
        server.stop();
        ConnectionRecovery recovery(conn, exportId, 2, [] { return false; });
        bool resynced = false;
        const ConnectionRecovery::Hooks hooks{{}, [&](RedisError &) {
                                                  resynced = true;
                                                  return ConnectionRecovery::Resync::Resumed;
                                              }};
        QElapsedTimer t;
        t.start();
        const auto out = recovery.recover(
            {RedisError::Kind::ConnectionLost, QStringLiteral("reset")}, false, 0, hooks);
        QCOMPARE(out.kind, ConnectionRecovery::Outcome::Kind::GaveUp);
        QVERIFY(!resynced);
        QCOMPARE(out.failure.code, ErrorCode::Failed);
        QVERIFY2(out.failure.message.endsWith(QLatin1String("(gave up after 2 reconnects)")),
                 qPrintable(out.failure.message));
        QVERIFY2(t.elapsed() >= 50 + 100, qPrintable(QString::number(t.elapsed()))); // waited
        // The attempts count on until the acknowledged offset moves.
        QCOMPARE(
            recovery
                .recover({RedisError::Kind::ConnectionLost, QStringLiteral("x")}, false, 0, hooks)
                .kind,
            ConnectionRecovery::Outcome::Kind::GaveUp);
    }
    void recovery_aSilentSingleServerIsNotWaitedFor()
    {
        test::TestRedisServer server;
        QString why;
        QVERIFY2(server.start(&why), qPrintable(why));
        RedisConnection conn(server.endpoint(), {2000, 5000});
        ConnectionRecovery recovery(conn, exportId, 5, [] { return false; });
        QVERIFY(!recovery.failsOver()); // one server, no sentinels, no cluster
        QVERIFY(conn.ensureConnected());
        QVERIFY(!recovery.newMaster());
        const ConnectionRecovery::Hooks hooks{
            {}, [](RedisError &) { return ConnectionRecovery::Resync::Resumed; }};
        const auto out = recovery.recover({RedisError::Kind::Timeout, QStringLiteral("timed out")},
                                          false, 0, hooks);
        QCOMPARE(out.kind, ConnectionRecovery::Outcome::Kind::Unanswered);
        QCOMPARE(out.failure.message, QStringLiteral("timed out"));
        // Where a failover can come, it is waited for.
        const auto failover = recovery.recover(
            {RedisError::Kind::Timeout, QStringLiteral("timed out")}, true, 0, hooks);
        QVERIFY(failover.reconnected());
    }
    void recovery_tellsOfAKillDuringTheWait()
    {
        test::TestRedisServer server;
        QString why;
        QVERIFY2(server.start(&why), qPrintable(why));
        RedisConnection conn(server.endpoint(), {2000, 5000});
        ConnectionRecovery recovery(conn, exportId, 3, [] { return true; });
        int killedCalls = 0;
        const ConnectionRecovery::Hooks hooks{
            [&] { ++killedCalls; }, [](RedisError &) { return ConnectionRecovery::Resync::Stop; }};
        const auto out = recovery.recover(
            {RedisError::Kind::ConnectionLost, QStringLiteral("reset")}, false, 0, hooks);
        QCOMPARE(out.kind, ConnectionRecovery::Outcome::Kind::Stopped);
        QCOMPARE(killedCalls, 1);
        QVERIFY(!out.failure);
    }
};

QTEST_GUILESS_MAIN(TstRunPhases)
#include "tst_runphases.moc"

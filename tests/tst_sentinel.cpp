// Exports through Redis Sentinel (CONTRACT §6, §9): the master is asked of the
// sentinels, and an export that is under way when the master fails over goes on
// on the new master and completes byte-exact, even where the failover lost writes
// the old master had acknowledged.
#include "clirun.h"
#include "exportdata.h"
#include "exporter.h"
#include "exportmonitor.h"
#include "exporttesting.h"
#include "testsentinel.h"

#include <QProcess>
#include <QSignalSpy>
#include <QtTest>

#include <atomic>
#include <csignal>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace hb;
using namespace hb::test;

namespace {

// Counts the exporter's "rewriting from offset" warnings: proof that a rewrite ran.
std::atomic<int> rewrites{0};
QtMessageHandler previousHandler = nullptr;
void countRewrites(QtMsgType type, const QMessageLogContext &ctx, const QString &msg)
{
    if (msg.contains(QLatin1String("rewriting from offset"))) ++rewrites;
    if (previousHandler) previousHandler(type, ctx, msg);
}

qint64 bytesWrittenOn(TestRedisServer &server, const ExporterConfig &cfg, const QString &id)
{
    const auto s = ExportStatus::fromJson(server.command({"GET", cfg.keys.statusKey(id)}).string);
    return s ? s->bytesWritten : -1;
}

} // namespace

class TstSentinel : public QObject
{
    Q_OBJECT

    QTemporaryDir m_files;

    ExporterConfig config(const TestSentinelGroup &group) const
    {
        ExporterConfig c;
        c.endpoint = group.endpoint();
        c.user = QStringLiteral("alice");
        c.ttlSeconds = 600;
        c.chunkSize = 256 * 1024;
        c.timeouts = {5000, 10000};
        return c;
    }

private Q_SLOTS:
    void initTestCase()
    {
        previousHandler = qInstallMessageHandler(countRewrites);
        // A FIFO's writer outlives the export that stops reading it: EPIPE, not death.
        std::signal(SIGPIPE, SIG_IGN);
        QVERIFY(m_files.isValid());
    }

    void sentinel_namesTheMasterAndTheExportLandsThere()
    {
        TestSentinelGroup group;
        QString err;
        QVERIFY2(group.start(&err), qPrintable(err));
        const QString path =
            makeRandomFile(m_files.path(), QStringLiteral("small.bin"), 3 * 1024 * 1024 + 5, 11);
        const ExporterConfig cfg = config(group);
        Exporter exporter(cfg, nullptr);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        const QString id = exporter.startExport(path);
        QVERIFY(finished.wait(scaledMs(60000)));
        const FinishedExport f = takeFinished(finished);
        QVERIFY2(f.status.state == ExportState::Completed, qPrintable(f.message));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(sha256Of(readExportData(group.original(), id)), sha256Of(file.readAll()));
        QCOMPARE(group.portOf(*group.currentMaster()), group.portOf(group.original()));
    }

    void sentinel_unknownMasterNameIsAClearError()
    {
        TestSentinelGroup group;
        QString err;
        QVERIFY2(group.start(&err), qPrintable(err));
        RedisEndpoint ep = group.endpoint();
        ep.masterName = QStringLiteral("nosuchmaster");
        RedisConnection conn(ep, {1000, 2000});
        QElapsedTimer t;
        t.start();
        QVERIFY(!conn.ensureConnected());
        QVERIFY2(conn.lastError().message.contains(QLatin1String("nosuchmaster")),
                 qPrintable(conn.lastError().message));
        QVERIFY2(t.elapsed() < scaledMs(10000), "gave up within its connect timeout");
    }

    void sentinel_failoverMidExportCompletesExactOnTheNewMaster()
    {
        TestSentinelGroup group;
        QString err;
        QVERIFY2(group.start(&err), qPrintable(err));
        const qint64 size = 24 * 1024 * 1024 + 123;
        const QString path =
            makeRandomFile(m_files.path(), QStringLiteral("failover.bin"), size, 12);
        ExporterConfig cfg = config(group);
        cfg.bandwidthLimit = 6 * 1024 * 1024; // about 4 s: the failover lands in the middle
        Exporter exporter(cfg, nullptr);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        const QString id = exporter.startExport(path);
        QTRY_VERIFY_WITH_TIMEOUT(bytesWrittenOn(group.original(), cfg, id) >= 4 * 1024 * 1024,
                                 scaledMs(30000));
        const RedisReply r = group.sentinelCommand({"SENTINEL", "FAILOVER", group.masterName});
        QVERIFY2(!r.isError(), r.string.constData());
        QVERIFY(group.waitForMaster(group.replica(), scaledMs(30000)));
        QVERIFY(finished.isEmpty() || bytesWrittenOn(group.replica(), cfg, id) < size);
        QVERIFY(finished.wait(scaledMs(90000)) || !finished.isEmpty());
        const FinishedExport f = takeFinished(finished);
        QVERIFY2(f.status.state == ExportState::Completed, qPrintable(f.message));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray all = file.readAll();
        const QByteArray want = sha256Of(all);
        QCOMPARE(sha256Of(readExportData(group.replica(), id)), want);
        const auto stored =
            ExportStatus::fromJson(group.replica().command({"GET", cfg.keys.statusKey(id)}).string);
        QVERIFY(stored);
        QCOMPARE(stored->state, ExportState::Completed);
        QCOMPARE(stored->sha256.toLatin1(), want);
    }

    // Issue 22: a CLI export killed with SIGKILL, a failover while it lies there,
    // then `resume`: it continues on the new master from what that one holds (the
    // replica may lack the last writes the old master took) and completes exactly.
    void sentinel_resumeAfterKillAndFailover_completesExactOnTheNewMaster()
    {
        TestSentinelGroup group;
        QString err;
        QVERIFY2(group.start(&err), qPrintable(err));
        const qint64 size = 24 * 1024 * 1024 + 7;
        const QString path = makeRandomFile(m_files.path(), QStringLiteral("resume.bin"), size, 17);
        const QString cli = builtExecutable(QStringLiteral("hbexporter-cli"));
        const QProcessEnvironment env = cliEnvironment(group.url());
        QProcess owner;
        owner.setProcessEnvironment(env);
        owner.start(cli, {QStringLiteral("export"), path, QStringLiteral("--bwlimit"),
                          QStringLiteral("6M")});
        QTRY_VERIFY_WITH_TIMEOUT(owner.canReadLine(), scaledMs(30000));
        const QString id = QString::fromLatin1(owner.readLine().trimmed());
        const ExporterConfig cfg = config(group);
        QTRY_VERIFY_WITH_TIMEOUT(bytesWrittenOn(group.original(), cfg, id) >= size / 3,
                                 scaledMs(30000));
        QVERIFY(signalProcess(owner, SIGKILL));
        QVERIFY(owner.waitForFinished(scaledMs(10000)));
        const RedisReply r = group.sentinelCommand({"SENTINEL", "FAILOVER", group.masterName});
        QVERIFY2(!r.isError(), r.string.constData());
        QVERIFY(group.waitForMaster(group.replica(), scaledMs(30000)));
        const CliRun resumed = runCli(cli, {QStringLiteral("resume"), id, path}, env);
        QVERIFY2(resumed.code == 0, resumed.err.constData());
        const auto stored =
            ExportStatus::fromJson(group.replica().command({"GET", cfg.keys.statusKey(id)}).string);
        QVERIFY(stored);
        QCOMPARE(stored->state, ExportState::Completed);
        QCOMPARE(stored->resumes, 1);
        QCOMPARE(stored->sha256.toLatin1(), sha256OfFile(path));
        QCOMPARE(sha256Of(readExportData(group.replica(), id)), sha256OfFile(path));
    }

    void sentinel_monitorFollowsTheFailover()
    {
        TestSentinelGroup group;
        QString err;
        QVERIFY2(group.start(&err), qPrintable(err));
        ExportMonitor::Options opts;
        opts.rescanMs = 60000; // events, not rescans, must bring the news
        ExportMonitor monitor(group.endpoint(), KeyLayout(), opts);
        QSignalSpy updates(&monitor, &ExportMonitor::exportUpdated);
        monitor.start();
        QTRY_VERIFY_WITH_TIMEOUT(monitor.isConnected(), scaledMs(30000));
        const ExporterConfig cfg = config(group);
        auto exportOne = [&](const QString &name) {
            Exporter exporter(cfg, nullptr);
            QSignalSpy finished(&exporter, &Exporter::exportFinished);
            const QString id = exporter.startExport(
                makeRandomFile(m_files.path(), name, 70000, quint32(name.size())));
            if (!finished.wait(scaledMs(60000))) return QString();
            return takeFinished(finished).status.state == ExportState::Completed ? id : QString();
        };
        auto seen = [&](const QString &id) {
            for (const QList<QVariant> &u : std::as_const(updates))
                if (u[0].value<ExportStatus>().id == id &&
                    u[0].value<ExportStatus>().state == ExportState::Completed)
                    return true;
            return false;
        };
        const QString before = exportOne(QStringLiteral("before.bin"));
        QVERIFY(!before.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(seen(before), scaledMs(10000));
        const RedisReply r = group.sentinelCommand({"SENTINEL", "FAILOVER", group.masterName});
        QVERIFY2(!r.isError(), r.string.constData());
        QVERIFY(group.waitForMaster(group.replica(), scaledMs(30000)));
        const QString after = exportOne(QStringLiteral("after-the-failover.bin"));
        QVERIFY(!after.isEmpty());
        QCOMPARE(group.currentMaster(), &group.replica());
        QTRY_VERIFY_WITH_TIMEOUT(seen(after), scaledMs(30000));
    }

    void sentinel_failoverThatLostAcknowledgedWritesRewritesThem()
    {
        TestSentinelGroup group;
        QString err;
        QVERIFY2(group.start(&err), qPrintable(err));
        const qint64 size = 40 * 1024 * 1024 + 77;
        const QString path = makeRandomFile(m_files.path(), QStringLiteral("lost.bin"), size, 13);
        ExporterConfig cfg = config(group);
        cfg.bandwidthLimit = 8 * 1024 * 1024;
        Exporter exporter(cfg, nullptr);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        const QString id = exporter.startExport(path);
        QTRY_VERIFY_WITH_TIMEOUT(bytesWrittenOn(group.original(), cfg, id) >= 2 * 1024 * 1024,
                                 scaledMs(30000));
        // The replica stops taking the stream; the master goes on acknowledging. The
        // kernel's socket buffers take up to about 10 MiB of the stream for the sleeping
        // replica; past that, the master's 1 MiB output-buffer limit cuts it off.
        group.replica().pause();
        QTRY_VERIFY_WITH_TIMEOUT(bytesWrittenOn(group.original(), cfg, id) >= 26 * 1024 * 1024,
                                 scaledMs(30000));
        const int rewritesBefore = rewrites.load();
        group.original().kill();
        group.replica().resume();
        // The replica, promoted, lacks what the master acknowledged while it slept.
        QVERIFY(group.waitForMaster(group.replica(), scaledMs(60000)));
        QVERIFY(finished.wait(scaledMs(120000)) || !finished.isEmpty());
        const FinishedExport f = takeFinished(finished);
        QVERIFY2(f.status.state == ExportState::Completed, qPrintable(f.message));
        QVERIFY2(rewrites.load() > rewritesBefore, "the lost segments were found and rewritten");
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray want = sha256Of(file.readAll());
        QCOMPARE(sha256Of(readExportData(group.replica(), id)), want);
        const auto stored =
            ExportStatus::fromJson(group.replica().command({"GET", cfg.keys.statusKey(id)}).string);
        QVERIFY(stored);
        QCOMPARE(stored->state, ExportState::Completed);
        QCOMPARE(stored->bytesWritten, size);
        QCOMPARE(stored->sha256.toLatin1(), want);
    }

    void sentinel_lostWritesOfAStreamEndFailedSayingItCannotBeReadAgain()
    {
        TestSentinelGroup group;
        QString err;
        QVERIFY2(group.start(&err), qPrintable(err));
        const QString fifo = m_files.filePath(QStringLiteral("stream.fifo"));
        QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
        const QString source =
            makeRandomFile(m_files.path(), QStringLiteral("stream.bin"), 40 * 1024 * 1024, 14);
        ExporterConfig cfg = config(group);
        cfg.bandwidthLimit = 8 * 1024 * 1024;
        Exporter exporter(cfg, nullptr);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        const QString id = exporter.startExport(fifo);
        std::atomic<bool> stop{false};
        std::thread writer([&] {
            QFile in(source);
            const int out = ::open(QFile::encodeName(fifo).constData(), O_WRONLY | O_CLOEXEC);
            if (!in.open(QIODevice::ReadOnly) || out < 0) return;
            while (!in.atEnd() && !stop) {
                const QByteArray piece = in.read(64 * 1024);
                if (::write(out, piece.constData(), size_t(piece.size())) < 0) break; // EPIPE
            }
            ::close(out);
        });
        auto joinWriter = qScopeGuard([&] {
            stop = true;
            // Unblock a writer still waiting for a reader to open the FIFO.
            const int unblock = ::open(QFile::encodeName(fifo).constData(), O_RDONLY | O_NONBLOCK);
            writer.join();
            if (unblock >= 0) ::close(unblock);
        });
        QTRY_VERIFY_WITH_TIMEOUT(bytesWrittenOn(group.original(), cfg, id) >= 2 * 1024 * 1024,
                                 scaledMs(30000));
        group.replica().pause();
        QTRY_VERIFY_WITH_TIMEOUT(bytesWrittenOn(group.original(), cfg, id) >= 26 * 1024 * 1024,
                                 scaledMs(30000));
        group.original().kill();
        group.replica().resume();
        QVERIFY(group.waitForMaster(group.replica(), scaledMs(60000)));
        QVERIFY(finished.wait(scaledMs(120000)) || !finished.isEmpty());
        const FinishedExport f = takeFinished(finished);
        QCOMPARE(f.status.state, ExportState::Failed);
        QVERIFY2(f.message.contains(QLatin1String("cannot be read again")), qPrintable(f.message));
        // The new master holds the FAILED status, with the reason.
        const auto stored =
            ExportStatus::fromJson(group.replica().command({"GET", cfg.keys.statusKey(id)}).string);
        QVERIFY(stored);
        QCOMPARE(stored->state, ExportState::Failed);
    }
};

QTEST_GUILESS_MAIN(TstSentinel)
#include "tst_sentinel.moc"

// Issue #4: every export on the server seen live, remote cancel, URL sources.
#include "exportdata.h"
#include "exporter.h"
#include "exporterror.h"
#include "exportmonitor.h"
#include "exportstore.h"
#include "httpsource.h"
#include "httptestserver.h"
#include "logging.h"
#include "permissions.h"
#include "statusfill.h"
#include "testredis.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <mutex>

using namespace hb;
using namespace hb::test;

namespace {

// Every log line, so a test can check credentials never reach the log.
std::mutex g_logMutex;
QStringList g_log;
QtMessageHandler g_previousHandler = nullptr;
void captureLog(QtMsgType type, const QMessageLogContext &ctx, const QString &msg)
{
    {
        std::lock_guard<std::mutex> lock(g_logMutex);
        g_log.append(msg);
    }
    if (g_previousHandler) g_previousHandler(type, ctx, msg);
}

struct Finished
{
    ExportStatus status;
    ErrorCode code = ErrorCode::None;
    QString message;
    bool seen = false;
};

Finished finishedOf(const QSignalSpy &spy, const QString &id)
{
    for (const QList<QVariant> &args : spy) {
        if (args.at(0).toString() == id)
            return {args.at(1).value<ExportStatus>(), args.at(2).value<ErrorCode>(),
                    args.at(3).toString(), true};
    }
    return {};
}

bool hasFinished(const QSignalSpy &spy, const QString &id)
{
    return finishedOf(spy, id).seen;
}

} // namespace

class TestMonitor final : public QObject
{
    Q_OBJECT

private:
    TestRedisServer m_redis;
    QTemporaryDir m_dir;

    ExporterConfig config(const QString &user) const
    {
        ExporterConfig c;
        c.endpoint = m_redis.endpoint();
        c.user = user;
        c.chunkSize = 256 * 1024;
        return c;
    }
    QByteArray dataOf(const QString &id) { return readExportData(m_redis, id); }
    std::optional<ExportStatus> statusOf(const QString &id)
    {
        return ExportStatus::fromJson(m_redis.command({"GET", KeyLayout().statusKey(id)}).string);
    }
    static std::shared_ptr<const PermissionsService> perms(const QByteArray &json)
    {
        QString error;
        std::shared_ptr<const PermissionsService> p =
            FilePermissions::fromJson(json, QStringLiteral("test"), &error);
        if (!p) qFatal("bad permissions in test: %s", qPrintable(error));
        return p;
    }
    // Exports a URL and waits for its end.
    Finished exportUrl(Exporter &exporter, const QString &url, QString *id)
    {
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        *id = exporter.startExport(url);
        if (!QTest::qWaitFor([&] { return hasFinished(finished, *id); }, 120000)) return {};
        return finishedOf(finished, *id);
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<hb::ExportStatus>();
        QString error;
        QVERIFY2(m_redis.start(&error), qPrintable(error));
        QVERIFY(m_dir.isValid());
        g_previousHandler = qInstallMessageHandler(captureLog);
    }

    // ---- URL sources --------------------------------------------------------

    void urlExportIsByteForByte_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<qint64>("size");
        QTest::addColumn<bool>("lengthKnown");
        QTest::newRow("normal, Content-Length") << "/file" << qint64(3 * 1024 * 1024 + 17) << true;
        QTest::newRow("normal, no Content-Length")
            << "/nolength" << qint64(3 * 1024 * 1024 + 17) << false;
        QTest::newRow("slow, Content-Length") << "/slow" << qint64(700 * 1024 + 3) << true;
        QTest::newRow("slow, no Content-Length")
            << "/slow-nolength" << qint64(700 * 1024 + 3) << false;
        QTest::newRow("redirect") << "/redirect" << qint64(100 * 1024) << true;
        QTest::newRow("empty") << "/file" << qint64(0) << true;
        QTest::newRow("empty, no Content-Length") << "/nolength" << qint64(0) << false;
    }
    void urlExportIsByteForByte()
    {
        HB_SKIP_QT_NETWORK_UNDER_TSAN();
        QFETCH(QString, path);
        QFETCH(qint64, size);
        QFETCH(bool, lengthKnown);
        HttpTestServer http;
        const QByteArray content = randomBytes(size, 7);
        http.setContent(content);
        http.setRate(512 * 1024);
        QVERIFY(http.start());
        Exporter exporter(config(QStringLiteral("alice")), nullptr);
        QString id;
        const Finished f = exportUrl(exporter, http.url(path).toString(), &id);
        QCOMPARE(f.code, ErrorCode::None);
        QCOMPARE(f.status.state, ExportState::Completed);
        const QByteArray stored = dataOf(id);
        QCOMPARE(stored.size(), content.size());
        QVERIFY(stored == content);
        const auto s = statusOf(id);
        QVERIFY(s);
        QCOMPARE(s->state, ExportState::Completed);
        QCOMPARE(s->bytesWritten, size);
        // Unknown in advance (-1 while it runs), corrected once the stream ended.
        QCOMPARE(s->bytesTotal, size);
        Q_UNUSED(lengthKnown);
        QCOMPARE(s->sha256.toLatin1(), sha256Of(content));
        QCOMPARE(s->source, http.url(path).toString());
        HB_VERIFY_TTLS(m_redis, id, 3600);
    }

    void urlErrorsAreClearAndWriteNothing_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("expected");
        QTest::newRow("404") << "/missing"
                             << "HTTP 404 Not Found";
        QTest::newRow("redirect loop") << "/redirect-loop"
                                       << "more than 5 redirects";
    }
    void urlErrorsAreClearAndWriteNothing()
    {
        HB_SKIP_QT_NETWORK_UNDER_TSAN();
        QFETCH(QString, path);
        QFETCH(QString, expected);
        HttpTestServer http;
        http.setContent("x");
        QVERIFY(http.start());
        Exporter exporter(config(QStringLiteral("alice")), nullptr);
        QString id;
        const QString url = http.url(path).toString();
        const Finished f = exportUrl(exporter, url, &id);
        QCOMPARE(f.code, ErrorCode::Source);
        QCOMPARE(f.message, QStringLiteral("cannot export %1: %2").arg(url, expected));
        QVERIFY(exportKeys(m_redis, id).isEmpty());
    }

    void urlConnectionRefusedIsClear()
    {
        HB_SKIP_QT_NETWORK_UNDER_TSAN();
        quint16 port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        } // closed: nothing listens there now
        Exporter exporter(config(QStringLiteral("alice")), nullptr);
        QString id;
        const QString url = QStringLiteral("http://127.0.0.1:%1/x").arg(port);
        const Finished f = exportUrl(exporter, url, &id);
        QCOMPARE(f.code, ErrorCode::Source);
        QCOMPARE(f.message, QStringLiteral("cannot export %1: connection refused").arg(url));
        QCOMPARE(m_redis.command({"EXISTS", KeyLayout().statusKey(id)}).integer, 0);
    }

    void urlBodyCutShortFails()
    {
        HB_SKIP_QT_NETWORK_UNDER_TSAN();
        HttpTestServer http;
        const QByteArray content = randomBytes(2 * 1024 * 1024, 3);
        http.setContent(content);
        QVERIFY(http.start());
        Exporter exporter(config(QStringLiteral("alice")), nullptr);
        QString id;
        const QString url = http.url(QStringLiteral("/cut")).toString();
        const Finished f = exportUrl(exporter, url, &id);
        QCOMPARE(f.status.state, ExportState::Failed);
        QVERIFY2(f.message.startsWith(QStringLiteral("cannot export %1: ").arg(url)),
                 qPrintable(f.message));
        QVERIFY2(f.message.contains(QLatin1String("of 2097152 bytes")), qPrintable(f.message));
        const auto s = statusOf(id);
        QVERIFY(s);
        QCOMPARE(s->state, ExportState::Failed);
        QCOMPARE(s->error, f.message);
        // FAILED holds exactly the bytes written, a prefix of the source.
        const QByteArray stored = dataOf(id);
        QCOMPARE(stored.size(), s->bytesWritten);
        QVERIFY(stored == content.left(stored.size()));
    }

    void urlCredentialsNeverReachRedisOrLog()
    {
        HB_SKIP_QT_NETWORK_UNDER_TSAN();
        HttpTestServer http;
        http.setContent(randomBytes(10000, 5));
        QVERIFY(http.start());
        {
            std::lock_guard<std::mutex> lock(g_logMutex);
            g_log.clear();
        }
        Exporter exporter(config(QStringLiteral("alice")), nullptr);
        const QString secretUrl = QStringLiteral("http://bob:s3cr3t@127.0.0.1:%1").arg(http.port());
        QString okId, badId;
        const Finished ok = exportUrl(exporter, secretUrl + QStringLiteral("/file"), &okId);
        QCOMPARE(ok.code, ErrorCode::None);
        const Finished bad = exportUrl(exporter, secretUrl + QStringLiteral("/missing"), &badId);
        QCOMPARE(bad.code, ErrorCode::Source);
        QVERIFY(!bad.message.contains(QLatin1String("s3cr3t")));
        QVERIFY(!bad.message.contains(QLatin1String("bob")));
        const QByteArray json = m_redis.command({"GET", KeyLayout().statusKey(okId)}).string;
        QVERIFY(!json.isEmpty());
        QVERIFY2(!json.contains("s3cr3t") && !json.contains("bob@"), json.constData());
        QCOMPARE(statusOf(okId)->source, http.url(QStringLiteral("/file")).toString());
        std::lock_guard<std::mutex> lock(g_logMutex);
        for (const QString &line : std::as_const(g_log))
            QVERIFY2(!line.contains(QLatin1String("s3cr3t")), qPrintable(line));
    }

    // The download is drawn as the export writes, not buffered whole.
    void urlDownloadBackPressures()
    {
        HB_SKIP_QT_NETWORK_UNDER_TSAN();
        HttpTestServer http;
        const qint64 size = 64LL * 1024 * 1024;
        http.setContent(randomBytes(size, 11));
        QVERIFY(http.start());
        ExporterConfig cfg = config(QStringLiteral("alice"));
        cfg.bandwidthLimit = 512 * 1024;
        Exporter exporter(cfg, nullptr);
        QSignalSpy progress(&exporter, &Exporter::progress);
        const QString id = exporter.startExport(http.url(QStringLiteral("/file")).toString());
        QTRY_VERIFY_WITH_TIMEOUT(
            !progress.isEmpty() && progress.last().at(1).toLongLong() > 256 * 1024, 30000);
        QElapsedTimer t;
        t.start();
        // Give the server every chance to push ahead of the reader.
        QTest::qWait(2000);
        const qint64 written = progress.last().at(1).toLongLong();
        const qint64 sent = http.bytesSent();
        qInfo("after %lld ms: %lld bytes written to Redis, %lld bytes sent by the server",
              qint64(t.elapsed()), written, sent);
        // The reader's buffer (1 MiB) plus what the kernel's socket buffers hold.
        QVERIFY2(sent < 24LL * 1024 * 1024, qPrintable(QString::number(sent)));
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        exporter.cancel(id);
        QVERIFY(finished.wait(10000));
    }

    // Cancelling stops the download: the server sees its connection closed.
    void urlCancelStopsTheDownload()
    {
        HB_SKIP_QT_NETWORK_UNDER_TSAN();
        HttpTestServer http;
        http.setContent(randomBytes(16 * 1024 * 1024, 13));
        http.setRate(256 * 1024);
        QVERIFY(http.start());
        Exporter exporter(config(QStringLiteral("alice")), nullptr);
        QSignalSpy progress(&exporter, &Exporter::progress);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        const QString id = exporter.startExport(http.url(QStringLiteral("/slow")).toString());
        QTRY_VERIFY_WITH_TIMEOUT(
            !progress.isEmpty() && progress.last().at(1).toLongLong() > 128 * 1024, 30000);
        QCOMPARE(http.openConnections(), 1);
        exporter.cancel(id);
        QVERIFY(QTest::qWaitFor([&] { return hasFinished(finished, id); }, 10000));
        QCOMPARE(finishedOf(finished, id).status.state, ExportState::Cancelled);
        QTRY_COMPARE_WITH_TIMEOUT(http.openConnections(), 0, 10000);
        const qint64 sentAtClose = http.bytesSent();
        QTest::qWait(1000); // measuring that nothing more flows
        QCOMPARE(http.bytesSent(), sentAtClose);
        QVERIFY(sentAtClose < 16 * 1024 * 1024);
        const auto s = statusOf(id);
        QCOMPARE(s->state, ExportState::Cancelled);
        QCOMPARE(dataOf(id).size(), s->bytesWritten);
    }

    // ---- The monitor and remote cancel --------------------------------------

    void monitorListsAnotherExporterLiveAndCancelsIt()
    {
        const QString file =
            makeRandomFile(m_dir.path(), QStringLiteral("live.bin"), 8 * 1024 * 1024, 21);
        ExporterConfig aliceCfg = config(QStringLiteral("alice"));
        aliceCfg.bandwidthLimit = 256 * 1024;
        Exporter alice(aliceCfg, nullptr);
        Exporter sam(config(QStringLiteral("sam")),
                     perms(R"({"alice":["export"],"sam":["export:read","export:cancel-any"]})"));
        ExportMonitor::Options opts;
        opts.rescanMs = 1000;
        ExportMonitor monitor(m_redis.endpoint(), KeyLayout(), opts);
        QSignalSpy updates(&monitor, &ExportMonitor::exportUpdated);
        QSignalSpy connection(&monitor, &ExportMonitor::connectionChanged);
        monitor.start();
        QVERIFY(connection.wait(10000));
        QCOMPARE(connection.last().at(0).toBool(), true);
        QVERIFY(monitor.isConnected());

        QSignalSpy aliceFinished(&alice, &Exporter::exportFinished);
        const QString id = alice.startExport(file);
        auto latest = [&]() -> std::optional<ExportStatus> {
            for (qsizetype i = updates.size() - 1; i >= 0; --i) {
                const auto s = updates.at(i).at(0).value<ExportStatus>();
                if (s.id == id) return s;
            }
            return std::nullopt;
        };
        // Seen live: PENDING, with the bytes growing from one update to the next.
        QTRY_VERIFY_WITH_TIMEOUT(latest() && latest()->state == ExportState::Pending &&
                                     latest()->bytesWritten > 0,
                                 30000);
        const qint64 seen = latest()->bytesWritten;
        QTRY_VERIFY_WITH_TIMEOUT(latest()->bytesWritten > seen, 10000);
        QCOMPARE(latest()->owner, QStringLiteral("alice"));
        QCOMPARE(latest()->source, QStringLiteral("live.bin"));
        QVERIFY(!sam.isLocal(id));

        QSignalSpy remote(&sam, &Exporter::remoteCancelFinished);
        QElapsedTimer sinceCancel;
        sinceCancel.start();
        sam.cancel(id);
        QVERIFY(QTest::qWaitFor([&] { return hasFinished(aliceFinished, id); }, 10000));
        const qint64 stoppedAfter = sinceCancel.elapsed();
        qInfo("the owner stopped %lld ms after the remote cancel was asked", stoppedAfter);
        QVERIFY2(stoppedAfter <= 1000, qPrintable(QString::number(stoppedAfter)));
        const Finished f = finishedOf(aliceFinished, id);
        QCOMPARE(f.status.state, ExportState::Cancelled);
        QCOMPARE(f.code, ErrorCode::Cancelled);
        QVERIFY(remote.wait(10000) || !remote.isEmpty());
        QCOMPARE(remote.first().at(2).value<ErrorCode>(), ErrorCode::None);

        const auto stored = statusOf(id);
        QCOMPARE(stored->state, ExportState::Cancelled);
        QCOMPARE(stored->cancelledBy, QStringLiteral("sam"));
        const qint64 length = readExportData(m_redis, id).size();
        QCOMPARE(length, stored->bytesWritten);
        // The monitor shows it, and who cancelled.
        QTRY_VERIFY_WITH_TIMEOUT(latest()->state == ExportState::Cancelled && latest()->settled,
                                 10000);
        QCOMPARE(latest()->cancelledBy, QStringLiteral("sam"));
        QTest::qWait(500); // the data key never changes again
        QCOMPARE(qint64(readExportData(m_redis, id).size()), length);
    }

    void cancelWithoutCancelAnyIsRefusedAndChangesNothing()
    {
        const QString file =
            makeRandomFile(m_dir.path(), QStringLiteral("refused.bin"), 8 * 1024 * 1024, 22);
        ExporterConfig aliceCfg = config(QStringLiteral("alice"));
        aliceCfg.bandwidthLimit = 256 * 1024;
        Exporter alice(aliceCfg, nullptr);
        Exporter bob(config(QStringLiteral("bob")),
                     perms(R"({"alice":["export"],"bob":["export","export:read"]})"));
        QSignalSpy progress(&alice, &Exporter::progress);
        QSignalSpy aliceFinished(&alice, &Exporter::exportFinished);
        const QString id = alice.startExport(file);
        QTRY_VERIFY_WITH_TIMEOUT(statusOf(id) && statusOf(id)->state == ExportState::Pending,
                                 30000);
        const QByteArray before = m_redis.command({"GET", KeyLayout().statusKey(id)}).string;

        QSignalSpy remote(&bob, &Exporter::remoteCancelFinished);
        bob.cancel(id);
        QVERIFY(remote.wait(10000));
        QCOMPARE(remote.first().at(2).value<ErrorCode>(), ErrorCode::PermissionDenied);
        const QString message = remote.first().at(3).toString();
        QVERIFY2(message.contains(QLatin1String("bob")), qPrintable(message));
        // Nothing changed: still running, still growing, nobody recorded as canceller.
        const auto now = statusOf(id);
        QCOMPARE(now->state, ExportState::Pending);
        QVERIFY(now->cancelledBy.isEmpty());
        QVERIFY(aliceFinished.isEmpty());
        const qint64 written = now->bytesWritten;
        QTRY_VERIFY_WITH_TIMEOUT(statusOf(id)->bytesWritten > written, 10000);
        QVERIFY(
            before !=
            m_redis.command({"GET", KeyLayout().statusKey(id)}).string); // progress, not a cancel
        alice.cancel(id);
        QVERIFY(QTest::qWaitFor([&] { return hasFinished(aliceFinished, id); }, 10000));
        QCOMPARE(statusOf(id)->cancelledBy, QStringLiteral("alice"));
    }

    void eventsForEveryTransitionArriveOnTheChannel_data()
    {
        QTest::addColumn<QString>("ending");
        QTest::newRow("completed") << "completed";
        QTest::newRow("cancelled") << "cancelled";
        QTest::newRow("failed") << "failed";
    }
    void eventsForEveryTransitionArriveOnTheChannel()
    {
        QFETCH(QString, ending);
        if (ending != QLatin1String("completed")) // the other two endings come from a URL
            HB_SKIP_QT_NETWORK_UNDER_TSAN();
        HttpTestServer http;
        http.setContent(randomBytes(2 * 1024 * 1024, 9));
        http.setRate(512 * 1024);
        QVERIFY(http.start());
        auto sub = m_redis.connect({2000, 15000});
        const RedisReply subscribed = sub->command({"SUBSCRIBE", KeyLayout().eventsChannel()});
        QVERIFY(!subscribed.isError());

        Exporter exporter(config(QStringLiteral("alice")), nullptr);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        QSignalSpy progress(&exporter, &Exporter::progress);
        QString source;
        if (ending == QLatin1String("completed"))
            source =
                makeRandomFile(m_dir.path(), QStringLiteral("events.bin"), 3 * 1024 * 1024, 23);
        else if (ending == QLatin1String("cancelled"))
            source = http.url(QStringLiteral("/slow")).toString();
        else
            source = http.url(QStringLiteral("/cut")).toString();
        const QString id = exporter.startExport(source);
        if (ending == QLatin1String("cancelled")) {
            QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty() && progress.last().at(1).toLongLong() > 0,
                                     30000);
            exporter.cancel(id);
        }
        QVERIFY(QTest::qWaitFor([&] { return hasFinished(finished, id); }, 60000));

        // Read what the channel carried for this export, up to its terminal status.
        QStringList states;
        while (true) {
            const RedisReply m = sub->readReply();
            QVERIFY2(!m.isError(), qPrintable(m.error.message));
            QCOMPARE(m.type, RedisReply::Type::Array);
            QCOMPARE(m.elements.size(), 3);
            const auto s = ExportStatus::fromJson(m.elements[2].string);
            QVERIFY(s);
            if (s->id != id) continue;
            if (states.isEmpty() || states.last() != s->stateText()) states << s->stateText();
            if (isTerminal(s->state)) break;
        }
        const QString terminal = ending.toUpper();
        QCOMPARE(states,
                 (QStringList{QStringLiteral("CREATED"), QStringLiteral("PENDING"), terminal}));
    }

    void monitorNoticesRemovedKeysAndReconnects()
    {
        TestRedisServer redis;
        QVERIFY(redis.start());
        ExporterConfig cfg = config(QStringLiteral("alice"));
        cfg.endpoint = redis.endpoint();
        Exporter exporter(cfg, nullptr);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        const QString file = makeRandomFile(m_dir.path(), QStringLiteral("gone.bin"), 1000, 24);
        const QString id = exporter.startExport(file);
        QVERIFY(finished.wait(30000));

        ExportMonitor::Options opts;
        opts.rescanMs = 300;
        opts.minBackoffMs = 100;
        opts.maxBackoffMs = 400;
        ExportMonitor monitor(redis.endpoint(), KeyLayout(), opts);
        QSignalSpy updates(&monitor, &ExportMonitor::exportUpdated);
        QSignalSpy removed(&monitor, &ExportMonitor::exportRemoved);
        QSignalSpy connection(&monitor, &ExportMonitor::connectionChanged);
        monitor.start();
        // Already there before the monitor started: found by the scan.
        QTRY_VERIFY_WITH_TIMEOUT(!updates.isEmpty(), 10000);
        QCOMPARE(updates.first().at(0).value<ExportStatus>().id, id);
        QCOMPARE(updates.first().at(0).value<ExportStatus>().state, ExportState::Completed);

        redis.command({"DEL", KeyLayout().statusKey(id)});
        QTRY_VERIFY_WITH_TIMEOUT(!removed.isEmpty(), 10000);
        QCOMPARE(removed.first().at(0).toString(), id);

        // Redis goes away and comes back: reported, then healed by the rescan.
        redis.stop();
        QTRY_VERIFY_WITH_TIMEOUT(!monitor.isConnected(), 10000);
        QVERIFY(!connection.last().at(1).toString().isEmpty());
        QVERIFY(redis.start());
        QTRY_VERIFY_WITH_TIMEOUT(monitor.isConnected(), 20000);
        const QString id2 = exporter.startExport(file);
        QTRY_VERIFY_WITH_TIMEOUT(updates.last().at(0).value<ExportStatus>().id == id2 &&
                                     updates.last().at(0).value<ExportStatus>().state ==
                                         ExportState::Completed,
                                 20000);
    }

    void monitorReportsUnreachableServer()
    {
        ExportMonitor::Options opts;
        opts.minBackoffMs = 100;
        ExportMonitor monitor(
            RedisEndpoint::unixSocket(m_dir.filePath(QStringLiteral("nothing.sock"))), KeyLayout(),
            opts);
        QSignalSpy connection(&monitor, &ExportMonitor::connectionChanged);
        monitor.start();
        QVERIFY(connection.wait(10000));
        QCOMPARE(connection.first().at(0).toBool(), false);
        const QString message = connection.first().at(1).toString();
        QVERIFY2(message.contains(QLatin1String("nothing.sock")), qPrintable(message));
        monitor.stop();
        QVERIFY(!monitor.isRunning());
    }

    // ---- The monitor lives on events (issue 21) -------------------------------

    static std::optional<ExportStatus> latestOf(const QSignalSpy &spy, const QString &id)
    {
        for (qsizetype i = spy.size() - 1; i >= 0; --i) {
            const auto s = spy.at(i).at(0).value<ExportStatus>();
            if (s.id == id) return s;
        }
        return std::nullopt;
    }
    static bool removedHas(const QSignalSpy &spy, const QString &id)
    {
        for (const QList<QVariant> &args : spy)
            if (args.at(0).toString() == id) return true;
        return false;
    }
    static void put(TestRedisServer &redis, const ExportStatus &s, bool publish,
                    qint64 ttlMs = 600000)
    {
        const QByteArray json = s.toJson();
        redis.command({"SET", KeyLayout().statusKey(s.id), json, "PX", QByteArray::number(ttlMs)});
        if (publish) redis.command({"PUBLISH", KeyLayout().eventsChannel(), json});
    }
    static ExportMonitor::Options paced(int rescanMs, int stepMs = 100)
    {
        ExportMonitor::Options o;
        o.rescanMs = rescanMs;
        o.resyncStepMs = stepMs;
        o.minBackoffMs = 100;
        o.maxBackoffMs = 400;
        return o;
    }

    void monitorFindsAStatusWrittenWithoutItsPublish()
    {
        TestRedisServer redis;
        QVERIFY(redis.start());
        ExportMonitor monitor(redis.endpoint(), KeyLayout(), paced(1500));
        QSignalSpy updates(&monitor, &ExportMonitor::exportUpdated);
        QSignalSpy scanned(&monitor, &ExportMonitor::scanned);
        monitor.start();
        QTRY_VERIFY_WITH_TIMEOUT(monitor.isConnected() && !scanned.isEmpty(), scaledMs(10000));

        const QString id = newExportId();
        const QDateTime t0 = QDateTime::currentDateTimeUtc();
        put(redis, madeStatus(id, ExportState::Pending, t0), false);
        // Only the paced resync can bring it: within one pass (rescanMs) and a step.
        QTRY_VERIFY_WITH_TIMEOUT(latestOf(updates, id), scaledMs(5000));
        QCOMPARE(latestOf(updates, id)->state, ExportState::Pending);
        // A live export is read again by the resync: its move shows too.
        put(redis, madeStatus(id, ExportState::Completed, t0.addSecs(1)), false);
        QTRY_VERIFY_WITH_TIMEOUT(latestOf(updates, id)->state == ExportState::Completed,
                                 scaledMs(8000));
        // A terminal status never goes back, whichever way the older one comes.
        put(redis, madeStatus(id, ExportState::Pending, t0.addSecs(2)), true);
        const qsizetype passes = scanned.size();
        QTRY_VERIFY_WITH_TIMEOUT(scanned.size() >= passes + 2, scaledMs(10000));
        QCOMPARE(latestOf(updates, id)->state, ExportState::Completed);
    }

    void monitorTakesTheNewestStatusInAnyOrder()
    {
        TestRedisServer redis;
        QVERIFY(redis.start());
        ExportMonitor monitor(redis.endpoint(), KeyLayout(), paced(600000));
        QSignalSpy updates(&monitor, &ExportMonitor::exportUpdated);
        monitor.start();
        QTRY_VERIFY_WITH_TIMEOUT(monitor.isConnected(), scaledMs(10000));
        const QString id = newExportId();
        const QString marker = newExportId();
        const QDateTime t0 = QDateTime::currentDateTimeUtc();
        ExportStatus newer = madeStatus(id, ExportState::Pending, t0.addSecs(2));
        newer.bytesWritten = 500;
        ExportStatus older = madeStatus(id, ExportState::Pending, t0.addSecs(1));
        older.bytesWritten = 200;
        put(redis, newer, true);
        put(redis, older, true); // arrives last, is older: ignored
        put(redis, madeStatus(marker, ExportState::Created, t0), true);
        QTRY_VERIFY_WITH_TIMEOUT(latestOf(updates, marker), scaledMs(5000));
        QCOMPARE(latestOf(updates, id)->bytesWritten, qint64(500));
        // Terminal first, then a newer but live one (a late progress event): stays.
        put(redis, madeStatus(id, ExportState::Cancelled, t0.addSecs(3)), true);
        put(redis, madeStatus(id, ExportState::Pending, t0.addSecs(4)), true);
        put(redis, madeStatus(marker, ExportState::Pending, t0.addSecs(5)), true);
        QTRY_VERIFY_WITH_TIMEOUT(latestOf(updates, marker)->state == ExportState::Pending,
                                 scaledMs(5000));
        QCOMPARE(latestOf(updates, id)->state, ExportState::Cancelled);
    }

    void monitorHealsAfterItsSubscriptionIsKilled()
    {
        TestRedisServer redis;
        QVERIFY(redis.start());
        // No pass in the test's time: only the reconnect's own resync can heal.
        ExportMonitor monitor(redis.endpoint(), KeyLayout(), paced(600000));
        QSignalSpy updates(&monitor, &ExportMonitor::exportUpdated);
        QSignalSpy connection(&monitor, &ExportMonitor::connectionChanged);
        monitor.start();
        QTRY_VERIFY_WITH_TIMEOUT(monitor.isConnected(), scaledMs(10000));
        const QString id = newExportId();
        QVERIFY(redis.command({"CLIENT", "KILL", "TYPE", "pubsub"}).integer >= 1);
        // Written (and published to nobody) while the monitor is not subscribed.
        put(redis, madeStatus(id, ExportState::Pending, QDateTime::currentDateTimeUtc()), true);
        QElapsedTimer healed;
        healed.start();
        QTRY_VERIFY_WITH_TIMEOUT(latestOf(updates, id), scaledMs(5000));
        qInfo("correct again %lld ms after CLIENT KILL TYPE pubsub", healed.elapsed());
        bool sawDown = false;
        for (const QList<QVariant> &c : connection)
            sawDown = sawDown || !c.at(0).toBool();
        QVERIFY(sawDown);
        QTRY_VERIFY_WITH_TIMEOUT(monitor.isConnected(), scaledMs(5000));
        // And live on the channel again.
        const QString next = newExportId();
        put(redis, madeStatus(next, ExportState::Created, QDateTime::currentDateTimeUtc()), true);
        QTRY_VERIFY_WITH_TIMEOUT(latestOf(updates, next), scaledMs(3000));
    }

    void monitorDropsAnExportThatExpires()
    {
        TestRedisServer redis;
        QVERIFY(redis.start());
        QCOMPARE(
            redis.command({"CONFIG", "GET", "notify-keyspace-events"}).elements.value(1).string,
            QByteArray());
        ExportMonitor monitor(redis.endpoint(), KeyLayout(), paced(600000));
        QSignalSpy updates(&monitor, &ExportMonitor::exportUpdated);
        QSignalSpy removed(&monitor, &ExportMonitor::exportRemoved);
        monitor.start();
        QTRY_VERIFY_WITH_TIMEOUT(monitor.isConnected(), scaledMs(10000));
        // Its status says ttl 1 s: the deadline table, not a SCAN, sees it leave.
        const QString id = newExportId();
        put(redis, madeStatus(id, ExportState::Completed, QDateTime::currentDateTimeUtc(), 1), true,
            1000);
        QTRY_VERIFY_WITH_TIMEOUT(latestOf(updates, id), scaledMs(3000));
        QTRY_VERIFY_WITH_TIMEOUT(removedHas(removed, id), scaledMs(4000));
        // A deadline passed while the key is still there (its TTL is longer than its
        // status says, as with another machine's clock): kept, then dropped later.
        const QString longer = newExportId();
        put(redis, madeStatus(longer, ExportState::Completed, QDateTime::currentDateTimeUtc(), 1),
            true, 2500);
        QTRY_VERIFY_WITH_TIMEOUT(latestOf(updates, longer), scaledMs(3000));
        QTest::qWait(1600); // past the status's own deadline, before the key's
        QVERIFY(!removedHas(removed, longer));
        QTRY_VERIFY_WITH_TIMEOUT(removedHas(removed, longer), scaledMs(4000));
    }

    void monitorUsesKeyspaceEventsWhereTheServerHasThem()
    {
        TestRedisServer redis;
        QVERIFY(redis.start());
        QVERIFY(!redis.command({"CONFIG", "SET", "notify-keyspace-events", "Egx"}).isError());
        ExportMonitor monitor(redis.endpoint(), KeyLayout(), paced(600000));
        QSignalSpy updates(&monitor, &ExportMonitor::exportUpdated);
        QSignalSpy removed(&monitor, &ExportMonitor::exportRemoved);
        monitor.start();
        QTRY_VERIFY_WITH_TIMEOUT(monitor.isConnected(), scaledMs(10000));
        const QString id = newExportId();
        put(redis, madeStatus(id, ExportState::Completed, QDateTime::currentDateTimeUtc()), true);
        QTRY_VERIFY_WITH_TIMEOUT(latestOf(updates, id), scaledMs(3000));
        // Deleted: no deadline is due and no pass runs, the del event says it.
        redis.command({"DEL", KeyLayout().statusKey(id)});
        QTRY_VERIFY_WITH_TIMEOUT(removedHas(removed, id), scaledMs(2000));
    }

    void monitorFollowsOnlyItsIds()
    {
        TestRedisServer redis;
        QVERIFY(redis.start());
        const QString mine = newExportId();
        const QString other = newExportId();
        const QDateTime t0 = QDateTime::currentDateTimeUtc();
        put(redis, madeStatus(mine, ExportState::Completed, t0), false);
        put(redis, madeStatus(other, ExportState::Completed, t0), false);
        redis.command({"CONFIG", "RESETSTAT"});
        ExportMonitor::Options opts = paced(600000);
        opts.followOnly = true;
        opts.followed = {mine};
        ExportMonitor monitor(redis.endpoint(), KeyLayout(), opts);
        QSignalSpy updates(&monitor, &ExportMonitor::exportUpdated);
        monitor.start();
        QTRY_VERIFY_WITH_TIMEOUT(latestOf(updates, mine), scaledMs(10000));
        const QString third = newExportId();
        put(redis, madeStatus(third, ExportState::Pending, t0), true);
        put(redis, madeStatus(other, ExportState::Completed, t0.addSecs(1)), true);
        monitor.follow({third});
        QTRY_VERIFY_WITH_TIMEOUT(latestOf(updates, third), scaledMs(5000));
        QVERIFY(!latestOf(updates, other));
        QByteArray detail;
        commandCalls(*redis.connect(), {}, &detail);
        QVERIFY2(!detail.contains("scan="), detail.constData());
    }

    void monitorIdleCostsRedisAlmostNothing()
    {
        TestRedisServer redis;
        QVERIFY(redis.start());
        constexpr qint64 count = 20000;
        auto fill = redis.connect({5000, 60000});
        const QDateTime t0 = QDateTime::currentDateTimeUtc();
        QString error;
        QVERIFY2(fillExports(
                     *fill, KeyLayout(), 0, count,
                     [&](qint64 i) {
                         return madeStatus(numberedExportId(i), ExportState::Completed, t0);
                     },
                     QByteArray(100, 'x'), 3600 * 1000, &error),
                 qPrintable(error));
        // A watcher's pace, but a pass every 4 s (30 s by default) so that whole
        // passes of the resync fall in the measured interval.
        ExportMonitor::Options opts;
        opts.rescanMs = 4000;
        ExportMonitor monitor(redis.endpoint(), KeyLayout(), opts);
        QSignalSpy batches(&monitor, &ExportMonitor::exportsUpdated);
        QSignalSpy scanned(&monitor, &ExportMonitor::scanned);
        monitor.start();
        QTRY_VERIFY_WITH_TIMEOUT(!scanned.isEmpty(), scaledMs(60000));
        QCOMPARE(scanned.first().at(0).toInt(), int(count));
        qint64 delivered = 0;
        for (const QList<QVariant> &b : batches)
            delivered += b.at(0).value<QList<ExportStatus>>().size();
        QCOMPARE(delivered, count);
        QVERIFY(batches.size() < count / 10); // in batches, not one by one
        QVERIFY(!redis.command({"CONFIG", "RESETSTAT"}).isError());
        constexpr int seconds = 6;
        QTest::qWait(seconds * 1000); // the measured interval itself
        QByteArray detail;
        const qint64 calls = commandCalls(*redis.connect(), {"info", "config"}, &detail);
        qInfo("idle monitor over %d s with %lld exports: %lld commands (%s)", seconds, count, calls,
              detail.constData());
        QVERIFY2(calls <= 20 * seconds, detail.constData());
        QVERIFY2(detail.contains("scan="), detail.constData()); // the resync did walk
        QVERIFY2(!detail.contains("get=") && !detail.contains("ttl="), detail.constData());
    }
};

QTEST_GUILESS_MAIN(TestMonitor)
#include "tst_monitor.moc"

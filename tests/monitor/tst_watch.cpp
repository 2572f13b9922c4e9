// Issue #4: `hbexporter-cli watch` as a process (stdout a pipe: one plain line per change).
#include "exporter.h"
#include "testredis.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace hb;
using namespace hb::test;

class TestWatch final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { qRegisterMetaType<hb::ExportStatus>(); }

    void unreachableRedisExits5WithOneLine()
    {
        QTemporaryDir dir;
        QProcess watch;
        watch.start(builtExecutable(QStringLiteral("hbexporter-cli")),
                    {QStringLiteral("watch"), QStringLiteral("--redis"),
                     QStringLiteral("unix://%1/none.sock").arg(dir.path())});
        QVERIFY(watch.waitForFinished(scaledMs(30000)));
        QCOMPARE(watch.exitStatus(), QProcess::NormalExit);
        QCOMPARE(watch.exitCode(), 5);
        const QList<QByteArray> lines = watch.readAllStandardError().trimmed().split('\n');
        QCOMPARE(lines.size(), 1);
        QVERIFY2(lines.first().contains("none.sock"), lines.first().constData());
        QVERIFY(watch.readAllStandardOutput().isEmpty());
    }

    void plainLinesForEveryChangeUntilSigterm()
    {
        TestRedisServer redis;
        QVERIFY(redis.start());
        QTemporaryDir dir;
        const QString file =
            makeRandomFile(dir.path(), QStringLiteral("watched.bin"), 2 * 1024 * 1024, 41);

        // One export before watch starts (found by the scan), one after (live).
        ExporterConfig cfg;
        cfg.endpoint = redis.endpoint();
        cfg.user = QStringLiteral("alice");
        cfg.chunkSize = 256 * 1024;
        cfg.bandwidthLimit = 2 * 1024 * 1024;
        Exporter exporter(cfg, nullptr);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        const QString before = exporter.startExport(file);
        QVERIFY(finished.wait(scaledMs(30000)));

        QProcess watch;
        watch.start(builtExecutable(QStringLiteral("hbexporter-cli")),
                    {QStringLiteral("watch"), QStringLiteral("--redis"), redis.url()});
        QVERIFY(watch.waitForStarted(scaledMs(10000)));
        QByteArray out;
        auto sawLine = [&](const QString &id, const QByteArray &state) {
            out += watch.readAllStandardOutput();
            for (const QByteArray &line : out.split('\n'))
                if (line.contains(id.toLatin1()) && line.contains(' ' + state + ' ')) return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(sawLine(before, "COMPLETED"), scaledMs(20000));
        const QString live = exporter.startExport(file);
        QTRY_VERIFY_WITH_TIMEOUT(sawLine(live, "COMPLETED"), scaledMs(30000));
        QVERIFY(sawLine(live, "CREATED"));
        QVERIFY(sawLine(live, "PENDING"));
        QVERIFY2(out.contains("owner=alice") && out.contains("source=watched.bin"),
                 out.constData());

        redis.command({"DEL", KeyLayout().statusKey(before)});
        QTRY_VERIFY_WITH_TIMEOUT(sawLine(before, "REMOVED") ||
                                     out.contains((before + QStringLiteral(" REMOVED")).toLatin1()),
                                 scaledMs(20000));

        watch.terminate(); // SIGTERM
        QVERIFY(watch.waitForFinished(scaledMs(10000)));
        QCOMPARE(watch.exitStatus(), QProcess::NormalExit);
        QCOMPARE(watch.exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(TestWatch)
#include "tst_watch.moc"

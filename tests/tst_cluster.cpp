// Exports across a real Redis Cluster (3 masters, 3 replicas on loopback): routing
// by the export's hash slot, listing and cancelling through any node, a failover and
// a slot migration in the middle of an export, and the errors (CONTRACT §6, §9).
#include "clirun.h"
#include "clusterslots.h"
#include "exporter.h"
#include "exportmonitor.h"
#include "exportstore.h"
#include "exporttesting.h"
#include "permissions.h"
#include "testcluster.h"
#include "testredis.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QTcpServer>
#include <QtTest>

using namespace hb;
using namespace hb::test;

namespace {

using Run = CliRun;

} // namespace

class TstCluster : public QObject
{
    Q_OBJECT

    TestRedisCluster m_cluster;
    QTemporaryDir m_files;
    QString m_cli;
    const KeyLayout m_keys;

    ExporterConfig config(int seedPort, qint64 chunk = 64 * 1024) const
    {
        ExporterConfig c;
        c.endpoint = m_cluster.endpoint(seedPort);
        c.user = QStringLiteral("alice");
        c.ttlSeconds = 600;
        c.chunkSize = chunk;
        c.segmentBytes = 256 * 1024;
        c.timeouts = {3000, 10000};
        c.maxConcurrent = 8;
        return c;
    }

    // The master of the export's slot as the cluster itself reports it (CLUSTER
    // KEYSLOT, CLUSTER NODES): independent of the code under test.
    int masterOf(const QString &id)
    {
        return m_cluster.masterOfSlot(m_cluster.keySlot(m_keys.statusKey(id)));
    }
    std::optional<ExportStatus> statusOn(int port, const QString &id)
    {
        const RedisReply r = m_cluster.command(port, {"GET", m_keys.statusKey(id)});
        return r.type == RedisReply::Type::String ? ExportStatus::fromJson(r.string) : std::nullopt;
    }
    // CONTRACT §2's recipe, on one node.
    QByteArray readOn(int port, const QString &id)
    {
        const auto st = statusOn(port, id);
        if (!st) return "<no status>";
        const qint64 n = st->bytesWritten;
        const qint64 seg = st->segmentBytes;
        if (seg <= 0 || n <= seg)
            return m_cluster.command(port, {"GET", m_keys.dataKey(id)}).string;
        QByteArray out;
        for (qint64 k = 0; k * seg < n; ++k)
            out += m_cluster.command(port, {"GET", m_keys.segmentKey(id, k)}).string;
        return out;
    }
    // Every key of the export on that node has a TTL.
    QString ttlProblem(int port, const QString &id)
    {
        const RedisReply keys =
            m_cluster.command(port, {"KEYS", m_keys.prefix + "\\{" + id.toLatin1() + "\\}*"});
        if (keys.elements.isEmpty()) return QStringLiteral("no keys");
        for (const RedisReply &k : keys.elements) {
            const qint64 ttl = m_cluster.command(port, {"TTL", k.string}).integer;
            if (ttl <= 0) return QStringLiteral("%1 has TTL %2").arg(QString(k.string)).arg(ttl);
        }
        return {};
    }
    void verifyExact(const QString &id, const QString &path)
    {
        const int master = masterOf(id);
        QVERIFY(master != 0);
        const auto st = statusOn(master, id);
        QVERIFY2(st, qPrintable(id));
        QCOMPARE(st->state, ExportState::Completed);
        const QByteArray fileSha = sha256OfFile(path);
        QCOMPARE(st->sha256.toLatin1(), fileSha);
        QCOMPARE(sha256Of(readOn(master, id)), fileSha);
        const QString ttl = ttlProblem(master, id);
        QVERIFY2(ttl.isEmpty(), qPrintable(ttl));
    }
    Run cli(const QStringList &args, int seedPort, int timeoutMs = 120000)
    {
        return runCli(m_cli, args, cliEnvironment(m_cluster.url(seedPort)), timeoutMs);
    }
    // A status read through the cluster (any node): the export has written bytes.
    bool waitWriting(const QString &id, qint64 atLeast = 1, int ms = 30000)
    {
        return QTest::qWaitFor(
            [&] {
                const int m = masterOf(id);
                const auto st = m ? statusOn(m, id) : std::nullopt;
                return st && st->bytesWritten >= atLeast;
            },
            scaledMs(ms));
    }
    // Fails the master of the export's slot over to its replica (CLUSTER FAILOVER)
    // and waits until the replica serves the slot: its port, 0 when that failed.
    int failOverMasterOf(const QString &id)
    {
        const int slot = m_cluster.keySlot(m_keys.statusKey(id));
        const int replica = m_cluster.replicaOf(m_cluster.masterOfSlot(slot));
        if (replica == 0) return 0;
        const RedisReply fo = m_cluster.command(replica, {"CLUSTER", "FAILOVER"});
        if (fo.isError()) {
            qWarning("CLUSTER FAILOVER: %s", qPrintable(fo.error.message));
            return 0;
        }
        return m_cluster.waitForSlotOwner(slot, replica) ? replica : 0;
    }
    void flushAll()
    {
        for (const int port : m_cluster.masters())
            m_cluster.command(port, {"FLUSHALL"});
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_files.isValid());
        QString err;
        QVERIFY2(m_cluster.start(&err), qPrintable(err));
        m_cli = builtExecutable(QStringLiteral("hbexporter-cli"));
        QVERIFY2(QFile::exists(m_cli), qPrintable(m_cli));
    }
    void init() { flushAll(); }

    void slotMap_keySlotMatchesTheServer()
    {
        QCOMPARE(cluster::crc16("123456789", 9), quint16(0x31C3)); // XMODEM check value
        const QList<QByteArray> keys{"foo",
                                     "",
                                     "{user1000}.following",
                                     "{}bar",
                                     "foo{}{bar}",
                                     "foo{{bar}}zap",
                                     "foo{bar}{zap}",
                                     "export:{3f2a0c1e-0000-4000-8000-000000000001}-data:17",
                                     QByteArray("\x00\xff{\x80}", 5)};
        for (const QByteArray &k : keys)
            QCOMPARE(cluster::keySlot(k), m_cluster.keySlot(k));
        for (int i = 0; i < 200; ++i) {
            const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
            QCOMPARE(cluster::keySlot(m_keys.segmentKey(id, i)),
                     m_cluster.keySlot(m_keys.statusKey(id)));
        }
        const auto moved = cluster::parseRedirect("MOVED 3999 127.0.0.1:6381");
        QVERIFY(moved && moved->kind == cluster::Redirect::Kind::Moved && moved->slot == 3999 &&
                moved->to.host == QLatin1String("127.0.0.1") && moved->to.port == 6381);
        const auto ask = cluster::parseRedirect("ASK 12 [::1]:7000");
        QVERIFY(ask && ask->kind == cluster::Redirect::Kind::Ask && ask->to.host == "::1");
        QVERIFY(!cluster::parseRedirect("ERR wrong number of arguments"));
        QCOMPARE(cluster::routingKeyOf({"EVALSHA", "abc", "1", "k", "v"}), QByteArray("k"));
        QCOMPARE(cluster::routingKeyOf({"SCAN", "0"}), QByteArray());
    }

    void connection_discoversTheClusterFromAnyNode()
    {
        // A replica as the only seed: the connection learns the map from it and
        // still writes to the masters.
        const int replica = m_cluster.replicaOf(m_cluster.masters().first());
        RedisConnection c(m_cluster.endpoint(replica));
        QVERIFY(c.ensureConnected());
        QVERIFY(c.isCluster());
        QCOMPARE(c.clusterMasters().size(), 3);
        for (int i = 0; i < 30; ++i) {
            const QByteArray key = "k{" + QByteArray::number(i) + "}";
            QVERIFY(!c.command({"SET", key, QByteArray::number(i)}).isError());
            QCOMPARE(m_cluster.command(m_cluster.masterOfSlot(m_cluster.keySlot(key)), {"GET", key})
                         .string,
                     QByteArray::number(i));
        }
        // A pipeline across all masters comes back in order.
        for (int i = 0; i < 30; ++i)
            QVERIFY(c.append({"GET", "k{" + QByteArray::number(i) + "}"}));
        for (int i = 0; i < 30; ++i)
            QCOMPARE(c.readReply().string, QByteArray::number(i));
        // A plain server stays plain.
        TestRedisServer plain;
        QVERIFY(plain.start());
        RedisConnection p(plain.endpoint());
        QVERIFY(p.ensureConnected());
        QVERIFY(!p.isCluster());
    }

    void seeds_areTriedInOrder()
    {
        // The first seed answers nothing (a free port): the second one is used.
        QTcpServer hold;
        QVERIFY(hold.listen(QHostAddress::LocalHost));
        const quint16 dead = hold.serverPort();
        hold.close();
        const QString url =
            QStringLiteral("redis://127.0.0.1:%1,127.0.0.1:%2").arg(dead).arg(m_cluster.ports()[3]);
        RedisConnection c(*RedisEndpoint::parse(url), {2000, 5000});
        QVERIFY2(c.ensureConnected(), qPrintable(c.lastError().message));
        QVERIFY(c.isCluster());
    }

    void exports_spreadOverMastersByteExact()
    {
        constexpr int count = 12;
        ExporterConfig cfg = config(m_cluster.ports().last());
        Exporter exporter(cfg, nullptr);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        QHash<QString, QString> paths;
        for (int i = 0; i < count; ++i) {
            // Sizes around the segment size: single key, exact, several segments.
            const qint64 size =
                QList<qint64>{0, 1, 256 * 1024, 256 * 1024 + 1, 3 * 1024 * 1024 + 7}[i % 5] + i;
            const QString path = makeRandomFile(
                m_files.path(), QStringLiteral("spread-%1.bin").arg(i), size, quint32(i + 1));
            paths.insert(exporter.startExport(path), path);
        }
        QVERIFY(QTest::qWaitFor([&] { return finished.size() == count; }, scaledMs(120000)));
        QSet<int> mastersUsed;
        while (!finished.isEmpty()) {
            const FinishedExport f = takeFinished(finished);
            QVERIFY2(f.code == ErrorCode::None, qPrintable(f.message));
            verifyExact(f.id, paths.value(f.id));
            mastersUsed.insert(masterOf(f.id));
        }
        // Export ids are random: 12 miss one of 3 masters with p = 3 x (2/3)^12, about
        // 2 %. More small exports until each master holds one (64 more miss one with
        // p < 1e-10), each byte-exact where its id's slot put it.
        for (int i = 0; mastersUsed.size() < 3 && i < 64; ++i) {
            const QString path = makeRandomFile(
                m_files.path(), QStringLiteral("more-%1.bin").arg(i), 1000 + i, quint32(100 + i));
            exporter.startExport(path);
            QVERIFY(finished.wait(scaledMs(30000)));
            const FinishedExport f = takeFinished(finished);
            QVERIFY2(f.code == ErrorCode::None, qPrintable(f.message));
            verifyExact(f.id, path);
            mastersUsed.insert(masterOf(f.id));
        }
        QCOMPARE(mastersUsed.size(), 3);
    }

    void cli_listStatusWatchFetchCancelThroughOtherNodes()
    {
        const QList<int> ports = m_cluster.ports();
        // Three completed exports, through node 0.
        QStringList done;
        QHash<QString, QString> paths;
        for (int i = 0; i < 3; ++i) {
            const QString path = makeRandomFile(m_files.path(), QStringLiteral("cli-%1.bin").arg(i),
                                                600 * 1024 + i, quint32(40 + i));
            const Run r = cli({QStringLiteral("export"), path, QStringLiteral("--segment-size"),
                               QStringLiteral("256K")},
                              ports[0]);
            QVERIFY2(r.code == 0, r.err.constData());
            done << QString::fromLatin1(r.out.trimmed());
            paths.insert(done.last(), path);
        }
        // A slow one through node 1, running while we look.
        const QString slowPath =
            makeRandomFile(m_files.path(), QStringLiteral("cli-slow.bin"), 8 * 1024 * 1024, 77);
        QProcess slow;
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert(QStringLiteral("HBEXPORTER_REDIS_URL"), m_cluster.url(ports[1]));
        slow.setProcessEnvironment(e);
        slow.start(m_cli,
                   {QStringLiteral("export"), slowPath, QStringLiteral("--bwlimit"),
                    QStringLiteral("512K"), QStringLiteral("--chunk-size"), QStringLiteral("32K"),
                    QStringLiteral("--segment-size"), QStringLiteral("256K")});
        QVERIFY(QTest::qWaitFor([&] { return slow.canReadLine(); }, scaledMs(30000)));
        const QString slowId = QString::fromLatin1(slow.readLine().trimmed());
        QVERIFY(waitWriting(slowId));

        // list through node 2 shows every export, whichever master holds it.
        const Run list = cli({QStringLiteral("list"), QStringLiteral("--json")}, ports[2]);
        QVERIFY2(list.code == 0, list.err.constData());
        QSet<QString> listed;
        for (const QJsonValue &v : QJsonDocument::fromJson(list.out).array())
            listed.insert(v.toObject().value(QStringLiteral("id")).toString());
        for (const QString &id : done)
            QVERIFY2(listed.contains(id), qPrintable(id));
        QVERIFY(listed.contains(slowId));

        // status by an 8-digit prefix, through node 3.
        const Run status =
            cli({QStringLiteral("status"), done[1].left(8), QStringLiteral("--json")}, ports[3]);
        QVERIFY2(status.code == 0, status.err.constData());
        QCOMPARE(QJsonDocument::fromJson(status.out).object().value("id").toString(), done[1]);

        // fetch through node 4: byte-exact.
        const QString copy = m_files.filePath(QStringLiteral("cli-copy.bin"));
        const Run fetch = cli({QStringLiteral("fetch"), done[2], copy}, ports[4]);
        QVERIFY2(fetch.code == 0, fetch.err.constData());
        QCOMPARE(sha256OfFile(copy), sha256OfFile(paths.value(done[2])));

        // watch through node 5 (piped: one line per change) sees the slow export move.
        QProcess watch;
        QProcessEnvironment we = e;
        we.insert(QStringLiteral("HBEXPORTER_REDIS_URL"), m_cluster.url(ports[5]));
        watch.setProcessEnvironment(we);
        watch.start(m_cli, {QStringLiteral("watch")});
        QByteArray seen;
        const bool watched = QTest::qWaitFor(
            [&] {
                seen += watch.readAllStandardOutput();
                return seen.count(slowId.left(8).toLatin1()) >= 2;
            },
            scaledMs(20000));
        QVERIFY2(watched, (seen + watch.readAllStandardError()).constData());

        // cancel through node 5: the owner (the slow CLI) stops, exit 1, CANCELLED.
        const Run cancel = cli({QStringLiteral("cancel"), slowId}, ports[5]);
        QVERIFY2(cancel.code == 0, cancel.err.constData());
        QVERIFY(slow.waitForFinished(scaledMs(15000)));
        QCOMPARE(slow.exitCode(), 1);
        const auto st = statusOn(masterOf(slowId), slowId);
        QVERIFY(st);
        QCOMPARE(st->state, ExportState::Cancelled);
        QVERIFY(st->settled);
        QVERIFY(st->bytesWritten > 0 && st->bytesWritten < 8 * 1024 * 1024);
        QCOMPARE(readOn(masterOf(slowId), slowId), [&] {
            QFile f(slowPath);
            f.open(QIODevice::ReadOnly);
            return f.read(st->bytesWritten);
        }());
        QVERIFY(QTest::qWaitFor(
            [&] {
                seen += watch.readAllStandardOutput();
                return seen.contains("CANCELLED");
            },
            scaledMs(10000)));
        watch.terminate();
        watch.waitForFinished(5000);
    }

    void remoteCancel_throughAnotherNode_isHonoured()
    {
        const QList<int> masters = m_cluster.masters();
        ExporterConfig cfg = config(masters[0]);
        cfg.bandwidthLimit = 512 * 1024;
        const QString path =
            makeRandomFile(m_files.path(), QStringLiteral("rc.bin"), 8 * 1024 * 1024, 5);
        Exporter exporter(cfg, nullptr);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        const QString id = exporter.startExport(path);
        QVERIFY(waitWriting(id));
        // Through a node that is not the export's master.
        int other = 0;
        for (const int p : m_cluster.ports())
            if (p != masterOf(id)) other = p;
        ExportStore store(m_cluster.endpoint(other), m_keys);
        const ExportStore::CancelResult r =
            store.cancel(id, QStringLiteral("alice"), DefaultPermissions());
        QVERIFY2(!r.failure, qPrintable(r.failure.message));
        QVERIFY(r.ownerSettled);
        QVERIFY(finished.wait(scaledMs(10000)) || !finished.isEmpty());
        QCOMPARE(takeFinished(finished).code, ErrorCode::Cancelled);
        const auto st = statusOn(masterOf(id), id);
        QCOMPARE(st->state, ExportState::Cancelled);
        QCOMPARE(readOn(masterOf(id), id).size(), st->bytesWritten);
    }

    void failover_midExport_continuesOnTheNewMasterAndCompletes()
    {
        ExporterConfig cfg = config(m_cluster.ports()[0]);
        cfg.bandwidthLimit = 1024 * 1024; // 6 MiB: about 6 s
        const QString path =
            makeRandomFile(m_files.path(), QStringLiteral("fo.bin"), 6 * 1024 * 1024, 9);
        Exporter exporter(cfg, nullptr);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        const QString id = exporter.startExport(path);
        QVERIFY(waitWriting(id, 512 * 1024));
        const int replica = failOverMasterOf(id);
        QVERIFY(replica != 0);
        // Still running when the failover was done: the rest went to the new master.
        QVERIFY(finished.isEmpty());
        QVERIFY(finished.wait(scaledMs(60000)));
        const FinishedExport f = takeFinished(finished);
        QVERIFY2(f.code == ErrorCode::None, qPrintable(f.message));
        QCOMPARE(masterOf(id), replica);
        verifyExact(id, path);
    }

    // Issue 22: a CLI export killed with SIGKILL, its slot's master failed over
    // while it lies there, then `resume` through another node: it continues on the
    // new master from what that one holds and completes exactly.
    void resumeAfterKillAndFailover_completesExactOnTheNewMaster()
    {
        const qint64 size = 12 * 1024 * 1024 + 3;
        const QString path = makeRandomFile(m_files.path(), QStringLiteral("resume.bin"), size, 19);
        QProcess owner;
        owner.setProcessEnvironment(cliEnvironment(m_cluster.url(m_cluster.ports()[0])));
        owner.start(m_cli, {QStringLiteral("export"), path, QStringLiteral("--bwlimit"),
                            QStringLiteral("3M")});
        QTRY_VERIFY_WITH_TIMEOUT(owner.canReadLine(), scaledMs(30000));
        const QString id = QString::fromLatin1(owner.readLine().trimmed());
        QVERIFY(waitWriting(id, size / 3));
        QVERIFY(signalProcess(owner, SIGKILL));
        QVERIFY(owner.waitForFinished(scaledMs(10000)));
        const int replica = failOverMasterOf(id);
        QVERIFY(replica != 0);
        const Run r = cli({QStringLiteral("resume"), id, path}, m_cluster.ports().back());
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(masterOf(id), replica);
        QCOMPARE(statusOn(replica, id)->resumes, 1);
        verifyExact(id, path);
    }

    void slotMigration_midExport_completesExactOnTheNewMaster()
    {
        ExporterConfig cfg = config(m_cluster.ports()[1]);
        cfg.bandwidthLimit = 1024 * 1024;
        cfg.chunkSize = 32 * 1024;
        const QString path =
            makeRandomFile(m_files.path(), QStringLiteral("mig.bin"), 6 * 1024 * 1024, 11);
        Exporter exporter(cfg, nullptr);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        const QString id = exporter.startExport(path);
        QVERIFY(waitWriting(id, 512 * 1024));
        const QByteArray statusKey = m_keys.statusKey(id);
        const int slot = m_cluster.keySlot(statusKey);
        const int source = m_cluster.masterOfSlot(slot);
        int target = 0;
        for (const int m : m_cluster.masters())
            if (m != source) target = m;
        const QByteArray slotText = QByteArray::number(slot);
        QVERIFY(!m_cluster
                     .command(target, {"CLUSTER", "SETSLOT", slotText, "IMPORTING",
                                       m_cluster.nodeId(source)})
                     .isError());
        QVERIFY(!m_cluster
                     .command(source, {"CLUSTER", "SETSLOT", slotText, "MIGRATING",
                                       m_cluster.nodeId(target)})
                     .isError());
        // While the slot migrates, segments the export starts now are created on
        // the importing node (ASK): wait until one is there, then move the rest.
        QVERIFY(QTest::qWaitFor(
            [&] {
                return m_cluster.command(target, {"CLUSTER", "COUNTKEYSINSLOT", slotText}).integer >
                       0;
            },
            scaledMs(20000)));
        QVERIFY(finished.isEmpty());
        for (;;) {
            const RedisReply keys =
                m_cluster.command(source, {"CLUSTER", "GETKEYSINSLOT", slotText, "100"});
            if (keys.elements.isEmpty()) break;
            QList<QByteArray> migrate{"MIGRATE", "127.0.0.1", QByteArray::number(target), "", "0",
                                      "5000",    "KEYS"};
            for (const RedisReply &k : keys.elements)
                migrate.append(k.string);
            const RedisReply m = m_cluster.command(source, migrate);
            QVERIFY2(!m.isError(), m.string.constData());
        }
        const QByteArray targetId = m_cluster.nodeId(target);
        for (const int node : {target, source})
            QVERIFY(!m_cluster.command(node, {"CLUSTER", "SETSLOT", slotText, "NODE", targetId})
                         .isError());
        for (const int m : m_cluster.masters(target))
            m_cluster.command(m, {"CLUSTER", "SETSLOT", slotText, "NODE", targetId});
        QVERIFY(m_cluster.waitForSlotOwner(slot, target));
        QVERIFY(finished.wait(scaledMs(60000)) || !finished.isEmpty());
        const FinishedExport f = takeFinished(finished);
        QVERIFY2(f.code == ErrorCode::None, qPrintable(f.message));
        QCOMPARE(masterOf(id), target);
        verifyExact(id, path);
        QCOMPARE(m_cluster.command(source, {"CLUSTER", "COUNTKEYSINSLOT", slotText}).integer, 0);
    }

    void url_namingADatabase_isAUsageError()
    {
        QProcess p;
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert(QStringLiteral("HBEXPORTER_REDIS_URL"),
                 m_cluster.url(m_cluster.ports()[2]) + QStringLiteral("/3"));
        p.setProcessEnvironment(e);
        p.start(m_cli, {QStringLiteral("list")});
        QVERIFY(p.waitForFinished(scaledMs(30000)));
        QCOMPARE(p.exitCode(), 2);
        const QByteArray err = p.readAllStandardError();
        QVERIFY2(err.contains("database 0"), err.constData());
        QCOMPARE(err.count('\n'), 1);
    }

    void monitor_seesEveryMaster_andSubscribesElsewhereWhenItsNodeGoes()
    {
        // Its only seed is a replica that will be killed; no periodic rescan, so
        // what arrives after the kill came through the new subscription (or the
        // scan right after it).
        int seed = 0;
        for (const int m : m_cluster.masters())
            if (const int r = m_cluster.replicaOf(m); r != 0 && r != m_cluster.ports()[2]) seed = r;
        QVERIFY(seed != 0);
        ExportMonitor::Options options;
        options.rescanMs = 600000;
        options.minBackoffMs = 100;
        options.maxBackoffMs = 500;
        ExportMonitor monitor(m_cluster.endpoint(seed), m_keys, options);
        QSet<QString> completed;
        connect(&monitor, &ExportMonitor::exportUpdated, this, [&](const ExportStatus &s) {
            if (s.state == ExportState::Completed) completed.insert(s.id);
        });
        QSignalSpy connection(&monitor, &ExportMonitor::connectionChanged);
        monitor.start();
        QVERIFY(QTest::qWaitFor([&] { return !connection.isEmpty(); }, scaledMs(10000)));
        QVERIFY(connection.takeFirst().at(0).toBool());

        auto exportSome = [&](int count, const QString &tag) {
            Exporter exporter(config(m_cluster.masters().first()), nullptr);
            QSignalSpy finished(&exporter, &Exporter::exportFinished);
            QStringList ids;
            for (int i = 0; i < count; ++i)
                ids << exporter.startExport(makeRandomFile(
                    m_files.path(), QStringLiteral("mon-%1-%2.bin").arg(tag).arg(i), 5000 + i));
            // Not all finished in time: no ids, and the caller's checks fail.
            if (!QTest::qWaitFor([&] { return finished.size() == count; }, scaledMs(60000)))
                return QStringList();
            return ids;
        };
        const QStringList before = exportSome(6, QStringLiteral("a"));
        QCOMPARE(before.size(), 6);
        QSet<int> masters;
        for (const QString &id : before)
            masters.insert(masterOf(id));
        QVERIFY(QTest::qWaitFor(
            [&] {
                for (const QString &id : before)
                    if (!completed.contains(id)) return false;
                return true;
            },
            scaledMs(10000)));

        m_cluster.killNode(seed);
        QVERIFY(QTest::qWaitFor([&] { return connection.size() >= 2; }, scaledMs(20000)));
        QVERIFY(!connection.at(0).at(0).toBool());
        QVERIFY(connection.at(1).at(0).toBool());
        const QStringList after = exportSome(6, QStringLiteral("b"));
        QCOMPARE(after.size(), 6);
        for (const QString &id : after)
            masters.insert(masterOf(id));
        QVERIFY(QTest::qWaitFor(
            [&] {
                for (const QString &id : after)
                    if (!completed.contains(id)) return false;
                return true;
            },
            scaledMs(10000)));
        QVERIFY(masters.size() >= 2);
        monitor.stop();
    }

    // Last: it takes the cluster down and brings it back.
    void clusterDown_endsInAClearError()
    {
        // Each master gives up one of its own slots: every master sees the cluster
        // without full coverage and answers CLUSTERDOWN to every keyed command.
        QHash<int, QByteArray> given;
        for (const int m : m_cluster.masters()) {
            for (int slot = 0; slot < cluster::slotCount; ++slot) {
                if (m_cluster.masterOfSlot(slot, m) == m) {
                    given.insert(m, QByteArray::number(slot));
                    break;
                }
            }
            QVERIFY(!m_cluster.command(m, {"CLUSTER", "DELSLOTS", given.value(m)}).isError());
        }
        QVERIFY(QTest::qWaitFor(
            [&] {
                for (const int m : given.keys())
                    if (parseInfo(m_cluster.command(m, {"CLUSTER", "INFO"}).string)
                            .value("cluster_state") != "fail")
                        return false;
                return true;
            },
            scaledMs(20000)));
        const QString path = makeRandomFile(m_files.path(), QStringLiteral("down.bin"), 1000, 3);
        const Run r = cli({QStringLiteral("export"), path}, given.keys().first(), 120000);
        for (auto it = given.cbegin(); it != given.cend(); ++it)
            m_cluster.command(it.key(), {"CLUSTER", "ADDSLOTS", it.value()});
        QCOMPARE(r.code, 5);
        QVERIFY2(r.err.contains("cluster is down") || r.err.contains("CLUSTERDOWN"),
                 r.err.constData());
        QVERIFY(r.out.isEmpty());
        QVERIFY(m_cluster.waitForState("ok"));
    }
};

QTEST_GUILESS_MAIN(TstCluster)
#include "tst_cluster.moc"

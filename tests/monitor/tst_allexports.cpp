// Issue #4: the "All exports" model and view.
#include "allexportsmodel.h"
#include "allexportsview.h"
#include "exporter.h"
#include "exportmonitor.h"
#include "permissions.h"
#include "testredis.h"

#include <QAction>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTreeView>
#include <QtTest>

using namespace hb;
using namespace hb::test;

class TestAllExports final : public QObject
{
    Q_OBJECT

private:
    TestRedisServer m_redis;
    QTemporaryDir m_dir;

    static ExportStatus pending(const QString &id, const QDateTime &updatedAt, qint64 written)
    {
        ExportStatus s;
        s.id = id;
        s.state = ExportState::Pending;
        s.owner = QStringLiteral("alice");
        s.source = QStringLiteral("scan.tiff");
        s.bytesTotal = 1000000;
        s.bytesWritten = written;
        s.createdAt = updatedAt.addSecs(-60);
        s.updatedAt = updatedAt;
        return s;
    }
    static QString text(const AllExportsModel &m, int row, int column)
    {
        return m.index(row, column).data().toString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        Q_INIT_RESOURCE(resources);
        qRegisterMetaType<hb::ExportStatus>();
        QVERIFY(m_redis.start());
    }

    void pendingWithSilentOwnerShowsStalled()
    {
        AllExportsModel model;
        QDateTime clock = QDateTime::fromString(QStringLiteral("2026-11-27T19:00:00Z"), Qt::ISODate);
        model.setClock([&] { return clock; });
        const QString id = newExportId();
        model.updateExport(pending(id, clock, 1000));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(text(model, 0, AllExportsModel::Status), QStringLiteral("PENDING"));
        QCOMPARE(text(model, 0, AllExportsModel::Owner), QStringLiteral("alice"));
        QCOMPARE(text(model, 0, AllExportsModel::Age), QStringLiteral("1 min 0 s"));
        clock = clock.addMSecs(9000);
        QCOMPARE(text(model, 0, AllExportsModel::Status), QStringLiteral("PENDING"));
        clock = clock.addMSecs(2000);
        QCOMPARE(text(model, 0, AllExportsModel::Status), QStringLiteral("Stalled (owner silent)"));
        QVERIFY(model.index(0, 0).data(AllExportsModel::StalledRole).toBool());
        // A terminal export is never stalled.
        ExportStatus done = pending(id, clock.addSecs(-100), 1000);
        done.state = ExportState::Cancelled;
        done.cancelledBy = QStringLiteral("sam");
        model.updateExport(done);
        QCOMPARE(text(model, 0, AllExportsModel::Status), QStringLiteral("CANCELLED by sam"));
    }

    void speedIsAveragedFromUpdates()
    {
        AllExportsModel model;
        const QDateTime t0 = QDateTime::currentDateTimeUtc();
        model.setClock([&] { return t0.addSecs(4); });
        const QString id = newExportId();
        model.updateExport(pending(id, t0, 0));
        model.updateExport(pending(id, t0.addSecs(2), 200000));
        model.updateExport(pending(id, t0.addSecs(4), 400000));
        QCOMPARE(model.speedAt(0), 100000.0);
        QVERIFY(text(model, 0, AllExportsModel::Speed).endsWith(QLatin1String("/s")));
        QCOMPARE(text(model, 0, AllExportsModel::Progress), QStringLiteral("40 % of 976.6 KiB"));
    }

    void updatesArePublishedInBatchesAndRowsRemoved()
    {
        AllExportsModel model;
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        const QDateTime t0 = QDateTime::currentDateTimeUtc();
        QStringList ids;
        for (int i = 0; i < 4; ++i) {
            ids << newExportId();
            model.updateExport(pending(ids.last(), t0, 0));
        }
        for (int n = 1; n <= 50; ++n)
            model.updateExport(pending(ids[1], t0.addMSecs(n * 10), n * 100));
        QCOMPARE(changed.size(), 0); // nothing until the refresh
        model.flush();
        QCOMPARE(changed.size(), 2); // the changed row, and the time columns
        QCOMPARE(changed.first().at(0).toModelIndex().row(), 1);
        model.removeExport(ids[1]);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.rowOf(ids[2]), 1);
        QCOMPARE(model.rowOf(ids[1]), -1);
    }

    // The view, live against a real server: anyone's export is listed; a user with
    // "export:cancel-any" cancels it from the view and the row records who did.
    void viewCancelsAnotherUsersExport()
    {
        const QString file = makeRandomFile(m_dir.path(), QStringLiteral("view.bin"), 8 * 1024 * 1024, 31);
        ExporterConfig aliceCfg;
        aliceCfg.endpoint = m_redis.endpoint();
        aliceCfg.user = QStringLiteral("alice");
        aliceCfg.bandwidthLimit = 256 * 1024;
        Exporter alice(aliceCfg, nullptr);
        QString error;
        std::shared_ptr<const PermissionsService> perms = FilePermissions::fromJson(
            R"({"alice":["export"],"sam":["export:read","export:cancel-any"],"bob":["export","export:read"]})",
            QStringLiteral("test"), &error);
        QVERIFY(perms);
        ExporterConfig samCfg = aliceCfg;
        samCfg.user = QStringLiteral("sam");
        Exporter sam(samCfg, perms);
        ExporterConfig bobCfg = aliceCfg;
        bobCfg.user = QStringLiteral("bob");
        Exporter bob(bobCfg, perms);

        ExportMonitor monitor(m_redis.endpoint(), KeyLayout());
        AllExportsView samView(&monitor, &sam);
        AllExportsView bobView(&monitor, &bob);
        samView.show();
        monitor.start();
        QSignalSpy aliceFinished(&alice, &Exporter::exportFinished);
        const QString id = alice.startExport(file);
        QTRY_VERIFY_WITH_TIMEOUT(samView.model()->rowOf(id) >= 0 &&
                                     samView.model()->statusAt(samView.model()->rowOf(id))->state == ExportState::Pending,
                                 30000);
        QTRY_VERIFY_WITH_TIMEOUT(bobView.selectExport(id), 10000);
        QVERIFY(!bobView.cancelAction()->isEnabled()); // bob lacks export:cancel-any
        QVERIFY(bobView.cancelAction()->toolTip().contains(QLatin1String("export:cancel-any")));

        QVERIFY(samView.selectExport(id));
        QCOMPARE(samView.selectedId(), id);
        QVERIFY(samView.cancelAction()->isEnabled());
        samView.cancelAction()->trigger();
        QVERIFY(aliceFinished.wait(10000));
        QCOMPARE(aliceFinished.first().at(1).value<ExportStatus>().state, ExportState::Cancelled);
        const AllExportsModel *m = samView.model();
        QTRY_COMPARE_WITH_TIMEOUT(m->index(m->rowOf(id), AllExportsModel::Status).data().toString(),
                                  QStringLiteral("CANCELLED by sam"), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!samView.cancelAction()->isEnabled(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(samView.statusLine().startsWith(QLatin1String("Cancelled")), 10000);
    }
};

QTEST_MAIN(TestAllExports)
#include "tst_allexports.moc"

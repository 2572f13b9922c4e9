// Issue 21, item 4: the streaming lister `list` is built on: SCAN on every master,
// statuses in pipelined batches handed on as found, filters while streaming.
#include "exportlister.h"
#include "exportmonitor.h"
#include "exportstore.h"
#include "listedstatus.h"
#include "redisconnection.h"
#include "statusfill.h"
#include "statuskeywalker.h"
#include "testcluster.h"
#include "testredis.h"
#include "textescape.h"

#include <QSet>
#include <QSignalSpy>
#include <QtTest>

using namespace hb;
using namespace hb::test;

class TestLister final : public QObject
{
    Q_OBJECT

private:
    static constexpr qint64 kCount = 6000;
    TestRedisServer m_redis;
    QDateTime m_t0 = QDateTime::currentDateTimeUtc();

    // Copy i: every third PENDING, the rest COMPLETED; owners alice/bob alternating;
    // created i seconds before t0 (so `since` selects the newest).
    ExportStatus copy(qint64 i) const
    {
        ExportStatus s = madeStatus(
            numberedExportId(i), i % 3 == 0 ? ExportState::Pending : ExportState::Completed,
            m_t0.addSecs(-i), 3600, i % 2 ? QStringLiteral("bob") : QStringLiteral("alice"));
        s.createdAt = m_t0.addSecs(-i);
        return s;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_redis.start(&error), qPrintable(error));
        auto conn = m_redis.connect({5000, 60000});
        QVERIFY2(fillExports(
                     *conn, KeyLayout(), 0, kCount, [this](qint64 i) { return copy(i); },
                     QByteArray(64, 'd'), 3600 * 1000, &error),
                 qPrintable(error));
        // One key that is not a status and one status that does not parse.
        m_redis.command({"SET", "export:{not-an-id}", "{}", "PX", "600000"});
        m_redis.command({"SET", "unrelated", "x", "PX", "600000"});
    }

    // The lazy reading of a listing gives what ExportStatus::fromJson gives, field for
    // field and failure for failure, for plain statuses (read quickly) and for every
    // other kind (escapes, UTF-8, exponents, repeats, not JSON), read by fromJson.
    void listedStatusReadsAsExportStatus()
    {
        ExportStatus plain = copy(7);
        plain.ownerVerified = true;
        ExportStatus odd = copy(8);
        odd.source = QStringLiteral("a \"quoted\" name\\");
        odd.owner = QStringLiteral("zoë");
        odd.state = ExportState::Unknown;
        odd.rawState = QStringLiteral("PAUSED");
        const QByteArray id = numberedExportId(9).toLatin1();
        const QList<QByteArray> cases{
            plain.toJson(),
            odd.toJson(),
            copy(10).toJson() + "  ",
            "{\"id\":\"" + id + "\",\"status\":\"PENDING\",\"bytesTotal\":1e3}",
            "{\"id\":\"" + id + "\",\"status\":\"PENDING\",\"bytesTotal\":12.75," +
                "\"bytesWritten\":-5,\"owner\":7,\"ownerVerified\":\"true\"}",
            "{\"id\":\"" + id + "\",\"status\":\"FAILED\",\"owner\":\"a\",\"owner\":\"b\"}",
            "{\"id\":\"" + id + "\",\"status\":\"COMPLETED\",\"x\":[1,{\"y\":[]},null,false]," +
                "\"bytesTotal\":99999999999999999,\"createdAt\":\"2026-01-02T03:04:05Z\"}",
            "{\"id\":\"" + id + "\",\"status\":\"CANCELLED\",\"bytesWritten\":-0}",
            "{\"id\":\"" + id + "\",\"status\":\"" + QByteArray(100, 'Q') + "\"}",
            "{\"id\":\"" + id + "\",\"status\":\"PENDING\"} x",
            "{\"id\":\"" + id + "\",\"status\":\"PENDING\",}",
            "{\"id\":\"" + id + "\",\"status\":\"PENDING\",\"n\":01}",
            "{\"id\":\"" + id + "\",\"status\":null}",
            "{\"status\":\"PENDING\"}",
            "[{\"id\":\"" + id + "\",\"status\":\"PENDING\"}]",
            "{\"id\":\"" + id + "\",\"status\":\"PENDING\",\"n\":" + QByteArray(40, '[') +
                QByteArray(40, ']') + "}",
            "{\"id\":\"" + id + "\"\t,\"status\":\"PENDING\"}",
            "{}",
            "",
            "not json",
        };
        int quick = 0;
        for (const QByteArray &json : cases) {
            QString whyFull, whyListed;
            const auto full = ExportStatus::fromJson(json, &whyFull);
            const auto listed = ListedStatus::fromJson(json, &whyListed);
            QCOMPARE(bool(listed), bool(full));
            if (!full) {
                QCOMPARE(whyListed, whyFull);
                continue;
            }
            QCOMPARE(listed->id(), full->id);
            QCOMPARE(listed->state(), full->state);
            QCOMPARE(listed->stateText(), full->stateText());
            QCOMPARE(listed->owner(), full->owner);
            QCOMPARE(listed->source(), full->source);
            QCOMPARE(listed->host(), full->host);
            QCOMPARE(listed->bytesTotal(), full->bytesTotal);
            QCOMPARE(listed->bytesWritten(), full->bytesWritten);
            QCOMPARE(listed->ownerVerified(), full->ownerVerified);
            QCOMPARE(listed->createdAt(), full->createdAt);
            if (listed->isPlain()) QCOMPARE(escapeUntrustedJson(json), json);
            quick += listed->isPlain() ? 1 : 0;
        }
        QVERIFY(quick >= 5);
    }

    void streamsEveryExportOnceInBoundedBatches()
    {
        ExportStore store(m_redis.endpoint(), KeyLayout());
        ExportLister lister(store);
        m_redis.command({"CONFIG", "RESETSTAT"});
        QSet<QString> ids;
        int batches = 0;
        qsizetype largest = 0;
        const Failure f = lister.stream({}, [&](const QList<ExportLister::Row> &rows) {
            ++batches;
            largest = std::max(largest, rows.size());
            for (const auto &e : rows)
                ids.insert(e.id);
            return true;
        });
        QVERIFY2(!f, qPrintable(f.message));
        QCOMPARE(ids.size(), kCount + 1); // and the malformed one, with its problem
        QVERIFY(ids.contains(numberedExportId(kCount - 1)));
        QVERIFY(batches > 3);          // handed on step by step, not all at the end
        QVERIFY(largest < kCount / 2); // memory: a batch
        QByteArray detail;
        commandCalls(*m_redis.connect(), {}, &detail);
        // Status keys only, a batch per MGET: no single GET, no data segment (the
        // rows above are status keys only), no TTL.
        const QByteArray d = ' ' + detail;
        QVERIFY2(d.contains(" mget=") && !d.contains(" get="), detail.constData());
        QVERIFY2(!detail.contains("ttl="), detail.constData());
    }

    void filtersWhileStreaming()
    {
        ExportStore store(m_redis.endpoint(), KeyLayout());
        ExportLister lister(store);
        auto count = [&](const ExportLister::Filter &filter, QList<ExportLister::Row> *all) {
            qint64 n = 0;
            const Failure f = lister.stream(filter, [&](const QList<ExportLister::Row> &rows) {
                n += rows.size();
                if (all) all->append(rows);
                return true;
            });
            return f ? -1 : n;
        };
        ExportLister::Filter pending;
        pending.states = {ExportState::Pending};
        QList<ExportLister::Row> rows;
        QCOMPARE(count(pending, &rows), kCount / 3);
        for (const auto &e : rows)
            QCOMPARE(e.status->state(), ExportState::Pending);
        ExportLister::Filter done;
        done.states = {ExportState::Completed, ExportState::Cancelled};
        QCOMPARE(count(done, nullptr), kCount - kCount / 3);
        ExportLister::Filter bob;
        bob.owner = QStringLiteral("bob");
        QCOMPARE(count(bob, nullptr), kCount / 2);
        ExportLister::Filter recent;
        recent.sinceMs = 100 * 1000 - 500; // created within 100 s minus slack: copies 0..~99
        const qint64 n = count(recent, nullptr);
        QVERIFY2(n >= 95 && n <= 100, qPrintable(QString::number(n)));

        // A limit stops the walk early: far fewer SCAN steps than the whole.
        const Failure whole = lister.stream({}, [](const auto &) { return true; });
        QVERIFY(!whole);
        const int allSteps = lister.scanSteps();
        ExportLister::Filter limited;
        limited.limit = 20;
        QCOMPARE(count(limited, nullptr), qint64(20));
        QVERIFY2(lister.scanSteps() * 3 < allSteps,
                 qPrintable(QStringLiteral("%1 of %2").arg(lister.scanSteps()).arg(allSteps)));
    }

    void sortsByCreatedWhenAsked()
    {
        ExportStore store(m_redis.endpoint(), KeyLayout());
        ExportLister lister(store);
        ExportLister::Filter filter;
        filter.owner = QStringLiteral("alice");
        filter.limit = 50;
        Failure failure;
        const QList<ExportLister::Row> rows = lister.collectSorted(filter, &failure);
        QVERIFY(!failure);
        QCOMPARE(rows.size(), 50);
        // Oldest first: alice's copies are the even ones, the oldest the highest.
        QCOMPARE(rows.first().id, numberedExportId(kCount - 2));
        for (qsizetype i = 1; i < rows.size(); ++i)
            QVERIFY(rows[i - 1].status->createdAt() <= rows[i].status->createdAt());
    }

    void streamsEveryMasterOfACluster()
    {
        TestRedisCluster cluster;
        QString error;
        QVERIFY2(cluster.start(&error), qPrintable(error));
        const RedisEndpoint seed = cluster.endpoint(cluster.ports().last());
        ExportStore store(seed, KeyLayout());
        QVERIFY(store.connection().ensureConnected());
        QVERIFY(store.connection().isCluster());
        constexpr qint64 n = 900;
        QVERIFY2(fillExports(
                     store.connection(), KeyLayout(), 0, n, [this](qint64 i) { return copy(i); },
                     QByteArray(16, 'd'), 600000, &error),
                 qPrintable(error));
        ExportLister lister(store);
        QSet<QString> ids;
        const Failure f = lister.stream({}, [&](const QList<ExportLister::Row> &rows) {
            for (const auto &e : rows)
                ids.insert(e.id);
            return true;
        });
        QVERIFY2(!f, qPrintable(f.message));
        QCOMPARE(ids.size(), n);

        // The paced resync's walk: one SCAN a step on one master, the masters in turn
        // (a cluster costs Redis what one server of its size does), every key found.
        std::vector<std::unique_ptr<RedisConnection>> masters;
        for (const int port : cluster.masters()) {
            masters.push_back(std::make_unique<RedisConnection>(cluster.endpoint(port)));
            masters.back()->disableClusterDiscovery();
            QVERIFY(!masters.back()->command({"CONFIG", "RESETSTAT"}).isError());
        }
        QCOMPARE(masters.size(), size_t(3));
        StatusKeyWalker walker(store.connection(), KeyLayout());
        Failure walkFailure;
        QVERIFY(walker.restart(&walkFailure));
        QSet<QString> walked;
        qint64 steps = 0;
        QList<qint64> lastCalls(3, 0);
        QSet<int> stepped; // which masters the first three steps went to
        while (!walker.atEnd()) {
            QList<QByteArray> keys;
            QVERIFY2(walker.stepNext(100, &keys, &walkFailure), qPrintable(walkFailure.message));
            ++steps;
            qint64 total = 0;
            for (int m = 0; m < 3; ++m) {
                const qint64 calls = commandCallsByName(*masters[size_t(m)]).value("scan");
                if (calls != lastCalls[m] && steps <= 3) stepped.insert(m);
                lastCalls[m] = calls;
                total += calls;
            }
            QCOMPARE(total, steps); // one SCAN a step, not one per master
            for (const QByteArray &k : keys)
                walked.insert(KeyLayout().idFromStatusKey(k));
            QVERIFY(steps < 1000);
        }
        QCOMPARE(stepped.size(), 3); // in turn: the first three steps, three masters
        QCOMPARE(walked, ids);

        // The monitor walks every master too, then lives on the one subscription.
        ExportMonitor::Options opts;
        opts.rescanMs = 600000;
        ExportMonitor monitor(seed, KeyLayout(), opts);
        QSignalSpy scanned(&monitor, &ExportMonitor::scanned);
        QSignalSpy updates(&monitor, &ExportMonitor::exportUpdated);
        monitor.start();
        QTRY_VERIFY_WITH_TIMEOUT(!scanned.isEmpty(), scaledMs(30000));
        QCOMPARE(scanned.first().at(0).toInt(), int(n));
        const ExportStatus late = madeStatus(numberedExportId(n + 1), ExportState::Pending,
                                             QDateTime::currentDateTimeUtc());
        store.connection().command(
            {"SET", KeyLayout().statusKey(late.id), late.toJson(), "PX", "600000"});
        store.connection().command({"PUBLISH", KeyLayout().eventsChannel(), late.toJson()});
        QTRY_VERIFY_WITH_TIMEOUT(std::any_of(updates.cbegin(), updates.cend(),
                                             [&](const auto &a) {
                                                 return a.at(0).template value<ExportStatus>().id ==
                                                        late.id;
                                             }),
                                 scaledMs(5000));
    }
};

QTEST_GUILESS_MAIN(TestLister)
#include "tst_lister.moc"

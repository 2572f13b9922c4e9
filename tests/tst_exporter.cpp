// The exporter core against a real redis-server: round trips, states, expiry,
// cancel (local, remote, races), refusals and faults.
#include "exportdata.h"
#include "exporter.h"
#include "exportstore.h"
#include "exporttesting.h"
#include "segmentwriter.h"
#include "statusscripts.h"
#include "testredis.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <QBuffer>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QThread>
#include <QtTest>

#include <atomic>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

using namespace hb;
using namespace hb::test;

namespace {

using Outcome = FinishedExport;

// Work on a thread of its own, joined by wait() or the destructor. A std::thread (via
// std::async), not a QThread: ThreadSanitizer sees its join, not QThread::wait's.
class Background
{
public:
    explicit Background(std::function<void()> work)
        : m_done(std::async(std::launch::async, std::move(work)))
    {
    }
    bool wait(int ms)
    {
        return m_done.wait_for(std::chrono::milliseconds(ms)) == std::future_status::ready;
    }

private:
    std::future<void> m_done;
};

// Collects every message published on a channel, on a thread of its own.
class EventRecorder
{
public:
    EventRecorder(const RedisEndpoint &ep, const QByteArray &channel)
        : m_endpoint(ep), m_channel(channel)
    {
        m_thread = std::thread([this, ep, channel] {
            RedisConnection c(ep, {2000, 120000});
            c.append({"SUBSCRIBE", channel});
            c.readReply();
            m_ready = true;
            while (!m_stop) {
                const RedisReply r = c.readReply();
                if (r.isError()) break;
                if (r.elements.size() == 3) {
                    std::lock_guard<std::mutex> g(m_mutex);
                    m_messages.append(r.elements[2].string);
                }
            }
        });
    }
    ~EventRecorder()
    {
        m_stop = true;
        RedisConnection(m_endpoint).command({"PUBLISH", m_channel, "stop"}); // wakes the reader
        m_thread.join();
    }
    bool waitReady()
    {
        QElapsedTimer t;
        t.start();
        while (!m_ready && t.elapsed() < 10000)
            QThread::msleep(5);
        return m_ready;
    }
    QList<ExportStatus> statusesFor(const QString &id)
    {
        std::lock_guard<std::mutex> g(m_mutex);
        QList<ExportStatus> out;
        for (const QByteArray &m : std::as_const(m_messages))
            if (auto s = ExportStatus::fromJson(m); s && s->id == id) out.append(*s);
        return out;
    }
    QList<QByteArray> all()
    {
        std::lock_guard<std::mutex> g(m_mutex);
        return m_messages;
    }

private:
    RedisEndpoint m_endpoint;
    QByteArray m_channel;
    std::thread m_thread; // a std::thread: its join is visible to ThreadSanitizer
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_ready{false};
    std::mutex m_mutex;
    QList<QByteArray> m_messages;
};

} // namespace

class TstExporter : public QObject
{
    Q_OBJECT

    TestRedisServer m_redis;
    QTemporaryDir m_files;

    ExporterConfig config(qint64 chunk = 1024 * 1024) const
    {
        ExporterConfig c;
        c.endpoint = m_redis.endpoint();
        c.user = QStringLiteral("alice");
        c.ttlSeconds = 600;
        c.chunkSize = chunk;
        c.timeouts = {3000, 10000};
        return c;
    }

    static Outcome waitFinished(QSignalSpy &spy, int timeoutMs = 180000)
    {
        if (spy.isEmpty() && !spy.wait(timeoutMs)) return {};
        return takeFinished(spy);
    }

    Outcome exportFile(const ExporterConfig &cfg, const QString &path,
                       std::shared_ptr<const PermissionsService> perms = nullptr)
    {
        Exporter exporter(cfg, std::move(perms));
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        exporter.startExport(path);
        return waitFinished(finished);
    }

    qint64 ttl(const QByteArray &key) { return m_redis.command({"TTL", key}).integer; }
    qint64 strlen(const QByteArray &key) { return m_redis.command({"STRLEN", key}).integer; }
    QByteArray get(const QByteArray &key) { return m_redis.command({"GET", key}).string; }
    qint64 dbsize() { return m_redis.command({"DBSIZE"}).integer; }
    ExportStatus stored(const QString &id)
    {
        const auto s = ExportStatus::fromJson(get(KeyLayout().statusKey(id)));
        return s ? *s : ExportStatus{};
    }
    QByteArray filePrefix(const QString &path, qint64 n)
    {
        QFile f(path);
        f.open(QIODevice::ReadOnly);
        return f.read(n);
    }
    // Writes `data` through `writer` in chunks of at most `chunk` bytes (never across
    // a segment's end), then waits for Redis: the first answer that is not
    // Acknowledged, else Acknowledged.
    static SegmentWriter::Ack writeThrough(SegmentWriter &writer, const QByteArray &data,
                                           qint64 chunk)
    {
        while (writer.sent() < data.size()) {
            while (!writer.canSend()) {
                const SegmentWriter::Ack ack = writer.readOne();
                if (ack != SegmentWriter::Ack::Acknowledged) return ack;
            }
            const qint64 n =
                std::min(writer.maxChunkAt(writer.sent(), chunk), data.size() - writer.sent());
            if (!writer.send(data.mid(writer.sent(), n))) return SegmentWriter::Ack::Transport;
        }
        return writer.drain();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString err;
        QVERIFY2(m_redis.start(&err), qPrintable(err));
        QVERIFY(m_files.isValid());
    }
    void init() { m_redis.command({"FLUSHALL"}); }

    void roundTrip_isByteExact_data()
    {
        QTest::addColumn<qint64>("size");
        QTest::addColumn<qint64>("chunk");
        const qint64 chunk = 64 * 1024;
        QTest::newRow("0 B") << qint64(0) << chunk;
        QTest::newRow("1 B") << qint64(1) << chunk;
        QTest::newRow("chunk-1") << chunk - 1 << chunk;
        QTest::newRow("chunk") << chunk << chunk;
        QTest::newRow("chunk+1") << chunk + 1 << chunk;
        QTest::newRow("64 MiB+3, 1 MiB chunks")
            << qint64(64) * 1024 * 1024 + 3 << qint64(1024 * 1024);
    }
    void roundTrip_isByteExact()
    {
        QFETCH(qint64, size);
        QFETCH(qint64, chunk);
        const QString path = makeRandomFile(m_files.path(), QStringLiteral("rt-%1.bin").arg(size),
                                            size, quint32(size));
        const QByteArray fileSha = sha256OfFile(path);
        const Outcome o = exportFile(config(chunk), path);
        QVERIFY2(o.code == ErrorCode::None, qPrintable(o.message));
        QCOMPARE(o.status.state, ExportState::Completed);
        const KeyLayout k;
        const ExportStatus s = stored(o.id);
        QCOMPARE(s.state, ExportState::Completed);
        QCOMPARE(s.bytesTotal, size);
        QCOMPARE(s.bytesWritten, size);
        QCOMPARE(s.sha256.toLatin1(), fileSha);
        QCOMPARE(readExportData(m_redis, o.id).size(), size);
        QCOMPARE(sha256Of(readExportData(m_redis, o.id)), fileSha);
        HB_VERIFY_TTLS(m_redis, o.id, 600);
    }

    void statusJson_movesThroughEveryStateWithTtls()
    {
        EventRecorder events(m_redis.endpoint(), KeyLayout().eventsChannel());
        QVERIFY(events.waitReady());
        const QString path =
            makeRandomFile(m_files.path(), QStringLiteral("states.bin"), 2 * 1024 * 1024);
        ExporterConfig cfg = config(64 * 1024);
        cfg.bandwidthLimit = 2 * 1024 * 1024; // about a second: several progress writes
        cfg.ttlSeconds = 120;
        Exporter exporter(cfg, nullptr);
        QSignalSpy created(&exporter, &Exporter::exportCreated);
        QSignalSpy progress(&exporter, &Exporter::progress);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        const QString id = exporter.startExport(path);
        QVERIFY(isValidExportId(id));
        QVERIFY(created.wait(30000));
        // CREATED: both keys exist with a TTL.
        HB_VERIFY_TTLS(m_redis, id, 120);
        const ExportStatus first = stored(id);
        QCOMPARE(first.id, id);
        QCOMPARE(first.owner, QStringLiteral("alice"));
        QCOMPARE(first.source, QStringLiteral("states.bin"));
        QCOMPARE(first.bytesTotal, 2 * 1024 * 1024);
        QTRY_VERIFY_WITH_TIMEOUT(stored(id).state == ExportState::Pending, 30000);
        HB_VERIFY_TTLS(m_redis, id, 120);
        QTRY_VERIFY_WITH_TIMEOUT(stored(id).bytesWritten > 0, 30000);
        const Outcome o = waitFinished(finished);
        QCOMPARE(o.status.state, ExportState::Completed);
        HB_VERIFY_TTLS(m_redis, id, 120);
        QVERIFY(progress.size() >= 2);
        // Progress signals are monotonic and end at the total.
        qint64 last = -1;
        for (const auto &p : std::as_const(progress)) {
            QVERIFY(p[1].toLongLong() >= last);
            last = p[1].toLongLong();
        }
        QCOMPARE(last, 2 * 1024 * 1024);
        // Every transition was published, in order, and nothing after the terminal one.
        QTRY_VERIFY_WITH_TIMEOUT(!events.statusesFor(id).isEmpty() &&
                                     events.statusesFor(id).last().state == ExportState::Completed,
                                 10000);
        const QList<ExportStatus> seen = events.statusesFor(id);
        QCOMPARE(seen.first().state, ExportState::Created);
        QVERIFY(seen.size() >= 3);
        for (int i = 1; i + 1 < seen.size(); ++i)
            QCOMPARE(seen[i].state, ExportState::Pending);
        QVERIFY(!seen.last().sha256.isEmpty());
        // A progress update every 250 ms at most: no more than ~4 a second.
        const qint64 spanMs = seen.first().createdAt.msecsTo(seen.last().updatedAt);
        QVERIFY2(seen.size() <= 3 + spanMs / 200,
                 qPrintable(QStringLiteral("%1 events in %2 ms").arg(seen.size()).arg(spanMs)));
    }

    void throttle_limitsReadRate()
    {
        const qint64 size = 768 * 1024;
        const qint64 rate = 512 * 1024;
        const QString path = makeRandomFile(m_files.path(), QStringLiteral("slow.bin"), size);
        ExporterConfig cfg = config(64 * 1024);
        cfg.bandwidthLimit = rate;
        QElapsedTimer t;
        t.start();
        const Outcome o = exportFile(cfg, path);
        QCOMPARE(o.status.state, ExportState::Completed);
        // A limit can only slow things down: a lower bound holds on any machine.
        QVERIFY2(t.elapsed() >= (size - rate / 8) * 1000 / rate,
                 qPrintable(QStringLiteral("took %1 ms").arg(t.elapsed())));
    }

    // Issue #13 item 10: the limit was per export, so two exports ran at twice it.
    void throttle_oneBudgetForAllExportsTogether()
    {
        const qint64 size = 512 * 1024;
        const qint64 rate = 512 * 1024;
        ExporterConfig cfg = config(64 * 1024);
        cfg.bandwidthLimit = rate;
        Exporter exporter(cfg, nullptr);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        QElapsedTimer t;
        t.start();
        exporter.startExport(makeRandomFile(m_files.path(), QStringLiteral("b1.bin"), size, 31));
        exporter.startExport(makeRandomFile(m_files.path(), QStringLiteral("b2.bin"), size, 32));
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, scaledMs(30000));
        // 1 MiB in all at 512 KiB/s together: about 2 s (less one burst), not 1 s.
        QVERIFY2(t.elapsed() >= (2 * size - rate / 4) * 1000 / rate,
                 qPrintable(QStringLiteral("took %1 ms").arg(t.elapsed())));
        while (!finished.isEmpty())
            QCOMPARE(takeFinished(finished).code, ErrorCode::None);
    }

    void cancel_midExportFreezesDataAtBytesWritten()
    {
        const QString path =
            makeRandomFile(m_files.path(), QStringLiteral("cancel.bin"), 8 * 1024 * 1024);
        ExporterConfig cfg = config(64 * 1024);
        cfg.bandwidthLimit = 512 * 1024;
        WritingExport run = startWriting(m_redis, cfg, path);
        QVERIFY(run.started);
        Exporter &exporter = *run.exporter;
        QSignalSpy &finished = *run.finished;
        const QString &id = run.id;
        QSignalSpy cancelling(&exporter, &Exporter::cancelRequested);
        exporter.cancel(id);
        exporter.cancel(id); // twice is harmless
        QCOMPARE(cancelling.size(), 1);
        const Outcome o = waitFinished(finished);
        QCOMPARE(o.code, ErrorCode::Cancelled);
        QCOMPARE(o.status.state, ExportState::Cancelled);
        const KeyLayout k;
        const ExportStatus s = stored(id);
        QCOMPARE(s.state, ExportState::Cancelled);
        QCOMPARE(s.cancelledBy, QStringLiteral("alice"));
        QVERIFY(s.settled);
        QVERIFY(s.bytesWritten > 0 && s.bytesWritten < 8 * 1024 * 1024);
        QCOMPARE(readExportData(m_redis, id).size(), s.bytesWritten);
        QCOMPARE(readExportData(m_redis, id), filePrefix(path, s.bytesWritten));
        HB_VERIFY_TTLS(m_redis, id, 600);
        // Frozen: nothing lands after the cancel was reported done.
        QTest::qWait(600);
        QCOMPARE(readExportData(m_redis, id).size(), s.bytesWritten);
        QCOMPARE(stored(id).toJson(), s.toJson());
        QVERIFY(!finished.wait(200)); // exactly one finished signal
    }

    void cancel_afterCompletedChangesNothing()
    {
        const QString path = makeRandomFile(m_files.path(), QStringLiteral("done.bin"), 1000);
        const Outcome o = exportFile(config(), path);
        QCOMPARE(o.status.state, ExportState::Completed);
        const QByteArray before = get(KeyLayout().statusKey(o.id));
        ExportStore store(m_redis.endpoint(), KeyLayout());
        const auto r = store.cancel(o.id, QStringLiteral("alice"), DefaultPermissions());
        QCOMPARE(r.failure.code, ErrorCode::TooLate);
        QVERIFY(r.failure.message.contains(QLatin1String("already COMPLETED")));
        QCOMPARE(get(KeyLayout().statusKey(o.id)), before);
    }

    void cancel_remoteStopsOwnerWithinOneSecond()
    {
        const QString path =
            makeRandomFile(m_files.path(), QStringLiteral("remote.bin"), 16 * 1024 * 1024);
        ExporterConfig cfg = config(64 * 1024);
        cfg.bandwidthLimit = 1024 * 1024;
        WritingExport run = startWriting(m_redis, cfg, path);
        QVERIFY(run.started);
        QSignalSpy &finished = *run.finished;
        const QString &id = run.id;

        ExportStore other(m_redis.endpoint(), KeyLayout());
        ExportStore::CancelResult r;
        QElapsedTimer t;
        t.start();
        Background canceller(
            [&] { r = other.cancel(id, QStringLiteral("alice"), DefaultPermissions()); });
        QVERIFY(finished.wait(5000));
        const qint64 ownerStoppedMs = t.elapsed();
        QVERIFY(canceller.wait(10000));
        QVERIFY2(ownerStoppedMs < 1000,
                 qPrintable(QStringLiteral("owner stopped after %1 ms").arg(ownerStoppedMs)));
        QCOMPARE(r.failure.code, ErrorCode::None);
        QVERIFY(r.changed);
        QVERIFY(r.ownerSettled);
        const Outcome o = takeFinished(finished);
        QCOMPARE(o.status.state, ExportState::Cancelled);
        const ExportStatus s = stored(id);
        QCOMPARE(s.state, ExportState::Cancelled);
        QVERIFY(s.settled);
        QCOMPARE(readExportData(m_redis, id).size(), s.bytesWritten);
        QCOMPARE(readExportData(m_redis, id), filePrefix(path, s.bytesWritten));
        HB_VERIFY_TTLS(m_redis, id, 600);
        // Cancelling again is harmless and says it is already CANCELLED.
        const auto again = other.cancel(id, QStringLiteral("alice"), DefaultPermissions());
        QCOMPARE(again.failure.code, ErrorCode::None);
        QVERIFY(!again.changed);
        QCOMPARE(stored(id).toJson(), s.toJson());
    }

    void cancel_remoteOfOthersNeedsCancelAny()
    {
        const QString path =
            makeRandomFile(m_files.path(), QStringLiteral("others.bin"), 4 * 1024 * 1024);
        ExporterConfig cfg = config(64 * 1024);
        cfg.bandwidthLimit = 256 * 1024;
        Exporter owner(cfg, nullptr);
        QSignalSpy finished(&owner, &Exporter::exportFinished);
        const QString id = owner.startExport(path);
        QTRY_VERIFY_WITH_TIMEOUT(stored(id).state == ExportState::Pending, 30000);
        QString err;
        auto perms = FilePermissions::fromJson(
            R"({"bob":["export"],"sam":["export:read","export:cancel-any"]})", QStringLiteral("p"),
            &err);
        ExportStore other(m_redis.endpoint(), KeyLayout());
        const auto refused = other.cancel(id, QStringLiteral("bob"), *perms);
        QCOMPARE(refused.failure.code, ErrorCode::PermissionDenied);
        QVERIFY2(refused.failure.message.contains(QLatin1String("export:cancel-any")),
                 qPrintable(refused.failure.message));
        QCOMPARE(stored(id).state, ExportState::Pending);
        const auto ok = other.cancel(id, QStringLiteral("sam"), *perms);
        QCOMPARE(ok.failure.code, ErrorCode::None);
        QCOMPARE(stored(id).cancelledBy, QStringLiteral("sam"));
        QVERIFY(finished.wait(5000) || !finished.isEmpty());
    }

    void refusal_permissionDeniedWritesNothing()
    {
        const QString path = makeRandomFile(m_files.path(), QStringLiteral("denied.bin"), 1000);
        QString err;
        std::shared_ptr<const PermissionsService> perms =
            FilePermissions::fromJson(R"({"someone-else":["export"]})", QStringLiteral("p"), &err);
        const Outcome o = exportFile(config(), path, perms);
        QCOMPARE(o.code, ErrorCode::PermissionDenied);
        QCOMPARE(o.message, QStringLiteral("permission denied: user alice lacks \"export\""));
        QCOMPARE(dbsize(), 0);
    }

    void refusal_missingFileOrDirectoryWritesNothing_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("needle");
        QTest::newRow("missing") << m_files.path() + QStringLiteral("/nope.bin")
                                 << "No such file or directory";
        QTest::newRow("directory") << m_files.path() << "is a directory";
        QTest::newRow("socket") << m_redis.socketPath() << "is a socket";
    }
    void refusal_missingFileOrDirectoryWritesNothing()
    {
        QFETCH(QString, path);
        QFETCH(QString, needle);
        const Outcome o = exportFile(config(), path);
        QCOMPARE(o.code, ErrorCode::Source);
        QVERIFY2(o.message.contains(needle) && o.message.contains(path), qPrintable(o.message));
        QCOMPARE(dbsize(), 0);
    }

    void refusal_segmentLargerThanServerAcceptsWritesNothing()
    {
        // A file larger than one value is fine (segments); a segment is not.
        m_redis.command({"CONFIG", "SET", "proto-max-bulk-len", "1048576"});
        const QString path =
            makeRandomFile(m_files.path(), QStringLiteral("big.bin"), 3 * 1048576 + 5);
        ExporterConfig cfg = config();
        cfg.segmentBytes = 2 * 1048576;
        const Outcome refused = exportFile(cfg, path);
        QCOMPARE(dbsize(), 0);
        const Outcome fine = exportFile(config(), path);
        m_redis.command({"CONFIG", "SET", "proto-max-bulk-len", "536870912"});
        QCOMPARE(refused.code, ErrorCode::Usage);
        QVERIFY2(refused.message.contains(QLatin1String("larger than the server accepts")),
                 qPrintable(refused.message));
        QVERIFY2(fine.code == ErrorCode::None, qPrintable(fine.message));
        QCOMPARE(sha256Of(readExportData(m_redis, fine.id)), sha256OfFile(path));
    }

    void lookup_unknownIdIsNotFound()
    {
        ExportStore store(m_redis.endpoint(), KeyLayout());
        const QString id = newExportId();
        const auto r = store.fetchStatus(id);
        QCOMPARE(r.failure.code, ErrorCode::NotFound);
        QCOMPARE(r.failure.message, QStringLiteral("no export found for id: %1").arg(id));
        QCOMPARE(store.fetchStatus(QStringLiteral("*")).failure.code, ErrorCode::Usage);
    }

    void redis_unreachableIsAClearError()
    {
        ExporterConfig cfg = config();
        cfg.endpoint = RedisEndpoint::unixSocket(m_files.path() + QStringLiteral("/no-such.sock"));
        const QString path = makeRandomFile(m_files.path(), QStringLiteral("unreach.bin"), 10);
        const Outcome o = exportFile(cfg, path);
        QCOMPARE(o.code, ErrorCode::Redis);
        QVERIFY2(o.message.contains(QLatin1String("no-such.sock")) &&
                     o.message.contains(QLatin1String("cannot connect")),
                 qPrintable(o.message));
    }

    void redis_wrongPasswordIsRefusedClearly()
    {
        TestRedisServer locked({QStringLiteral("--requirepass"), QStringLiteral("right")});
        QString err;
        QVERIFY2(locked.start(&err), qPrintable(err));
        RedisEndpoint ep = locked.endpoint();
        ep.password = QStringLiteral("wrong");
        ExporterConfig cfg = config();
        cfg.endpoint = ep;
        const QString path = makeRandomFile(m_files.path(), QStringLiteral("pw.bin"), 10);
        const Outcome o = exportFile(cfg, path);
        QCOMPARE(o.code, ErrorCode::Redis);
        QVERIFY2(o.message.contains(QLatin1String("refused the login")), qPrintable(o.message));
        QVERIFY(!o.message.contains(QLatin1String("wrong")) ||
                o.message.contains(QLatin1String("WRONGPASS")));
        QCOMPARE(locked.command({"AUTH", "right"}).string, QByteArray("OK"));
        QCOMPARE(locked.command({"DBSIZE"}).integer, 0);
    }

    void vanish_dataKeyDeletedMidExportEndsFailed()
    {
        const QString path =
            makeRandomFile(m_files.path(), QStringLiteral("vanish.bin"), 8 * 1024 * 1024);
        ExporterConfig cfg = config(64 * 1024);
        cfg.bandwidthLimit = 1024 * 1024;
        WritingExport run = startWriting(m_redis, cfg, path);
        QVERIFY(run.started);
        QSignalSpy &finished = *run.finished;
        const QString &id = run.id;
        for (const QByteArray &key : dataKeys(m_redis, id))
            m_redis.command({"DEL", key});
        const Outcome o = waitFinished(finished, 30000);
        QCOMPARE(o.status.state, ExportState::Failed);
        QVERIFY2(o.message.contains(QLatin1String("vanished")), qPrintable(o.message));
        const ExportStatus s = stored(id);
        QCOMPARE(s.state, ExportState::Failed);
        QVERIFY2(s.error.contains(QLatin1String("vanished")), qPrintable(s.error));
        // Never a recreated data key left without expiry.
        for (const QByteArray &key : dataKeys(m_redis, id))
            QVERIFY2(ttl(key) > 0, key.constData());
        QVERIFY(ttl(KeyLayout().statusKey(id)) > 0);
    }

    // The chunk pipeline on its own (SegmentWriter), against Redis.
    void writer_everySegmentHasItsBytesAndExpiry_data()
    {
        QTest::addColumn<qint64>("chunk");
        QTest::newRow("a chunk per segment") << qint64(4096);
        QTest::newRow("three chunks per segment") << qint64(1500);
    }
    void writer_everySegmentHasItsBytesAndExpiry()
    {
        QFETCH(qint64, chunk);
        const qint64 segment = 4096;
        const QByteArray data = randomBytes(10 * segment + 123, 31);
        RedisConnection conn(m_redis.endpoint());
        const SegmentLayout layout =
            SegmentLayout::forWriting(KeyLayout(), QStringLiteral("w1"), segment, data.size());
        SegmentWriter writer(conn, layout, 600, 4);
        QCOMPARE(writeThrough(writer, data, chunk), SegmentWriter::Ack::Acknowledged);
        QCOMPARE(writer.acked(), qint64(data.size()));
        QCOMPARE(layout.countFor(data.size()), qint64(11));
        QByteArray back;
        for (qint64 i = 0; i < 11; ++i) {
            const QByteArray key = layout.key(i);
            back += get(key);
            // Data keys outlive the status key by the margin (CONTRACT §4).
            QVERIFY2(ttl(key) > 600 && ttl(key) <= 600 + dataTtlMarginSeconds(600),
                     key.constData());
        }
        QVERIFY(back == data);
    }

    // A segment that vanished while being written is caught at its next chunk,
    // and never left behind without expiry.
    void writer_segmentDeletedBetweenChunksIsVanished()
    {
        RedisConnection conn(m_redis.endpoint());
        const SegmentLayout layout =
            SegmentLayout::forWriting(KeyLayout(), QStringLiteral("w2"), 4096, 3 * 4096);
        SegmentWriter writer(conn, layout, 600, 4);
        QVERIFY(writer.send(QByteArray(2048, 'a')));
        QCOMPARE(writer.drain(), SegmentWriter::Ack::Acknowledged);
        m_redis.command({"DEL", layout.key(0)});
        QVERIFY(writer.send(QByteArray(2048, 'b')));
        QCOMPARE(writer.drain(), SegmentWriter::Ack::Vanished);
        QCOMPARE(writer.acked(), qint64(2048));
        QCOMPARE(ttl(layout.key(0)), qint64(-1)); // recreated by SETRANGE: the caller's to remove
    }

    // A login that may not run transactions still writes every segment with its
    // expiry (by SET … PX), and its connection is not left inside a MULTI.
    void writer_loginWithoutTransactionsStillWritesWithExpiry_data()
    {
        QTest::addColumn<QByteArray>("rule");
        QTest::newRow("no MULTI") << QByteArray("-multi");
        QTest::newRow("MULTI but no EXEC") << QByteArray("-exec");
    }
    void writer_loginWithoutTransactionsStillWritesWithExpiry()
    {
        QFETCH(QByteArray, rule);
        m_redis.command({"ACL", "SETUSER", "w", "reset", "on", ">pw", "~*", "+@all", rule});
        RedisEndpoint ep = m_redis.endpoint();
        ep.user = QStringLiteral("w");
        ep.password = QStringLiteral("pw");
        RedisConnection conn(ep);
        const qint64 segment = 4096;
        const QByteArray data = randomBytes(3 * segment + 10, 32);
        const SegmentLayout layout =
            SegmentLayout::forWriting(KeyLayout(), QStringLiteral("w4"), segment, data.size());
        SegmentWriter writer(conn, layout, 600, 4);
        QCOMPARE(writeThrough(writer, data, 2048), SegmentWriter::Ack::Acknowledged);
        QByteArray back;
        for (qint64 i = 0; i < 4; ++i) {
            back += get(layout.key(i));
            QVERIFY2(ttl(layout.key(i)) > 600, layout.key(i).constData());
        }
        QVERIFY(back == data);
        // The same connection still answers plain commands (not queued in a MULTI).
        QCOMPARE(conn.command({"STRLEN", layout.key(0)}).integer, segment);
        m_redis.command({"ACL", "DELUSER", "w"});
    }

    // Redis refusing the write that opens a segment (here: out of memory) is
    // reported with Redis's own reason, and nothing is left behind.
    void writer_refusalCarriesRedisOwnReason()
    {
        RedisConnection conn(m_redis.endpoint());
        const SegmentLayout layout =
            SegmentLayout::forWriting(KeyLayout(), QStringLiteral("w3"), 1 << 20, 4 << 20);
        SegmentWriter writer(conn, layout, 600, 4);
        m_redis.command({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
        m_redis.command({"CONFIG", "SET", "maxmemory", "1"});
        const bool sent = writer.send(QByteArray(1 << 20, 'x'));
        const SegmentWriter::Ack ack = sent ? writer.drain() : SegmentWriter::Ack::Transport;
        m_redis.command({"CONFIG", "SET", "maxmemory", "0"});
        QCOMPARE(ack, SegmentWriter::Ack::Refused);
        QVERIFY2(writer.error().message.contains(QLatin1String("OOM")),
                 qPrintable(writer.error().message));
        QCOMPARE(writer.acked(), qint64(0));
        QCOMPARE(dbsize(), qint64(0));
    }

    void queue_capsConcurrentExportsAndRunsThemInOrder()
    {
        ExporterConfig cfg = config(64 * 1024);
        cfg.maxConcurrent = 1;
        cfg.bandwidthLimit = 2 * 1024 * 1024;
        Exporter exporter(cfg, nullptr);
        QSignalSpy created(&exporter, &Exporter::exportCreated);
        QStringList ids, finishedIds;
        int mostRunning = 0;
        connect(&exporter, &Exporter::progress, this,
                [&] { mostRunning = std::max(mostRunning, exporter.runningCount()); });
        connect(&exporter, &Exporter::exportFinished, this,
                [&](const QString &id) { finishedIds << id; });
        for (int i = 0; i < 3; ++i)
            ids << exporter.startExport(
                makeRandomFile(m_files.path(), QStringLiteral("q%1.bin").arg(i), 300000, i));
        QCOMPARE(exporter.queuedCount(), 3);
        // Every one gets its status key at once, running or not (CONTRACT §5).
        QTRY_COMPARE_WITH_TIMEOUT(created.size(), 3, scaledMs(10000));
        for (const QString &id : std::as_const(ids))
            QVERIFY(stored(id).id == id);
        QTRY_COMPARE_WITH_TIMEOUT(finishedIds.size(), 3, scaledMs(60000));
        QCOMPARE(finishedIds, ids);
        QCOMPARE(mostRunning, 1);
        for (const QString &id : std::as_const(ids))
            QCOMPARE(stored(id).state, ExportState::Completed);
    }

    // Issue #9: an export waiting behind the concurrency limit had no keys: not
    // listed, and a cancel from elsewhere answered "no export found".
    void queue_waitingExportIsListedAndCancellableFromAnywhere()
    {
        ExporterConfig cfg = config(64 * 1024);
        cfg.maxConcurrent = 1;
        cfg.bandwidthLimit = 512 * 1024;
        const QString big =
            makeRandomFile(m_files.path(), QStringLiteral("running.bin"), 4 * 1024 * 1024, 3);
        const QString small =
            makeRandomFile(m_files.path(), QStringLiteral("waiting.bin"), 1000, 4);
        Exporter exporter(cfg, nullptr);
        QSignalSpy created(&exporter, &Exporter::exportCreated);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        const QString running = exporter.startExport(big);
        const QString waiting = exporter.startExport(small);
        QTRY_COMPARE_WITH_TIMEOUT(created.size(), 2, scaledMs(10000));
        QCOMPARE(stored(waiting).state, ExportState::Created);
        HB_VERIFY_TTLS(m_redis, waiting, 600);
        ExportStore other(m_redis.endpoint(), KeyLayout());
        Failure failure;
        const QList<ExportStore::Entry> listed = other.list(&failure);
        QVERIFY(!failure);
        QVERIFY(std::any_of(listed.cbegin(), listed.cend(),
                            [&](const auto &e) { return e.id == waiting; }));
        QElapsedTimer t;
        t.start();
        const auto r = other.cancel(waiting, QStringLiteral("alice"), DefaultPermissions());
        QCOMPARE(r.failure.code, ErrorCode::None);
        QVERIFY(r.ownerSettled);
        QVERIFY2(t.elapsed() < scaledMs(1000), qPrintable(QString::number(t.elapsed())));
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), scaledMs(5000));
        const Outcome o = takeFinished(finished);
        QCOMPARE(o.id, waiting);
        QCOMPARE(o.code, ErrorCode::Cancelled);
        const ExportStatus s = stored(waiting);
        QCOMPARE(s.state, ExportState::Cancelled);
        QVERIFY(s.settled);
        QCOMPARE(s.bytesWritten, 0);
        QVERIFY(dataKeys(m_redis, waiting).isEmpty());
        // The running one is untouched, and the cancelled one never starts.
        QCOMPARE(stored(running).state, ExportState::Pending);
        exporter.cancel(running);
        QVERIFY(finished.wait(scaledMs(10000)));
        QCOMPARE(stored(waiting).toJson(), s.toJson());
    }

    void queue_localCancelOfWaitingExportWritesCancelled()
    {
        ExporterConfig cfg = config(64 * 1024);
        cfg.maxConcurrent = 1;
        cfg.bandwidthLimit = 256 * 1024;
        Exporter exporter(cfg, nullptr);
        QSignalSpy created(&exporter, &Exporter::exportCreated);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        exporter.startExport(
            makeRandomFile(m_files.path(), QStringLiteral("r.bin"), 2 * 1024 * 1024, 5));
        const QString waiting =
            exporter.startExport(makeRandomFile(m_files.path(), QStringLiteral("w.bin"), 10, 6));
        QTRY_COMPARE_WITH_TIMEOUT(created.size(), 2, scaledMs(10000));
        exporter.cancel(waiting);
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), scaledMs(5000));
        const Outcome o = takeFinished(finished);
        QCOMPARE(o.id, waiting);
        QCOMPARE(o.status.state, ExportState::Cancelled);
        const ExportStatus s = stored(waiting);
        QCOMPARE(s.state, ExportState::Cancelled);
        QCOMPARE(s.cancelledBy, QStringLiteral("alice"));
        QCOMPARE(s.bytesWritten, 0);
        QVERIFY(dataKeys(m_redis, waiting).isEmpty());
    }

    void race_cancelAgainstCompletionAlwaysAgrees()
    {
        EventRecorder events(m_redis.endpoint(), KeyLayout().eventsChannel());
        QVERIFY(events.waitReady());
        const qint64 size = 256 * 1024;
        const QString path = makeRandomFile(m_files.path(), QStringLiteral("race.bin"), size, 7);
        const QByteArray full = filePrefix(path, size);
        const QByteArray fullSha = sha256Of(full);
        ExporterConfig cfg = config(32 * 1024);
        Exporter exporter(cfg, nullptr);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        int completed = 0, cancelled = 0;
        QStringList ids;
        for (int i = 0; i < 200; ++i) {
            const QString id = exporter.startExport(path);
            ids << id;
            // Fire a remote cancel at a random moment around the end of the export.
            const int delayUs = int(QRandomGenerator::global()->bounded(6000));
            ExportStore::CancelResult r;
            Background canceller([&, id, delayUs] {
                ExportStore store(m_redis.endpoint(), KeyLayout());
                QElapsedTimer t;
                t.start();
                while (store.fetchStatus(id).failure.code == ErrorCode::NotFound &&
                       t.elapsed() < 10000)
                    QThread::usleep(200);
                QThread::usleep(delayUs);
                r = store.cancel(id, QStringLiteral("alice"), DefaultPermissions());
            });
            const Outcome o = waitFinished(finished, 60000);
            QVERIFY(canceller.wait(20000));
            QCOMPARE(o.id, id);
            const ExportStatus s = stored(id);
            QCOMPARE(s.state, o.status.state);
            const QByteArray data = readExportData(m_redis, id);
            if (s.state == ExportState::Completed) {
                ++completed;
                QCOMPARE(sha256Of(data), fullSha);
                QCOMPARE(s.bytesWritten, size);
                QCOMPARE(r.failure.code, ErrorCode::TooLate);
            } else {
                QCOMPARE(s.state, ExportState::Cancelled);
                ++cancelled;
                QVERIFY(s.settled);
                QCOMPARE(qint64(data.size()), s.bytesWritten);
                QCOMPARE(data, full.left(s.bytesWritten));
                QCOMPARE(r.failure.code, ErrorCode::None);
            }
        }
        qInfo("race: %d completed, %d cancelled", completed, cancelled);
        // Events: once terminal, an export's state never changes again.
        QTRY_VERIFY_WITH_TIMEOUT(events.statusesFor(ids.last()).size() >= 2, 10000);
        for (const QString &id : std::as_const(ids)) {
            const QList<ExportStatus> seen = events.statusesFor(id);
            ExportState terminal = ExportState::Queued;
            for (const ExportStatus &s : seen) {
                if (terminal != ExportState::Queued)
                    QCOMPARE(s.state, terminal);
                else if (isTerminal(s.state))
                    terminal = s.state;
            }
        }
        QVERIFY(completed + cancelled == 200);
    }

    void script_neverMovesTerminalStatus()
    {
        // Directly at the compare-and-set: a COMPLETED status refuses CANCELLED even
        // when the caller's expected value is right.
        const QString path = makeRandomFile(m_files.path(), QStringLiteral("cas.bin"), 10);
        const Outcome o = exportFile(config(), path);
        QCOMPARE(o.status.state, ExportState::Completed);
        const KeyLayout k;
        const QByteArray current = get(k.statusKey(o.id));
        ExportStatus next = stored(o.id);
        next.state = ExportState::Cancelled;
        auto conn = m_redis.connect();
        const auto res = StatusScripts::parseUpdateReply(
            conn->command(StatusScripts::updateCommand(k, current, next, 60)));
        QCOMPARE(res.outcome, StatusScripts::UpdateResult::Outcome::Conflict);
        QCOMPARE(get(k.statusKey(o.id)), current);
    }

    // --- Segmented data (CONTRACT §1, §2, §4) ------------------------------------

    void segments_layoutOfSingleAndManySegments_data()
    {
        QTest::addColumn<qint64>("size");
        QTest::addColumn<qint64>("segment");
        QTest::addColumn<qint64>("chunk");
        QTest::addColumn<qint64>("keys"); // 1 = the single key `…-data`
        QTest::newRow("fits one segment")
            << qint64(64 * 1024) << qint64(64 * 1024) << qint64(16 * 1024) << qint64(1);
        QTest::newRow("one byte over")
            << qint64(64 * 1024 + 1) << qint64(64 * 1024) << qint64(64 * 1024) << qint64(2);
        QTest::newRow("3 segments + 5 B, SETRANGE chunks")
            << qint64(3 * 65536 + 5) << qint64(65536) << qint64(10000) << qint64(4);
        QTest::newRow("chunk larger than segment")
            << qint64(300000) << qint64(65536) << qint64(1048576) << qint64(5);
    }
    void segments_layoutOfSingleAndManySegments()
    {
        QFETCH(qint64, size);
        QFETCH(qint64, segment);
        QFETCH(qint64, chunk);
        QFETCH(qint64, keys);
        const QString path =
            makeRandomFile(m_files.path(), QStringLiteral("seg.bin"), size, quint32(size));
        ExporterConfig cfg = config(chunk);
        cfg.segmentBytes = segment;
        const Outcome o = exportFile(cfg, path);
        QVERIFY2(o.code == ErrorCode::None, qPrintable(o.message));
        const ExportStatus s = stored(o.id);
        QCOMPARE(s.segmentBytes, segment);
        QCOMPARE(s.segments, keys);
        const KeyLayout k;
        QList<QByteArray> expected;
        if (keys == 1) {
            expected << k.dataKey(o.id);
        } else {
            for (qint64 i = 0; i < keys; ++i)
                expected << k.segmentKey(o.id, i);
        }
        std::sort(expected.begin(), expected.end());
        QCOMPARE(dataKeys(m_redis, o.id), expected);
        // All but the last exactly the segment size.
        for (qint64 i = 0; keys > 1 && i < keys; ++i)
            QCOMPARE(strlen(k.segmentKey(o.id, i)),
                     i + 1 < keys ? segment : size - (keys - 1) * segment);
        QCOMPARE(sha256Of(readExportData(m_redis, o.id)), sha256OfFile(path));
        HB_VERIFY_TTLS(m_redis, o.id, 600);
        // Data keys outlive the status key by the margin.
        for (const QByteArray &key : dataKeys(m_redis, o.id))
            QVERIFY(m_redis.command({"PTTL", key}).integer >
                    m_redis.command({"PTTL", k.statusKey(o.id)}).integer);
    }

    void segments_cancelLeavesNoKeyBeyondBytesWritten()
    {
        const QString path =
            makeRandomFile(m_files.path(), QStringLiteral("segcancel.bin"), 4 * 1024 * 1024, 9);
        ExporterConfig cfg = config(16 * 1024);
        cfg.segmentBytes = 100000; // not a multiple of the chunk: chunks end at segment ends
        cfg.bandwidthLimit = 1024 * 1024;
        WritingExport run = startWriting(m_redis, cfg, path);
        QVERIFY(run.started);
        QTRY_VERIFY_WITH_TIMEOUT(stored(run.id).bytesWritten > 250000, scaledMs(20000));
        run.exporter->cancel(run.id);
        const Outcome o = waitFinished(*run.finished);
        QCOMPARE(o.status.state, ExportState::Cancelled);
        const ExportStatus s = stored(run.id);
        QVERIFY(s.settled);
        const qint64 count = (s.bytesWritten + 99999) / 100000;
        QCOMPARE(s.segments, count);
        QCOMPARE(qint64(dataKeys(m_redis, run.id).size()), count);
        QCOMPARE(readExportData(m_redis, run.id), filePrefix(path, s.bytesWritten));
        HB_VERIFY_TTLS(m_redis, run.id, 600);
    }

    void segments_silentOwnerIsSettledByTheCanceller()
    {
        // An owner that stopped answering (crashed) left segments beyond the
        // progress it recorded; the canceller settles the data on its behalf.
        const KeyLayout k;
        const QString id = newExportId();
        ExportStatus s;
        s.id = id;
        s.state = ExportState::Pending;
        s.owner = QStringLiteral("alice");
        s.source = QStringLiteral("crashed.bin");
        s.bytesTotal = 1000000;
        s.bytesWritten = 250000;
        s.segmentBytes = 100000;
        s.ttl = 600;
        s.createdAt = s.updatedAt = QDateTime::currentDateTimeUtc().addSecs(-10);
        m_redis.command({"SET", k.statusKey(id), s.toJson(), "EX", "600"});
        for (int i = 0; i < 5; ++i)
            m_redis.command(
                {"SET", k.segmentKey(id, i), QByteArray(100000, char('a' + i)), "EX", "600"});
        ExportStore store(m_redis.endpoint(), k);
        const auto r = store.cancel(id, QStringLiteral("alice"), DefaultPermissions(), 300);
        QCOMPARE(r.failure.code, ErrorCode::None);
        const ExportStatus after = stored(id);
        QCOMPARE(after.state, ExportState::Cancelled);
        QVERIFY(after.settled);
        QCOMPARE(after.bytesWritten, 250000);
        QCOMPARE(after.segments, 3);
        QCOMPARE(dataKeys(m_redis, id), (QList<QByteArray>{k.segmentKey(id, 0), k.segmentKey(id, 1),
                                                           k.segmentKey(id, 2)}));
        QCOMPARE(strlen(k.segmentKey(id, 2)), 50000);
        QCOMPARE(readExportData(m_redis, id),
                 QByteArray(100000, 'a') + QByteArray(100000, 'b') + QByteArray(50000, 'c'));
        HB_VERIFY_TTLS(m_redis, id, 600);
    }

    void segments_fetchReadsEverySegmentAndChecksSha()
    {
        const QString path =
            makeRandomFile(m_files.path(), QStringLiteral("fetch.bin"), 5 * 1024 * 1024 + 77, 12);
        ExporterConfig cfg = config();
        cfg.segmentBytes = 1024 * 1024 - 16;
        const Outcome o = exportFile(cfg, path);
        QVERIFY2(o.code == ErrorCode::None, qPrintable(o.message));
        QCOMPARE(stored(o.id).segments, 6);
        ExportStore store(m_redis.endpoint(), KeyLayout());
        QBuffer out;
        out.open(QIODevice::WriteOnly);
        Failure failure;
        QCOMPARE(store.fetchData(o.id, &out, &failure), 5 * 1024 * 1024 + 77);
        QVERIFY2(!failure, qPrintable(failure.message));
        QCOMPARE(sha256Of(out.data()), sha256OfFile(path));
        // A segment cut short is found, not read as a shorter file.
        m_redis.command({"SETRANGE", KeyLayout().segmentKey(o.id, 2), "0", "X"});
        QBuffer tampered;
        tampered.open(QIODevice::WriteOnly);
        store.fetchData(o.id, &tampered, &failure);
        QCOMPARE(failure.code, ErrorCode::Failed);
        QVERIFY2(failure.message.contains(QLatin1String("sha256")), qPrintable(failure.message));
    }

    // Issue #9: an error reply to EXISTS was reported as "no such export".
    void store_errorReplyIsNotReportedAsNotFound()
    {
        const QString path = makeRandomFile(m_files.path(), QStringLiteral("acl.bin"), 1000);
        const Outcome o = exportFile(config(), path);
        QCOMPARE(o.status.state, ExportState::Completed);
        m_redis.command({"ACL", "SETUSER", "noexists", "on", ">pw", "~*", "+@all", "-exists"});
        RedisEndpoint ep = m_redis.endpoint();
        ep.user = QStringLiteral("noexists");
        ep.password = QStringLiteral("pw");
        ExportStore store(ep, KeyLayout());
        QBuffer out;
        out.open(QIODevice::WriteOnly);
        Failure failure;
        store.fetchData(o.id, &out, &failure);
        QCOMPARE(failure.code, ErrorCode::PermissionDenied);
        m_redis.command({"ACL", "DELUSER", "noexists"});
    }

    // --- Sources that are read to their end (issue #9, CONTRACT §6) ---------------

    void source_procFileIsExportedWhole()
    {
        // /proc files report size 0: they exported as 0 bytes, COMPLETED.
        const Outcome o = exportFile(config(), QStringLiteral("/proc/self/mounts"));
        QVERIFY2(o.code == ErrorCode::None, qPrintable(o.message));
        const ExportStatus s = stored(o.id);
        QVERIFY2(s.bytesWritten > 0, qPrintable(QString::number(s.bytesWritten)));
        QCOMPARE(s.bytesTotal, s.bytesWritten);
        QVERIFY(readExportData(m_redis, o.id).contains("proc"));
    }
    void source_sysFileIsExportedWhole()
    {
        // /sys attributes report 4096 bytes and deliver fewer: they FAILED with
        // "source changed during export".
        const QString path = QStringLiteral("/sys/kernel/mm/transparent_hugepage/enabled");
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) QSKIP("no readable /sys attribute here");
        const QByteArray content = f.readAll();
        const Outcome o = exportFile(config(), path);
        QVERIFY2(o.code == ErrorCode::None, qPrintable(o.message));
        QCOMPARE(readExportData(m_redis, o.id), content);
        QCOMPARE(stored(o.id).bytesTotal, qint64(content.size()));
    }
    void source_fifoIsStreamedToItsEnd_data()
    {
        QTest::addColumn<qint64>("size");
        QTest::newRow("small: one segment, renamed to the single key") << qint64(1000);
        QTest::newRow("3 MiB: many segments") << qint64(3 * 1024 * 1024 + 11);
    }
    void source_fifoIsStreamedToItsEnd()
    {
        QFETCH(qint64, size);
        const QString fifo = m_files.path() + QStringLiteral("/pipe-%1").arg(size);
        QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
        const QString source =
            makeRandomFile(m_files.path(), QStringLiteral("fed-%1.bin").arg(size), size, 21);
        Exporter exporter(config(), nullptr);
        QSignalSpy created(&exporter, &Exporter::exportCreated);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        const QString id = exporter.startExport(fifo);
        QVERIFY(created.wait(scaledMs(10000)));
        QCOMPARE(created.first().at(1).value<ExportStatus>().bytesTotal, -1);
        // The writer comes late and writes in small pieces, as a pipe does.
        Background writer([&] {
            QThread::msleep(200);
            QFile in(source), out(fifo);
            if (!in.open(QIODevice::ReadOnly) || !out.open(QIODevice::WriteOnly)) return;
            while (!in.atEnd())
                out.write(in.read(7000));
        });
        const Outcome o = waitFinished(finished, scaledMs(60000));
        QVERIFY(writer.wait(scaledMs(10000)));
        QVERIFY2(o.code == ErrorCode::None, qPrintable(o.message));
        QCOMPARE(o.id, id);
        const ExportStatus s = stored(id);
        QCOMPARE(s.bytesWritten, size);
        QCOMPARE(s.bytesTotal, size);
        QCOMPARE(s.sha256.toLatin1(), sha256OfFile(source));
        QCOMPARE(sha256Of(readExportData(m_redis, id)), sha256OfFile(source));
        if (size <= s.segmentBytes)
            QCOMPARE(dataKeys(m_redis, id), QList<QByteArray>{KeyLayout().dataKey(id)});
        HB_VERIFY_TTLS(m_redis, id, 600);
    }
    void source_characterDeviceStreamsUntilCancelled()
    {
        ExporterConfig cfg = config();
        cfg.bandwidthLimit = 4 * 1024 * 1024;
        WritingExport run = startWriting(m_redis, cfg, QStringLiteral("/dev/zero"));
        QVERIFY(run.started);
        run.exporter->cancel(run.id);
        const Outcome o = waitFinished(*run.finished, scaledMs(20000));
        QCOMPARE(o.status.state, ExportState::Cancelled);
        const ExportStatus s = stored(run.id);
        QCOMPARE(readExportData(m_redis, run.id), QByteArray(s.bytesWritten, '\0'));
    }
};

QTEST_GUILESS_MAIN(TstExporter)
#include "tst_exporter.moc"

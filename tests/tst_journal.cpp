// The local journal of this user's exports (issue 22): where it lives, crash
// safety (torn and garbage lines), an unreadable folder, no password ever stored,
// compaction and its bound, and several processes appending at once. No Redis.
#include "exportstatus.h"
#include "journal.h"
#include "redisendpoint.h"
#include "testtime.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

using namespace hb;

namespace {

Journal::Entry sampleEntry(const QString &id = newExportId())
{
    Journal::Entry e;
    e.id = id;
    e.source = QStringLiteral("/data/scans/scan-0042.tiff");
    e.server = QStringLiteral("redis://127.0.0.1:6379/2");
    e.user = QStringLiteral("alice");
    e.ttl = 3600;
    e.chunkSize = 1024 * 1024;
    e.segmentBytes = 1024 * 1024 - 16;
    e.fingerprint = SourceFingerprint::ofFile(QStringLiteral("scan-0042.tiff"), 73400320,
                                              1764270131, 532123456, 9223372036854775813ULL, 2049);
    e.state = QStringLiteral("PENDING");
    e.bytesTotal = 73400320;
    e.bytesWritten = 1048576;
    e.ownerToken = newOwnerToken();
    return e;
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void appendRaw(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Append));
    QCOMPARE(f.write(bytes), bytes.size());
}

int lineCount(const QString &path)
{
    int n = 0;
    for (const QByteArray &l : readAll(path).split('\n'))
        n += l.trimmed().isEmpty() ? 0 : 1;
    return n;
}

// The writer half of twoProcesses_appendAtOnce_loseNothing, run as a child of the
// suite: HB_JOURNAL_WRITER=folder,tag,count.
int runWriter(const QByteArray &spec)
{
    const QList<QByteArray> parts = spec.split(',');
    if (parts.size() != 3) return 2;
    Journal::Options options;
    options.compactMinBytes = 16 * 1024; // compactions race the other writer's appends
    Journal journal(QString::fromLocal8Bit(parts[0]), options);
    const int count = parts[2].toInt();
    // Ids derived from the tag, so the parent knows them: tag 1 → 00000001-…
    for (int round = 0; round < 4; ++round) {
        for (int i = 0; i < count; ++i) {
            Journal::Entry e = sampleEntry(QStringLiteral("%1-0000-4000-8000-%2")
                                               .arg(parts[1].toInt(), 8, 10, QLatin1Char('0'))
                                               .arg(i, 12, 10, QLatin1Char('0')));
            e.bytesWritten = round;
            if (!journal.record(e)) {
                fprintf(stderr, "%s\n", qPrintable(journal.lastError()));
                return 1;
            }
        }
    }
    return 0;
}

} // namespace

class TstJournal : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_tmp;
    int m_case = 0;
    QString freshFolder()
    {
        return m_tmp.filePath(QStringLiteral("state%1/hbexporter").arg(++m_case));
    }

private Q_SLOTS:
    void folder_isXdgStateHomeOrLocalState()
    {
        const QByteArray saved = qgetenv("XDG_STATE_HOME");
        qputenv("XDG_STATE_HOME", m_tmp.path().toLocal8Bit());
        QCOMPARE(Journal::defaultFolder(), m_tmp.path() + QStringLiteral("/hbexporter"));
        QCOMPARE(Journal().filePath(), m_tmp.path() + QStringLiteral("/hbexporter/journal.jsonl"));
        qputenv("XDG_STATE_HOME", "relative/ignored"); // the XDG spec: absolute paths only
        QCOMPARE(Journal::defaultFolder(),
                 QDir::homePath() + QStringLiteral("/.local/state/hbexporter"));
        qunsetenv("XDG_STATE_HOME");
        QCOMPARE(Journal::defaultFolder(),
                 QDir::homePath() + QStringLiteral("/.local/state/hbexporter"));
        if (!saved.isNull()) qputenv("XDG_STATE_HOME", saved);
    }

    void record_roundTripsEveryFieldAndLatestWins()
    {
        Journal j(freshFolder());
        QVERIFY(j.entries().isEmpty()); // no folder yet: nothing, and no error
        QVERIFY(j.lastError().isEmpty());
        Journal::Entry e = sampleEntry();
        QVERIFY2(j.record(e), qPrintable(j.lastError()));
        QVERIFY(QFileInfo(j.folder()).isDir());
        QCOMPARE(QFile::permissions(j.folder()) & (QFile::ReadGroup | QFile::ReadOther),
                 QFile::Permissions());
        e.state = QStringLiteral("COMPLETED");
        e.bytesWritten = e.bytesTotal;
        QVERIFY(j.record(e));
        const Journal::Entry other = sampleEntry();
        QVERIFY(j.record(other));

        Journal fresh(j.folder()); // another process reading
        const QList<Journal::Entry> all = fresh.entries();
        QVERIFY2(fresh.lastError().isEmpty(), qPrintable(fresh.lastError()));
        QCOMPARE(all.size(), 2);
        const Journal::Entry &got = all.at(0);
        QCOMPARE(got.id, e.id);
        QCOMPARE(got.source, e.source);
        QCOMPARE(got.server, e.server);
        QCOMPARE(got.user, e.user);
        QCOMPARE(got.ttl, 3600);
        QCOMPARE(got.chunkSize, e.chunkSize);
        QCOMPARE(got.segmentBytes, e.segmentBytes);
        QCOMPARE(got.fingerprint, e.fingerprint); // the 64-bit inode survives
        QCOMPARE(got.state, QStringLiteral("COMPLETED"));
        QCOMPARE(got.bytesWritten, e.bytesTotal);
        QCOMPARE(got.ownerToken, e.ownerToken);
        QCOMPARE(got.pid, QCoreApplication::applicationPid());
        QVERIFY(got.createdAt.isValid() && got.updatedAt >= got.createdAt);
        // Terminal: expires with its keys, a TTL plus the data keys' margin after.
        QCOMPARE(got.updatedAt.secsTo(got.expiresAt), 3600 + 60);
        QCOMPARE(all.at(1).id, other.id);
        QVERIFY(!all.at(1).expiresAt.isValid());

        QVERIFY(fresh.remove(e.id));
        QCOMPARE(j.entries().size(), 1);
        QVERIFY(!j.entry(e.id));
        QVERIFY(j.entry(other.id));
    }

    void entryOf_anExport_hasAbsolutePathAndNoPassword()
    {
        ExporterConfig cfg;
        cfg.endpoint =
            *RedisEndpoint::parse(QStringLiteral("redis://alice:s3cret@db.example:6380/4"));
        cfg.keys.prefix = "exp:";
        cfg.ttlSeconds = 900;
        cfg.chunkSize = 65536;
        ExportStatus s;
        s.id = newExportId();
        s.state = ExportState::Created;
        s.owner = QStringLiteral("alice");
        s.segmentBytes = 1 << 20;
        s.bytesTotal = 10;
        s.ownerToken = newOwnerToken();
        s.createdAt = QDateTime::currentDateTimeUtc().addSecs(-5);
        s.fingerprint = SourceFingerprint::ofFile(QStringLiteral("a.bin"), 10, 1, 2, 3, 4);
        const Journal::Entry e = Journal::Entry::of(QStringLiteral("some/dir/a.bin"), cfg, s);
        QCOMPARE(e.source, QDir::current().absoluteFilePath(QStringLiteral("some/dir/a.bin")));
        QCOMPARE(e.server, QStringLiteral("redis://alice@db.example:6380/4"));
        QCOMPARE(e.keyPrefix, QStringLiteral("exp:"));
        QCOMPARE(e.ttl, 900);
        QCOMPARE(e.chunkSize, 65536);
        QCOMPARE(e.segmentBytes, 1 << 20);
        QCOMPARE(e.state, QStringLiteral("CREATED"));
        QCOMPARE(e.fingerprint, s.fingerprint);
        QCOMPARE(e.ownerToken, s.ownerToken);
        QCOMPARE(e.createdAt, s.createdAt);
        QCOMPARE(Journal::Entry::of(QStringLiteral("-"), cfg, s).source, QStringLiteral("-"));
        QCOMPARE(Journal::Entry::of(QStringLiteral("https://h/x"), cfg, s).source,
                 QStringLiteral("https://h/x"));
    }

    void tornLastLine_isSkippedReportedOnceAndHealed()
    {
        Journal j(freshFolder());
        const Journal::Entry a = sampleEntry(), b = sampleEntry();
        QVERIFY(j.record(a));
        QVERIFY(j.record(b));
        // A crash in the middle of a write: half a line, no newline.
        const QByteArray whole =
            QJsonDocument(sampleEntry().toJson()).toJson(QJsonDocument::Compact);
        appendRaw(j.filePath(), whole.left(whole.size() / 2));

        Journal reader(j.folder());
        QCOMPARE(reader.entries().size(), 2);
        QVERIFY2(reader.lastError().contains(QLatin1String("line 3 (torn")),
                 qPrintable(reader.lastError()));
        QVERIFY(reader.lastError().contains(j.filePath()));
        // Told once: the same reader, and a later process (the read compacted it away).
        QCOMPARE(reader.entries().size(), 2);
        QVERIFY(reader.lastError().isEmpty());
        Journal later(j.folder());
        QCOMPARE(later.entries().size(), 2);
        QVERIFY2(later.lastError().isEmpty(), qPrintable(later.lastError()));
        QCOMPARE(lineCount(j.filePath()), 2);
    }

    void tornLastLine_nextAppendStaysWhole()
    {
        Journal j(freshFolder());
        QVERIFY(j.record(sampleEntry()));
        appendRaw(j.filePath(), "{\"v\":1,\"id\":\"3f2a");
        const Journal::Entry next = sampleEntry();
        QVERIFY(j.record(next)); // ends the torn line first
        Journal reader(j.folder());
        const QList<Journal::Entry> all = reader.entries();
        QCOMPARE(all.size(), 2);
        QCOMPARE(all.at(1).id, next.id);
        QVERIFY(reader.lastError().contains(QLatin1String("line 2 (not an entry)")));
    }

    void garbageLines_areSkippedAndTheRestRead()
    {
        Journal j(freshFolder());
        const Journal::Entry a = sampleEntry();
        QVERIFY(j.record(a));
        appendRaw(
            j.filePath(),
            QByteArray("not json at all\n") + QByteArray("\x00\xff\xfe garbage\n", 13) +
                "{}\n[1,2,3]\n{\"v\":99,\"id\":\"" + a.id.toLatin1() +
                "\",\"updatedAt\":\"2026-01-01T00:00:00.000Z\"}\n"
                "{\"v\":1,\"id\":\"not-an-id\",\"updatedAt\":\"2026-01-01T00:00:00.000Z\"}\n");
        const Journal::Entry b = sampleEntry();
        QVERIFY(j.record(b));
        Journal reader(j.folder());
        const QList<Journal::Entry> all = reader.entries();
        QCOMPARE(all.size(), 2);
        QCOMPARE(all.at(0).id, a.id);
        QCOMPARE(all.at(0).fingerprint, a.fingerprint);
        QCOMPARE(all.at(1).id, b.id);
        QVERIFY2(reader.lastError().contains(QLatin1String("skipped 6 lines")),
                 qPrintable(reader.lastError()));
        QCOMPARE(lineCount(j.filePath()), 2); // compacted
    }

    void unreadableFolder_isReportedNotFatal()
    {
        // A file where the folder should be (chmod would not stop root, who runs CI).
        const QString base = m_tmp.filePath(QStringLiteral("blocked%1").arg(++m_case));
        QVERIFY(QDir().mkpath(base));
        const QString folder = base + QStringLiteral("/hbexporter");
        appendRaw(folder, "I am a file\n");
        Journal j(folder);
        QVERIFY(j.entries().isEmpty());
        QVERIFY2(j.lastError().contains(folder) &&
                     j.lastError().contains(QLatin1String("not a folder")),
                 qPrintable(j.lastError()));
        QVERIFY(!j.record(sampleEntry()));
        QVERIFY(j.lastError().contains(folder));
        QVERIFY(!j.remove(newExportId()));
        QVERIFY(!j.compact());

        // The journal file itself unreadable (a folder in its place).
        Journal k(freshFolder());
        QVERIFY(QDir().mkpath(k.filePath()));
        QVERIFY(k.entries().isEmpty());
        QVERIFY2(k.lastError().contains(k.filePath()), qPrintable(k.lastError()));
        QVERIFY(!k.record(sampleEntry()));
        QVERIFY(!k.lastError().isEmpty());
    }

    void neverStoresAPassword()
    {
        Journal j(freshFolder());
        Journal::Entry e = sampleEntry();
        e.server = QStringLiteral("rediss-sentinel://alice:s3cretA@h1:26379,h2:26380/0"
                                  "?sentinel_user=sen&sentinel_password=hunter2B&sni=x#mymaster");
        e.source = QStringLiteral(
            "https://bob:pw-C-9@example.com/f.bin?password=p2D&x=1&api_pass=p3E#frag");
        e.error = QStringLiteral(
            "lost redis://carol:topsecretF@10.0.0.1:6379 and unix://dave:pG@/run/r.sock");
        QVERIFY(j.record(e));
        Journal::Entry u = sampleEntry();
        u.server = Journal::serverText(
            *RedisEndpoint::parse(QStringLiteral("unix://erin:q%2Fslash-H@/run/redis.sock?db=3")));
        QVERIFY(j.record(u));
        const QByteArray file = readAll(j.filePath());
        for (const char *secret :
             {"s3cretA", "hunter2B", "pw-C-9", "p2D", "p3E", "topsecretF", "pG", "slash-H", "***"})
            QVERIFY2(!file.contains(secret), secret);
        const QList<Journal::Entry> all = Journal(j.folder()).entries();
        QCOMPARE(all.size(), 2);
        QCOMPARE(
            all.at(0).server,
            QStringLiteral(
                "rediss-sentinel://alice@h1:26379,h2:26380/0?sentinel_user=sen&sni=x#mymaster"));
        QCOMPARE(all.at(0).source, QStringLiteral("https://bob@example.com/f.bin?x=1#frag"));
        QVERIFY(all.at(0).error.contains(QLatin1String("redis://carol@10.0.0.1:6379")));
        QVERIFY(all.at(1).server.startsWith(QLatin1String("unix://erin@/run/redis.sock")));
        // Plain paths are left alone, even odd ones.
        QCOMPARE(Journal::withoutPassword(QStringLiteral("/tmp/a:b@c/x.bin")),
                 QStringLiteral("/tmp/a:b@c/x.bin"));
        QCOMPARE(Journal::withoutPassword(QStringLiteral("redis://h:6379")),
                 QStringLiteral("redis://h:6379"));
    }

    void compaction_keepsLatestAndDropsExpiredTerminal()
    {
        Journal::Options options;
        options.compactMinBytes = 1 << 30; // only when asked
        Journal j(freshFolder(), options);
        Journal::Entry running = sampleEntry();
        for (int i = 0; i < 20; ++i) {
            running.bytesWritten = i;
            QVERIFY(j.record(running));
        }
        Journal::Entry oldDone = sampleEntry();
        oldDone.state = QStringLiteral("COMPLETED");
        oldDone.expiresAt = QDateTime::currentDateTimeUtc().addSecs(-1); // its keys are gone
        QVERIFY(j.record(oldDone));
        Journal::Entry done = sampleEntry();
        done.state = QStringLiteral("CANCELLED");
        QVERIFY(j.record(done));
        Journal::Entry removed = sampleEntry();
        QVERIFY(j.record(removed));
        QVERIFY(j.remove(removed.id));
        QCOMPARE(lineCount(j.filePath()), 20 + 3 + 1);

        QVERIFY2(j.compact(), qPrintable(j.lastError()));
        QCOMPARE(lineCount(j.filePath()), 2);
        const QList<Journal::Entry> all = j.entries();
        QCOMPARE(all.size(), 2);
        QCOMPARE(all.at(0).id, running.id);
        QCOMPARE(all.at(0).bytesWritten, 19);
        QCOMPARE(all.at(1).id, done.id);
    }

    void growth_isBounded()
    {
        Journal::Options options;
        options.compactMinBytes = 8 * 1024;
        options.maxEntries = 10;
        Journal j(freshFolder(), options);
        const qint64 line =
            QJsonDocument(sampleEntry().toJson()).toJson(QJsonDocument::Compact).size() + 1;
        qint64 largest = 0;
        QList<Journal::Entry> ids;
        for (int i = 0; i < 5; ++i)
            ids << sampleEntry();
        for (int round = 0; round < 300; ++round) {
            Journal::Entry &e = ids[round % 5];
            e.bytesWritten = round;
            QVERIFY(j.record(e));
            largest = std::max(largest, QFileInfo(j.filePath()).size());
        }
        // Compacted back to 5 lines whenever it passed the threshold.
        QVERIFY2(largest <= options.compactMinBytes + 2 * line,
                 qPrintable(QString::number(largest)));
        QCOMPARE(j.entries().size(), 5);
        // More exports than maxEntries: the least recently updated go.
        QList<Journal::Entry> many;
        for (int i = 0; i < 30; ++i) {
            many << sampleEntry();
            QVERIFY(j.record(many.last()));
        }
        const QList<Journal::Entry> kept = j.entries();
        QCOMPARE(kept.size(), 10);
        QCOMPARE(kept.last().id, many.last().id);
        QCOMPARE(kept.first().id, many.at(20).id);
    }

    void lockHeldByAStoppedProcess_isReportedNotWaitedForever()
    {
        Journal j(freshFolder());
        const Journal::Entry first = sampleEntry();
        QVERIFY(j.record(first));
        // What a window SIGSTOPped in the middle of a compaction leaves: the lock held.
        const int fd =
            ::open(QFile::encodeName(j.folder() + QStringLiteral("/journal.lock")).constData(),
                   O_RDWR | O_CLOEXEC);
        QVERIFY(fd >= 0);
        QCOMPARE(::flock(fd, LOCK_EX), 0);
        QElapsedTimer t;
        t.start();
        QVERIFY(!j.record(sampleEntry()));
        QVERIFY2(j.lastError().contains(QLatin1String("another process has held it")),
                 qPrintable(j.lastError()));
        QVERIFY(t.elapsed() < hb::test::scaledMs(5000));
        QCOMPARE(j.entries().size(), 1); // read without the lock, never hung
        ::close(fd);
        QVERIFY2(j.record(sampleEntry()), qPrintable(j.lastError()));
        QCOMPARE(j.entries().size(), 2);
    }

    void twoProcesses_appendAtOnce_loseNothing()
    {
        const QString folder = freshFolder();
        const int perWriter = 150; // × 4 rounds each, with compactions racing the appends
        QList<QProcess *> writers;
        for (int tag : {1, 2}) {
            auto *p = new QProcess(this);
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("HB_JOURNAL_WRITER"),
                       QStringLiteral("%1,%2,%3").arg(folder).arg(tag).arg(perWriter));
            p->setProcessEnvironment(env);
            p->setProcessChannelMode(QProcess::ForwardedErrorChannel);
            p->start(QCoreApplication::applicationFilePath(), {});
            writers << p;
        }
        for (QProcess *p : writers) {
            QVERIFY(p->waitForFinished(hb::test::scaledMs(120000)));
            QCOMPARE(p->exitStatus(), QProcess::NormalExit);
            QCOMPARE(p->exitCode(), 0);
        }
        Journal reader(folder);
        const QList<Journal::Entry> all = reader.entries();
        QVERIFY2(reader.lastError().isEmpty(), qPrintable(reader.lastError()));
        QCOMPARE(all.size(), 2 * perWriter);
        for (const Journal::Entry &e : all)
            QCOMPARE(e.bytesWritten, 3); // every writer's last round, none lost or torn
        qDeleteAll(writers);
    }
};

int main(int argc, char **argv)
{
    const QByteArray writer = qgetenv("HB_JOURNAL_WRITER");
    if (!writer.isEmpty()) {
        QCoreApplication app(argc, argv);
        return runWriter(writer);
    }
    QCoreApplication app(argc, argv);
    TstJournal tc;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&tc, argc, argv);
}

#include "tst_journal.moc"

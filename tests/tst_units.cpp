// Pure logic that needs no Redis: URL parsing, status JSON, permissions, sizes, keys.
#include "exportconfig.h"
#include "exportstatus.h"
#include "exportstore.h"
#include "filesource.h"
#include "humanformat.h"
#include "ownerliveness.h"
#include "permissions.h"
#include "redisendpoint.h"
#include "resyncpacer.h"
#include "sha256.h"
#include "sourcefingerprint.h"

#include <QCryptographicHash>
#include <QProcess>
#include <QTemporaryDir>
#include <atomic>
#include <cstring>
#include <thread>

#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>

using namespace hb;

class TstUnits : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void redisUrl_parsesTcpWithUserPasswordAndDb()
    {
        QString err;
        const auto ep =
            RedisEndpoint::parse(QStringLiteral("redis://alice:s%40cret@db.example:6390/3"), &err);
        QVERIFY2(ep, qPrintable(err));
        QCOMPARE(ep->kind, RedisEndpoint::Kind::Tcp);
        QCOMPARE(ep->host, QStringLiteral("db.example"));
        QCOMPARE(ep->port, 6390);
        QCOMPARE(ep->user, QStringLiteral("alice"));
        QCOMPARE(ep->password, QStringLiteral("s@cret"));
        QCOMPARE(ep->db, 3);
        QVERIFY(!ep->displayName().contains(QStringLiteral("cret")));
    }
    void redisUrl_parsesUnixSocketWithDb()
    {
        const auto ep =
            RedisEndpoint::parse(QStringLiteral("unix://u:p@/run/redis/redis.sock?db=2"));
        QVERIFY(ep);
        QCOMPARE(ep->kind, RedisEndpoint::Kind::Unix);
        QCOMPARE(ep->socketPath, QStringLiteral("/run/redis/redis.sock"));
        QCOMPARE(ep->db, 2);
        QCOMPARE(ep->user, QStringLiteral("u"));
        const auto plain = RedisEndpoint::parse(QStringLiteral("unix:///tmp/r.sock"));
        QVERIFY(plain);
        QCOMPARE(plain->toUrl(), QStringLiteral("unix:///tmp/r.sock"));
        QCOMPARE(RedisEndpoint::parse(plain->toUrl())->socketPath, QStringLiteral("/tmp/r.sock"));
    }
    void redisUrl_defaultsPort6379()
    {
        const auto ep = RedisEndpoint::parse(QStringLiteral("redis://localhost"));
        QVERIFY(ep);
        QCOMPARE(ep->port, 6379);
        QCOMPARE(ep->db, 0);
    }
    void redisUrl_parsesTlsSentinelAndSeeds()
    {
        QString err;
        const auto tls = RedisEndpoint::parse(
            QStringLiteral(
                "rediss://u:p%2Cw@cache.example:6380/2?cacert=/etc/ca%20x.pem&cert=/c.pem"
                "&key=/k.pem&sni=redis.internal&insecure=1"),
            &err);
        QVERIFY2(tls, qPrintable(err));
        QCOMPARE(tls->kind, RedisEndpoint::Kind::Tcp);
        QVERIFY(tls->tls.enabled);
        QCOMPARE(tls->tls.caCert, QStringLiteral("/etc/ca x.pem"));
        QCOMPARE(tls->tls.cert, QStringLiteral("/c.pem"));
        QCOMPARE(tls->tls.key, QStringLiteral("/k.pem"));
        QCOMPARE(tls->tls.sni, QStringLiteral("redis.internal"));
        QVERIFY(tls->tls.insecure);
        QCOMPARE(tls->password, QStringLiteral("p,w"));
        QCOMPARE(tls->db, 2);
        QCOMPARE(*RedisEndpoint::parse(tls->toUrl()), *tls);
        QVERIFY(!tls->displayName().contains(QLatin1String("p%2Cw")));

        const auto seeds =
            RedisEndpoint::parse(QStringLiteral("redis://h1:7000,h2:7001,[::1]:7002"));
        QVERIFY(seeds);
        QCOMPARE(seeds->hosts(), (QList<RedisHost>{{QStringLiteral("h1"), 7000},
                                                   {QStringLiteral("h2"), 7001},
                                                   {QStringLiteral("::1"), 7002}}));
        QCOMPARE(*RedisEndpoint::parse(seeds->toUrl()), *seeds);

        const auto sentinel = RedisEndpoint::parse(
            QStringLiteral("rediss-sentinel://app:pw@10.0.0.1:26379,10.0.0.2/1"
                           "?sentinel_user=sen&sentinel_password=spw&sni=redis.internal#mymaster"),
            &err);
        QVERIFY2(sentinel, qPrintable(err));
        QCOMPARE(sentinel->kind, RedisEndpoint::Kind::Sentinel);
        QVERIFY(sentinel->tls.enabled);
        QCOMPARE(sentinel->masterName, QStringLiteral("mymaster"));
        QCOMPARE(sentinel->hosts().size(), 2);
        QCOMPARE(sentinel->moreHosts.first().port, 6379);
        QCOMPARE(sentinel->sentinelUser, QStringLiteral("sen"));
        QCOMPARE(*RedisEndpoint::parse(sentinel->toUrl()), *sentinel);
        QVERIFY(!sentinel->displayName().contains(QLatin1String("spw")));
        // The sentinels are logged in to with their own user; the master with the URL's.
        const RedisEndpoint s2 = sentinel->sentinelAt(sentinel->moreHosts.first());
        QCOMPARE(s2.user, QStringLiteral("sen"));
        QCOMPARE(s2.kind, RedisEndpoint::Kind::Tcp);
        QVERIFY(s2.tls.enabled);
        const RedisEndpoint master = sentinel->atAddress(QStringLiteral("10.0.0.9"), 6390);
        QCOMPARE(master.user, QStringLiteral("app"));
        QCOMPARE(master.db, 1);
        QCOMPARE(master.tls.sni, QStringLiteral("redis.internal"));
        QVERIFY(master.moreHosts.isEmpty());
    }
    void redisUrl_rejectsMalformed_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("needle");
        QTest::newRow("empty") << QString() << "empty";
        QTest::newRow("scheme") << "http://localhost"
                                << "unknown scheme";
        QTest::newRow("no scheme") << "localhost:6379"
                                   << "";
        QTest::newRow("port") << "redis://localhost:99999"
                              << "";
        QTest::newRow("port text") << "redis://localhost:abc"
                                   << "";
        QTest::newRow("db") << "redis://localhost/x"
                            << "database";
        QTest::newRow("unix relative") << "unix://relative.sock"
                                       << "";
        QTest::newRow("unix param") << "unix:///tmp/x.sock?foo=1"
                                    << "unknown parameter";
        // Found by fuzzing: an empty authority, then a path that QUrl cannot write back.
        QTest::newRow("unix double slash") << "unix://://u:p@/.u:p@/.s(ck?db=2"
                                           << "";
        QTest::newRow("unix port") << "unix://:6379/tmp/x.sock"
                                   << "no host or port";
        QTest::newRow("tls param on plain") << "redis://h?cacert=/ca.pem"
                                            << "use rediss://";
        QTest::newRow("sentinel without master") << "redis-sentinel://h:26379"
                                                 << "names its master";
        QTest::newRow("fragment on redis") << "redis://h#m"
                                           << "no #fragment";
        QTest::newRow("cert without key") << "rediss://h?cert=/c.pem"
                                          << "both cert= and key=";
        QTest::newRow("bad seed port") << "redis://h1:7000,h2:99999"
                                       << "port out of range";
        QTest::newRow("insecure value") << "rediss://h?insecure=yes"
                                        << "insecure=";
    }
    void redisUrl_rejectsMalformed()
    {
        QFETCH(QString, url);
        QFETCH(QString, needle);
        QString err;
        QVERIFY(!RedisEndpoint::parse(url, &err));
        QVERIFY2(err.startsWith(QLatin1String("invalid Redis URL")), qPrintable(err));
        QVERIFY2(err.contains(needle), qPrintable(err));
    }
    void redisUrl_errorNeverShowsPassword()
    {
        QString err;
        QVERIFY(!RedisEndpoint::parse(QStringLiteral("redis://u:topsecret@host/notadb"), &err));
        QVERIFY2(!err.contains(QLatin1String("topsecret")), qPrintable(err));
    }

    void statusJson_hasContractFieldsInOrder()
    {
        ExportStatus s;
        s.id = newExportId();
        s.state = ExportState::Pending;
        s.owner = QStringLiteral("alice");
        s.source = QStringLiteral("scan \"0042\".tiff\n");
        s.bytesTotal = 73400320;
        s.bytesWritten = 1048576;
        s.createdAt = s.updatedAt = QDateTime::currentDateTimeUtc();
        const QByteArray json = s.toJson();
        QVERIFY(json.startsWith("{\"id\":\"" + s.id.toLatin1() + "\",\"status\":\"PENDING\""));
        const QJsonObject o = QJsonDocument::fromJson(json).object();
        for (const char *k : {"id", "status", "owner", "source", "bytesTotal", "bytesWritten",
                              "createdAt", "updatedAt", "sha256", "error", "cancelledBy"})
            QVERIFY2(o.contains(QLatin1String(k)), k);
        QVERIFY(o.value(QLatin1String("sha256")).isNull());
        QCOMPARE(o.value(QLatin1String("source")).toString(), s.source);
        QCOMPARE(qint64(o.value(QLatin1String("bytesTotal")).toDouble()), 73400320);
        QVERIFY(o.value(QLatin1String("createdAt")).toString().endsWith(QLatin1Char('Z')));
        const auto back = ExportStatus::fromJson(json);
        QVERIFY(back);
        QCOMPARE(back->toJson(), json);
    }
    void statusJson_rejectsHostileInput_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("garbage") << QByteArray("not json");
        QTest::newRow("array") << QByteArray("[1,2]");
        QTest::newRow("no status") << QByteArray("{\"id\":\"x\"}");
        QTest::newRow("status number") << QByteArray("{\"id\":\"x\",\"status\":5}");
        QTest::newRow("truncated") << QByteArray("{\"id\":\"x\",\"status\":\"PEN");
        QTest::newRow("empty") << QByteArray();
    }
    void statusJson_rejectsHostileInput()
    {
        QFETCH(QByteArray, json);
        QString err;
        QVERIFY(!ExportStatus::fromJson(json, &err));
        QVERIFY(err.startsWith(QLatin1String("malformed status JSON")));
    }
    void statusJson_toleratesWrongTypesAndUnknownState()
    {
        const auto s = ExportStatus::fromJson(
            "{\"id\":\"a\",\"status\":\"EXPLODED\",\"bytesTotal\":\"many\",\"bytesWritten\":-5,"
            "\"createdAt\":42,\"extra\":{\"nested\":[1]}}");
        QVERIFY(s);
        QCOMPARE(s->state, ExportState::Unknown);
        QCOMPARE(s->stateText(), QStringLiteral("EXPLODED"));
        QCOMPARE(s->bytesTotal, -1);
        QCOMPARE(s->bytesWritten, 0);
        QVERIFY(!s->createdAt.isValid());
    }
    void exportId_acceptsOnlyLowercaseUuids_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<bool>("valid");
        QTest::newRow("uuid") << newExportId() << true;
        QTest::newRow("upper") << newExportId().toUpper() << false;
        QTest::newRow("braces") << QStringLiteral("{%1}").arg(newExportId()) << false;
        QTest::newRow("glob") << QStringLiteral("*") << false;
        QTest::newRow("newline") << newExportId().left(35) + QLatin1Char('\n') << false;
        QTest::newRow("long") << QString(10240, QLatin1Char('a')) << false;
        QTest::newRow("numbers") << QStringLiteral("1234") << false;
    }
    void exportId_acceptsOnlyLowercaseUuids()
    {
        QFETCH(QString, id);
        QFETCH(bool, valid);
        QCOMPARE(isValidExportId(id), valid);
    }

    void keys_useHashTagAndPrefix()
    {
        KeyLayout k;
        QCOMPARE(k.statusKey(QStringLiteral("abc")), QByteArray("export:{abc}"));
        QCOMPARE(k.dataKey(QStringLiteral("abc")), QByteArray("export:{abc}-data"));
        QCOMPARE(k.eventsChannel(), QByteArray("export:events"));
        QCOMPARE(k.idFromStatusKey("export:{abc}"), QStringLiteral("abc"));
        QVERIFY(k.idFromStatusKey("export:{abc}-data").isEmpty());
        k.prefix = "a*b:";
        QCOMPARE(k.statusKeyPattern(), QByteArray("a\\*b:\\{*\\}"));
    }

    void permissions_fileGrantsOnlyWhatItNames()
    {
        QString err;
        auto p = FilePermissions::fromJson(
            R"({"alice":["export","export:read"],"sam":["export:read","export:cancel-any"],"ro":["export:read"]})",
            QStringLiteral("test"), &err);
        QVERIFY2(p, qPrintable(err));
        QVERIFY(p->mayExport(QStringLiteral("alice")));
        QVERIFY(!p->mayExport(QStringLiteral("sam")));
        QVERIFY(!p->mayExport(QStringLiteral("nobody")));
        QVERIFY(!p->mayRead(QStringLiteral("nobody")));
        QVERIFY(p->mayRead(QStringLiteral("ro")));
        QVERIFY(p->mayCancel(QStringLiteral("alice"), QStringLiteral("alice")));
        QVERIFY(!p->mayCancel(QStringLiteral("alice"), QStringLiteral("bob")));
        QVERIFY(p->mayCancel(QStringLiteral("sam"), QStringLiteral("bob")));
        QVERIFY(!p->mayCancel(QStringLiteral("ro"), QStringLiteral("ro")));
    }
    void permissions_defaultGrantsExportAndRead()
    {
        DefaultPermissions d;
        QVERIFY(d.mayExport(QStringLiteral("anyone")));
        QVERIFY(d.mayRead(QStringLiteral("anyone")));
        QVERIFY(!d.holds(QStringLiteral("anyone"), Permission::CancelAny));
    }
    void permissions_badFilesGiveClearErrors_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("needle");
        QTest::newRow("not json") << QByteArray("{nope") << "not valid JSON";
        QTest::newRow("array") << QByteArray("[]") << "must hold a JSON object";
        QTest::newRow("not list") << QByteArray("{\"a\":\"export\"}") << "must be a list";
        QTest::newRow("not string") << QByteArray("{\"a\":[1]}") << "not a string";
    }
    void permissions_badFilesGiveClearErrors()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, needle);
        QString err;
        QVERIFY(!FilePermissions::fromJson(json, QStringLiteral("perm.json"), &err));
        QVERIFY2(err.contains(needle) && err.contains(QLatin1String("perm.json")), qPrintable(err));
    }
    void permissions_missingFileNamesPath()
    {
        QString err;
        QVERIFY(!loadPermissions(QStringLiteral("/nonexistent/perm.json"), &err));
        QVERIFY2(err.contains(QLatin1String("/nonexistent/perm.json")), qPrintable(err));
    }

    void byteSize_parsesSuffixesAsPowersOf1024()
    {
        QCOMPARE(parseByteSize(QStringLiteral("1048576")), 1048576);
        QCOMPARE(parseByteSize(QStringLiteral("64K")), 65536);
        QCOMPARE(parseByteSize(QStringLiteral("2m")), 2 * 1048576);
        QCOMPARE(parseByteSize(QStringLiteral("1G")), 1073741824LL);
        QCOMPARE(parseByteSize(QStringLiteral("1.5M")), 1572864);
        QCOMPARE(parseByteSize(QStringLiteral("abc")), -1);
        QCOMPARE(parseByteSize(QStringLiteral("-5")), -1);
        QCOMPARE(parseByteSize(QString()), -1);
    }

    // The one home of the numbers shown to people (core/util/humanformat.h): the
    // CLI's fixed spellings and the window's, from the same steps.
    void humanFormat_sizesSpeedsPercentEllipsis()
    {
        QCOMPARE(formatBytes(-1), QStringLiteral("?"));
        QCOMPARE(formatBytes(1023), QStringLiteral("1023 B"));
        QCOMPARE(formatBytes(1000 * 1024), QStringLiteral("1000.0 KiB"));
        QCOMPARE(formatBytes(1536 * 1024), QStringLiteral("1.50 MiB"));
        QCOMPARE(formatSpeed(2048), QStringLiteral("2.00 KiB/s"));
        QCOMPARE(percentOf(29, 100), 29); // not 28, as 0.29 * 100 in doubles would give
        QCOMPARE(percentOf(5, 0), -1);
        QCOMPARE(elide(QStringLiteral("abcdef"), 6), QStringLiteral("abcdef"));
        QCOMPARE(elide(QStringLiteral("abcdefg"), 4), QStringLiteral("abc") + QChar(0x2026));
        QCOMPARE(elide(QStringLiteral("abc"), 0), QString(QChar(0x2026)));
    }
    void humanFormat_durationsInBothSpellings()
    {
        const struct
        {
            qint64 ms;
            const char *words, *compact;
        } cases[] = {
            {-5000, "0 s", "0s"},
            {35'999, "35 s", "35s"},
            {(4 * 60 + 2) * 1000, "4 min 2 s", "4m02s"},
            {(2 * 3600 + 5 * 60 + 59) * 1000, "2 h 5 min", "2h05m"},
            {(3 * 86400 + 4 * 3600 + 1) * 1000LL, "3 d 4 h", "3d4h"},
        };
        for (const auto &c : cases) {
            QCOMPARE(formatDuration(c.ms), QLatin1String(c.words));
            QCOMPARE(formatDuration(c.ms, DurationStyle::Compact), QLatin1String(c.compact));
        }
    }

    // Issue #9: ~BackgroundSha256 cleared the queue while its worker still hashed
    // queue.front(), then the worker popped an empty deque (a crash on every cancel
    // path, one run in two). Destroying it with chunks still queued must be safe;
    // under ASan/TSan the old code fails this at once.
    void backgroundSha256_destroyedWithChunksQueuedIsSafe()
    {
        const QByteArray chunk(256 * 1024, 'x');
        for (int round = 0; round < 300; ++round) {
            BackgroundSha256 sha(4);
            for (int i = 0; i < 4 + round % 3; ++i)
                sha.add(QByteArray(chunk.constData(), chunk.size())); // unshared copies
        }
    }
    void backgroundSha256_matchesOneShotDigest()
    {
        QByteArray all;
        BackgroundSha256 sha(2);
        for (int i = 0; i < 50; ++i) {
            QByteArray part(1000 + i * 37, Qt::Uninitialized);
            for (int j = 0; j < part.size(); ++j)
                part[j] = char((i * 131 + j) & 0xff);
            all += part;
            sha.add(part);
        }
        const QString expected =
            QString::fromLatin1(QCryptographicHash::hash(all, QCryptographicHash::Sha256).toHex());
        QCOMPARE(sha.finish(), expected);
        QCOMPARE(sha.finish(), expected);
        QVERIFY(sha.errorString().isEmpty());
    }

    // A resumed export's prefix (issue 22): read by the worker itself, hashed before
    // the chunks added after it, while those queue beyond maxQueued (the sending
    // goes on); a feed that ends early or fails fails the digest, saying why.
    void backgroundSha256_feedHashesBeforeLaterChunks()
    {
        QByteArray all(9 * 1024 * 1024 + 123, Qt::Uninitialized);
        for (int j = 0; j < all.size(); ++j)
            all[j] = char((j * 7 + j / 4096) & 0xff);
        const qint64 prefix = 5 * 1024 * 1024 + 77;
        BackgroundSha256 sha(2);
        std::atomic<bool> release{false};
        qint64 at = 0;
        sha.addFeed(
            [&](char *buffer, qint64 size, QString *) -> qint64 {
                while (!release.load()) // holds the worker until the chunks are queued
                    std::this_thread::yield();
                const qint64 n = std::min(size, prefix - at);
                memcpy(buffer, all.constData() + at, size_t(n));
                at += n;
                return n;
            },
            prefix);
        // Ten chunks queued behind the running feed: more than maxQueued (2), within
        // the slack; add() does not wait for the feed.
        const qint64 rest = all.size() - prefix;
        for (int i = 0; i < 10; ++i) {
            const qint64 from = prefix + rest * i / 10, to = prefix + rest * (i + 1) / 10;
            sha.add(all.mid(from, to - from));
        }
        release = true;
        const QString expected =
            QString::fromLatin1(QCryptographicHash::hash(all, QCryptographicHash::Sha256).toHex());
        QCOMPARE(sha.finish(), expected);

        BackgroundSha256 shortFeed(2);
        shortFeed.addFeed([](char *, qint64, QString *) -> qint64 { return 0; }, 10);
        QCOMPARE(shortFeed.finish(), QString());
        QVERIFY2(shortFeed.errorString().contains(QLatin1String("ended at 0 bytes")),
                 qPrintable(shortFeed.errorString()));
        BackgroundSha256 failing(2);
        failing.addFeed(
            [](char *, qint64, QString *error) -> qint64 {
                *error = QStringLiteral("cannot read scan.tiff: Input/output error");
                return -1;
            },
            10);
        QCOMPARE(failing.finish(), QString());
        QCOMPARE(failing.errorString(),
                 QStringLiteral("cannot read scan.tiff: Input/output error"));
    }

    // ---- resume (issue 22): status fields, fingerprints, owner liveness ----

    void statusJson_resumeFieldsRoundTrip()
    {
        ExportStatus s;
        s.id = newExportId();
        s.state = ExportState::Pending;
        s.createdAt = s.updatedAt = QDateTime::currentDateTimeUtc();
        const QByteArray plain = s.toJson();
        // Never written while empty: statuses of exports that never met resume are unchanged.
        for (const char *k :
             {"fingerprint", "ownerToken", "bootId", "pidStart", "resumedAt", "resumes"})
            QVERIFY2(!plain.contains(k), k);
        s.fingerprint = SourceFingerprint::ofFile(QStringLiteral("scan.tiff"), 73400320, 1764270131,
                                                  999999999, 18446744073709551615ULL, 64769);
        s.ownerToken = newOwnerToken();
        s.bootId = QStringLiteral("0b7c1d0e-5f2a-4c1e-9d3b-1a2b3c4d5e6f");
        s.pidStart = 123456789;
        s.resumedAt = s.updatedAt.addSecs(5);
        s.resumes = 2;
        const QByteArray json = s.toJson();
        QVERIFY(json.endsWith("\"resumes\":2}"));
        const auto back = ExportStatus::fromJson(json);
        QVERIFY(back);
        QCOMPARE(back->fingerprint, s.fingerprint); // the largest inode survives the JSON
        QCOMPARE(back->ownerToken, s.ownerToken);
        QCOMPARE(back->ownerToken.size(), 32);
        QCOMPARE(back->bootId, s.bootId);
        QCOMPARE(back->pidStart, s.pidStart);
        QCOMPARE(back->resumedAt, s.resumedAt);
        QCOMPARE(back->resumes, 2);
        QCOMPARE(back->toJson(), json);
        const QJsonObject o = QJsonDocument::fromJson(json).object();
        QCOMPARE(o.value(QLatin1String("fingerprint"))
                     .toObject()
                     .value(QLatin1String("mtime"))
                     .toString(),
                 QStringLiteral("2025-11-27T19:02:11.999999999Z"));
    }
    void statusJson_resumeFieldsTolerateBadValues()
    {
        const auto s = ExportStatus::fromJson(
            "{\"id\":\"a\",\"status\":\"PENDING\",\"fingerprint\":{\"kind\":\"tape\",\"size\":1},"
            "\"ownerToken\":7,\"pidStart\":\"x\",\"resumes\":-3,\"resumedAt\":\"yesterday\","
            "\"somethingNew\":{\"a\":[1,2]}}");
        QVERIFY(s);
        QVERIFY(!s->fingerprint.isValid());
        QVERIFY(s->ownerToken.isEmpty());
        QCOMPARE(s->pidStart, 0);
        QCOMPARE(s->resumes, 0);
        QVERIFY(!s->resumedAt.isValid());
    }

    void fingerprint_ofPathIsStatOfARegularFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("scan.tiff"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(1000, 'x'));
        f.close();
        QString why;
        const SourceFingerprint fp = SourceFingerprint::ofPath(path, &why);
        QVERIFY2(fp.isValid(), qPrintable(why));
        QCOMPARE(fp.kind, SourceFingerprint::Kind::File);
        QCOMPARE(fp.name, QStringLiteral("scan.tiff"));
        QCOMPARE(fp.size, 1000);
        struct stat st;
        QCOMPARE(::stat(QFile::encodeName(path).constData(), &st), 0);
        QCOMPARE(fp.inode, quint64(st.st_ino));
        QCOMPARE(fp.device, quint64(st.st_dev));
        QCOMPARE(fp.mtimeSec, qint64(st.st_mtim.tv_sec));
        QCOMPARE(fp.mtimeNsec, qint64(st.st_mtim.tv_nsec));
        QVERIFY(fp.differenceFrom(SourceFingerprint::ofPath(path)).isEmpty());
        // What an export's source saw at open() is the same fingerprint.
        FileSource source(path);
        QVERIFY(source.open());
        QCOMPARE(source.fingerprint(), fp);
        const auto back = SourceFingerprint::fromJson(fp.toJson());
        QVERIFY(back);
        QCOMPARE(*back, fp);
    }
    void fingerprint_mtimeRoundTripsInAnyTimeZone()
    {
        // 02:30 on 2026-03-29 does not exist in Berlin's local time (clocks jump 2 → 3).
        const QByteArray savedTz = qgetenv("TZ");
        qputenv("TZ", "Europe/Berlin");
        ::tzset();
        const SourceFingerprint fp =
            SourceFingerprint::ofFile(QStringLiteral("a"), 1, 1774751400, 123456789, 1, 2);
        QCOMPARE(fp.toJson().value(QLatin1String("mtime")).toString(),
                 QStringLiteral("2026-03-29T02:30:00.123456789Z"));
        const auto back = SourceFingerprint::fromJson(fp.toJson());
        if (savedTz.isNull())
            qunsetenv("TZ");
        else
            qputenv("TZ", savedTz);
        ::tzset();
        QVERIFY(back);
        QCOMPARE(back->mtimeSec, fp.mtimeSec);
        QCOMPARE(back->mtimeNsec, fp.mtimeNsec);
    }
    void fingerprint_noneForWhatCannotBeReadTwice()
    {
        QTemporaryDir dir;
        QString why;
        QVERIFY(!SourceFingerprint::ofPath(QStringLiteral("-"), &why).isValid());
        QVERIFY2(why.contains(QLatin1String("standard input")), qPrintable(why));
        const QString fifo = dir.filePath(QStringLiteral("pipe"));
        QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
        QVERIFY(!SourceFingerprint::ofPath(fifo, &why).isValid());
        QVERIFY2(why.contains(QLatin1String("pipe")), qPrintable(why));
        QVERIFY(!SourceFingerprint::ofPath(QStringLiteral("/proc/self/status"), &why).isValid());
        QVERIFY2(why.contains(QLatin1String("pseudo file")), qPrintable(why));
        QVERIFY(!SourceFingerprint::ofPath(dir.path(), &why).isValid());
        QVERIFY(
            !SourceFingerprint::ofPath(dir.filePath(QStringLiteral("missing")), &why).isValid());
        QVERIFY2(why.contains(QLatin1String("No such file")), qPrintable(why));
        QVERIFY(SourceFingerprint().toJson().isEmpty());
        // Standard input redirected from a regular file still cannot be named again.
        FileSource stdinSource(QStringLiteral("-"));
        QVERIFY(!stdinSource.fingerprint().isValid());
        // A URL that names no version has none either.
        QVERIFY(
            !SourceFingerprint::ofUrl(QStringLiteral("https://x/y"), 10, QString(), QString(), &why)
                 .isValid());
        QVERIFY(why.contains(QLatin1String("ETag")));
    }
    void fingerprint_differenceSaysWhatChanged()
    {
        const SourceFingerprint began = SourceFingerprint::ofFile(
            QStringLiteral("scan.tiff"), 73400320, 1764270131, 532000001, 4242, 2049);
        SourceFingerprint now = began;
        QVERIFY(began.differenceFrom(now).isEmpty());
        now.size = 73400321;
        QCOMPARE(
            began.differenceFrom(now),
            QStringLiteral("scan.tiff changed since the export began: size 73400320 → 73400321"));
        now = began;
        now.mtimeNsec = 532000002; // a nanosecond is a change
        QVERIFY(began.differenceFrom(now).contains(QStringLiteral(
            "modified 2025-11-27T19:02:11.532000001Z → 2025-11-27T19:02:11.532000002Z")));
        now = began;
        now.inode = 4243;
        QVERIFY(began.differenceFrom(now).contains(QLatin1String("replaced by another file")));
        QVERIFY(!began.differenceFrom(SourceFingerprint()).isEmpty());

        // A file really changed on disk: rewritten with the same size and an older mtime.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("a.bin"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("abcd");
        f.close();
        const SourceFingerprint before = SourceFingerprint::ofPath(path);
        struct timespec times[2] = {{0, UTIME_OMIT},
                                    {before.mtimeSec, (before.mtimeNsec + 1) % 1000000000}};
        QCOMPARE(::utimensat(AT_FDCWD, QFile::encodeName(path).constData(), times, 0), 0);
        QVERIFY(before.differenceFrom(SourceFingerprint::ofPath(path))
                    .contains(QLatin1String("modified")));

        const SourceFingerprint url = SourceFingerprint::ofUrl(
            QStringLiteral("https://example.com/f.bin"), 10, QStringLiteral("\"v1\""),
            QStringLiteral("Wed, 21 Oct 2026 07:28:00 GMT"));
        QVERIFY(url.isValid());
        const auto urlBack = SourceFingerprint::fromJson(url.toJson());
        QVERIFY(urlBack);
        QCOMPARE(*urlBack, url);
        SourceFingerprint urlNow = url;
        urlNow.lastModified = QStringLiteral("Thu, 22 Oct 2026 07:28:00 GMT"); // the ETag decides
        QVERIFY(url.differenceFrom(urlNow).isEmpty());
        urlNow.etag = QStringLiteral("\"v2\"");
        QCOMPARE(
            url.differenceFrom(urlNow),
            QStringLiteral(
                "https://example.com/f.bin changed since the export began: ETag \"v1\" → \"v2\""));
        SourceFingerprint byDate =
            SourceFingerprint::ofUrl(QStringLiteral("https://e/x"), -1, QString(),
                                     QStringLiteral("Wed, 21 Oct 2026 07:28:00 GMT"));
        SourceFingerprint byDateNow = byDate;
        byDateNow.lastModified = QStringLiteral("Thu, 22 Oct 2026 07:28:00 GMT");
        QVERIFY(byDate.differenceFrom(byDateNow).contains(QLatin1String("Last-Modified")));
    }

    // The monitor's paced resync (ExportMonitor::Options' rescanMs, resyncStepMs and
    // scanCount): steps sized from DBSIZE so a pass takes about rescanMs, a short
    // pass repeated after rescanMs / 15, a long one after its last step's pause.
    void resyncPacer_sizesStepsAndSpacesPasses()
    {
        ResyncPacer pacer(30000, 250, 1000); // 120 steps a pass
        QVERIFY(pacer.passDue(0));
        const quint32 first = pacer.pass();

        pacer.beginPass(1000, 1000000);
        QCOMPARE(pacer.pass(), first + 1);
        QVERIFY(pacer.passActive());
        QCOMPARE(pacer.stepCount(), 8334); // ceil(1,000,000 / 120)
        QVERIFY(!pacer.passDue(1000));
        QVERIFY(pacer.stepDue(1000));
        pacer.stepTaken(1100);
        QVERIFY(!pacer.stepDue(1349));
        QVERIFY(pacer.stepDue(1350));
        QCOMPARE(pacer.nextDueMs(), qint64(1350));
        pacer.passDone(1400); // a short pass: again at its start + 30000 / 15
        QVERIFY(!pacer.passActive());
        QVERIFY(!pacer.stepDue(5000));
        QVERIFY(!pacer.passDue(2999));
        QVERIFY(pacer.passDue(3000));
        QCOMPARE(pacer.nextDueMs(), qint64(3000));

        pacer.beginPass(3000, 10); // a small keyspace: at least scanCount a step
        QCOMPARE(pacer.stepCount(), 1000);
        pacer.passDone(40000); // a long pass: again after one step's pause
        QCOMPARE(pacer.nextDueMs(), qint64(40250));
        pacer.beginPass(40250, qint64(1) << 40); // at most 100,000 a step
        QCOMPARE(pacer.stepCount(), 100000);

        pacer.beginQuickPass(); // walked at once: the paced pass is abandoned
        QCOMPARE(pacer.pass(), first + 4);
        QVERIFY(!pacer.passActive());
        pacer.quickPassDone(50000);
        QVERIFY(!pacer.passDue(51999));
        QVERIFY(pacer.passDue(52000));
        pacer.deferPass(90000);
        QVERIFY(!pacer.passDue(89999));
        QVERIFY(pacer.passDue(90000));
    }

    void ownerLiveness_decidesGoneOrAlive()
    {
        ProcessFacts here;
        here.hostName = QStringLiteral("host-a");
        here.bootId = QStringLiteral("boot-1");
        const QDateTime now = QDateTime::currentDateTimeUtc();
        ExportStatus s;
        s.host = QStringLiteral("host-a");
        s.pid = 4242;
        s.bootId = QStringLiteral("boot-1");
        s.pidStart = 1000;
        s.updatedAt = now.addMSecs(-2000);
        int probes = 0;
        auto probe = [&](qint64 startTime) {
            return [&, startTime](qint64 pid) {
                ++probes;
                return pid == 4242 ? startTime : -1;
            };
        };
        // This host, the pid dead: gone at once, however recent the write.
        auto l = OwnerLiveness::assess(s, here, now, probe(-1));
        QVERIFY(l.isGone());
        QVERIFY(l.sameHost);
        QVERIFY2(l.reason.contains(QLatin1String("no longer running")), qPrintable(l.reason));
        // The pid reused by another program (another start time): gone.
        l = OwnerLiveness::assess(s, here, now, probe(2000));
        QVERIFY(l.isGone());
        QVERIFY(l.reason.contains(QLatin1String("another program")));
        // Running, the same start time, written 2 s ago: alive.
        l = OwnerLiveness::assess(s, here, now, probe(1000));
        QVERIFY(!l.isGone());
        QCOMPARE(l.ownerText(), QStringLiteral("owned by host-a/4242, last written 2 s ago"));
        // Running but silent for 10 s (SIGSTOPped): gone.
        s.updatedAt = now.addMSecs(-10000);
        QVERIFY(OwnerLiveness::assess(s, here, now, probe(1000)).isGone());
        s.updatedAt = now.addMSecs(-9999);
        QVERIFY(!OwnerLiveness::assess(s, here, now, probe(1000)).isGone());
        // Another host: never probed, silence decides.
        s.host = QStringLiteral("host-b");
        probes = 0;
        s.updatedAt = now.addMSecs(-9000);
        l = OwnerLiveness::assess(s, here, now, probe(-1));
        QVERIFY(!l.isGone());
        QVERIFY(!l.sameHost);
        s.updatedAt = now.addMSecs(-12000);
        l = OwnerLiveness::assess(s, here, now, probe(-1));
        QVERIFY(l.isGone());
        QVERIFY2(l.reason.contains(QLatin1String("has not written the status for 12 s")),
                 qPrintable(l.reason));
        QCOMPARE(probes, 0);
        // Same name, another boot (the host rebooted): the old pid means nothing.
        s.host = QStringLiteral("host-a");
        s.bootId = QStringLiteral("boot-0");
        s.updatedAt = now.addMSecs(-1000);
        QVERIFY(!OwnerLiveness::assess(s, here, now, probe(-1)).isGone());
        QCOMPARE(probes, 0);
        // A clock ahead of ours: not silent, not negative.
        s.updatedAt = now.addSecs(30);
        l = OwnerLiveness::assess(s, here, now, probe(-1));
        QVERIFY(!l.isGone());
        QCOMPARE(l.silentMs, 0);
        // Never written by a running owner.
        s.updatedAt = QDateTime();
        QVERIFY(OwnerLiveness::assess(s, here, now, probe(-1)).isGone());
    }
    void ownerLiveness_probesTheRealProcessTable()
    {
        const ProcessFacts &me = ProcessFacts::self();
        QCOMPARE(me.pid, QCoreApplication::applicationPid());
        QVERIFY(!me.hostName.isEmpty());
        QVERIFY(!me.bootId.isEmpty());
        QVERIFY(me.pidStart > 0);
        QCOMPARE(ProcessFacts::startTimeOf(me.pid), me.pidStart);
        QProcess child;
        child.start(QStringLiteral("sleep"), {QStringLiteral("30")});
        QVERIFY(child.waitForStarted());
        const qint64 pid = child.processId();
        const qint64 start = ProcessFacts::startTimeOf(pid);
        QVERIFY(start >= me.pidStart);
        ExportStatus s;
        s.host = me.hostName;
        s.bootId = me.bootId;
        s.pid = pid;
        s.pidStart = start;
        s.updatedAt = QDateTime::currentDateTimeUtc();
        QVERIFY(!OwnerLiveness::assess(s, me, QDateTime::currentDateTimeUtc()).isGone());
        child.kill();
        QVERIFY(child.waitForFinished());
        QCOMPARE(ProcessFacts::startTimeOf(pid), -1);
        QVERIFY(OwnerLiveness::assess(s, me, QDateTime::currentDateTimeUtc()).isGone());
    }
};

QTEST_GUILESS_MAIN(TstUnits)
#include "tst_units.moc"

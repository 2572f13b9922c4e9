// Who the acting user is (CONTRACT §8, issue 11): the Redis ACL user the
// connection logs in as, or an unverified name; the events channel checked before
// anything is written; the README's example ACLs held to what the tools need.
// hbexporter-cli runs as a child process against a real redis-server; the window's
// path (Exporter) runs in this process.
#include "clirun.h"
#include "exportconfig.h"
#include "exporter.h"
#include "exportstatus.h"
#include "permissions.h"
#include "testredis.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QtTest>

#include <csignal>

using namespace hb;
using namespace hb::test;

namespace {

using Run = CliRun;

// The README's example ACLs (Permissions section), word for word. An operator
// exports and cancels their own; support staff read everything and cancel any
// export (which may mean settling a silent owner's data). Which of them may do
// what to whose export is the permissions file's policy: the server cannot tell
// one export's owner from another's.
const QStringList operatorRules =
    QStringLiteral("on resetkeys resetchannels -@all ~export:* &export:events +acl|whoami +ping "
                   "+info +select +multi +discard +exec +get +set +setrange +pexpire +strlen "
                   "+getrange +exists +ttl +scan +rename +unlink +eval +publish +subscribe")
        .split(QLatin1Char(' '));
const QStringList supportRules =
    QStringLiteral("on resetkeys resetchannels -@all ~export:* &export:events +acl|whoami +ping "
                   "+info +select +multi +discard +get +set +pexpire +strlen +getrange +exists "
                   "+ttl +scan +rename +unlink +eval +publish +subscribe")
        .split(QLatin1Char(' '));

} // namespace

class TstIdentity : public QObject
{
    Q_OBJECT

    TestRedisServer m_redis;
    QTemporaryDir m_files;
    QString m_cli;

    // A URL logging in as `user` (empty: no login, the default user).
    QString url(const QString &user = {}) const
    {
        return user.isEmpty()
                   ? m_redis.url()
                   : QStringLiteral("unix://%1:pw-%1@%2").arg(user, m_redis.socketPath());
    }
    void addUser(const QString &user, const QStringList &rules)
    {
        QList<QByteArray> args{"ACL", "SETUSER", user.toUtf8(), "reset", ">pw-" + user.toUtf8()};
        for (const QString &r : rules)
            args << r.toUtf8();
        const RedisReply r = m_redis.command(args);
        QVERIFY2(!r.isError(), r.string.constData());
    }
    QProcessEnvironment env(const QString &user = {}) const { return cliEnvironment(url(user)); }
    Run run(const QStringList &args, const QProcessEnvironment &e)
    {
        return runCli(m_cli, args, e);
    }
    Run runAs(const QString &user, const QStringList &args) { return run(args, env(user)); }
    qint64 dbsize() { return m_redis.command({"DBSIZE"}).integer; }
    QJsonObject statusJson(const QString &id)
    {
        return QJsonDocument::fromJson(m_redis.command({"GET", KeyLayout().statusKey(id)}).string)
            .object();
    }
    QString file(const QString &name, qint64 size)
    {
        return makeRandomFile(m_files.path(), name, size, quint32(size));
    }
    QString permissionsFile()
    {
        const QString path = m_files.path() + QStringLiteral("/perms.json");
        QFile f(path);
        if (f.open(QIODevice::WriteOnly))
            f.write(
                R"({"alice":["export","export:read"],"sam":["export:read","export:cancel-any"]})");
        return path;
    }
    // An export of standard input that stays open (PENDING) until closed.
    std::unique_ptr<QProcess> startStreamingExport(const QProcessEnvironment &e, QString *id)
    {
        auto p = std::make_unique<QProcess>();
        p->setProcessEnvironment(e);
        p->start(m_cli, {QStringLiteral("export"), QStringLiteral("-")});
        if (!p->waitForStarted(scaledMs(10000))) return nullptr;
        p->write(QByteArray(64 * 1024, 'x'));
        QByteArray out;
        QElapsedTimer t;
        t.start();
        while (!out.contains('\n') && t.elapsed() < scaledMs(20000)) {
            p->waitForReadyRead(100);
            out += p->readAllStandardOutput();
        }
        *id = QString::fromLatin1(out.trimmed());
        return p;
    }

private Q_SLOTS:
    // Bad arguments are found before the acting user is asked of Redis: a usage
    // error stays exit 2 even with an ACL login and no server.
    void aclLogin_usageErrorIsExitTwoEvenWithRedisDown()
    {
        const QString dead = QStringLiteral("redis://alice:pw@127.0.0.1:%1").arg(freeTcpPort());
        const Run r = runCli(m_cli, {QStringLiteral("status")}, cliEnvironment(dead));
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("exactly one ID"), r.err.constData());
        const Run w =
            runCli(m_cli, {QStringLiteral("watch"), QStringLiteral("extra")}, cliEnvironment(dead));
        QCOMPARE(w.code, 2);
        const Run e = runCli(m_cli, {QStringLiteral("export")}, cliEnvironment(dead));
        QCOMPARE(e.code, 2);
    }
    void initTestCase()
    {
        QString err;
        QVERIFY2(m_redis.start(&err), qPrintable(err));
        // Redis 7's default for new users: no pub/sub channel at all.
        QCOMPARE(m_redis.command({"CONFIG", "GET", "acl-pubsub-default"}).elements.value(1).string,
                 QByteArray("resetchannels"));
        m_cli = builtExecutable(QStringLiteral("hbexporter-cli"));
        QVERIFY2(QFile::exists(m_cli), qPrintable(m_cli));
    }
    void init()
    {
        m_redis.command({"FLUSHALL"});
        for (const char *u : {"alice", "bob", "carol", "dave", "sam"})
            m_redis.command({"ACL", "DELUSER", u});
    }

    void aclLogin_ownerIsTheWhoamiUser_verified()
    {
        addUser(QStringLiteral("alice"),
                {QStringLiteral("on"), QStringLiteral("~export:*"),
                 QStringLiteral("&export:events"), QStringLiteral("+@all")});
        const QString a = file(QStringLiteral("a.bin"), 5000);
        const Run r = runAs(QStringLiteral("alice"), {QStringLiteral("export"), a});
        QVERIFY2(r.code == 0, r.err.constData());
        const QJsonObject s = statusJson(QString::fromLatin1(r.out.trimmed()));
        QCOMPARE(s.value(QLatin1String("owner")).toString(), QStringLiteral("alice"));
        QCOMPARE(s.value(QLatin1String("ownerVerified")), QJsonValue(true));
        // Naming oneself is no conflict; the readable status shows no mark.
        const Run self = runAs(QStringLiteral("alice"),
                               {QStringLiteral("status"), QString::fromLatin1(r.out.trimmed()),
                                QStringLiteral("--user"), QStringLiteral("alice")});
        QCOMPARE(self.code, 0);
        QVERIFY2(self.out.contains("owner    alice\n"), self.out.constData());
    }

    void aclLogin_anotherUserIsRefused_exitFour_writesNothing()
    {
        addUser(QStringLiteral("alice"),
                {QStringLiteral("on"), QStringLiteral("~export:*"),
                 QStringLiteral("&export:events"), QStringLiteral("+@all")});
        const QString a = file(QStringLiteral("b.bin"), 5000);
        for (const QStringList &args :
             {QStringList{QStringLiteral("export"), a}, QStringList{QStringLiteral("list")}}) {
            const Run r =
                runAs(QStringLiteral("alice"),
                      args + QStringList{QStringLiteral("--user"), QStringLiteral("bob")});
            QCOMPARE(r.code, 4);
            QCOMPARE(
                r.err.trimmed(),
                QByteArray("permission denied: logged in to Redis as alice, cannot act as bob"));
            QCOMPARE(r.out, QByteArray());
            QCOMPARE(dbsize(), 0);
        }
    }

    void aclLogin_whoamiForbidden_theLoginNameActs()
    {
        addUser(QStringLiteral("carol"), {QStringLiteral("on"), QStringLiteral("~export:*"),
                                          QStringLiteral("&export:events"), QStringLiteral("+@all"),
                                          QStringLiteral("-acl|whoami")});
        QVERIFY(runAs(QStringLiteral("carol"), {QStringLiteral("list")}).code == 0);
        const QString a = file(QStringLiteral("c.bin"), 5000);
        const Run r = runAs(QStringLiteral("carol"), {QStringLiteral("export"), a});
        QVERIFY2(r.code == 0, r.err.constData());
        const QJsonObject s = statusJson(QString::fromLatin1(r.out.trimmed()));
        QCOMPARE(s.value(QLatin1String("owner")).toString(), QStringLiteral("carol"));
        QCOMPARE(s.value(QLatin1String("ownerVerified")), QJsonValue(true));
        const Run other =
            runAs(QStringLiteral("carol"),
                  {QStringLiteral("export"), a, QStringLiteral("--user"), QStringLiteral("bob")});
        QCOMPARE(other.code, 4);
        QVERIFY2(other.err.contains("logged in to Redis as carol, cannot act as bob"),
                 other.err.constData());
    }

    void noAclLogin_ownerUnverified_andMarked()
    {
        const QString a = file(QStringLiteral("d.bin"), 5000);
        const Run r = runAs(
            {}, {QStringLiteral("export"), a, QStringLiteral("--user"), QStringLiteral("bob")});
        QVERIFY2(r.code == 0, r.err.constData());
        const QString id = QString::fromLatin1(r.out.trimmed());
        const QJsonObject s = statusJson(id);
        QCOMPARE(s.value(QLatin1String("owner")).toString(), QStringLiteral("bob"));
        QCOMPARE(s.value(QLatin1String("ownerVerified")), QJsonValue(false));
        const Run status = runAs({}, {QStringLiteral("status"), id});
        QVERIFY2(status.out.contains("owner    bob (unverified)\n"), status.out.constData());
        const Run list = runAs({}, {QStringLiteral("list")});
        QVERIFY2(list.out.contains("bob (unverified)"), list.out.constData());
        // A status written before ownerVerified existed reads as unverified.
        QJsonObject old = s;
        old.remove(QLatin1String("ownerVerified"));
        m_redis.command({"SET", KeyLayout().statusKey(id), QJsonDocument(old).toJson()});
        const auto parsed = ExportStatus::fromJson(QJsonDocument(old).toJson());
        QVERIFY(parsed && !parsed->ownerVerified);
        QVERIFY(runAs({}, {QStringLiteral("status"), id}).out.contains("bob (unverified)"));
        // The login `default` vouches for nobody.
        const Run asDefault = run({QStringLiteral("export"), a, QStringLiteral("--user"),
                                   QStringLiteral("zed"), QStringLiteral("--redis"),
                                   QStringLiteral("unix://default:x@") + m_redis.socketPath()},
                                  env());
        // (the test server's default user is nopass: any password logs in)
        QVERIFY2(asDefault.code == 0, asDefault.err.constData());
        QCOMPARE(statusJson(QString::fromLatin1(asDefault.out.trimmed()))
                     .value(QLatin1String("ownerVerified")),
                 QJsonValue(false));
    }

    void aclUserWithoutTheEventsChannel_refusedBeforeWriting()
    {
        addUser(QStringLiteral("dave"), {QStringLiteral("on"), QStringLiteral("~export:*"),
                                         QStringLiteral("+@all")}); // no channel
        // A monitor listening: the check publishes nothing it could see.
        auto sub = m_redis.connect();
        QVERIFY(sub->ensureConnected());
        QVERIFY(!sub->command({"SUBSCRIBE", KeyLayout().eventsChannel()}).isError());
        const QString a = file(QStringLiteral("e.bin"), 5000);
        const Run r = runAs(QStringLiteral("dave"), {QStringLiteral("export"), a});
        QCOMPARE(r.code, 4);
        QCOMPARE(r.err.trimmed(),
                 QByteArray("permission denied: Redis user dave may not publish to channel "
                            "export:events (add \"&export:events\" to its ACL)"));
        QCOMPARE(dbsize(), 0);
        bool nothing = false;
        sub->readPushed(200, &nothing);
        QVERIFY(nothing);

        // Nor may dave cancel: the status script would have set CANCELLED, then
        // failed to publish it.
        const QString b = file(QStringLiteral("f.bin"), 5000);
        const Run ok = runAs({}, {QStringLiteral("export"), b});
        QCOMPARE(ok.code, 0);
        const QString id = QString::fromLatin1(ok.out.trimmed());
        // A COMPLETED export is "too late" before any write: make it dave's, PENDING.
        QJsonObject s = statusJson(id);
        s.insert(QLatin1String("status"), QStringLiteral("PENDING"));
        s.insert(QLatin1String("owner"), QStringLiteral("dave"));
        const QByteArray pending = QJsonDocument(s).toJson(QJsonDocument::Compact);
        m_redis.command({"SET", KeyLayout().statusKey(id), pending, "EX", "600"});
        const Run cancel = runAs(QStringLiteral("dave"), {QStringLiteral("cancel"), id});
        QCOMPARE(cancel.code, 4);
        QVERIFY2(cancel.err.contains("may not publish to channel export:events"),
                 cancel.err.constData());
        QCOMPARE(m_redis.command({"GET", KeyLayout().statusKey(id)}).string, pending);
    }

    void redisNopermMidway_isPermissionDenied()
    {
        // Status keys only (they end in "}"): the first data segment is refused.
        addUser(QStringLiteral("bob"), {QStringLiteral("on"), QStringLiteral("~export:{*}"),
                                        QStringLiteral("&export:events"), QStringLiteral("+@all")});
        const QString a = file(QStringLiteral("g.bin"), 5000);
        const Run r =
            runAs(QStringLiteral("bob"), {QStringLiteral("export"), a, QStringLiteral("--json")});
        QCOMPARE(r.code, 4);
        QVERIFY2(r.err.contains("permission denied"), r.err.constData());
        const QString id =
            QJsonDocument::fromJson(r.out).object().value(QLatin1String("id")).toString();
        QVERIFY(!id.isEmpty());
        const QJsonObject s = statusJson(id);
        QCOMPARE(s.value(QLatin1String("status")).toString(), QStringLiteral("FAILED"));
        QCOMPARE(s.value(QLatin1String("owner")).toString(), QStringLiteral("bob"));
        QCOMPARE(s.value(QLatin1String("ownerVerified")), QJsonValue(true));
    }

    // The window's path: the same rule inside the Exporter.
    void exporter_actsAsTheAclUser()
    {
        addUser(QStringLiteral("alice"),
                {QStringLiteral("on"), QStringLiteral("~export:*"),
                 QStringLiteral("&export:events"), QStringLiteral("+@all")});
        ExporterConfig cfg;
        cfg.endpoint = *RedisEndpoint::parse(url(QStringLiteral("alice")));
        cfg.user = QStringLiteral("bob");
        cfg.userNamed = true;
        const QString a = file(QStringLiteral("h.bin"), 5000);
        {
            Exporter exporter(cfg, std::make_shared<DefaultPermissions>());
            QSignalSpy finished(&exporter, &Exporter::exportFinished);
            exporter.startExport(a);
            QVERIFY(finished.wait(scaledMs(20000)));
            QCOMPARE(finished.at(0).at(2).value<ErrorCode>(), ErrorCode::PermissionDenied);
            QCOMPARE(finished.at(0).at(3).toString(),
                     QStringLiteral(
                         "permission denied: logged in to Redis as alice, cannot act as bob"));
            QCOMPARE(dbsize(), 0);
        }
        cfg.userNamed = false; // the setting left empty: the login name was only a default
        Exporter exporter(cfg, std::make_shared<DefaultPermissions>());
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        exporter.startExport(a);
        QVERIFY(finished.wait(scaledMs(20000)));
        QCOMPARE(finished.at(0).at(2).value<ErrorCode>(), ErrorCode::None);
        const ExportStatus s = finished.at(0).at(1).value<ExportStatus>();
        QCOMPARE(s.owner, QStringLiteral("alice"));
        QVERIFY(s.ownerVerified);
    }

    // The README's example ACLs: an operator with exactly those rules exports,
    // reads status, lists, watches, fetches and cancels their own; support staff
    // read all and cancel another's export.
    void readmeAcls_operatorAndSupportCanDoTheirJobs()
    {
        addUser(QStringLiteral("alice"), operatorRules);
        addUser(QStringLiteral("sam"), supportRules);
        QProcessEnvironment alice = env(QStringLiteral("alice"));
        alice.insert(QStringLiteral("HBEXPORTER_PERMISSIONS"), permissionsFile());
        QProcessEnvironment sam = env(QStringLiteral("sam"));
        sam.insert(QStringLiteral("HBEXPORTER_PERMISSIONS"), permissionsFile());

        QProcess watch;
        watch.setProcessEnvironment(alice);
        watch.start(m_cli, {QStringLiteral("watch")});
        QVERIFY(watch.waitForStarted(scaledMs(10000)));

        // Two segments: SET, SETRANGE, PEXPIRE, STRLEN, the status script.
        const QString a = file(QStringLiteral("op.bin"), 3000);
        const Run exp =
            run({QStringLiteral("export"), a, QStringLiteral("--segment-size"),
                 QStringLiteral("2K"), QStringLiteral("--chunk-size"), QStringLiteral("1K")},
                alice);
        QVERIFY2(exp.code == 0, exp.err.constData());
        const QString id = QString::fromLatin1(exp.out.trimmed());
        QCOMPARE(statusJson(id).value(QLatin1String("ownerVerified")), QJsonValue(true));
        const Run status = run({QStringLiteral("status"), id.left(8)}, alice);
        QVERIFY2(status.code == 0 && status.out.contains("owner    alice\n"),
                 status.err.constData());
        const Run list = run({QStringLiteral("list")}, alice);
        QVERIFY2(list.code == 0 && list.out.contains(id.toLatin1()), list.err.constData());
        const QString out = m_files.path() + QStringLiteral("/op.out");
        const Run fetch = run({QStringLiteral("fetch"), id, out}, alice);
        QVERIFY2(fetch.code == 0, fetch.err.constData());
        QCOMPARE(sha256OfFile(out), sha256OfFile(a));
        QByteArray seen;
        QTRY_VERIFY_WITH_TIMEOUT((seen += watch.readAllStandardOutput()).contains(id.toLatin1()),
                                 scaledMs(20000));
        QVERIFY(signalProcess(watch, SIGTERM));
        QVERIFY(watch.waitForFinished(scaledMs(10000)));

        // Cancel one's own running export; the owner settles it.
        QString ownId;
        auto own = startStreamingExport(alice, &ownId);
        QVERIFY(own && !ownId.isEmpty());
        const Run cancelOwn = run({QStringLiteral("cancel"), ownId}, alice);
        QVERIFY2(cancelOwn.code == 0, cancelOwn.err.constData());
        QVERIFY(own->waitForFinished(scaledMs(20000)));
        QCOMPARE(own->exitCode(), 1);
        QCOMPARE(statusJson(ownId).value(QLatin1String("status")).toString(),
                 QStringLiteral("CANCELLED"));
        QCOMPARE(statusJson(ownId).value(QLatin1String("settled")), QJsonValue(true));

        // Support: read everything, cancel alice's running export.
        QVERIFY(run({QStringLiteral("list")}, sam).out.contains(id.toLatin1()));
        QCOMPARE(run({QStringLiteral("status"), id}, sam).code, 0);
        QCOMPARE(run({QStringLiteral("fetch"), id, out}, sam).code, 0);
        QString otherId;
        auto other = startStreamingExport(alice, &otherId);
        QVERIFY(other && !otherId.isEmpty());
        const Run cancelAny = run({QStringLiteral("cancel"), otherId}, sam);
        QVERIFY2(cancelAny.code == 0, cancelAny.err.constData());
        QVERIFY(other->waitForFinished(scaledMs(20000)));
        const QJsonObject cancelled = statusJson(otherId);
        QCOMPARE(cancelled.value(QLatin1String("cancelledBy")).toString(), QStringLiteral("sam"));
        QCOMPARE(cancelled.value(QLatin1String("settled")), QJsonValue(true));
        // Support may not export: the permissions file's policy, not the server's.
        QCOMPARE(run({QStringLiteral("export"), a}, sam).code, 4);
    }
};

QTEST_GUILESS_MAIN(TstIdentity)
#include "tst_identity.moc"

// hbexporter-cli end to end, as a child process, against a real redis-server.
#include "configresolver.h"
#include "exportconfig.h"
#include "exportstatus.h"
#include "testredis.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

#include <csignal>

using namespace hb;
using namespace hb::test;

namespace {
struct Run
{
    int code = -1;
    QByteArray out;
    QByteArray err;
};
} // namespace

class TstCli : public QObject
{
    Q_OBJECT

    TestRedisServer m_redis;
    QTemporaryDir m_files;
    QString m_cli;

    QProcessEnvironment env() const
    {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert(QStringLiteral("HBEXPORTER_REDIS_URL"), m_redis.url());
        e.remove(QStringLiteral("HBEXPORTER_PERMISSIONS"));
        return e;
    }
    Run run(const QStringList &args, const QProcessEnvironment &e, int timeoutMs = 120000)
    {
        QProcess p;
        p.setProcessEnvironment(e);
        p.start(m_cli, args);
        Run r;
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            p.waitForFinished();
            return r;
        }
        r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = p.readAllStandardOutput();
        r.err = p.readAllStandardError();
        return r;
    }
    Run run(const QStringList &args) { return run(args, env()); }
    QByteArray get(const QByteArray &key) { return m_redis.command({"GET", key}).string; }
    qint64 dbsize() { return m_redis.command({"DBSIZE"}).integer; }
    QString file(const QString &name, qint64 size)
    {
        return makeRandomFile(m_files.path(), name, size, quint32(size));
    }
    ExportStatus stored(const QString &id)
    {
        auto s = ExportStatus::fromJson(get(KeyLayout().statusKey(id)));
        return s ? *s : ExportStatus{};
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString err;
        QVERIFY2(m_redis.start(&err), qPrintable(err));
        m_cli = builtExecutable(QStringLiteral("hbexporter-cli"));
        QVERIFY2(QFile::exists(m_cli), qPrintable(m_cli));
    }
    void init() { m_redis.command({"FLUSHALL"}); }

    // Issue 13 item 15: one precedence for the URL and the permissions file.
    void configResolver_flagBeatsEnvironmentBeatsSettings()
    {
        ConfigInputs in;
        in.flagUrl = QStringLiteral("redis://flag:1");
        in.envUrl = QStringLiteral("redis://env:2");
        in.settingsUrl = QStringLiteral("redis://saved:3");
        in.flagPermissions = QStringLiteral("/flag.json");
        in.envPermissions = QStringLiteral("/env.json");
        in.settingsPermissions = QStringLiteral("/saved.json");
        ResolvedConfig r = resolveConfig(in);
        QVERIFY(r.endpoint);
        QCOMPARE(r.endpoint->host, QStringLiteral("flag"));
        QCOMPARE(r.urlOrigin, ConfigOrigin::Flag);
        QCOMPARE(r.permissionsFile, QStringLiteral("/flag.json"));
        QCOMPARE(r.permissionsOrigin, ConfigOrigin::Flag);
        QVERIFY(!r.useEmbeddedServer);

        in.flagUrl.clear();
        in.flagPermissions.clear();
        r = resolveConfig(in);
        QCOMPARE(r.endpoint->host, QStringLiteral("env"));
        QCOMPARE(r.urlOrigin, ConfigOrigin::Environment);
        QCOMPARE(r.permissionsFile, QStringLiteral("/env.json"));
        QCOMPARE(r.permissionsOrigin, ConfigOrigin::Environment);

        // An environment variable set but empty (or blank) counts as unset.
        in.envUrl = QStringLiteral("");
        in.envPermissions = QStringLiteral("  ");
        in.settingsUser = QStringLiteral("svc");
        in.settingsPassword = QStringLiteral("pw");
        r = resolveConfig(in);
        QCOMPARE(r.endpoint->host, QStringLiteral("saved"));
        QCOMPARE(r.urlOrigin, ConfigOrigin::Settings);
        QCOMPARE(r.endpoint->user, QStringLiteral("svc"));
        QCOMPARE(r.endpoint->password, QStringLiteral("pw"));
        QCOMPARE(r.permissionsFile, QStringLiteral("/saved.json"));
        QCOMPARE(r.permissionsOrigin, ConfigOrigin::Settings);

        // The saved login never applies to a URL from elsewhere.
        in.envUrl = QStringLiteral("redis://env:2");
        r = resolveConfig(in);
        QVERIFY(r.endpoint->user.isEmpty());
        QVERIFY(r.endpoint->password.isEmpty());

        r = resolveConfig(ConfigInputs{});
        QVERIFY(r.useEmbeddedServer);
        QVERIFY(!r.endpoint);
        QCOMPARE(r.urlOrigin, ConfigOrigin::Default);
        QVERIFY(r.permissionsFile.isEmpty());
        QCOMPARE(r.permissionsOrigin, ConfigOrigin::Default);
        QString error;
        const auto perms = loadResolvedPermissions(r, &error);
        QVERIFY(perms);
        QVERIFY(perms->mayExport(QStringLiteral("anyone")));
    }

    void configResolver_errorsNameTheirOrigin()
    {
        ConfigInputs in;
        in.envUrl = QStringLiteral("http://x");
        in.settingsUrl = QStringLiteral("redis://fine");
        ResolvedConfig r = resolveConfig(in);
        QVERIFY(!r.endpoint);
        QVERIFY(!r.useEmbeddedServer);
        QVERIFY2(r.urlError.contains(QLatin1String("HBEXPORTER_REDIS_URL")),
                 qPrintable(r.urlError));
        QVERIFY(r.urlError.contains(QLatin1String("http://x")));

        in.envPermissions = QStringLiteral("/nonexistent/perm.json");
        r = resolveConfig(in);
        QString error;
        QVERIFY(!loadResolvedPermissions(r, &error));
        QVERIFY2(error.contains(QLatin1String("/nonexistent/perm.json")), qPrintable(error));
        QVERIFY2(error.contains(QLatin1String("HBEXPORTER_PERMISSIONS")), qPrintable(error));

        // Through the CLI: an empty HBEXPORTER_REDIS_URL is unset, so --redis errors
        // are named after the flag and a bad environment URL after the variable.
        QProcessEnvironment e = env();
        e.insert(QStringLiteral("HBEXPORTER_REDIS_URL"), QStringLiteral("http://x"));
        const Run bad = run({QStringLiteral("list")}, e);
        QCOMPARE(bad.code, 2);
        QVERIFY2(bad.err.contains("HBEXPORTER_REDIS_URL"), bad.err.constData());
        const Run flagWins =
            run({QStringLiteral("list"), QStringLiteral("--redis"), m_redis.url()}, e);
        QVERIFY2(flagWins.code == 0, flagWins.err.constData());
    }

    void export_printsIdsAndStoresExactBytes()
    {
        const QString a = file(QStringLiteral("a b.bin"), 3 * 1024 * 1024 + 17);
        const QString b = file(QStringLiteral("b.bin"), 0);
        const QString c = file(QStringLiteral("ç.bin"), 65537);
        const Run r = run({QStringLiteral("export"), a, b, c, QStringLiteral("--chunk-size"),
                           QStringLiteral("64K")});
        QVERIFY2(r.code == 0, r.err.constData());
        const QList<QByteArray> ids = r.out.trimmed().split('\n');
        QCOMPARE(ids.size(), 3);
        QStringList files{a, b, c};
        QSet<QString> expected;
        for (const QString &f : files)
            expected.insert(QString::fromLatin1(sha256OfFile(f)));
        QSet<QString> got;
        for (const QByteArray &id : ids) {
            QVERIFY(isValidExportId(QString::fromLatin1(id)));
            const ExportStatus s = stored(QString::fromLatin1(id));
            QCOMPARE(s.state, ExportState::Completed);
            QCOMPARE(QString::fromLatin1(sha256Of(get(KeyLayout().dataKey(s.id)))), s.sha256);
            got.insert(s.sha256);
        }
        QCOMPARE(got, expected);
    }

    void export_jsonLineAndOptionsAnywhere()
    {
        const QString a = file(QStringLiteral("j.bin"), 1000);
        const Run r =
            run({QStringLiteral("--json"), QStringLiteral("--ttl"), QStringLiteral("100"),
                 QStringLiteral("export"), a, QStringLiteral("--user"), QStringLiteral("carol")});
        QVERIFY2(r.code == 0, r.err.constData());
        const QJsonObject o = QJsonDocument::fromJson(r.out.trimmed()).object();
        QCOMPARE(o.value(QLatin1String("status")).toString(), QStringLiteral("CREATED"));
        QCOMPARE(o.value(QLatin1String("owner")).toString(), QStringLiteral("carol"));
        const QString id = o.value(QLatin1String("id")).toString();
        const qint64 ttl = m_redis.command({"TTL", KeyLayout().dataKey(id)}).integer;
        QVERIFY2(ttl > 0 && ttl <= 100, qPrintable(QString::number(ttl)));
    }

    void status_jsonTextAndErrors()
    {
        const QString a = file(QStringLiteral("s.bin"), 10);
        const QString id = QString::fromLatin1(run({QStringLiteral("export"), a}).out.trimmed());
        const Run json = run({QStringLiteral("status"), id, QStringLiteral("--json")});
        QCOMPARE(json.code, 0);
        QCOMPARE(json.out.trimmed(), get(KeyLayout().statusKey(id)));
        const Run text = run({QStringLiteral("status"), id});
        QCOMPARE(text.code, 0);
        QVERIFY(text.out.contains("COMPLETED"));
        QVERIFY(text.out.contains("s.bin"));
        const QString unknown = newExportId();
        const Run missing = run({QStringLiteral("status"), unknown});
        QCOMPARE(missing.code, 3);
        QCOMPARE(missing.err.trimmed(),
                 QStringLiteral("no export found for id: %1").arg(unknown).toUtf8());
        for (const QString &bad :
             {QStringLiteral("*"), QStringLiteral("export:{x}"), QString(10000, QLatin1Char('a')),
              unknown.toUpper(), QStringLiteral("a\nb")}) {
            const Run r = run({QStringLiteral("status"), bad});
            QCOMPARE(r.code, 2);
            QVERIFY(r.err.startsWith("hbexporter-cli: not an export id"));
        }
    }

    void cancel_completedIsTooLateAndRunningStops()
    {
        const QString small = file(QStringLiteral("c.bin"), 10);
        const QString doneId =
            QString::fromLatin1(run({QStringLiteral("export"), small}).out.trimmed());
        const Run late = run({QStringLiteral("cancel"), doneId});
        QCOMPARE(late.code, 1);
        QVERIFY(late.err.contains("already COMPLETED"));
        QCOMPARE(stored(doneId).state, ExportState::Completed);

        const QString big = file(QStringLiteral("big.bin"), 8 * 1024 * 1024);
        QProcess owner;
        owner.setProcessEnvironment(env());
        owner.start(m_cli, {QStringLiteral("export"), big, QStringLiteral("--bwlimit"),
                            QStringLiteral("512K")});
        QVERIFY(owner.waitForReadyRead(30000));
        const QString id = QString::fromLatin1(owner.readLine().trimmed());
        QVERIFY(isValidExportId(id));
        QTRY_VERIFY_WITH_TIMEOUT(stored(id).bytesWritten > 0, 30000);
        const Run c = run({QStringLiteral("cancel"), id});
        QVERIFY2(c.code == 0, c.err.constData());
        QVERIFY(c.out.contains("CANCELLED"));
        QVERIFY(owner.waitForFinished(10000));
        QCOMPARE(owner.exitCode(), 1);
        const ExportStatus s = stored(id);
        QCOMPARE(s.state, ExportState::Cancelled);
        QCOMPARE(m_redis.command({"STRLEN", KeyLayout().dataKey(id)}).integer, s.bytesWritten);
        const Run twice = run({QStringLiteral("cancel"), id});
        QCOMPARE(twice.code, 0);
        QVERIFY(twice.err.contains("already CANCELLED"));
    }

    void signal_runsStopSequence()
    {
        const QString big = file(QStringLiteral("sig.bin"), 8 * 1024 * 1024);
        QProcess owner;
        owner.setProcessEnvironment(env());
        owner.start(m_cli, {QStringLiteral("export"), big, QStringLiteral("--bwlimit"),
                            QStringLiteral("512K")});
        QVERIFY(owner.waitForReadyRead(30000));
        const QString id = QString::fromLatin1(owner.readLine().trimmed());
        QTRY_VERIFY_WITH_TIMEOUT(stored(id).bytesWritten > 0, 30000);
        ::kill(pid_t(owner.processId()), SIGTERM);
        QVERIFY(owner.waitForFinished(10000));
        QCOMPARE(owner.exitCode(), 1);
        const ExportStatus s = stored(id);
        QCOMPARE(s.state, ExportState::Cancelled);
        QVERIFY(s.settled);
        QCOMPARE(m_redis.command({"STRLEN", KeyLayout().dataKey(id)}).integer, s.bytesWritten);
    }

    void list_andFetch()
    {
        const QString a = file(QStringLiteral("l.bin"), 200000);
        const QString id = QString::fromLatin1(run({QStringLiteral("export"), a}).out.trimmed());
        const Run list = run({QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(list.code, 0);
        const QJsonArray arr = QJsonDocument::fromJson(list.out).array();
        QCOMPARE(arr.size(), 1);
        QCOMPARE(arr[0].toObject().value(QLatin1String("id")).toString(), id);
        const Run table = run({QStringLiteral("list")});
        QVERIFY(table.out.contains(id.toLatin1()));
        const QString out = m_files.path() + QStringLiteral("/fetched.bin");
        const Run f = run({QStringLiteral("fetch"), id, out});
        QVERIFY2(f.code == 0, f.err.constData());
        QCOMPARE(sha256OfFile(out), sha256OfFile(a));
        const Run toStdout = run({QStringLiteral("fetch"), id, QStringLiteral("-")});
        QCOMPARE(toStdout.code, 0);
        QCOMPARE(sha256Of(toStdout.out), sha256OfFile(a));
        // A tampered export fails the check and leaves no output file behind.
        m_redis.command({"SETRANGE", KeyLayout().dataKey(id), "5", "X"});
        const QString bad = m_files.path() + QStringLiteral("/bad.bin");
        const Run tampered = run({QStringLiteral("fetch"), id, bad});
        QCOMPARE(tampered.code, 1);
        QVERIFY(tampered.err.contains("does not match its sha256"));
        QVERIFY(!QFile::exists(bad));
    }

    void refusals_writeNothing_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("needle");
        QTest::newRow("missing") << QStringList{QStringLiteral("export"),
                                                QStringLiteral("/no/such/file")}
                                 << 6 << "cannot read /no/such/file: No such file or directory";
        QTest::newRow("directory") << QStringList{QStringLiteral("export"), QStringLiteral("/tmp")}
                                   << 6 << "is a directory";
        QTest::newRow("no file") << QStringList{QStringLiteral("export")} << 2
                                 << "at least one FILE";
        QTest::newRow("unknown command")
            << QStringList{QStringLiteral("explode")} << 2 << "unknown command";
        QTest::newRow("unknown option")
            << QStringList{QStringLiteral("list"), QStringLiteral("--frobnicate")} << 2
            << "frobnicate";
        QTest::newRow("bad ttl") << QStringList{QStringLiteral("export"), QStringLiteral("/tmp"),
                                                QStringLiteral("--ttl"), QStringLiteral("-1")}
                                 << 2 << "--ttl";
        QTest::newRow("bad bwlimit")
            << QStringList{QStringLiteral("export"), QStringLiteral("/tmp"),
                           QStringLiteral("--bwlimit"), QStringLiteral("fast")}
            << 2 << "--bwlimit";
        QTest::newRow("bad url") << QStringList{QStringLiteral("list"), QStringLiteral("--redis"),
                                                QStringLiteral("http://x")}
                                 << 2 << "unknown scheme";
        QTest::newRow("unreachable")
            << QStringList{QStringLiteral("list"), QStringLiteral("--redis"),
                           QStringLiteral("unix:///nonexistent/r.sock")}
            << 5 << "cannot connect";
        QTest::newRow("bad permissions file")
            << QStringList{QStringLiteral("list"), QStringLiteral("--permissions"),
                           QStringLiteral("/nonexistent.json")}
            << 2 << "cannot read permissions file";
    }
    void refusals_writeNothing()
    {
        QFETCH(QStringList, args);
        QFETCH(int, code);
        QFETCH(QString, needle);
        const Run r = run(args);
        QCOMPARE(r.code, code);
        QVERIFY2(r.err.contains(needle.toUtf8()), r.err.constData());
        QCOMPARE(r.err.trimmed().count('\n') <= 1, true); // one clear line (plus a usage hint)
        QCOMPARE(dbsize(), 0);
    }

    void permissions_deniedExitsFourAndWritesNothing()
    {
        const QString perms = m_files.path() + QStringLiteral("/perms.json");
        QFile f(perms);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"alice":["export","export:read"],"bob":["export:read"]})");
        f.close();
        const QString a = file(QStringLiteral("p.bin"), 10);
        const Run denied = run({QStringLiteral("export"), a, QStringLiteral("--user"),
                                QStringLiteral("bob"), QStringLiteral("--permissions"), perms});
        QCOMPARE(denied.code, 4);
        QCOMPARE(denied.err.trimmed(), QByteArray("permission denied: user bob lacks \"export\""));
        QCOMPARE(dbsize(), 0);
        QProcessEnvironment e = env();
        e.insert(QStringLiteral("HBEXPORTER_PERMISSIONS"), perms);
        const Run viaEnv =
            run({QStringLiteral("export"), a, QStringLiteral("--user"), QStringLiteral("eve")}, e);
        QCOMPARE(viaEnv.code, 4);
        const Run ok = run(
            {QStringLiteral("export"), a, QStringLiteral("--user"), QStringLiteral("alice")}, e);
        QCOMPARE(ok.code, 0);
        const QString id = QString::fromLatin1(ok.out.trimmed());
        QCOMPARE(
            run({QStringLiteral("cancel"), id, QStringLiteral("--user"), QStringLiteral("bob")}, e)
                .code,
            4);
        QCOMPARE(
            run({QStringLiteral("status"), id, QStringLiteral("--user"), QStringLiteral("bob")}, e)
                .code,
            0);
        QCOMPARE(
            run({QStringLiteral("status"), id, QStringLiteral("--user"), QStringLiteral("eve")}, e)
                .code,
            4);
    }

    void embeddedServer_startsOnDemandAndStops()
    {
        QTemporaryDir runtime(QStringLiteral("/tmp/hbrt-XXXXXX"));
        QProcessEnvironment e = env();
        e.remove(QStringLiteral("HBEXPORTER_REDIS_URL"));
        e.insert(QStringLiteral("XDG_RUNTIME_DIR"), runtime.path());
        const QString a = file(QStringLiteral("e.bin"), 5000);
        const Run exp = run({QStringLiteral("export"), a}, e);
        QVERIFY2(exp.code == 0, exp.err.constData());
        QVERIFY(QFile::exists(runtime.path() + QStringLiteral("/hbexporter/redis.sock")));
        const Run st = run({QStringLiteral("status"), QString::fromLatin1(exp.out.trimmed())}, e);
        QCOMPARE(st.code, 0);
        const Run server = run({QStringLiteral("server"), QStringLiteral("status")}, e);
        QCOMPARE(server.code, 0);
        QVERIFY(server.out.contains("running"));
        QCOMPARE(run({QStringLiteral("server"), QStringLiteral("stop")}, e).code, 0);
        const Run after = run({QStringLiteral("server"), QStringLiteral("status")}, e);
        QCOMPARE(after.code, 5);
        QVERIFY(after.out.contains("not running"));
    }
};

QTEST_GUILESS_MAIN(TstCli)
#include "tst_cli.moc"

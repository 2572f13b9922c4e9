// hbexporter-cli end to end, as a child process, against a real redis-server.
#include "clirun.h"
#include "configresolver.h"
#include "exportconfig.h"
#include "exportid.h"
#include "exportstatus.h"
#include "testredis.h"
#include "textescape.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QSysInfo>
#include <QtTest>

#include <csignal>

using namespace hb;
using namespace hb::test;

namespace {
using Run = CliRun;
} // namespace

class TstCli : public QObject
{
    Q_OBJECT

    TestRedisServer m_redis;
    QTemporaryDir m_files;
    QString m_cli;

    QProcessEnvironment env() const { return cliEnvironment(m_redis.url()); }
    Run run(const QStringList &args, const QProcessEnvironment &e, int timeoutMs = 120000)
    {
        return runCli(m_cli, args, e, timeoutMs);
    }
    Run run(const QStringList &args) { return run(args, env()); }
    // The CLI with `input` on its standard input (closed after it).
    Run runWithInput(const QStringList &args, const QByteArray &input)
    {
        return runCli(m_cli, args, env(), 120000, &input);
    }
    // The ids printed by `export --json`, with the source each names, in order.
    static QList<QPair<QString, QString>> idsAndSources(const QByteArray &out)
    {
        QList<QPair<QString, QString>> got;
        for (const QByteArray &line : out.trimmed().split('\n')) {
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            got.append({o.value(QLatin1String("id")).toString(),
                        o.value(QLatin1String("source")).toString()});
        }
        return got;
    }
    // The data of an export, whatever its layout (CONTRACT §2's recipe).
    QByteArray exportedData(const QString &id)
    {
        const ExportStatus s = stored(id);
        if (s.segmentBytes <= 0 || s.bytesWritten <= s.segmentBytes)
            return get(KeyLayout().dataKey(id));
        QByteArray all;
        for (qint64 k = 0; k * s.segmentBytes < s.bytesWritten; ++k)
            all += get(KeyLayout().segmentKey(id, k));
        return all;
    }
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
            QCOMPARE(QString::fromLatin1(sha256Of(exportedData(s.id))), s.sha256);
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
        const qint64 ttl = m_redis.command({"TTL", KeyLayout().statusKey(id)}).integer;
        QVERIFY2(ttl > 0 && ttl <= 100, qPrintable(QString::number(ttl)));
        // Data keys outlive the status key by a tenth of the TTL (CONTRACT §4).
        const qint64 dataTtl = m_redis.command({"TTL", KeyLayout().dataKey(id)}).integer;
        QVERIFY2(dataTtl > ttl && dataTtl <= 110, qPrintable(QString::number(dataTtl)));
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
              QStringLiteral("a\nb"), unknown.left(7), unknown + QLatin1Char('0')}) {
            const Run r = run({QStringLiteral("status"), bad});
            QCOMPARE(r.code, 2);
            QVERIFY(r.err.startsWith("hbexporter-cli: not an export id"));
        }
    }

    // Issue 9: `export a b c` prints the ids in the order of its arguments, a refused
    // source prints no line (its error on stderr) and the exit code is that of the
    // first source, in argument order, that did not complete.
    void export_idsInArgumentOrder()
    {
        QStringList args{QStringLiteral("export"), QStringLiteral("--json"),
                         QStringLiteral("--chunk-size"), QStringLiteral("64K")};
        QStringList names;
        args << file(QStringLiteral("first-big.bin"), 6 * 1024 * 1024);
        names << QStringLiteral("first-big.bin");
        for (int i = 0; i < 6; ++i) { // more than the 4 running at once: some wait queued
            args << file(QStringLiteral("small-%1.bin").arg(i), 1000 + i);
            names << QStringLiteral("small-%1.bin").arg(i);
        }
        const Run r = run(args);
        QVERIFY2(r.code == 0, r.err.constData());
        const auto got = idsAndSources(r.out);
        QCOMPARE(got.size(), names.size());
        for (int i = 0; i < names.size(); ++i) {
            QCOMPARE(got[i].second, names[i]);
            QCOMPARE(stored(got[i].first).state, ExportState::Completed);
        }
    }

    void export_refusedSourcePrintsNoLineAndFirstFailureDecides()
    {
        const QString a = file(QStringLiteral("ok-a.bin"), 5000);
        const QString b = file(QStringLiteral("ok-b.bin"), 7000);
        const Run r = run({QStringLiteral("export"), QStringLiteral("--json"), a,
                           QStringLiteral("/no/such/file"), b});
        QCOMPARE(r.code, 6);
        QVERIFY2(r.err.contains("cannot read /no/such/file"), r.err.constData());
        const auto got = idsAndSources(r.out);
        QCOMPARE(got.size(), 2);
        QCOMPARE(got[0].second, QStringLiteral("ok-a.bin"));
        QCOMPARE(got[1].second, QStringLiteral("ok-b.bin"));
        QCOMPARE(QString::fromLatin1(sha256Of(exportedData(got[1].first))),
                 QString::fromLatin1(sha256OfFile(b)));

        // The first one that did not complete decides, in argument order.
        const Run order = run({QStringLiteral("export"), QStringLiteral("/tmp"), a});
        QCOMPARE(order.code, 6);
        QCOMPARE(order.out.trimmed().split('\n').size(), 1);
    }

    // Issue 9: `-` is standard input, exported whole and fetched back byte-exact
    // (every byte value, more than one segment).
    void export_stdinStreamsByteExact()
    {
        QByteArray input;
        for (int i = 0; i < 3 * 1024 * 1024 + 4321; ++i)
            input += char((i * 7 + i / 251) & 0xff);
        const Run r = runWithInput({QStringLiteral("export"), QStringLiteral("-"),
                                    QStringLiteral("--segment-size"), QStringLiteral("1M"),
                                    QStringLiteral("--chunk-size"), QStringLiteral("256K")},
                                   input);
        QVERIFY2(r.code == 0, r.err.constData());
        const QString id = QString::fromLatin1(r.out.trimmed());
        QVERIFY(isValidExportId(id));
        const ExportStatus s = stored(id);
        QCOMPARE(s.state, ExportState::Completed);
        QCOMPARE(s.source, QStringLiteral("-"));
        QCOMPARE(s.bytesWritten, qint64(input.size()));
        const Run back = run({QStringLiteral("fetch"), id, QStringLiteral("-")});
        QVERIFY2(back.code == 0, back.err.constData());
        QCOMPARE(back.out.size(), input.size());
        QVERIFY(back.out == input);
    }

    // Issue 10: --segment-size, and fetch reading a multi-segment export byte-exact,
    // to a file and to stdout.
    void segments_exportAndFetchMultiSegment()
    {
        const QString a = file(QStringLiteral("seg.bin"), 3 * 1024 * 1024 + 17);
        const Run r =
            run({QStringLiteral("export"), a, QStringLiteral("--segment-size"),
                 QStringLiteral("1M"), QStringLiteral("--chunk-size"), QStringLiteral("64K")});
        QVERIFY2(r.code == 0, r.err.constData());
        const QString id = QString::fromLatin1(r.out.trimmed());
        const ExportStatus s = stored(id);
        QCOMPARE(s.state, ExportState::Completed);
        QCOMPARE(s.segmentBytes, qint64(1024 * 1024));
        QCOMPARE(s.segments, qint64(4));
        QCOMPARE(m_redis.command({"EXISTS", KeyLayout().dataKey(id)}).integer, 0);
        for (int k = 0; k < 4; ++k)
            QCOMPARE(m_redis.command({"STRLEN", KeyLayout().segmentKey(id, k)}).integer,
                     k < 3 ? 1024 * 1024 : 17);
        const QString out = m_files.path() + QStringLiteral("/seg-fetched.bin");
        const Run f = run({QStringLiteral("fetch"), id, out});
        QVERIFY2(f.code == 0, f.err.constData());
        QCOMPARE(sha256OfFile(out), sha256OfFile(a));
        const Run toStdout = run({QStringLiteral("fetch"), id, QStringLiteral("-")});
        QVERIFY2(toStdout.code == 0, toStdout.err.constData());
        QCOMPARE(toStdout.out.size(), 3 * 1024 * 1024 + 17);
        QCOMPARE(sha256Of(toStdout.out), sha256OfFile(a));
        const Run text = run({QStringLiteral("status"), id});
        QVERIFY2(text.out.contains("segments 4"), text.out.constData());
    }

    // Issue 9: `status` reports an error from its TTL call instead of ignoring it.
    void status_ttlErrorIsReported()
    {
        const QString a = file(QStringLiteral("ttl.bin"), 10);
        const QString id = QString::fromLatin1(run({QStringLiteral("export"), a}).out.trimmed());
        QVERIFY(isValidExportId(id));
        QVERIFY(
            !m_redis.command({"ACL", "SETUSER", "nottl", "on", ">pw", "~*", "&*", "+@all", "-ttl"})
                 .isError());
        const QString url = QStringLiteral("unix://nottl:pw@%1").arg(m_redis.socketPath());
        const Run r = run({QStringLiteral("status"), id, QStringLiteral("--redis"), url});
        m_redis.command({"ACL", "DELUSER", "nottl"});
        QCOMPARE(r.code, 4);
        QVERIFY2(r.err.contains("cannot read the expiry of export"), r.err.constData());
        QVERIFY(r.out.isEmpty());
    }

    // Issue 13 item 11: an id or a unique prefix of 8+ hex digits, either case.
    void id_uniquePrefixInEitherCase()
    {
        const QString a = file(QStringLiteral("px.bin"), 100);
        const QString id = QString::fromLatin1(run({QStringLiteral("export"), a}).out.trimmed());
        QVERIFY(isValidExportId(id));
        for (const QString &given : {id.left(8), id.left(8).toUpper(), id.toUpper(), id.left(13)}) {
            const Run st = run({QStringLiteral("status"), given, QStringLiteral("--json")});
            QVERIFY2(st.code == 0,
                     qPrintable(given + QLatin1Char(' ') + QString::fromUtf8(st.err)));
            QCOMPARE(QJsonDocument::fromJson(st.out).object().value(QLatin1String("id")).toString(),
                     id);
        }
        const Run f = run({QStringLiteral("fetch"), id.left(10).toUpper(), QStringLiteral("-")});
        QVERIFY2(f.code == 0, f.err.constData());
        QCOMPARE(sha256Of(f.out), sha256OfFile(a));
        const Run late = run({QStringLiteral("cancel"), id.left(8)});
        QCOMPARE(late.code, 1); // found, and already COMPLETED
        QVERIFY2(late.err.contains("already COMPLETED"), late.err.constData());

        // Two exports that share their first 8 digits: ambiguous, a usage error that
        // lists both; one more digit settles it.
        const QString x = QStringLiteral("abcdef01-0000-4000-8000-000000000001");
        const QString y = QStringLiteral("abcdef01-1000-4000-8000-000000000002");
        for (const QString &fake : {x, y}) {
            ExportStatus s;
            s.id = fake;
            s.owner = QStringLiteral("zed");
            s.source = QStringLiteral("fake.bin");
            s.createdAt = s.updatedAt = QDateTime::currentDateTimeUtc();
            m_redis.command({"SET", KeyLayout().statusKey(fake), s.toJson()});
        }
        const Run amb = run({QStringLiteral("status"), QStringLiteral("ABCDEF01")});
        QCOMPARE(amb.code, 2);
        QVERIFY(!amb.err.trimmed().contains('\n'));
        QVERIFY2(amb.err.contains(x.toLatin1()) && amb.err.contains(y.toLatin1()),
                 amb.err.constData());
        QVERIFY(amb.err.contains("ambiguous"));
        const Run one =
            run({QStringLiteral("status"), QStringLiteral("abcdef01-1"), QStringLiteral("--json")});
        QVERIFY2(one.code == 0, one.err.constData());
        QVERIFY(one.out.contains(y.toLatin1()));
        const Run none = run({QStringLiteral("status"), QStringLiteral("0000000f")});
        QCOMPARE(none.code, 3);
        QVERIFY2(none.err.startsWith("no export found for id: 0000000f"), none.err.constData());
        const Run shortPrefix = run({QStringLiteral("status"), id.left(7)});
        QCOMPARE(shortPrefix.code, 2);
    }

    // Issue 13 item 12: COMMAND --help is that command's usage, generated from the
    // option definitions; usage errors are one line.
    void help_perCommandFromOptionDefinitions()
    {
        const Run general = run({QStringLiteral("--help")});
        QCOMPARE(general.code, 0);
        for (const char *word : {"export", "status", "cancel", "list", "watch", "fetch", "server",
                                 "--segment-size", "--bwlimit", "--redis", "--permissions"})
            QVERIFY2(general.out.contains(word), word);
        const Run exp = run({QStringLiteral("export"), QStringLiteral("--help")});
        QCOMPARE(exp.code, 0);
        QVERIFY2(exp.out.startsWith("Usage: hbexporter-cli export "), exp.out.constData());
        for (const char *word :
             {"--ttl", "--chunk-size", "--segment-size", "--bwlimit", "--json", "--redis"})
            QVERIFY2(exp.out.contains(word), word);
        QVERIFY(!exp.out.contains("fetch ID"));
        const Run fetch = run({QStringLiteral("--help"), QStringLiteral("fetch")});
        QCOMPARE(fetch.code, 0);
        QVERIFY2(fetch.out.startsWith("Usage: hbexporter-cli fetch ID OUTPUT|-"),
                 fetch.out.constData());
        QVERIFY(!fetch.out.contains("--ttl"));
        QVERIFY(!fetch.out.contains("--json"));
        QVERIFY(run({QStringLiteral("help"), QStringLiteral("list")}).out ==
                run({QStringLiteral("list"), QStringLiteral("-h")}).out);
        // Every option a command's help names is accepted by that command, and every
        // export-only option named by export's help is refused by fetch.
        for (const QString &o : {QStringLiteral("--ttl"), QStringLiteral("--chunk-size"),
                                 QStringLiteral("--segment-size"), QStringLiteral("--bwlimit")}) {
            const Run refused = run({QStringLiteral("fetch"), QStringLiteral("x"),
                                     QStringLiteral("-"), o, QStringLiteral("1")});
            QCOMPARE(refused.code, 2);
            QVERIFY2(refused.err.contains("does not apply to fetch"), refused.err.constData());
            QVERIFY(!refused.err.trimmed().contains('\n'));
        }
        for (const QStringList &bad :
             {QStringList{QStringLiteral("status")}, QStringList{QStringLiteral("--frob")},
              QStringList{QStringLiteral("fetch"), QStringLiteral("abc")}}) {
            const Run r = run(bad);
            QCOMPARE(r.code, 2);
            QVERIFY2(!r.err.trimmed().contains('\n'), r.err.constData());
            QVERIFY(r.err.startsWith("hbexporter-cli: "));
        }
    }

    // Issue 13 item 13: list and status show the host; columns stay aligned.
    void list_showsHostAndAlignsLongNames()
    {
        const QString longName = QString(90, QLatin1Char('n')) + QStringLiteral(".bin");
        const QString a = file(longName, 10);
        const QString b = file(QStringLiteral("s.bin"), 10);
        QVERIFY(run({QStringLiteral("export"), a, QStringLiteral("--user"),
                     QStringLiteral("a-rather-long-user-name-indeed")})
                    .code == 0);
        const QString idB = QString::fromLatin1(run({QStringLiteral("export"), b}).out.trimmed());
        const Run list = run({QStringLiteral("list")});
        QCOMPARE(list.code, 0);
        const QList<QByteArray> lines = list.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 3);
        QVERIFY(lines[0].contains("HOST"));
        const QByteArray host = QSysInfo::machineHostName().toUtf8();
        const qsizetype sourceColumn = lines[0].indexOf("SOURCE");
        const qsizetype hostColumn = lines[0].indexOf("HOST");
        for (const QByteArray &line : lines.mid(1)) {
            const QString text = QString::fromUtf8(line);
            const QString header = QString::fromUtf8(lines[0]);
            QCOMPARE(text.indexOf(host), header.indexOf(QLatin1String("HOST")));
            Q_UNUSED(hostColumn);
            QVERIFY2(
                text.mid(header.indexOf(QLatin1String("SOURCE"))).startsWith(longName.left(5)) ||
                    text.mid(header.indexOf(QLatin1String("SOURCE")))
                        .startsWith(QLatin1String("s.bin")),
                line.constData());
        }
        Q_UNUSED(sourceColumn);
        QVERIFY(list.out.contains(longName.toUtf8())); // the last column is never cut
        const Run status = run({QStringLiteral("status"), idB});
        QVERIFY2(status.out.contains("host     " + host), status.out.constData());
    }

    // Issue 13 item 14: names and errors from other machines are shown escaped by
    // list, watch, status and cancel, piped as on a terminal.
    void textEscape_function()
    {
        QCOMPARE(escapeUntrusted(QStringLiteral("plain é 名前 😀")),
                 QStringLiteral("plain é 名前 😀"));
        QCOMPARE(escapeUntrusted(QStringLiteral("a\nb\r\tc")), QStringLiteral("a\\nb\\r\\tc"));
        QCOMPARE(escapeUntrusted(QStringLiteral("\x1b]0;x\x07")), QStringLiteral("\\e]0;x\\x07"));
        QCOMPARE(escapeUntrusted(QString(QChar(0x7f))), QStringLiteral("\\x7f"));
        QCOMPARE(escapeUntrusted(QString(QChar(0x9b))), QStringLiteral("\\u009b"));
        QCOMPARE(escapeUntrusted(QString(QChar(0x202e)) + QStringLiteral("fdp.exe")),
                 QStringLiteral("\\u202efdp.exe"));
        QCOMPARE(escapeUntrusted(QString(QChar(0x2066))), QStringLiteral("\\u2066"));
        QCOMPARE(escapeUntrusted(QString(QChar(0x2028))), QStringLiteral("\\u2028"));
        QCOMPARE(escapeUntrusted(QString(QChar(0))), QStringLiteral("\\x00"));
        QCOMPARE(escapeUntrusted(QStringLiteral("abcdef"), 4), QStringLiteral("abc…"));
        QVERIFY(needsEscaping(QStringLiteral("x\x1b")));
        QVERIFY(!needsEscaping(QStringLiteral("x y")));

        const QByteArray clean = R"({"id":"x","source":"a b"})";
        QCOMPARE(escapeUntrustedJson(clean), clean);
        const QByteArray hostile = "{\"id\":\"x\",\n\"source\":\"a\x7f\xc2\x9b\xe2\x80\xae\\\"b\"}";
        const QByteArray safe = escapeUntrustedJson(hostile);
        QVERIFY2(!safe.contains('\n') && !safe.contains('\x7f') && !safe.contains("\xc2\x9b") &&
                     !safe.contains("\xe2\x80\xae"),
                 safe.constData());
        QJsonParseError err;
        const QJsonObject o = QJsonDocument::fromJson(safe, &err).object();
        QCOMPARE(err.error, QJsonParseError::NoError);
        QCOMPARE(o.value(QLatin1String("source")).toString(), QStringLiteral("a") + QChar(0x7f) +
                                                                  QChar(0x9b) + QChar(0x202e) +
                                                                  QStringLiteral("\"b"));
    }

    void untrustedText_escapedEverywhere()
    {
        const QString evil = QStringLiteral("evil\x1b]0;pwned\x07\nFAKE-ROW\r") + QChar(0x7f) +
                             QChar(0x85) + QChar(0x9b) + QStringLiteral("31m") + QChar(0x202e) +
                             QStringLiteral("gpj.exe");
        const QString id = QStringLiteral("0badc0de-0000-4000-8000-00000000e71c");
        ExportStatus s;
        s.id = id;
        s.state = ExportState::Failed;
        s.owner = QStringLiteral("mallory\x1b[2J");
        s.host = QStringLiteral("host\nname");
        s.source = evil;
        s.error = QStringLiteral("boom\x1b[31m\nsecond line");
        s.settled = true;
        s.createdAt = s.updatedAt = QDateTime::currentDateTimeUtc();
        m_redis.command({"SET", KeyLayout().statusKey(id), s.toJson()});

        auto isInert = [](const QByteArray &bytes) {
            for (const char c : bytes) {
                const auto b = uchar(c);
                if ((b < 0x20 && b != '\n') || b == 0x7f) return false;
            }
            return !bytes.contains("\xc2\x85") && !bytes.contains("\xc2\x9b") &&
                   !bytes.contains("\xe2\x80\xae");
        };
        const Run list = run({QStringLiteral("list")});
        QCOMPARE(list.code, 0);
        QVERIFY2(isInert(list.out), list.out.toHex().constData());
        QCOMPARE(list.out.trimmed().split('\n').size(), 2); // header and one row
        QVERIFY(list.out.contains("\\e]0;pwned\\x07\\nFAKE-ROW"));

        const Run listJson = run({QStringLiteral("list"), QStringLiteral("--json")});
        QVERIFY(isInert(listJson.out));
        QCOMPARE(QJsonDocument::fromJson(listJson.out)
                     .array()
                     .at(0)
                     .toObject()
                     .value(QLatin1String("source"))
                     .toString(),
                 evil);

        const Run status = run({QStringLiteral("status"), id.left(8)});
        QCOMPARE(status.code, 0);
        QVERIFY2(isInert(status.out), status.out.constData());
        QVERIFY(status.out.contains("mallory\\e[2J"));
        QVERIFY(status.out.contains("host\\nname"));
        QVERIFY(status.out.contains("boom\\e[31m\\nsecond line"));
        const Run statusJson = run({QStringLiteral("status"), id, QStringLiteral("--json")});
        QVERIFY(isInert(statusJson.out));
        QVERIFY(!statusJson.out.trimmed().contains('\n'));

        const Run cancel = run({QStringLiteral("cancel"), id});
        // Already FAILED, or not ours to cancel: either way said in inert text.
        QVERIFY2(cancel.code == 1 || cancel.code == 4, cancel.err.constData());
        QVERIFY2(isInert(cancel.out + cancel.err), (cancel.out + cancel.err).constData());

        // watch, piped: one line for the export, escaped.
        QProcess watch;
        watch.setProcessEnvironment(env());
        watch.start(m_cli, {QStringLiteral("watch")});
        QVERIFY(watch.waitForStarted(scaledMs(10000)));
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += watch.readAllStandardOutput()).contains(id.toLatin1()),
                                 scaledMs(20000));
        QVERIFY(signalProcess(watch, SIGTERM));
        QVERIFY(watch.waitForFinished(scaledMs(10000)));
        out += watch.readAllStandardOutput();
        QVERIFY2(isInert(out), out.constData());
        QCOMPARE(out.trimmed().split('\n').size(), 1);
        QVERIFY(out.contains("owner=mallory\\e[2J host=host\\nname"));
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
        QCOMPARE(qint64(exportedData(id).size()), s.bytesWritten);
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
        QVERIFY(signalProcess(owner, SIGTERM));
        QVERIFY(owner.waitForFinished(10000));
        QCOMPARE(owner.exitCode(), 1);
        const ExportStatus s = stored(id);
        QCOMPARE(s.state, ExportState::Cancelled);
        QVERIFY(s.settled);
        QCOMPARE(qint64(exportedData(id).size()), s.bytesWritten);
    }

    // Issue 13 item 17: one signal self-pipe (app/cli_signals) serves export and
    // watch: a second SIGINT during export's stop sequence exits at once (130);
    // watch ends cleanly on SIGHUP.
    void signals_oneSelfPipeForExportAndWatch()
    {
        const QString big = file(QStringLiteral("sig2.bin"), 8 * 1024 * 1024);
        QProcess owner;
        owner.setProcessEnvironment(env());
        owner.start(m_cli, {QStringLiteral("export"), big, QStringLiteral("--bwlimit"),
                            QStringLiteral("256K"), QStringLiteral("--chunk-size"),
                            QStringLiteral("64K")});
        QVERIFY(owner.waitForReadyRead(scaledMs(30000)));
        const QString id = QString::fromLatin1(owner.readLine().trimmed());
        QTRY_VERIFY_WITH_TIMEOUT(stored(id).bytesWritten > 0, scaledMs(30000));
        QVERIFY(signalProcess(owner, SIGINT));
        QVERIFY(signalProcess(owner, SIGINT));
        QVERIFY(owner.waitForFinished(scaledMs(10000)));
        QCOMPARE(owner.exitStatus(), QProcess::NormalExit);
        const int code = owner.exitCode();
        // Either the second signal arrived while stopping (130), or the stop
        // sequence had already finished (1): never a hang or a crash.
        QVERIFY2(code == 130 || code == 1, qPrintable(QString::number(code)));

        QProcess watch;
        watch.setProcessEnvironment(env());
        watch.start(m_cli, {QStringLiteral("watch")});
        QVERIFY(watch.waitForStarted(scaledMs(10000)));
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += watch.readAllStandardOutput()).contains(id.toLatin1()),
                                 scaledMs(20000));
        QVERIFY(signalProcess(watch, SIGHUP));
        QVERIFY(watch.waitForFinished(scaledMs(10000)));
        QCOMPARE(watch.exitStatus(), QProcess::NormalExit);
        QCOMPARE(watch.exitCode(), 0);
    }

    // Found trying it by hand: `fetch ID -` on a terminal would pour someone else's
    // bytes (escape sequences included) into it. Refused; piped it works.
    void fetch_refusesToWriteDataToATerminal()
    {
        const QString script = QStandardPaths::findExecutable(QStringLiteral("script"));
        if (script.isEmpty()) QSKIP("needs script(1) for a pseudo-terminal");
        const QString a = file(QStringLiteral("tty.bin"), 100);
        const QString id = QString::fromLatin1(run({QStringLiteral("export"), a}).out.trimmed());
        QVERIFY(isValidExportId(id));
        QProcess p;
        p.setProcessEnvironment(env());
        p.start(script, {QStringLiteral("-qec"), QStringLiteral("%1 fetch %2 -").arg(m_cli, id),
                         QStringLiteral("/dev/null")});
        QVERIFY(p.waitForFinished(scaledMs(30000)));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY2(p.readAllStandardOutput().contains("refusing to write an export's data to a "
                                                    "terminal"),
                 "no refusal");
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

    // Issue 21 item 4: list streams and filters while it walks the keyspace.
    void list_filtersWhileStreaming()
    {
        const QString a = file(QStringLiteral("fa.bin"), 10);
        const QString idA = QString::fromLatin1(
            run({QStringLiteral("export"), a, QStringLiteral("--user"), QStringLiteral("alice")})
                .out.trimmed());
        const QString idB = QString::fromLatin1(
            run({QStringLiteral("export"), a, QStringLiteral("--user"), QStringLiteral("bob")})
                .out.trimmed());
        // An old PENDING export, written as another process would: created two hours ago.
        auto old = ExportStatus::fromJson(get(KeyLayout().statusKey(idB)));
        QVERIFY(old);
        old->id = newExportId();
        old->state = ExportState::Pending;
        old->createdAt = QDateTime::currentDateTimeUtc().addSecs(-7200);
        m_redis.command({"SET", KeyLayout().statusKey(old->id), old->toJson(), "EX", "600"});
        auto ids = [](const QByteArray &json) {
            QStringList out;
            for (const QJsonValue &v : QJsonDocument::fromJson(json).array())
                out << v.toObject().value(QLatin1String("id")).toString();
            std::sort(out.begin(), out.end());
            return out;
        };
        auto listJson = [&](const QStringList &extra) {
            const Run r =
                run(QStringList{QStringLiteral("list"), QStringLiteral("--json")} + extra);
            return r.code == 0 ? ids(r.out) : QStringList{QStringLiteral("exit %1").arg(r.code)};
        };
        auto sorted = [](QStringList l) {
            std::sort(l.begin(), l.end());
            return l;
        };
        QCOMPARE(listJson({}), sorted({idA, idB, old->id}));
        QCOMPARE(listJson({QStringLiteral("--owner"), QStringLiteral("alice")}), QStringList{idA});
        QCOMPARE(listJson({QStringLiteral("--status"), QStringLiteral("PENDING")}),
                 QStringList{old->id});
        QCOMPARE(listJson({QStringLiteral("--status"), QStringLiteral("completed,FAILED")}),
                 sorted({idA, idB}));
        QCOMPARE(listJson({QStringLiteral("--since"), QStringLiteral("1h")}), sorted({idA, idB}));
        QCOMPARE(listJson({QStringLiteral("--since"), QStringLiteral("3h")}).size(), 3);
        QCOMPARE(listJson({QStringLiteral("--limit"), QStringLiteral("2")}).size(), 2);
        QCOMPARE(listJson({QStringLiteral("--owner"), QStringLiteral("bob"),
                           QStringLiteral("--status"), QStringLiteral("PENDING")}),
                 QStringList{old->id});
        QCOMPARE(listJson({QStringLiteral("--owner"), QStringLiteral("nobody")}), QStringList());
        // --sort created: oldest first, and a limit keeps the oldest.
        const Run byAge = run({QStringLiteral("list"), QStringLiteral("--json"),
                               QStringLiteral("--sort"), QStringLiteral("created")});
        QCOMPARE(byAge.code, 0);
        const QJsonArray arr = QJsonDocument::fromJson(byAge.out).array();
        QCOMPARE(arr.size(), 3);
        QCOMPARE(arr[0].toObject().value(QLatin1String("id")).toString(), old->id);
        QCOMPARE(arr[1].toObject().value(QLatin1String("id")).toString(), idA);
        QCOMPARE(arr[2].toObject().value(QLatin1String("id")).toString(), idB);
        const Run oldest =
            run({QStringLiteral("list"), QStringLiteral("--sort"), QStringLiteral("created"),
                 QStringLiteral("--limit"), QStringLiteral("1")});
        QCOMPARE(oldest.code, 0);
        QCOMPARE(oldest.out.trimmed().split('\n').size(), 2); // header and the oldest
        QVERIFY(oldest.out.contains(old->id.toLatin1()));
        // The table filters the same way; nothing found is said on stderr.
        const Run table =
            run({QStringLiteral("list"), QStringLiteral("--owner"), QStringLiteral("alice")});
        QCOMPARE(table.code, 0);
        QCOMPARE(table.out.trimmed().split('\n').size(), 2);
        QVERIFY(table.out.contains(idA.toLatin1()));
        const Run none =
            run({QStringLiteral("list"), QStringLiteral("--status"), QStringLiteral("CANCELLED")});
        QCOMPARE(none.code, 0);
        QVERIFY(none.out.isEmpty());
        QVERIFY(none.err.contains("no exports"));
        const Run noneJson = run({QStringLiteral("list"), QStringLiteral("--json"),
                                  QStringLiteral("--status"), QStringLiteral("CANCELLED")});
        QCOMPARE(noneJson.out.trimmed(), QByteArray("[]"));
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
        QTest::newRow("chunk larger than segment")
            << QStringList{QStringLiteral("export"),         QStringLiteral("/tmp"),
                           QStringLiteral("--segment-size"), QStringLiteral("64K"),
                           QStringLiteral("--chunk-size"),   QStringLiteral("128K")}
            << 2 << "--chunk-size 128K exceeds the segment size (65536 bytes)";
        QTest::newRow("bad segment size")
            << QStringList{QStringLiteral("export"), QStringLiteral("/tmp"),
                           QStringLiteral("--segment-size"), QStringLiteral("12")}
            << 2 << "--segment-size must be from 1K to 512M";
        QTest::newRow("export option on list")
            << QStringList{QStringLiteral("list"), QStringLiteral("--segment-size"),
                           QStringLiteral("1M")}
            << 2 << "--segment-size does not apply to list";
        QTest::newRow("unknown state")
            << QStringList{QStringLiteral("list"), QStringLiteral("--status"),
                           QStringLiteral("PENDING,SLEEPING")}
            << 2 << "unknown state \"SLEEPING\"";
        QTest::newRow("local state")
            << QStringList{QStringLiteral("list"), QStringLiteral("--status"),
                           QStringLiteral("QUEUED")}
            << 2 << "unknown state \"QUEUED\"";
        QTest::newRow("bad limit")
            << QStringList{QStringLiteral("list"), QStringLiteral("--limit"), QStringLiteral("0")}
            << 2 << "--limit must be";
        QTest::newRow("bad since")
            << QStringList{QStringLiteral("list"), QStringLiteral("--since"), QStringLiteral("5w")}
            << 2 << "--since must be a duration";
        QTest::newRow("bad since number")
            << QStringList{QStringLiteral("list"), QStringLiteral("--since"), QStringLiteral("h")}
            << 2 << "--since must be a duration";
        QTest::newRow("bad sort") << QStringList{QStringLiteral("list"), QStringLiteral("--sort"),
                                                 QStringLiteral("size")}
                                  << 2 << "--sort knows only";
        QTest::newRow("list option on status")
            << QStringList{QStringLiteral("status"), QStringLiteral("--owner"), QStringLiteral("x"),
                           QStringLiteral("0123456789abcdef")}
            << 2 << "--owner does not apply to status";
        QTest::newRow("unknown state, server down")
            << QStringList{QStringLiteral("list"), QStringLiteral("--status"), QStringLiteral("X"),
                           QStringLiteral("--redis"), QStringLiteral("unix:///nonexistent/r.sock")}
            << 2 << "unknown state \"X\"";
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
        // One clear line, usage errors included (issue 13 item 12).
        QVERIFY2(!r.err.trimmed().contains('\n'), r.err.constData());
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

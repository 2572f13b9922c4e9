// TLS (rediss://, CONTRACT §6 and §9) against real redis-servers speaking TLS, with
// certificates the suite makes with the openssl command line: the core's connection
// and exports, the CLI's flags, and every failure named on one line, exit 5, within
// its timeout.
#include "clirun.h"
#include "configresolver.h"
#include "exporter.h"
#include "exportmonitor.h"
#include "exportstore.h"
#include "exporttesting.h"
#include "redisconnection.h"
#include "testredis.h"
#include "testtls.h"

#include <QBuffer>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace hb;
using namespace hb::test;

namespace {

using Run = CliRun;

QByteArray binaryPayload(qsizetype size, quint32 seed)
{
    QByteArray out(size, Qt::Uninitialized);
    quint32 x = seed;
    for (qsizetype i = 0; i < size; ++i) {
        x = x * 1664525u + 1013904223u;
        out[i] = i % 512 < 256 ? char(i % 256) : char(x >> 24);
    }
    return out;
}

} // namespace

class TstTls final : public QObject
{
    Q_OBJECT

    TestCertificates m_certs;
    std::unique_ptr<TestTlsRedisServer> m_tls;       // server.crt, no client certificates
    std::unique_ptr<TestTlsRedisServer> m_mutual;    // server.crt, client certificate required
    std::unique_ptr<TestTlsRedisServer> m_expired;   // expired.crt
    std::unique_ptr<TestTlsRedisServer> m_otherHost; // other.crt (other.example)
    std::unique_ptr<TestRedisServer> m_plain;        // a plain TCP port
    int m_plainPort = 0;
    QTemporaryDir m_files;
    QString m_cli;

    // The CLI with no URL in its environment: every test names its own.
    Run cli(const QStringList &args, int timeoutMs = 120000)
    {
        return runCli(m_cli, args, cliEnvironment({}), timeoutMs);
    }
    QString caQuery() const { return QStringLiteral("cacert=") + m_certs.caCert(); }
    // A failure: exit 5, one line on stderr naming the server (its port) and `reason`.
    static bool isOneLineFailure(const Run &r, int port, const char *reason, QString *why)
    {
        const QByteArray err = r.err.trimmed();
        *why = QStringLiteral("exit %1: %2").arg(r.code).arg(QString::fromUtf8(r.err));
        return r.code == 5 && !err.contains('\n') && err.contains(QByteArray::number(port)) &&
               err.contains(reason);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_certs.create(&error), qPrintable(error));
        m_tls = std::make_unique<TestTlsRedisServer>(m_certs, m_certs.serverCert(),
                                                     m_certs.serverKey(), false);
        m_mutual = std::make_unique<TestTlsRedisServer>(m_certs, m_certs.serverCert(),
                                                        m_certs.serverKey(), true);
        m_expired = std::make_unique<TestTlsRedisServer>(m_certs, m_certs.expiredCert(),
                                                         m_certs.serverKey(), false);
        m_otherHost = std::make_unique<TestTlsRedisServer>(m_certs, m_certs.otherHostCert(),
                                                           m_certs.serverKey(), false);
        for (TestTlsRedisServer *s :
             {m_tls.get(), m_mutual.get(), m_expired.get(), m_otherHost.get()})
            QVERIFY2(s->start(&error), qPrintable(error));
        for (int attempt = 0; attempt < 5 && !m_plain; ++attempt) {
            m_plainPort = freeTcpPort();
            auto plain = std::make_unique<TestRedisServer>(
                QStringList{QStringLiteral("--port"), QString::number(m_plainPort),
                            QStringLiteral("--bind"), QStringLiteral("127.0.0.1")});
            if (plain->start(&error)) m_plain = std::move(plain);
        }
        QVERIFY2(m_plain, qPrintable(error));
        QVERIFY(m_files.isValid());
        m_cli = builtExecutable(QStringLiteral("hbexporter-cli"));
        QVERIFY2(QFileInfo(m_cli).isExecutable(), qPrintable(m_cli));
    }

    // ---- the core's connection ----------------------------------------------

    void core_commandsAndLargeArgumentsAreBinaryExactOverTls()
    {
        RedisConnection c(m_tls->endpoint(), {scaledMs(5000), scaledMs(10000)});
        QVERIFY2(c.ensureConnected(), qPrintable(c.lastError().message));
        QCOMPARE(c.command({"PING"}).string, QByteArray("PONG"));
        // Large arguments go out piece by piece (SSL_write_ex on the caller's buffer),
        // pipelined behind small commands; replies larger than one TLS record.
        const QByteArray a = binaryPayload(9 * 1024 * 1024 + 1, 3);
        const QByteArray b = binaryPayload(64 * 1024, 5);
        QVERIFY(c.append({"INCR", "tls:n"}));
        QVERIFY(c.append({"SET", "tls:a", a}));
        QVERIFY(c.append({"MSET", "tls:b", b, "tls:c", "small"}));
        QVERIFY(c.append({"INCR", "tls:n"}));
        QCOMPARE(c.readReply().integer, 1);
        QCOMPARE(c.readReply().string, QByteArray("OK"));
        QCOMPARE(c.readReply().string, QByteArray("OK"));
        QCOMPARE(c.readReply().integer, 2);
        QVERIFY(c.command({"GET", "tls:a"}).string == a);
        QVERIFY(c.command({"GET", "tls:b"}).string == b);
        // What the server stored, read over its plain unix socket.
        QVERIFY(m_tls->redis().command({"GET", "tls:a"}).string == a);
    }

    void core_subscriptionGetsPushedMessagesOverTls()
    {
        RedisConnection sub(m_tls->endpoint(), {scaledMs(5000), scaledMs(10000)});
        QVERIFY(sub.append({"SUBSCRIBE", "tls:events"}));
        bool nothing = true;
        const RedisReply confirm = sub.readPushed(scaledMs(5000), &nothing);
        QVERIFY(!nothing);
        QCOMPARE(confirm.elements.value(0).string, QByteArray("subscribe"));
        // Nothing published: *nothing after the wait, and the connection stays up.
        QElapsedTimer t;
        t.start();
        sub.readPushed(200, &nothing);
        QVERIFY(nothing);
        QVERIFY(t.elapsed() >= 150);
        QVERIFY(sub.isConnected());
        // Several messages in one read: the ones OpenSSL already decrypted are found
        // without waiting for the socket again.
        for (int i = 0; i < 20; ++i)
            m_tls->redis().command({"PUBLISH", "tls:events", "m" + QByteArray::number(i)});
        for (int i = 0; i < 20; ++i) {
            const RedisReply m = sub.readPushed(scaledMs(5000), &nothing);
            QVERIFY(!nothing);
            QCOMPARE(m.elements.value(2).string, "m" + QByteArray::number(i));
        }
    }

    void core_tlsToAPlainPortFailsWithinTheConnectTimeout()
    {
        RedisEndpoint ep = m_tls->endpoint();
        ep.port = m_plainPort;
        const int connectMs = 1000;
        RedisConnection c(ep, {connectMs, 5000});
        QElapsedTimer t;
        t.start();
        QVERIFY(!c.ensureConnected());
        QVERIFY2(t.elapsed() < connectMs + scaledMs(1000),
                 qPrintable(QString::number(t.elapsed())));
        QCOMPARE(c.lastError().kind, RedisError::Kind::Unreachable);
        QVERIFY2(c.lastError().message.contains(QLatin1String("TLS handshake")),
                 qPrintable(c.lastError().message));
        QVERIFY(c.lastError().message.contains(QString::number(m_plainPort)));
    }

    void core_verificationFailuresAreUnreachableAndSayWhy_data()
    {
        QTest::addColumn<QString>("which");
        QTest::addColumn<QString>("reason");
        QTest::newRow("untrusted")
            << QStringLiteral("untrusted") << QStringLiteral("untrusted TLS certificate");
        QTest::newRow("expired") << QStringLiteral("expired")
                                 << QStringLiteral("TLS certificate expired");
        QTest::newRow("other host")
            << QStringLiteral("other")
            << QStringLiteral("TLS certificate is for other.example, not 127.0.0.1");
        QTest::newRow("wrong sni") << QStringLiteral("sni") << QStringLiteral("not wrong.example");
        QTest::newRow("no client cert")
            << QStringLiteral("mutual") << QStringLiteral("client certificate required");
        QTest::newRow("unreadable cacert")
            << QStringLiteral("cafile") << QStringLiteral("cannot read CA certificate file");
    }

    void core_verificationFailuresAreUnreachableAndSayWhy()
    {
        QFETCH(QString, which);
        QFETCH(QString, reason);
        RedisEndpoint ep = m_tls->endpoint();
        if (which == QLatin1String("untrusted")) ep.tls.caCert.clear(); // the system's CAs
        if (which == QLatin1String("expired")) ep = m_expired->endpoint();
        if (which == QLatin1String("other")) ep = m_otherHost->endpoint();
        if (which == QLatin1String("sni")) ep.tls.sni = QStringLiteral("wrong.example");
        if (which == QLatin1String("mutual")) ep = m_mutual->endpoint();
        if (which == QLatin1String("cafile"))
            ep.tls.caCert = m_files.filePath(QStringLiteral("no-such-ca.pem"));
        RedisConnection c(ep, {scaledMs(5000), scaledMs(5000)});
        QVERIFY(!c.ensureConnected());
        QCOMPARE(c.lastError().kind, RedisError::Kind::Unreachable);
        QVERIFY2(c.lastError().message.contains(reason), qPrintable(c.lastError().message));
        QVERIFY2(c.lastError().message.contains(QString::number(ep.port)),
                 qPrintable(c.lastError().message));
        QVERIFY(!c.lastError().message.contains(QLatin1Char('\n')));
        // The command that follows fails the same way, never hangs.
        const RedisReply r = c.command({"PING"});
        QCOMPARE(r.error.kind, RedisError::Kind::Unreachable);
    }

    void core_mutualTlsAndInsecure()
    {
        RedisEndpoint mutual = m_mutual->endpoint();
        mutual.tls.cert = m_certs.clientCert();
        mutual.tls.key = m_certs.clientKey();
        RedisConnection c(mutual);
        QCOMPARE(c.command({"PING"}).string, QByteArray("PONG"));

        // --insecure: an untrusted, expired certificate for the wrong host is accepted.
        RedisEndpoint insecure = m_expired->endpoint();
        insecure.tls.caCert.clear();
        insecure.tls.sni = QStringLiteral("wrong.example");
        insecure.tls.insecure = true;
        RedisConnection i(insecure);
        QCOMPARE(i.command({"PING"}).string, QByteArray("PONG"));
    }

    void core_exportFetchAndMonitorOverTls()
    {
        const qint64 size = 3 * 1024 * 1024 + 12345; // several segments
        const QString path = makeRandomFile(m_files.path(), QStringLiteral("core.bin"), size, 9);
        ExporterConfig cfg;
        cfg.endpoint = m_tls->endpoint();
        cfg.segmentBytes = 1024 * 1024;
        cfg.chunkSize = 256 * 1024;

        // The monitor scans once, and rescans only after an hour: what it reports
        // about the export comes over its TLS subscription.
        ExportMonitor::Options options;
        options.rescanMs = 3600 * 1000;
        ExportMonitor monitor(cfg.endpoint, cfg.keys, options);
        QSignalSpy scanned(&monitor, &ExportMonitor::scanned);
        QSignalSpy updated(&monitor, &ExportMonitor::exportUpdated);
        monitor.start();
        // Subscribed before it scans: scanned means the subscription is up.
        QTRY_VERIFY_WITH_TIMEOUT(!scanned.isEmpty() && monitor.isConnected(), scaledMs(10000));

        Exporter exporter(cfg, nullptr);
        QSignalSpy finished(&exporter, &Exporter::exportFinished);
        const QString id = exporter.startExport(path);
        QVERIFY(!id.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), scaledMs(60000));
        const FinishedExport f = takeFinished(finished);
        QCOMPARE(f.code, ErrorCode::None);
        QCOMPARE(f.status.state, ExportState::Completed);

        // Read back over TLS, checked against the recorded sha256.
        ExportStore store(cfg.endpoint, cfg.keys);
        QBuffer out;
        out.open(QIODevice::WriteOnly);
        Failure failure;
        QCOMPARE(store.fetchData(id, &out, &failure), size);
        QVERIFY2(!failure, qPrintable(failure.message));
        QCOMPARE(sha256Of(out.data()), sha256OfFile(path));

        auto sawCompleted = [&] {
            for (const QList<QVariant> &args : std::as_const(updated)) {
                const auto s = args.at(0).value<ExportStatus>();
                if (s.id == id && s.state == ExportState::Completed) return true;
            }
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(sawCompleted(), scaledMs(10000));
        monitor.stop();
    }

    // ---- where the TLS settings come from (pure: no server) -------------------

    void configResolver_tlsFlagsBeatTheUrlsParameters()
    {
        ConfigInputs in;
        in.settingsUrl = QStringLiteral("rediss://saved:6380?cacert=/url/ca.pem&sni=url.example");
        in.flagTls.caCert = QStringLiteral("/flag/ca.pem");
        in.flagTls.cert = QStringLiteral("/flag/client.pem");
        in.flagTls.key = QStringLiteral("/flag/client.key");
        in.flagTls.insecure = true;
        ResolvedConfig r = resolveConfig(in);
        QVERIFY2(r.urlError.isEmpty(), qPrintable(r.urlError));
        QVERIFY(r.endpoint);
        QCOMPARE(r.endpoint->tls.caCert, QStringLiteral("/flag/ca.pem"));
        QCOMPARE(r.endpoint->tls.sni, QStringLiteral("url.example")); // not given: the URL's
        QCOMPARE(r.endpoint->tls.cert, QStringLiteral("/flag/client.pem"));
        QVERIFY(r.endpoint->tls.insecure);

        // A client certificate needs its key, whichever side gives which.
        in.flagTls = {};
        in.flagTls.cert = QStringLiteral("/flag/client.pem");
        r = resolveConfig(in);
        QVERIFY(!r.endpoint);
        QVERIFY2(r.urlError.contains(QLatin1String("--key")), qPrintable(r.urlError));
        in.settingsUrl += QStringLiteral("&cert=/url/client.pem&key=/url/client.key");
        r = resolveConfig(in);
        QVERIFY2(r.endpoint, qPrintable(r.urlError));
        QCOMPARE(r.endpoint->tls.cert, QStringLiteral("/flag/client.pem"));
        QCOMPARE(r.endpoint->tls.key, QStringLiteral("/url/client.key"));

        // Not TLS, or no URL at all: refused, never silently ignored.
        in.flagUrl = QStringLiteral("redis://plain:6379");
        r = resolveConfig(in);
        QVERIFY(!r.endpoint);
        QVERIFY2(r.urlError.contains(QLatin1String("use rediss://")), qPrintable(r.urlError));
        QVERIFY2(r.urlError.contains(QLatin1String("--cert")), qPrintable(r.urlError));
        ConfigInputs none;
        none.flagTls.sni = QStringLiteral("x.example");
        r = resolveConfig(none);
        QVERIFY(!r.useEmbeddedServer);
        QVERIFY(!r.endpoint);
        QVERIFY2(r.urlError.contains(QLatin1String("rediss://")), qPrintable(r.urlError));
        // And without flags the embedded server is as before.
        QVERIFY(resolveConfig(ConfigInputs{}).useEmbeddedServer);
    }

    // ---- the command line ---------------------------------------------------

    void cli_exportAndFetchAreByteExactOverTls()
    {
        const qint64 size = 5 * 1024 * 1024 + 7;
        const QString path = makeRandomFile(m_files.path(), QStringLiteral("cli.bin"), size, 4);
        const QString url = m_tls->url(caQuery());
        const Run exp = cli({QStringLiteral("export"), path, QStringLiteral("--redis"), url});
        QVERIFY2(exp.code == 0, exp.err.constData());
        const QString id = QString::fromLatin1(exp.out.trimmed());
        const QString copy = m_files.filePath(QStringLiteral("cli.copy"));
        // The flag form: --cacert instead of the URL's parameter.
        const Run fetch = cli({QStringLiteral("fetch"), id, copy, QStringLiteral("--redis"),
                               m_tls->url(), QStringLiteral("--cacert"), m_certs.caCert()});
        QVERIFY2(fetch.code == 0, fetch.err.constData());
        QCOMPARE(sha256OfFile(copy), sha256OfFile(path));
        QCOMPARE(QFileInfo(copy).size(), size);
    }

    void cli_mutualTls()
    {
        const Run ok = cli({QStringLiteral("list"), QStringLiteral("--redis"), m_mutual->url(),
                            QStringLiteral("--cacert"), m_certs.caCert(), QStringLiteral("--cert"),
                            m_certs.clientCert(), QStringLiteral("--key"), m_certs.clientKey()});
        QVERIFY2(ok.code == 0, ok.err.constData());

        const Run refused =
            cli({QStringLiteral("list"), QStringLiteral("--redis"), m_mutual->url(caQuery())});
        QString why;
        QVERIFY2(isOneLineFailure(refused, m_mutual->port(), "client certificate required", &why),
                 qPrintable(why));
    }

    void cli_failuresAreExit5WithOneLineSayingWhy_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("reason");
        const QString list = QStringLiteral("list");
        const QString redis = QStringLiteral("--redis");
        QTest::newRow("untrusted CA (system store)")
            << QStringList{list, redis, m_tls->url()} << m_tls->port()
            << QStringLiteral("untrusted TLS certificate");
        QTest::newRow("expired") << QStringList{list, redis, m_expired->url(caQuery())}
                                 << m_expired->port() << QStringLiteral("TLS certificate expired");
        QTest::newRow("wrong host name (--sni)")
            << QStringList{list, redis, m_tls->url(caQuery()), QStringLiteral("--sni"),
                           QStringLiteral("wrong.example")}
            << m_tls->port() << QStringLiteral("not wrong.example");
        QTest::newRow("certificate for another host")
            << QStringList{list, redis, m_otherHost->url(caQuery())} << m_otherHost->port()
            << QStringLiteral("TLS certificate is for other.example, not 127.0.0.1");
        QTest::newRow("unreadable --cacert")
            << QStringList{list, redis, m_tls->url(), QStringLiteral("--cacert"),
                           m_files.filePath(QStringLiteral("missing-ca.pem"))}
            << m_tls->port()
            << QStringLiteral("cannot read CA certificate file ") +
                   m_files.filePath(QStringLiteral("missing-ca.pem"));
        QTest::newRow("unreadable --key")
            << QStringList{list,
                           redis,
                           m_mutual->url(caQuery()),
                           QStringLiteral("--cert"),
                           m_certs.clientCert(),
                           QStringLiteral("--key"),
                           m_files.filePath(QStringLiteral("missing.key"))}
            << m_mutual->port() << QStringLiteral("cannot read client key file");
        QTest::newRow("export, untrusted")
            << QStringList{QStringLiteral("export"), m_certs.caCert(), redis, m_tls->url()}
            << m_tls->port() << QStringLiteral("untrusted TLS certificate");
    }

    void cli_failuresAreExit5WithOneLineSayingWhy()
    {
        QFETCH(QStringList, args);
        QFETCH(int, port);
        QFETCH(QString, reason);
        const Run r = cli(args);
        QString why;
        QVERIFY2(isOneLineFailure(r, port, reason.toUtf8().constData(), &why), qPrintable(why));
        qInfo().noquote() << "stderr:" << r.err.trimmed();
    }

    void cli_tlsToAPlainPortIsAHandshakeErrorWithinTheTimeout()
    {
        // The CLI's connect timeout is RedisTimeouts' default, 5 s.
        const int connectMs = RedisTimeouts{}.connectMs;
        const Run r =
            cli({QStringLiteral("list"), QStringLiteral("--redis"),
                 QStringLiteral("rediss://127.0.0.1:%1?%2").arg(m_plainPort).arg(caQuery())});
        QString why;
        QVERIFY2(isOneLineFailure(r, m_plainPort, "TLS handshake", &why), qPrintable(why));
        QVERIFY2(r.elapsedMs < connectMs + scaledMs(3000),
                 qPrintable(QString::number(r.elapsedMs)));
        qInfo().noquote() << "stderr:" << r.err.trimmed() << "after" << r.elapsedMs << "ms";
    }

    void cli_insecureAcceptsAnUntrustedCertificate()
    {
        const Run r = cli({QStringLiteral("list"), QStringLiteral("--redis"), m_tls->url(),
                           QStringLiteral("--insecure")});
        QVERIFY2(r.code == 0, r.err.constData());
        const Run param = cli({QStringLiteral("list"), QStringLiteral("--redis"),
                               m_expired->url(QStringLiteral("insecure=1"))});
        QVERIFY2(param.code == 0, param.err.constData());
    }

    void cli_flagBeatsTheUrlParameter()
    {
        // The URL's CA file does not exist; the flag's does.
        const Run ok = cli({QStringLiteral("list"), QStringLiteral("--redis"),
                            m_tls->url(QStringLiteral("cacert=/nonexistent/ca.pem")),
                            QStringLiteral("--cacert"), m_certs.caCert()});
        QVERIFY2(ok.code == 0, ok.err.constData());
        // And the other way round: a right URL, a wrong --sni.
        const Run wrong = cli({QStringLiteral("list"), QStringLiteral("--redis"),
                               m_tls->url(caQuery() + QStringLiteral("&sni=localhost")),
                               QStringLiteral("--sni"), QStringLiteral("wrong.example")});
        QString why;
        QVERIFY2(isOneLineFailure(wrong, m_tls->port(), "not wrong.example", &why),
                 qPrintable(why));
        // The environment's URL takes the flags too.
        QProcess p;
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert(QStringLiteral("HBEXPORTER_REDIS_URL"), m_tls->url());
        p.setProcessEnvironment(e);
        p.start(m_cli, {QStringLiteral("list"), QStringLiteral("--cacert"), m_certs.caCert()});
        QVERIFY(p.waitForFinished(scaledMs(60000)));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    }

    void cli_tlsFlagsNeedARedissUrl()
    {
        const Run plainUrl = cli({QStringLiteral("list"), QStringLiteral("--redis"),
                                  QStringLiteral("redis://127.0.0.1:%1").arg(m_plainPort),
                                  QStringLiteral("--cacert"), m_certs.caCert()});
        QCOMPARE(plainUrl.code, 2);
        QVERIFY2(plainUrl.err.contains("use rediss://"), plainUrl.err.constData());
        QCOMPARE(plainUrl.err.trimmed().count('\n'), 0);
        const Run embedded = cli(
            {QStringLiteral("status"), QStringLiteral("12345678"), QStringLiteral("--insecure")});
        QCOMPARE(embedded.code, 2);
        QVERIFY2(embedded.err.contains("rediss://"), embedded.err.constData());
        const Run certOnly =
            cli({QStringLiteral("list"), QStringLiteral("--redis"), m_mutual->url(caQuery()),
                 QStringLiteral("--cert"), m_certs.clientCert()});
        QCOMPARE(certOnly.code, 2);
        QVERIFY2(certOnly.err.contains("--key"), certOnly.err.constData());
        // Every connecting command lists them in its own help.
        for (const QString &command :
             {QStringLiteral("export"), QStringLiteral("fetch"), QStringLiteral("watch")}) {
            const Run help = cli({command, QStringLiteral("--help")});
            QCOMPARE(help.code, 0);
            for (const char *flag :
                 {"--cacert FILE", "--cert FILE", "--key FILE", "--sni NAME", "--insecure"})
                QVERIFY2(help.out.contains(flag), qPrintable(command + QLatin1Char(' ') + flag));
        }
    }

    void cli_watchOverTlsSeesAnExport()
    {
        const QString url = m_tls->url(caQuery());
        QProcess watch;
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.remove(QStringLiteral("HBEXPORTER_REDIS_URL"));
        watch.setProcessEnvironment(e);
        watch.start(m_cli, {QStringLiteral("watch"), QStringLiteral("--redis"), url});
        QVERIFY(watch.waitForStarted(scaledMs(10000)));
        const QString path =
            makeRandomFile(m_files.path(), QStringLiteral("watched.bin"), 2 * 1024 * 1024, 8);
        const Run exp = cli({QStringLiteral("export"), path, QStringLiteral("--redis"), url});
        QVERIFY2(exp.code == 0, exp.err.constData());
        const QByteArray shortId = exp.out.trimmed().left(8);
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                out += watch.readAllStandardOutput();
                for (const QByteArray &line : out.split('\n'))
                    if (line.contains(shortId) && line.contains("COMPLETED")) return true;
                return false;
            }(),
            scaledMs(20000));
        QVERIFY(signalProcess(watch, SIGTERM));
        QVERIFY(watch.waitForFinished(scaledMs(10000)));
    }
};

QTEST_GUILESS_MAIN(TstTls)
#include "tst_tls.moc"

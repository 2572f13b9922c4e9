// Which TLS transport for the core (docs/DESIGN.md, "TLS transport")? Pushes the
// same bytes as SETs of 1 MiB - 16 B segment keys, 4 in flight, to one redis-server
// that listens on a plain TCP port and a TLS port, three ways, alternating runs:
//   - plain TCP, RedisConnection (the reference);
//   - TLS, RedisConnection (RedisSocket: OpenSSL on the connection's own socket,
//     payload written from the caller's buffer with SSL_write_ex);
//   - TLS, Qt's QSslSocket driven with its blocking API on the calling thread (what a
//     job thread without an event loop would do; every write copied into its buffer).
// Medians in MiB/s, the ratio to plain TCP, and the client's CPU seconds (the cost
// of the transport itself, which a loaded machine's wall times hide).
//   ./build/tests/experiments/tlstransport [MiB] [runs]
#include "redisconnection.h"
#include "testredis.h"
#include "testtls.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QSslCipher>
#include <QSslConfiguration>
#include <QSslSocket>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <vector>

using namespace hb;
using namespace hb::test;

namespace {

constexpr qint64 segment = 1024 * 1024 - 16;
constexpr int window = 4;

[[noreturn]] void die(const QString &why)
{
    fprintf(stderr, "tlstransport: %s\n", qPrintable(why));
    exit(1);
}

double cpuNow()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

QByteArray key(int run, qint64 k)
{
    return "exp:" + QByteArray::number(run) + ":" + QByteArray::number(k);
}

double viaRedisConnection(RedisConnection &c, const QByteArray &data, int run)
{
    QElapsedTimer t;
    t.start();
    qint64 sent = 0, k = 0;
    while (sent < data.size() || c.pending() > 0) {
        if (sent < data.size() && c.pending() < window) {
            // fromRawData: the segment is not copied on our side either.
            const qint64 n = std::min(segment, data.size() - sent);
            if (!c.append({"SET", key(run, k++),
                           QByteArray::fromRawData(data.constData() + sent, n), "PX", "600000"}))
                die(c.lastError().message);
            sent += n;
            continue;
        }
        const RedisReply r = c.readReply();
        if (r.isError()) die(r.error.message);
    }
    return t.nsecsElapsed() / 1e9;
}

double viaQSslSocket(QSslSocket &s, const QByteArray &data, int run)
{
    QElapsedTimer t;
    t.start();
    qint64 sent = 0, k = 0;
    int inFlight = 0;
    QByteArray replies;
    while (sent < data.size() || inFlight > 0) {
        while (sent < data.size() && inFlight < window) {
            const qint64 n = std::min(segment, data.size() - sent);
            const QByteArray kb = key(run, k++);
            QByteArray head = "*5\r\n$3\r\nSET\r\n$" + QByteArray::number(kb.size()) + "\r\n" + kb +
                              "\r\n$" + QByteArray::number(n) + "\r\n";
            s.write(head);
            s.write(data.constData() + sent, n); // copied into QSslSocket's buffer
            s.write("\r\n$2\r\nPX\r\n$6\r\n600000\r\n");
            sent += n;
            ++inFlight;
        }
        if (s.bytesToWrite() > 0) {
            if (!s.waitForBytesWritten(30000))
                die(QStringLiteral("QSslSocket write: %1").arg(s.errorString()));
        } else if (!s.waitForReadyRead(30000)) {
            die(QStringLiteral("QSslSocket read: %1").arg(s.errorString()));
        }
        replies += s.readAll();
        qsizetype eol;
        while ((eol = replies.indexOf("\r\n")) >= 0) {
            if (!replies.startsWith("+OK"))
                die(QStringLiteral("reply: %1").arg(QString::fromLatin1(replies.left(eol))));
            replies.remove(0, eol + 2);
            --inFlight;
        }
    }
    return t.nsecsElapsed() / 1e9;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const qint64 mib = argc > 1 ? atoi(argv[1]) : 256;
    const int runs = argc > 2 ? atoi(argv[2]) : 5;

    TestCertificates certs;
    QString err;
    if (!certs.create(&err)) die(err);
    const int plainPort = freeTcpPort();
    const int tlsPort = freeTcpPort();
    TestRedisServer redis(
        {QStringLiteral("--port"), QString::number(plainPort), QStringLiteral("--tls-port"),
         QString::number(tlsPort), QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
         QStringLiteral("--tls-cert-file"), certs.serverCert(), QStringLiteral("--tls-key-file"),
         certs.serverKey(), QStringLiteral("--tls-ca-cert-file"), certs.caCert(),
         QStringLiteral("--tls-auth-clients"), QStringLiteral("no")});
    if (!redis.start(&err)) die(err);

    const QByteArray data = randomBytes(mib * 1024 * 1024);

    RedisEndpoint plain;
    plain.host = QStringLiteral("127.0.0.1");
    plain.port = plainPort;
    RedisEndpoint tls = plain;
    tls.port = tlsPort;
    tls.tls.enabled = true;
    tls.tls.caCert = certs.caCert();
    RedisConnection plainConn(plain, {5000, 60000});
    RedisConnection tlsConn(tls, {5000, 60000});
    if (!plainConn.ensureConnected()) die(plainConn.lastError().message);
    if (!tlsConn.ensureConnected()) die(tlsConn.lastError().message);

    QSslSocket qt;
    QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
    conf.setCaCertificates(QSslCertificate::fromPath(certs.caCert()));
    qt.setSslConfiguration(conf);
    qt.connectToHostEncrypted(QStringLiteral("127.0.0.1"), quint16(tlsPort),
                              QStringLiteral("localhost"));
    if (!qt.waitForEncrypted(10000)) die(QStringLiteral("QSslSocket: %1").arg(qt.errorString()));

    std::vector<double> times[3], cpu[3];
    const char *names[3] = {"plain TCP, RedisConnection", "TLS, RedisConnection (OpenSSL)",
                            "TLS, QSslSocket (blocking)"};
    int run = 0;
    for (int r = 0; r < runs; ++r) {
        for (int m = 0; m < 3; ++m) {
            redis.command({"FLUSHALL"});
            ++run;
            const double cpu0 = cpuNow();
            times[m].push_back(m == 0   ? viaRedisConnection(plainConn, data, run)
                               : m == 1 ? viaRedisConnection(tlsConn, data, run)
                                        : viaQSslSocket(qt, data, run));
            cpu[m].push_back(cpuNow() - cpu0);
        }
    }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    const double base = median(times[0]);
    printf("%lld MiB as SETs of %lld-byte keys, %d in flight, %d runs each (alternating), "
           "medians:\n",
           mib, segment, window, runs);
    printf("%-34s %10s %10s %10s %14s\n", "transport", "seconds", "MiB/s", "× plain",
           "client CPU s");
    for (int m = 0; m < 3; ++m) {
        const double s = median(times[m]);
        printf("%-34s %10.3f %10.1f %10.2f %14.3f\n", names[m], s, double(mib) / s, base / s,
               median(cpu[m]));
    }
    printf("QSslSocket session: %s %s\n",
           qt.sessionProtocol() == QSsl::TlsV1_3 ? "TLS 1.3" : "TLS 1.2 or older",
           qPrintable(qt.sessionCipher().name()));
    return 0;
}

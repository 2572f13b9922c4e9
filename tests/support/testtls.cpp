#include "testtls.h"

#include <QFile>
#include <QProcess>
#include <QStandardPaths>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace hb::test {

bool TestCertificates::openssl(const QStringList &args, QString *error) const
{
    QProcess p;
    p.setWorkingDirectory(m_dir.path());
    p.setProcessChannelMode(QProcess::MergedChannels);
    QString binary = QStandardPaths::findExecutable(QStringLiteral("openssl"));
    if (binary.isEmpty()) binary = QStringLiteral("/usr/bin/openssl");
    p.start(binary, args);
    if (!p.waitForFinished(scaledMs(30000)) || p.exitStatus() != QProcess::NormalExit ||
        p.exitCode() != 0) {
        *error = QStringLiteral("openssl %1 failed: %2 %3")
                     .arg(args.join(QLatin1Char(' ')), p.errorString(),
                          QString::fromLocal8Bit(p.readAll()));
        return false;
    }
    return true;
}

bool TestCertificates::create(QString *error)
{
    if (!m_dir.isValid()) {
        *error = QStringLiteral("cannot create a temporary folder");
        return false;
    }
    auto write = [&](const QString &name, const QByteArray &text) {
        QFile f(file(name));
        return f.open(QIODevice::WriteOnly) && f.write(text) == text.size();
    };
    // `openssl ca` is the one command that takes explicit validity dates (the
    // expired certificate); it wants a database and a serial file.
    if (!write(QStringLiteral("ca.cnf"), "[ca]\ndefault_ca=testca\n[testca]\ndatabase=index.txt\n"
                                         "new_certs_dir=.\nserial=serial\ndefault_md=sha256\n"
                                         "policy=anything\nunique_subject=no\n"
                                         "[anything]\ncommonName=supplied\n") ||
        !write(QStringLiteral("index.txt"), "") || !write(QStringLiteral("serial"), "1000\n") ||
        !write(QStringLiteral("server.ext"),
               "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n") ||
        !write(QStringLiteral("other.ext"),
               "subjectAltName=DNS:other.example\nextendedKeyUsage=serverAuth\n") ||
        !write(QStringLiteral("client.ext"), "extendedKeyUsage=clientAuth\n")) {
        *error = QStringLiteral("cannot write in %1").arg(m_dir.path());
        return false;
    }
    const QStringList ec{QStringLiteral("-newkey"), QStringLiteral("ec"),
                         QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"),
                         QStringLiteral("-nodes")};
    auto request = [&](const QString &name, const QString &subject) {
        return openssl(QStringList{QStringLiteral("req"), QStringLiteral("-new")} + ec +
                           QStringList{QStringLiteral("-keyout"), name + QStringLiteral(".key"),
                                       QStringLiteral("-out"), name + QStringLiteral(".csr"),
                                       QStringLiteral("-subj"), subject},
                       error);
    };
    auto sign = [&](const QString &csr, const QString &out, const QString &ext,
                    const QString &start, const QString &end) {
        return openssl({QStringLiteral("ca"), QStringLiteral("-batch"), QStringLiteral("-config"),
                        QStringLiteral("ca.cnf"), QStringLiteral("-cert"), QStringLiteral("ca.crt"),
                        QStringLiteral("-keyfile"), QStringLiteral("ca.key"), QStringLiteral("-in"),
                        csr, QStringLiteral("-out"), out, QStringLiteral("-extfile"), ext,
                        QStringLiteral("-startdate"), start, QStringLiteral("-enddate"), end,
                        QStringLiteral("-notext")},
                       error);
    };
    const QString from = QStringLiteral("20200101000000Z");
    const QString farFuture = QStringLiteral("20991231000000Z");
    return openssl(
               QStringList{QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-new")} +
                   ec +
                   QStringList{QStringLiteral("-keyout"), QStringLiteral("ca.key"),
                               QStringLiteral("-out"), QStringLiteral("ca.crt"),
                               QStringLiteral("-days"), QStringLiteral("3650"),
                               QStringLiteral("-subj"), QStringLiteral("/CN=HB Exporter Test CA")},
               error) &&
           request(QStringLiteral("server"), QStringLiteral("/CN=localhost")) &&
           sign(QStringLiteral("server.csr"), QStringLiteral("server.crt"),
                QStringLiteral("server.ext"), from, farFuture) &&
           sign(QStringLiteral("server.csr"), QStringLiteral("expired.crt"),
                QStringLiteral("server.ext"), from, QStringLiteral("20200102000000Z")) &&
           sign(QStringLiteral("server.csr"), QStringLiteral("other.crt"),
                QStringLiteral("other.ext"), from, farFuture) &&
           request(QStringLiteral("client"), QStringLiteral("/CN=hb-test-client")) &&
           sign(QStringLiteral("client.csr"), QStringLiteral("client.crt"),
                QStringLiteral("client.ext"), from, farFuture);
}

TestTlsRedisServer::TestTlsRedisServer(const TestCertificates &certs, const QString &certFile,
                                       const QString &keyFile, bool authClients)
    : m_certs(certs), m_certFile(certFile), m_keyFile(keyFile), m_authClients(authClients)
{
}

bool TestTlsRedisServer::start(QString *error)
{
    // Another process may take the port between freeTcpPort() and the bind: try again.
    for (int attempt = 0; attempt < 5; ++attempt) {
        m_port = freeTcpPort();
        m_redis = std::make_unique<TestRedisServer>(QStringList{
            QStringLiteral("--tls-port"), QString::number(m_port), QStringLiteral("--bind"),
            QStringLiteral("127.0.0.1"), QStringLiteral("--tls-cert-file"), m_certFile,
            QStringLiteral("--tls-key-file"), m_keyFile, QStringLiteral("--tls-ca-cert-file"),
            m_certs.caCert(), QStringLiteral("--tls-auth-clients"),
            m_authClients ? QStringLiteral("yes") : QStringLiteral("no")});
        if (m_redis->start(error)) return true;
    }
    return false;
}

QString TestTlsRedisServer::url(const QString &query) const
{
    QString u = QStringLiteral("rediss://127.0.0.1:%1").arg(m_port);
    if (!query.isEmpty()) u += QLatin1Char('?') + query;
    return u;
}

RedisEndpoint TestTlsRedisServer::endpoint() const
{
    RedisEndpoint ep;
    ep.kind = RedisEndpoint::Kind::Tcp;
    ep.host = QStringLiteral("127.0.0.1");
    ep.port = m_port;
    ep.tls.enabled = true;
    ep.tls.caCert = m_certs.caCert();
    return ep;
}

} // namespace hb::test

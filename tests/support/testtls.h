#pragma once

#include "redisendpoint.h"
#include "testredis.h"

#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <memory>

namespace hb::test {

// Certificates for TLS tests, made with the openssl command line in a temporary
// folder: a CA, and signed by it a server certificate for 127.0.0.1 and localhost,
// a client certificate, an expired server certificate (2020) and one for another
// host name (other.example). Every key is P-256 (fast to make).
class TestCertificates final
{
public:
    bool create(QString *error);
    QString dir() const { return m_dir.path(); }
    QString caCert() const { return file(QStringLiteral("ca.crt")); }
    QString serverCert() const { return file(QStringLiteral("server.crt")); }
    QString serverKey() const { return file(QStringLiteral("server.key")); }
    QString clientCert() const { return file(QStringLiteral("client.crt")); }
    QString clientKey() const { return file(QStringLiteral("client.key")); }
    QString expiredCert() const { return file(QStringLiteral("expired.crt")); } // server.key
    QString otherHostCert() const { return file(QStringLiteral("other.crt")); } // server.key

private:
    QString file(const QString &name) const { return m_dir.filePath(name); }
    bool openssl(const QStringList &args, QString *error) const;
    QTemporaryDir m_dir;
};

// A redis-server speaking TLS on a loopback port (--tls-port, no plain TCP port),
// with its unix socket for the test's own plain admin connection (redis()).
class TestTlsRedisServer final
{
public:
    // certFile/keyFile: what the server presents; authClients: --tls-auth-clients.
    TestTlsRedisServer(const TestCertificates &certs, const QString &certFile,
                       const QString &keyFile, bool authClients);
    bool start(QString *error);
    int port() const { return m_port; }
    // rediss://127.0.0.1:<port> plus the query given ("cacert=…&sni=…").
    QString url(const QString &query = {}) const;
    // The same as an endpoint, trusting the test CA.
    RedisEndpoint endpoint() const;
    TestRedisServer &redis() { return *m_redis; }

private:
    const TestCertificates &m_certs;
    QString m_certFile;
    QString m_keyFile;
    bool m_authClients;
    int m_port = 0;
    std::unique_ptr<TestRedisServer> m_redis;
};

} // namespace hb::test

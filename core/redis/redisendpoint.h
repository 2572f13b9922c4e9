#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <optional>

namespace hb {

// One TCP address.
struct RedisHost
{
    QString host;
    int port = 6379;
    bool operator==(const RedisHost &o) const { return host == o.host && port == o.port; }
};

// How to speak TLS to a server (rediss://, rediss-sentinel://). Verification of the
// certificate chain and of the host name is on unless `insecure`.
struct RedisTls
{
    bool enabled = false;
    QString caCert; // PEM file of trusted CAs; empty: the system's CA store
    QString cert;   // client certificate (mutual TLS), PEM
    QString key;    // its private key, PEM
    QString sni;    // the name sent and verified; empty: the host connected to
    bool insecure = false;
    bool operator==(const RedisTls &o) const
    {
        return enabled == o.enabled && caCert == o.caCert && cert == o.cert && key == o.key &&
               sni == o.sni && insecure == o.insecure;
    }
};

// Where a Redis server is and how to log in to it (CONTRACT §6):
//   redis://[user:password@]host[:port][,host2[:port2]…][/db]   (further hosts: cluster seeds)
//   rediss://…  the same over TLS, with ?cacert=&cert=&key=&sni=&insecure=1
//   unix://[user:password@]/path[?db=N]
//   redis-sentinel://[user:password@]host[:port][,host2…][/db][?sentinel_user=&sentinel_password=]#master
//   rediss-sentinel://…  TLS to the sentinels and to the master alike
struct RedisEndpoint
{
    enum class Kind { Tcp, Unix, Sentinel };

    Kind kind = Kind::Tcp;
    // Tcp: the server (or the first cluster seed). Sentinel: the first sentinel.
    QString host = QStringLiteral("127.0.0.1");
    int port = 6379;
    QString socketPath;
    QString user;
    QString password;
    int db = 0;
    // Tcp: further cluster seeds after host:port. Sentinel: the other sentinels.
    QList<RedisHost> moreHosts;
    // Sentinel only.
    QString masterName;
    QString sentinelUser;
    QString sentinelPassword;
    RedisTls tls;

    static std::optional<RedisEndpoint> parse(const QString &url, QString *error = nullptr);
    static RedisEndpoint unixSocket(const QString &path);

    // Every host named (host:port first, then moreHosts); empty for Unix.
    QList<RedisHost> hosts() const;
    // The same login, database and TLS settings for one TCP server found at run
    // time (the master a sentinel names, a cluster node): kind Tcp, no further hosts.
    RedisEndpoint atAddress(const QString &host, int port) const;
    // How to log in to the sentinels themselves (their own user and password, the
    // same TLS settings), for one sentinel.
    RedisEndpoint sentinelAt(const RedisHost &sentinel) const;

    // The URL without the password, for messages and logs.
    QString displayName() const;
    // The URL with credentials, for passing on to a child process.
    QString toUrl() const;

    // AUTH [user] password, or empty when no password is set.
    QList<QByteArray> authCommand() const;

    bool operator==(const RedisEndpoint &o) const;
};

} // namespace hb

#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <optional>

namespace hb {

// Where a Redis server is and how to log in to it. Parsed from
// redis://[user:password@]host[:port][/db] or unix://[user:password@]/path[?db=N].
struct RedisEndpoint
{
    enum class Kind { Tcp, Unix };

    Kind kind = Kind::Tcp;
    QString host = QStringLiteral("127.0.0.1");
    int port = 6379;
    QString socketPath;
    QString user;
    QString password;
    int db = 0;

    static std::optional<RedisEndpoint> parse(const QString &url, QString *error = nullptr);
    static RedisEndpoint unixSocket(const QString &path);

    // The URL without the password, for messages and logs.
    QString displayName() const;
    // The URL with credentials, for passing on to a child process.
    QString toUrl() const;

    // AUTH [user] password, or empty when no password is set.
    QList<QByteArray> authCommand() const;

    bool operator==(const RedisEndpoint &o) const;
};

} // namespace hb

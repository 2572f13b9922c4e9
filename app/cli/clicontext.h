#pragma once

#include "commandtable.h"
#include "exportconfig.h"
#include "exporterror.h"
#include "permissions.h"
#include "redisendpoint.h"

#include <QStringList>

#include <memory>

class QCommandLineParser;

namespace hb {
class ExportStore;
class RedisConnection;
} // namespace hb

namespace hb::cli {

// What every command receives: its arguments and options, the server, the acting
// user, the permissions, and the checks they share. The int* code arguments and
// int results follow one rule: 0 or true to go on, else the exit code, with its
// one line already on stderr.
class CliContext final
{
public:
    CliContext(const CommandDef &command, QStringList args, const QCommandLineParser &parser);
    CliContext(const CliContext &) = delete;
    CliContext &operator=(const CliContext &) = delete;

    const CommandDef &command;
    const QStringList args;
    const QCommandLineParser &parser; // the command's own options (configure)
    const bool json;
    const bool verbose;
    // For the exporter, and the connection settings of every other command: the
    // requested user, TTL, segments, … Its endpoint is the server once connected.
    ExporterConfig config;
    RedisEndpoint endpoint;
    std::shared_ptr<const PermissionsService> permissions;

    // A usage error naming this command's help; 2.
    int usage(const QString &message) const;

    // The server (flags > environment, CONTRACT §6, §8: the CLI has no saved
    // settings), the permissions file and the embedded server started when no URL
    // is configured.
    int connect();

    // Who acts (CONTRACT §8, ActingUser): with an ACL login, the user Redis vouches
    // for, and a --user naming anyone else is refused; otherwise --user or the login
    // name, unverified. Decided on first use, after the command's own arguments were
    // checked, so that a usage error stays exit 2 with Redis down.
    int resolveActingUser();
    const QString &user() const { return config.user; }
    // The acting user holds "export" / "export:read" (or "export"); else exit 4.
    bool mayExport(int *code);
    bool mayRead(int *code);

    // An id argument is a whole id or a prefix of at least minPrefixDigits hex digits.
    bool isIdArgument(const QString &text, int *code) const;
    // The id (or unique prefix) given on the command line, resolved in Redis.
    bool resolveId(ExportStore &store, const QString &text, QString *id, int *code) const;

private:
    bool m_actingResolved = false;
};

// Whether Redis answers: connected (and the command, when given, answered), with
// the connection's own warning held back, so that an unreachable server is one
// clear line rather than a warning and a line.
Failure reachRedis(RedisConnection &conn, const QList<QByteArray> &command = {});

} // namespace hb::cli

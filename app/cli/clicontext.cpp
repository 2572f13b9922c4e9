#include "clicontext.h"

#include "actinguser.h"
#include "configresolver.h"
#include "embeddedserver.h"
#include "exportid.h"
#include "exportstore.h"
#include "logging.h"
#include "output.h"
#include "redisconnection.h"
#include "textescape.h"
#include "usage.h"

#include <QCommandLineParser>

namespace hb::cli {

CliContext::CliContext(const CommandDef &command_, QStringList args_,
                       const QCommandLineParser &parser_)
    : command(command_), args(std::move(args_)), parser(parser_),
      json(parser_.isSet(QStringLiteral("json"))), verbose(parser_.isSet(QStringLiteral("verbose")))
{
    const QString userOption = QStringLiteral("user");
    config.userNamed = parser.isSet(userOption);
    config.user = config.userNamed ? parser.value(userOption) : defaultUserName();
}

int CliContext::usage(const QString &message) const
{
    return cli::usage(message, command.name);
}

int CliContext::connect()
{
    ConfigInputs inputs = ConfigInputs::fromEnvironment();
    inputs.flagUrl = parser.value(QStringLiteral("redis"));
    inputs.flagPermissions = parser.value(QStringLiteral("permissions"));
    inputs.flagTls.caCert = parser.value(QStringLiteral("cacert"));
    inputs.flagTls.cert = parser.value(QStringLiteral("cert"));
    inputs.flagTls.key = parser.value(QStringLiteral("key"));
    inputs.flagTls.sni = parser.value(QStringLiteral("sni"));
    inputs.flagTls.insecure = parser.isSet(QStringLiteral("insecure"));
    const ResolvedConfig resolved = resolveConfig(inputs);
    QString error;
    permissions = loadResolvedPermissions(resolved, &error);
    if (!permissions) return usage(error);
    if (!resolved.urlError.isEmpty() || (!resolved.useEmbeddedServer && !resolved.endpoint))
        return usage(resolved.urlError);
    if (resolved.useEmbeddedServer && !EmbeddedServer::ensureRunning(&error))
        return fail({ErrorCode::Redis, error});
    endpoint = resolved.useEmbeddedServer ? EmbeddedServer::endpoint() : *resolved.endpoint;
    config.endpoint = endpoint;
    return 0;
}

int CliContext::resolveActingUser()
{
    if (m_actingResolved) return 0;
    RedisConnection conn(endpoint, config.timeouts);
    Failure failure;
    const ActingUser acting = ActingUser::resolve(conn, config.user, config.userNamed, &failure);
    if (failure) return fail(failure);
    config.user = acting.name;
    m_actingResolved = true;
    return 0;
}

bool CliContext::mayExport(int *code)
{
    if ((*code = resolveActingUser())) return false;
    if (permissions->mayExport(user())) return true;
    *code =
        fail({ErrorCode::PermissionDenied, permissionDeniedMessage(user(), Permission::Export)});
    return false;
}

bool CliContext::mayRead(int *code)
{
    if ((*code = resolveActingUser())) return false;
    if (permissions->mayRead(user())) return true;
    *code = fail({ErrorCode::PermissionDenied, permissionDeniedMessage(user(), Permission::Read)});
    return false;
}

bool CliContext::isIdArgument(const QString &text, int *code) const
{
    if (!normalizedIdPrefix(text).isEmpty()) return true;
    *code = usage(QStringLiteral("not an export id: %1 (expected an id or at least %2 of its "
                                 "hex digits)")
                      .arg(escapeUntrusted(text, 80))
                      .arg(minPrefixDigits));
    return false;
}

bool CliContext::resolveId(ExportStore &store, const QString &text, QString *id, int *code) const
{
    const ExportIdResolution r = resolveExportId(store.connection(), store.keys(), text);
    if (r.failure) {
        *code = r.failure.code == ErrorCode::Usage ? usage(r.failure.message) : fail(r.failure);
        return false;
    }
    *id = r.id;
    return true;
}

Failure reachRedis(RedisConnection &conn, const QList<QByteArray> &command)
{
    // The category object is a mutable static; the accessor only hands out const.
    auto &category = const_cast<QLoggingCategory &>(lcRedis());
    const bool warnings = category.isWarningEnabled();
    category.setEnabled(QtWarningMsg, false);
    RedisReply reply =
        conn.ensureConnected() ? RedisReply() : RedisReply::fromError(conn.lastError());
    if (!reply.isError() && !command.isEmpty()) reply = conn.command(command);
    category.setEnabled(QtWarningMsg, warnings);
    return reply.isError() ? Failure::fromRedis(reply.error) : Failure{};
}

} // namespace hb::cli

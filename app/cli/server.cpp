// `server status|stop`: the embedded Redis server used when no URL is configured.
#include "builtins.h"
#include "clicontext.h"
#include "embeddedserver.h"
#include "output.h"
#include "textescape.h"

namespace hb::cli {

int runServer(CliContext &ctx)
{
    if (ctx.args.size() != 1) return ctx.usage(QStringLiteral("server takes status or stop"));
    if (ctx.args[0] == QLatin1String("status")) {
        const auto s = EmbeddedServer::status();
        if (!s.running) {
            outLine(
                QStringLiteral("embedded Redis server: not running (%1)").arg(s.socket).toUtf8());
            return 5;
        }
        outLine(QStringLiteral("embedded Redis server: running, pid %1, Redis %2, %3 used, %4 "
                               "keys\nsocket: %5\nurl:    unix://%5")
                    .arg(s.pid)
                    .arg(s.version, s.usedMemory)
                    .arg(s.keys)
                    .arg(s.socket)
                    .toUtf8());
        return 0;
    }
    if (ctx.args[0] == QLatin1String("stop")) {
        QString error;
        if (!EmbeddedServer::stop(&error)) return fail({ErrorCode::Redis, error});
        errLine(QStringLiteral("embedded Redis server stopped"));
        return 0;
    }
    return ctx.usage(QStringLiteral("unknown server command \"%1\"; use status or stop")
                         .arg(escapeUntrusted(ctx.args[0], 80)));
}

} // namespace hb::cli

// `cancel ID`: cancels an export, whoever runs it (CONTRACT §5), and prints its status.
#include "builtins.h"
#include "clicontext.h"
#include "exportstore.h"
#include "output.h"
#include "textescape.h"

namespace hb::cli {

int runCancel(CliContext &ctx)
{
    int code = 0;
    if (ctx.args.size() != 1) return ctx.usage(QStringLiteral("cancel takes exactly one ID"));
    if (!ctx.isIdArgument(ctx.args.first(), &code)) return code;
    ExportStore store(ctx.endpoint, ctx.config.keys, ctx.config.timeouts);
    QString id;
    if (!ctx.resolveId(store, ctx.args.first(), &id, &code)) return code;
    if ((code = ctx.resolveActingUser())) return code;
    const auto r = store.cancel(id, ctx.user(), *ctx.permissions);
    if (r.failure && r.failure.code != ErrorCode::TooLate) return fail(r.failure);
    if (r.failure)
        errLine(r.failure.message);
    else if (!r.changed)
        errLine(QStringLiteral("export %1 was already CANCELLED").arg(id));
    else if (!r.ownerSettled)
        errLine(QStringLiteral("export %1 CANCELLED; its owner did not answer, so its data was "
                               "settled on its behalf")
                    .arg(id));
    outLine(ctx.json ? escapeUntrustedJson(r.status.toJson()) : statusText(r.status).toUtf8());
    return exitCodeFor(r.failure.code);
}

} // namespace hb::cli

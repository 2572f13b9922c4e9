// `status ID`: an export's status, as text (with its expiry) or as its JSON.
#include "builtins.h"
#include "clicontext.h"
#include "exportstore.h"
#include "output.h"
#include "ownerliveness.h"
#include "textescape.h"

namespace hb::cli {

int runStatus(CliContext &ctx)
{
    int code = 0;
    if (ctx.args.size() != 1) return ctx.usage(QStringLiteral("status takes exactly one ID"));
    if (!ctx.isIdArgument(ctx.args.first(), &code)) return code;
    if (!ctx.mayRead(&code)) return code;
    ExportStore store(ctx.endpoint, ctx.config.keys, ctx.config.timeouts);
    QString id;
    if (!ctx.resolveId(store, ctx.args.first(), &id, &code)) return code;
    const auto found = store.fetchStatus(id);
    if (found.failure) return fail(found.failure);
    if (ctx.json) {
        outLine(escapeUntrustedJson(found.json));
        return 0;
    }
    const RedisReply ttl = store.connection().command({"TTL", ctx.config.keys.statusKey(id)});
    if (ttl.isError()) {
        const Failure f = Failure::fromRedis(ttl.error);
        return fail(
            {f.code,
             QStringLiteral("cannot read the expiry of export %1: %2").arg(id, ttl.error.message)});
    }
    outLine(statusText(*found.status, ttl.integer).toUtf8());
    // An export left behind by a process that died (docs/RESUME.md §6).
    const ExportStatus &st = *found.status;
    if ((st.state == ExportState::Created || st.state == ExportState::Pending) &&
        st.fingerprint.isValid() &&
        OwnerLiveness::assess(st, ProcessFacts::self(), QDateTime::currentDateTimeUtc()).isGone())
        outLine(
            QStringLiteral("resumable with: hbexporter-cli resume %1").arg(id.left(8)).toUtf8());
    return 0;
}

} // namespace hb::cli

// `fetch ID OUTPUT|-`: an export's data, checked against its sha256.
#include "builtins.h"
#include "clicontext.h"
#include "exportstore.h"
#include "output.h"

#include <QFile>
#include <QSaveFile>

#include <unistd.h>

namespace hb::cli {

namespace {

int fetchToStdout(CliContext &ctx, ExportStore &store, const QString &id)
{
    // Someone else's bytes on a terminal could drive it (escape sequences).
    if (::isatty(STDOUT_FILENO))
        return ctx.usage(QStringLiteral("refusing to write an export's data to a terminal; "
                                        "redirect it or give an OUTPUT file"));
    QFile out;
    if (!out.open(stdout, QIODevice::WriteOnly))
        return fail({ErrorCode::Source,
                     QStringLiteral("cannot write to standard output: %1").arg(out.errorString())});
    Failure failure;
    store.fetchData(id, &out, &failure);
    out.flush();
    return failure ? fail(failure) : 0;
}

} // namespace

int runFetch(CliContext &ctx)
{
    int code = 0;
    if (ctx.args.size() != 2)
        return ctx.usage(QStringLiteral("fetch takes an ID and an OUTPUT file (or - for stdout)"));
    if (!ctx.isIdArgument(ctx.args[0], &code)) return code;
    if (!ctx.mayRead(&code)) return code;
    ExportStore store(ctx.endpoint, ctx.config.keys, ctx.config.timeouts);
    QString id;
    if (!ctx.resolveId(store, ctx.args[0], &id, &code)) return code;
    const QString &path = ctx.args[1];
    if (path == QLatin1String("-")) return fetchToStdout(ctx, store, id);
    // Written aside and renamed at the end: a failed fetch leaves no half file.
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly))
        return fail({ErrorCode::Source,
                     QStringLiteral("cannot write %1: %2").arg(path, out.errorString())});
    Failure failure;
    const qint64 n = store.fetchData(id, &out, &failure);
    if (failure) {
        out.cancelWriting();
        return fail(failure);
    }
    if (!out.commit())
        return fail({ErrorCode::Source,
                     QStringLiteral("cannot write %1: %2").arg(path, out.errorString())});
    if (ctx.verbose)
        errLine(QStringLiteral("wrote %1 bytes to %2, sha256 verified").arg(n).arg(path));
    return 0;
}

} // namespace hb::cli

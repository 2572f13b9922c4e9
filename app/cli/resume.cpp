// `resume ID [SOURCE]`: takes over an export whose owner is gone and finishes it
// (issue 22, docs/RESUME.md §6). The checks and the takeover are the exporter's
// (ResumeCheck); this names the source (the argument, else the local journal) and
// ends as `export` does.
#include "builtins.h"
#include "clicontext.h"
#include "exportcommand.h"
#include "exportstore.h"
#include "journal.h"
#include "output.h"

#include <QCommandLineParser>

namespace hb::cli {

int runResume(CliContext &ctx)
{
    int code = 0;
    if (ctx.args.isEmpty() || ctx.args.size() > 2)
        return ctx.usage(QStringLiteral("resume takes an ID and, optionally, the SOURCE it was "
                                        "exported from"));
    if (!ctx.isIdArgument(ctx.args.first(), &code)) return code;
    if (!ctx.mayExport(&code)) return code;
    QString id;
    {
        ExportStore store(ctx.endpoint, ctx.config.keys, ctx.config.timeouts);
        if (!ctx.resolveId(store, ctx.args.first(), &id, &code)) return code;
    }
    QString source = ctx.args.size() == 2 ? ctx.args.at(1) : QString();
    if (source.isEmpty()) {
        Journal journal;
        if (const auto entry = journal.entry(id)) source = entry->source;
        if (!journal.lastError().isEmpty())
            errLine(QStringLiteral("warning: the local journal (%1): %2")
                        .arg(journal.filePath(), journal.lastError()));
    }
    // Without a source, ResumeCheck still answers what needs none (COMPLETED,
    // CANCELLED, permission, standard input) before saying it needs one.
    ExportCommand cmd(ctx);
    cmd.addResume(id, source);
    return cmd.run();
}

} // namespace hb::cli

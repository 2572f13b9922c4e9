// `export FILE|URL|-...`: one line per source on stdout, in argument order, each as
// soon as that export's keys exist and every earlier source's line is out (or that
// source was refused: no line, its error on stderr); on a terminal, a progress line.
#include "actinguser.h"
#include "builtins.h"
#include "clicontext.h"
#include "exportcommand.h"
#include "exportstore.h"
#include "humanformat.h"
#include "output.h"
#include "prepareretry.h"
#include "textescape.h"

#include <QCommandLineParser>

namespace hb::cli {

namespace {

// A flag's text echoed in a usage error: escaped and cut.
QString echoed(const CliContext &ctx, const QString &option)
{
    return escapeUntrusted(ctx.parser.value(option), 80);
}

} // namespace

// The limits are the exporter's (ExporterConfig, shared with the Settings dialog);
// the words are the CLI's.
int configureExport(CliContext &ctx)
{
    const QCommandLineParser &p = ctx.parser;
    ExporterConfig &cfg = ctx.config;
    const QString ttlOpt = QStringLiteral("ttl"), segmentOpt = QStringLiteral("segment-size"),
                  chunkOpt = QStringLiteral("chunk-size"), bwOpt = QStringLiteral("bwlimit");
    if (p.isSet(ttlOpt)) {
        bool ok = false;
        const qint64 ttl = p.value(ttlOpt).toLongLong(&ok);
        if (!ok || !ExporterConfig::ttlInRange(ttl))
            return ctx.usage(QStringLiteral("--ttl must be a number of seconds from %1 to %2, not "
                                            "\"%3\"")
                                 .arg(ExporterConfig::minTtlSeconds)
                                 .arg(ExporterConfig::maxTtlSeconds)
                                 .arg(echoed(ctx, ttlOpt)));
        cfg.ttlSeconds = int(ttl);
    }
    if (p.isSet(segmentOpt)) {
        const qint64 segment = parseByteSize(p.value(segmentOpt));
        if (!ExporterConfig::segmentBytesInRange(segment))
            return ctx.usage(QStringLiteral("--segment-size must be from 1K to 512M, not \"%1\"")
                                 .arg(echoed(ctx, segmentOpt)));
        cfg.segmentBytes = segment;
    }
    if (p.isSet(chunkOpt)) {
        const qint64 chunk = parseByteSize(p.value(chunkOpt));
        if (!ExporterConfig::chunkSizeInRange(chunk))
            return ctx.usage(QStringLiteral("--chunk-size must be from 1 byte to 64M, not \"%1\"")
                                 .arg(echoed(ctx, chunkOpt)));
        if (!ExporterConfig::chunkFitsSegment(chunk, cfg.segmentBytes))
            return ctx.usage(
                QStringLiteral("--chunk-size %1 exceeds the segment size (%2 bytes%3): a "
                               "chunk never straddles two segments")
                    .arg(echoed(ctx, chunkOpt))
                    .arg(cfg.effectiveSegmentBytes())
                    .arg(p.isSet(segmentOpt) ? QString() : QStringLiteral(", the default")));
        cfg.chunkSize = chunk;
    }
    if (p.isSet(bwOpt)) {
        const qint64 rate = parseByteSize(p.value(bwOpt));
        // The flag names a limit: 0 (none, the default) is not one.
        if (rate == 0 || !ExporterConfig::bandwidthLimitInRange(rate))
            return ctx.usage(QStringLiteral("--bwlimit must be a rate in bytes per second such as "
                                            "512K or 10M, not \"%1\"")
                                 .arg(echoed(ctx, bwOpt)));
        cfg.bandwidthLimit = rate;
    }
    return 0;
}

int runExport(CliContext &ctx)
{
    if (ctx.args.isEmpty())
        return ctx.usage(QStringLiteral("export needs at least one FILE, URL or -"));
    if (ctx.args.count(QStringLiteral("-")) > 1)
        return ctx.usage(QStringLiteral("standard input (-) can be exported only once"));
    int code = 0;
    if (!ctx.mayExport(&code)) return code;
    {
        ExportStore store(ctx.endpoint, ctx.config.keys, ctx.config.timeouts);
        // One clear line when Redis cannot be reached, rather than one per source; and
        // every status write publishes to the events channel: one clear line now rather
        // than one per source (the exporter checks each source again, before anything
        // is written for it). A connection dropped under these checks is retried as an
        // export's is (PrepareRetry): exit 5 is for a server that stays unreachable.
        PrepareRetry retry(store.connection(), QStringLiteral("export"), ctx.config.maxReconnects);
        if (const Failure refused = retry.run([&] {
                if (const Failure unreachable = reachRedis(store.connection())) return unreachable;
                return checkMayPublish(store.connection(), ctx.config.keys.eventsChannel());
            }))
            return fail(refused);
    }
    ExportCommand cmd(ctx);
    for (const QString &source : ctx.args)
        cmd.addExport(source);
    return cmd.run();
}

} // namespace hb::cli

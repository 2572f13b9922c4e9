// `export FILE|URL|-...`: one line per source on stdout, in argument order, each as
// soon as that export's keys exist and every earlier source's line is out (or that
// source was refused: no line, its error on stderr); on a terminal, a progress line.
#include "actinguser.h"
#include "builtins.h"
#include "clicontext.h"
#include "exporter.h"
#include "exportstore.h"
#include "humanformat.h"
#include "output.h"
#include "signalpipe.h"
#include "speedmeter.h"
#include "textescape.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QHash>
#include <QTimer>

#include <csignal>
#include <sys/resource.h>
#include <unistd.h>

namespace hb::cli {

namespace {

// The ids in argument order, each printed once its export's keys exist and every
// earlier source's line is out.
class OrderedIds final
{
public:
    struct Entry
    {
        bool created = false;
        bool finished = false;
        ErrorCode code = ErrorCode::None;
        QByteArray line;
        qint64 written = 0;
        qint64 total = -1;
    };

    void append(const QString &id) { m_order << id; }
    Entry &operator[](const QString &id) { return m_entries[id]; }
    const QStringList &order() const { return m_order; }
    Entry at(const QString &id) const { return m_entries.value(id); }

    // Prints every line now due; beforeLine runs before each (to clear the bar).
    template <typename F> void printReady(F beforeLine)
    {
        while (m_nextToPrint < m_order.size()) {
            const Entry &e = m_entries[m_order[m_nextToPrint]];
            if (e.created) {
                beforeLine();
                outLine(e.line);
            } else if (!e.finished) {
                return; // its keys do not exist yet: later lines wait for it
            }
            ++m_nextToPrint;
        }
    }

    // The first source, in argument order, that did not complete decides.
    int exitCode() const
    {
        for (const QString &id : m_order) {
            const Entry e = m_entries.value(id);
            if (!e.finished) return 1;
            if (e.code != ErrorCode::None) return exitCodeFor(e.code);
        }
        return 0;
    }

private:
    QStringList m_order;
    QHash<QString, Entry> m_entries;
    qsizetype m_nextToPrint = 0;
};

// The progress line on a terminal's stderr: every export together. Speed, ETA and
// "stalled" from SpeedMeter (averaged over its window). A stream's total is
// unknown: no bar and no ETA, only what was written.
class ProgressLine final
{
public:
    explicit ProgressLine(bool tty) : m_tty(tty) { m_clock.start(); }

    void draw(const OrderedIds &ids, int done)
    {
        qint64 written = 0, total = 0;
        bool known = true;
        for (const QString &id : ids.order()) {
            const OrderedIds::Entry e = ids.at(id);
            written += e.written;
            if (e.total < 0)
                known = false;
            else
                total += e.total;
        }
        const qint64 now = m_clock.elapsed();
        m_meter.addSample(written, now);
        QString eta = QStringLiteral("—");
        if (m_meter.isStalled(now))
            eta = QStringLiteral("stalled");
        else if (known && m_meter.secondsLeft(total) >= 0)
            eta = QStringLiteral("ETA %1 s").arg(m_meter.secondsLeft(total));
        const QString line =
            QStringLiteral("\r%1  %2  %3  %4/%5 done\x1b[K")
                .arg(known ? bar(written, total)
                           : QStringLiteral("%1 written").arg(formatBytes(written)),
                     formatSpeed(m_meter.bytesPerSecond()), eta)
                .arg(done)
                .arg(ids.order().size());
        writeAll(stderr, line.toUtf8());
        m_shown = true;
    }

    void clear()
    {
        if (m_tty && m_shown) {
            writeAll(stderr, "\r\x1b[K");
            m_shown = false;
        }
    }

private:
    static QString bar(qint64 written, qint64 total)
    {
        constexpr int width = 30;
        const double frac = total > 0 ? double(written) / double(total) : 0.0;
        const int filled = int(frac * width);
        return QStringLiteral("[%1%2] %3%  %4 of %5")
            .arg(QString(filled, QLatin1Char('#')), QString(width - filled, QLatin1Char('.')))
            .arg(int(frac * 100))
            .arg(formatBytes(written), formatBytes(total));
    }

    const bool m_tty;
    bool m_shown = false;
    QElapsedTimer m_clock;
    SpeedMeter m_meter;
};

class ExportCommand final : public QObject
{
public:
    explicit ExportCommand(const CliContext &ctx, QObject *parent = nullptr)
        : QObject(parent), m_ctx(ctx), m_exporter(ctx.config, ctx.permissions),
          m_tty(isatty(STDERR_FILENO)), m_bar(m_tty)
    {
    }

    int run()
    {
        QObject::connect(&m_exporter, &Exporter::exportCreated, this,
                         [this](const QString &id, const ExportStatus &s) {
                             OrderedIds::Entry &e = m_ids[id];
                             e.created = true;
                             e.line = m_ctx.json ? escapeUntrustedJson(s.toJson()) : id.toLatin1();
                             e.total = s.bytesTotal;
                             printReady();
                         });
        QObject::connect(&m_exporter, &Exporter::progress, this,
                         [this](const QString &id, qint64 written, qint64 total) {
                             m_ids[id].written = written;
                             m_ids[id].total = total;
                         });
        QObject::connect(&m_exporter, &Exporter::exportFinished, this,
                         [this](const QString &id, const ExportStatus &s, ErrorCode code,
                                const QString &message) { onFinished(id, s, code, message); });
        QObject::connect(&m_exporter, &Exporter::idle, qApp, [] { QCoreApplication::exit(0); });

        SignalPipe signalPipe({SIGINT, SIGTERM}, [this](int) { onInterrupt(); });

        QTimer barTimer;
        if (m_tty) {
            QObject::connect(&barTimer, &QTimer::timeout, this,
                             [this] { m_bar.draw(m_ids, m_done); });
            barTimer.start(200);
        }
        for (const QString &source : m_ctx.args)
            m_ids.append(m_exporter.startExport(source));
        if (!m_exporter.isIdle()) QCoreApplication::exec();
        m_bar.clear();
        if (m_ctx.verbose) {
            rusage usage = {};
            getrusage(RUSAGE_SELF, &usage);
            errLine(QStringLiteral("peak memory (max RSS): %1 KiB").arg(usage.ru_maxrss));
        }
        return m_ids.exitCode();
    }

private:
    void printReady()
    {
        m_ids.printReady([this] { m_bar.clear(); });
    }

    void onInterrupt()
    {
        if (m_interrupted) {
            errLine(QStringLiteral("interrupted again: exiting without waiting"));
            ::_exit(130);
        }
        m_interrupted = true;
        m_bar.clear();
        errLine(QStringLiteral("interrupted: cancelling %1 export(s)…")
                    .arg(m_exporter.runningCount() + m_exporter.queuedCount()));
        m_exporter.cancelAll();
    }

    void onFinished(const QString &id, const ExportStatus &s, ErrorCode code,
                    const QString &message)
    {
        m_bar.clear();
        OrderedIds::Entry &e = m_ids[id];
        e.finished = true;
        e.code = code;
        e.written = s.bytesWritten;
        ++m_done;
        if (code == ErrorCode::None) {
            if (m_tty || m_ctx.verbose)
                errLine(QStringLiteral("COMPLETED %1  %2  %3")
                            .arg(id, s.source, formatBytes(s.bytesWritten)));
        } else if (e.created && s.state == ExportState::Cancelled) {
            errLine(QStringLiteral("CANCELLED %1  %2  after %3 (%4)")
                        .arg(id, s.source, formatBytes(s.bytesWritten), message));
        } else {
            errLine(message.isEmpty() ? QStringLiteral("export %1 failed").arg(id) : message);
        }
        printReady();
    }

    const CliContext &m_ctx;
    Exporter m_exporter;
    const bool m_tty;
    ProgressLine m_bar;
    bool m_interrupted = false;
    int m_done = 0;
    OrderedIds m_ids;
};

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
        // One clear line when Redis cannot be reached, rather than one per source.
        // Each source is then checked by the exporter, before anything is written for it.
        if (const Failure unreachable = reachRedis(store.connection())) return fail(unreachable);
        // Every status write publishes to the events channel: one clear line now
        // rather than one per source (the exporter checks again per export).
        if (const Failure refused =
                checkMayPublish(store.connection(), ctx.config.keys.eventsChannel()))
            return fail(refused);
    }
    ExportCommand cmd(ctx);
    return cmd.run();
}

} // namespace hb::cli

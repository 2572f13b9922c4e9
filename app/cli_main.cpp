// hbexporter-cli: the command line of CONTRACT §6.
#include "actinguser.h"
#include "cli_signals.h"
#include "cli_watch.h"
#include "configresolver.h"
#include "embeddedserver.h"
#include "exporter.h"
#include "exportid.h"
#include "exportstore.h"
#include "humanformat.h"
#include "logging.h"
#include "permissions.h"
#include "speedmeter.h"
#include "textescape.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QSaveFile>
#include <QTimer>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <optional>
#include <sys/resource.h>
#include <unistd.h>

using namespace hb;

namespace {

// ---------------------------------------------------------------------------
// Output. Every line that can hold someone else's text goes through
// escapeUntrusted (CONTRACT §6: errors are one line; issue 13 item 14).

void writeAll(FILE *f, const QByteArray &bytes)
{
    fwrite(bytes.constData(), 1, size_t(bytes.size()), f);
    fflush(f);
}

void errLine(const QString &message)
{
    writeAll(stderr, escapeUntrusted(message).toUtf8() + '\n');
}

void outLine(const QByteArray &line)
{
    writeAll(stdout, line + '\n');
}

int fail(const Failure &f)
{
    errLine(f.message);
    return exitCodeFor(f.code);
}

QString formatTime(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"))
                       : QStringLiteral("?");
}

// ---------------------------------------------------------------------------
// Commands and options: the usage text is generated from these definitions.

struct CommandDef
{
    QString name;
    QString arguments; // as shown in the usage line
    QString summary;
};

const QList<CommandDef> &commandDefs()
{
    static const QList<CommandDef> defs{
        {QStringLiteral("export"), QStringLiteral("FILE|URL|-..."),
         QStringLiteral("export files, http(s) URLs or standard input (-) into Redis; prints one "
                        "id per source, in the order given")},
        {QStringLiteral("status"), QStringLiteral("ID"),
         QStringLiteral(
             "show an export's status (ID: the id or a unique prefix of 8+ hex digits)")},
        {QStringLiteral("cancel"), QStringLiteral("ID"),
         QStringLiteral("cancel an export, whoever runs it, and print its status")},
        {QStringLiteral("list"), QString(), QStringLiteral("list every export on the server")},
        {QStringLiteral("watch"), QString(),
         QStringLiteral("live table of every export on the server (one line per change when "
                        "piped)")},
        {QStringLiteral("fetch"), QStringLiteral("ID OUTPUT|-"),
         QStringLiteral(
             "write an export's data to OUTPUT (or stdout), checked against its sha256")},
        {QStringLiteral("server"), QStringLiteral("status|stop"),
         QStringLiteral("the embedded Redis server used when no URL is configured")},
    };
    return defs;
}

const CommandDef *findCommand(const QString &name)
{
    for (const CommandDef &c : commandDefs())
        if (c.name == name) return &c;
    return nullptr;
}

struct OptionDef
{
    QCommandLineOption option;
    QStringList commands; // the commands it applies to; empty: every command
};

struct Cli
{
    QCommandLineParser parser;
    QList<OptionDef> options;

    const QCommandLineOption &add(const QString &name, const QString &valueName,
                                  const QString &description, QStringList commands = {},
                                  QStringList aliases = {})
    {
        QCommandLineOption o(aliases << name, description, valueName);
        options.append({o, std::move(commands)});
        parser.addOption(o);
        return options.last().option;
    }
    bool appliesTo(const OptionDef &d, const QString &command) const
    {
        return d.commands.isEmpty() || d.commands.contains(command);
    }

    static QString optionLabel(const QCommandLineOption &o)
    {
        QStringList names;
        for (const QString &n : o.names())
            names << (n.size() == 1 ? QStringLiteral("-") : QStringLiteral("--")) + n;
        QString label = names.join(QStringLiteral(", "));
        if (!o.valueName().isEmpty()) label += QLatin1Char(' ') + o.valueName();
        return label;
    }

    // "  LABEL  description", the description wrapped to the 100-column page with
    // a hanging indent.
    static QString twoColumns(const QList<QPair<QString, QString>> &rows)
    {
        constexpr qsizetype page = 100;
        qsizetype width = 0;
        for (const auto &r : rows)
            width = std::max(width, r.first.size());
        const qsizetype indent = width + 4;
        QString out;
        for (const auto &r : rows) {
            QString line = QStringLiteral("  %1  ").arg(r.first, -int(width));
            qsizetype used = indent;
            bool first = true;
            for (const QString &word : r.second.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
                if (!first && used + 1 + word.size() > page) {
                    out += line + QLatin1Char('\n');
                    line = QString(indent, QLatin1Char(' '));
                    used = indent;
                    first = true;
                }
                if (!first) {
                    line += QLatin1Char(' ');
                    ++used;
                }
                line += word;
                used += word.size();
                first = false;
            }
            out += line + QLatin1Char('\n');
        }
        return out;
    }

    static QString optionLines(const QList<const OptionDef *> &defs)
    {
        QList<QPair<QString, QString>> rows;
        for (const OptionDef *d : defs)
            rows.append({optionLabel(d->option), d->option.description()});
        return twoColumns(rows);
    }

    static QString usageLine(const CommandDef &c)
    {
        return QStringLiteral("hbexporter-cli %1%2 [options]")
            .arg(c.name, c.arguments.isEmpty() ? QString() : QLatin1Char(' ') + c.arguments);
    }

    QString generalHelp() const
    {
        QString out = QStringLiteral("Usage: hbexporter-cli [options] COMMAND [arguments]\n"
                                     "       hbexporter-cli COMMAND --help\n\nCommands:\n");
        QList<QPair<QString, QString>> rows;
        for (const CommandDef &c : commandDefs())
            rows.append({(c.name + QLatin1Char(' ') + c.arguments).trimmed(), c.summary});
        out += twoColumns(rows);
        QList<const OptionDef *> common;
        for (const OptionDef &d : options)
            if (d.commands.isEmpty()) common << &d;
        out += QStringLiteral("\nOptions of every command (before or after the command word):\n") +
               optionLines(common);
        // Then each group of options that belongs to some commands only.
        QList<QStringList> groups;
        for (const OptionDef &d : options)
            if (!d.commands.isEmpty() && !groups.contains(d.commands)) groups << d.commands;
        for (const QStringList &g : std::as_const(groups)) {
            QList<const OptionDef *> defs;
            for (const OptionDef &d : options)
                if (d.commands == g) defs << &d;
            out += QStringLiteral("\nOptions of %1:\n").arg(g.join(QStringLiteral(", "))) +
                   optionLines(defs);
        }
        out +=
            QStringLiteral("\nSee 'hbexporter-cli COMMAND --help' for a command's own options.\n");
        out += exitCodes();
        return out;
    }

    QString commandHelp(const CommandDef &c) const
    {
        QString out = QStringLiteral("Usage: %1\n\n%2%3.\n")
                          .arg(usageLine(c), c.summary.left(1).toUpper(), c.summary.mid(1));
        QList<const OptionDef *> own, common;
        for (const OptionDef &d : options) {
            if (d.commands.isEmpty())
                common << &d;
            else if (d.commands.contains(c.name))
                own << &d;
        }
        if (!own.isEmpty()) out += QStringLiteral("\nOptions:\n") + optionLines(own);
        out += QStringLiteral("\nCommon options:\n") + optionLines(common);
        out += exitCodes();
        return out;
    }

    static QString exitCodes()
    {
        return QStringLiteral(
            "\nExit codes: 0 success; 1 an export ended FAILED or CANCELLED, or a cancel came too "
            "late;\n2 usage error; 3 no export with that id; 4 permission denied; 5 Redis "
            "unreachable or refused\nthe command; 6 a source that cannot be exported. With several "
            "sources, the code of the\nfirst one, in argument order, that did not complete.\n");
    }
};

// A usage error: one line on stderr (CONTRACT §6), exit 2.
int usage(const QString &message, const QString &command = QString())
{
    const QString help = command.isEmpty()
                             ? QStringLiteral("hbexporter-cli --help")
                             : QStringLiteral("hbexporter-cli %1 --help").arg(command);
    errLine(QStringLiteral("hbexporter-cli: %1 (see '%2')").arg(message, help));
    return 2;
}

// ---------------------------------------------------------------------------

QString summary(const ExportStatus &s, std::optional<qint64> ttl = std::nullopt)
{
    auto e = [](const QString &text) { return escapeUntrusted(text); };
    QString out;
    out += QStringLiteral("export   %1\n").arg(e(s.id));
    QString progress;
    if (s.bytesTotal > 0)
        progress = QStringLiteral("  (%1% — %2 of %3)")
                       .arg(s.bytesWritten * 100 / s.bytesTotal)
                       .arg(formatBytes(s.bytesWritten), formatBytes(s.bytesTotal));
    else
        progress = QStringLiteral("  (%1 written)").arg(formatBytes(s.bytesWritten));
    out += QStringLiteral("status   %1%2\n").arg(e(s.stateText()), progress);
    out += QStringLiteral("owner    %1\n").arg(ActingUser::displayOwner(s.owner, s.ownerVerified));
    if (!s.host.isEmpty())
        out += s.pid > 0 ? QStringLiteral("host     %1 (pid %2)\n").arg(e(s.host)).arg(s.pid)
                         : QStringLiteral("host     %1\n").arg(e(s.host));
    out += QStringLiteral("source   %1\n").arg(e(s.source));
    out += QStringLiteral("created  %1\n").arg(formatTime(s.createdAt));
    out += QStringLiteral("updated  %1\n").arg(formatTime(s.updatedAt));
    if (s.segments > 1)
        out += QStringLiteral("segments %1 of %2 bytes\n").arg(s.segments).arg(s.segmentBytes);
    if (!s.sha256.isEmpty()) out += QStringLiteral("sha256   %1\n").arg(e(s.sha256));
    if (!s.error.isEmpty()) out += QStringLiteral("error    %1\n").arg(e(s.error));
    if (!s.cancelledBy.isEmpty()) out += QStringLiteral("cancelled by %1\n").arg(e(s.cancelledBy));
    if (ttl && *ttl >= 0) out += QStringLiteral("expires  in %1 s\n").arg(*ttl);
    out.chop(1);
    return out;
}

struct Options
{
    QString command;
    QStringList args;
    // The acting user, decided on first use by actingUser(): after the command's own
    // arguments were checked, so that a usage error stays exit 2 with Redis down.
    mutable QString user;
    mutable bool verified = false;
    mutable bool actingResolved = false;
    bool json = false;
    bool verbose = false;
    std::shared_ptr<const PermissionsService> permissions;
    RedisEndpoint endpoint;
    ExporterConfig config;
};

// `export`: one line per source on stdout, in argument order, each as soon as that
// export's keys exist and every earlier source's line is out (or that source was
// refused: no line, its error on stderr).
class ExportCommand final : public QObject
{
public:
    explicit ExportCommand(const Options &opt, QObject *parent = nullptr)
        : QObject(parent), m_opt(opt), m_exporter(opt.config, opt.permissions),
          m_tty(isatty(STDERR_FILENO))
    {
    }

    int run()
    {
        QObject::connect(&m_exporter, &Exporter::exportCreated, this,
                         [this](const QString &id, const ExportStatus &s) {
                             Entry &e = m_entries[id];
                             e.created = true;
                             e.line = m_opt.json ? escapeUntrustedJson(s.toJson()) : id.toLatin1();
                             e.total = s.bytesTotal;
                             printReady();
                         });
        QObject::connect(&m_exporter, &Exporter::progress, this,
                         [this](const QString &id, qint64 written, qint64 total) {
                             m_entries[id].written = written;
                             m_entries[id].total = total;
                         });
        QObject::connect(&m_exporter, &Exporter::exportFinished, this,
                         [this](const QString &id, const ExportStatus &s, ErrorCode code,
                                const QString &message) { onFinished(id, s, code, message); });
        QObject::connect(&m_exporter, &Exporter::idle, qApp, [] { QCoreApplication::exit(0); });

        SignalPipe signalPipe({SIGINT, SIGTERM}, [this](int) { onInterrupt(); });

        QTimer bar;
        if (m_tty) {
            QObject::connect(&bar, &QTimer::timeout, this, [this] { drawBar(); });
            bar.start(200);
        }
        m_clock.start();
        for (const QString &source : std::as_const(m_opt.args))
            m_order << m_exporter.startExport(source);
        if (!m_exporter.isIdle()) QCoreApplication::exec();
        clearBar();
        if (m_opt.verbose) {
            rusage usage = {};
            getrusage(RUSAGE_SELF, &usage);
            errLine(QStringLiteral("peak memory (max RSS): %1 KiB").arg(usage.ru_maxrss));
        }
        // The first source, in argument order, that did not complete decides.
        for (const QString &id : std::as_const(m_order)) {
            const Entry e = m_entries.value(id);
            if (!e.finished) return 1;
            if (e.code != ErrorCode::None) return exitCodeFor(e.code);
        }
        return 0;
    }

private:
    struct Entry
    {
        bool created = false;
        bool finished = false;
        bool printed = false;
        ErrorCode code = ErrorCode::None;
        QByteArray line;
        qint64 written = 0;
        qint64 total = -1;
    };

    void printReady()
    {
        while (m_nextToPrint < m_order.size()) {
            Entry &e = m_entries[m_order[m_nextToPrint]];
            if (e.created) {
                clearBar();
                outLine(e.line);
                e.printed = true;
            } else if (!e.finished) {
                return; // its keys do not exist yet: later lines wait for it
            }
            ++m_nextToPrint;
        }
    }

    void onInterrupt()
    {
        if (m_interrupted) {
            errLine(QStringLiteral("interrupted again: exiting without waiting"));
            ::_exit(130);
        }
        m_interrupted = true;
        clearBar();
        errLine(QStringLiteral("interrupted: cancelling %1 export(s)…")
                    .arg(m_exporter.runningCount() + m_exporter.queuedCount()));
        m_exporter.cancelAll();
    }

    void onFinished(const QString &id, const ExportStatus &s, ErrorCode code,
                    const QString &message)
    {
        clearBar();
        Entry &e = m_entries[id];
        e.finished = true;
        e.code = code;
        e.written = s.bytesWritten;
        ++m_done;
        if (code == ErrorCode::None) {
            if (m_tty || m_opt.verbose)
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

    void clearBar()
    {
        if (m_tty && m_barShown) {
            writeAll(stderr, "\r\x1b[K");
            m_barShown = false;
        }
    }

    // Speed, ETA and "stalled" from SpeedMeter (averaged over its window). A
    // stream's total is unknown: no bar and no ETA, only what was written.
    void drawBar()
    {
        qint64 written = 0, total = 0;
        bool known = true;
        for (const QString &id : std::as_const(m_order)) {
            const Entry e = m_entries.value(id);
            written += e.written;
            if (e.total < 0)
                known = false;
            else
                total += e.total;
        }
        const qint64 now = m_clock.elapsed();
        m_meter.addSample(written, now);
        const qint64 speed = m_meter.bytesPerSecond();
        QString eta = QStringLiteral("—");
        if (m_meter.isStalled(now))
            eta = QStringLiteral("stalled");
        else if (known && m_meter.secondsLeft(total) >= 0)
            eta = QStringLiteral("ETA %1 s").arg(m_meter.secondsLeft(total));
        QString line;
        if (known) {
            constexpr int width = 30;
            const double frac = total > 0 ? double(written) / double(total) : 0.0;
            const int filled = int(frac * width);
            line = QStringLiteral("[%1%2] %3%  %4 of %5")
                       .arg(QString(filled, QLatin1Char('#')),
                            QString(width - filled, QLatin1Char('.')))
                       .arg(int(frac * 100))
                       .arg(formatBytes(written), formatBytes(total));
        } else {
            line = QStringLiteral("%1 written").arg(formatBytes(written));
        }
        line = QStringLiteral("\r%1  %2/s  %3  %4/%5 done\x1b[K")
                   .arg(line, formatBytes(speed), eta)
                   .arg(m_done)
                   .arg(m_order.size());
        writeAll(stderr, line.toUtf8());
        m_barShown = true;
    }

    const Options &m_opt;
    Exporter m_exporter;
    const bool m_tty;
    bool m_barShown = false;
    bool m_interrupted = false;
    int m_done = 0;
    qsizetype m_nextToPrint = 0;
    QStringList m_order;
    QHash<QString, Entry> m_entries;
    QElapsedTimer m_clock;
    SpeedMeter m_meter;
};

// Who acts (CONTRACT §8, ActingUser): with an ACL login, the user Redis vouches
// for, and a --user naming anyone else is refused; otherwise --user or the login
// name, unverified. 0, or the exit code of the one-line refusal.
int resolveActingUser(const Options &opt)
{
    if (opt.actingResolved) return 0;
    RedisConnection conn(opt.endpoint, opt.config.timeouts);
    Failure failure;
    const ActingUser acting =
        ActingUser::resolve(conn, opt.config.user, opt.config.userNamed, &failure);
    if (failure) return fail(failure);
    opt.user = acting.name;
    opt.verified = acting.verified;
    opt.actingResolved = true;
    return 0;
}

int runExport(Options &opt)
{
    if (opt.args.isEmpty())
        return usage(QStringLiteral("export needs at least one FILE, URL or -"), opt.command);
    if (opt.args.count(QStringLiteral("-")) > 1)
        return usage(QStringLiteral("standard input (-) can be exported only once"), opt.command);
    if (const int code = resolveActingUser(opt)) return code;
    opt.config.user = opt.user;
    if (!opt.permissions->mayExport(opt.user))
        return fail({ErrorCode::PermissionDenied,
                     QStringLiteral("permission denied: user %1 lacks \"export\"").arg(opt.user)});
    // One clear line when Redis cannot be reached, rather than one per source. Each
    // source is then checked by the exporter, before anything is written for it.
    {
        ExportStore store(opt.endpoint, opt.config.keys, opt.config.timeouts);
        if (!store.connection().ensureConnected())
            return fail(Failure::fromRedis(store.connection().lastError()));
        // Every status write publishes to the events channel: one clear line now
        // rather than one per source (the exporter checks again per export).
        if (const Failure refused =
                checkMayPublish(store.connection(), opt.config.keys.eventsChannel()))
            return fail(refused);
    }
    ExportCommand cmd(opt);
    return cmd.run();
}

bool mayRead(const Options &opt, int *code)
{
    if ((*code = resolveActingUser(opt))) return false;
    if (opt.permissions->mayRead(opt.user)) return true;
    *code =
        fail({ErrorCode::PermissionDenied,
              QStringLiteral("permission denied: user %1 lacks \"export:read\"").arg(opt.user)});
    return false;
}

// The id (or unique prefix) given on the command line, resolved in Redis.
bool resolveId(const Options &opt, ExportStore &store, const QString &text, QString *id, int *code)
{
    const ExportIdResolution r = resolveExportId(store.connection(), store.keys(), text);
    if (r.failure) {
        *code = r.failure.code == ErrorCode::Usage ? usage(r.failure.message, opt.command)
                                                   : fail(r.failure);
        return false;
    }
    *id = r.id;
    return true;
}

// An id argument is a whole id or a prefix of at least minPrefixDigits hex digits.
bool isIdArgument(const Options &opt, const QString &text, int *code)
{
    if (!normalizedIdPrefix(text).isEmpty()) return true;
    *code = usage(QStringLiteral("not an export id: %1 (expected an id or at least %2 of its "
                                 "hex digits)")
                      .arg(escapeUntrusted(text, 80))
                      .arg(minPrefixDigits),
                  opt.command);
    return false;
}

int runStatus(const Options &opt)
{
    int code = 0;
    if (opt.args.size() != 1)
        return usage(QStringLiteral("status takes exactly one ID"), opt.command);
    if (!isIdArgument(opt, opt.args.first(), &code)) return code;
    if (!mayRead(opt, &code)) return code;
    ExportStore store(opt.endpoint, opt.config.keys, opt.config.timeouts);
    QString id;
    if (!resolveId(opt, store, opt.args.first(), &id, &code)) return code;
    const auto found = store.fetchStatus(id);
    if (found.failure) return fail(found.failure);
    if (opt.json) {
        outLine(escapeUntrustedJson(found.json));
        return 0;
    }
    const RedisReply ttl = store.connection().command({"TTL", opt.config.keys.statusKey(id)});
    if (ttl.isError()) {
        const Failure f = Failure::fromRedis(ttl.error);
        return fail(
            {f.code,
             QStringLiteral("cannot read the expiry of export %1: %2").arg(id, ttl.error.message)});
    }
    outLine(summary(*found.status, ttl.integer).toUtf8());
    return 0;
}

int runCancel(const Options &opt)
{
    int code = 0;
    if (opt.args.size() != 1)
        return usage(QStringLiteral("cancel takes exactly one ID"), opt.command);
    if (!isIdArgument(opt, opt.args.first(), &code)) return code;
    ExportStore store(opt.endpoint, opt.config.keys, opt.config.timeouts);
    QString id;
    if (!resolveId(opt, store, opt.args.first(), &id, &code)) return code;
    if ((code = resolveActingUser(opt))) return code;
    const auto r = store.cancel(id, opt.user, *opt.permissions);
    if (r.failure && r.failure.code != ErrorCode::TooLate) return fail(r.failure);
    if (r.failure)
        errLine(r.failure.message);
    else if (!r.changed)
        errLine(QStringLiteral("export %1 was already CANCELLED").arg(id));
    else if (!r.ownerSettled)
        errLine(QStringLiteral("export %1 CANCELLED; its owner did not answer, so its data was "
                               "settled on its behalf")
                    .arg(id));
    outLine(opt.json ? escapeUntrustedJson(r.status.toJson()) : summary(r.status).toUtf8());
    return exitCodeFor(r.failure.code);
}

// A column as wide as its widest cell, at most maxWidth (longer cells end in "…").
struct Column
{
    QString title;
    int maxWidth = 0; // 0: the last column, never padded or cut
    bool alignRight = false;
    int width = 0;
};

QString fitCell(const QString &text, const Column &c)
{
    if (c.maxWidth == 0) return text;
    QString t = text;
    if (t.size() > c.width) t = t.left(std::max(0, c.width - 1)) + QChar(0x2026);
    return c.alignRight ? t.rightJustified(c.width) : t.leftJustified(c.width);
}

void printTable(QList<Column> columns, const QList<QStringList> &rows)
{
    for (Column &c : columns) {
        c.width = int(c.title.size());
    }
    for (const QStringList &row : rows)
        for (qsizetype i = 0; i < columns.size(); ++i)
            if (columns[i].maxWidth > 0)
                columns[i].width = std::min(columns[i].maxWidth,
                                            std::max(columns[i].width, int(row.value(i).size())));
    auto line = [&](const QStringList &cells) {
        QStringList out;
        for (qsizetype i = 0; i < columns.size(); ++i)
            out << fitCell(cells.value(i), columns[i]);
        return out.join(QStringLiteral("  ")).toUtf8();
    };
    QStringList titles;
    for (const Column &c : columns)
        titles << c.title;
    outLine(line(titles));
    for (const QStringList &row : rows)
        outLine(line(row));
}

int runList(const Options &opt)
{
    int code = 0;
    if (!opt.args.isEmpty()) return usage(QStringLiteral("list takes no arguments"), opt.command);
    if (!mayRead(opt, &code)) return code;
    ExportStore store(opt.endpoint, opt.config.keys, opt.config.timeouts);
    Failure failure;
    QList<ExportStore::Entry> entries = store.list(&failure);
    if (failure) return fail(failure);
    std::sort(entries.begin(), entries.end(), [](const auto &a, const auto &b) {
        const QDateTime ta = a.status ? a.status->createdAt : QDateTime();
        const QDateTime tb = b.status ? b.status->createdAt : QDateTime();
        return ta < tb;
    });
    if (opt.json) {
        QByteArray out = "[";
        bool first = true;
        for (const auto &e : std::as_const(entries)) {
            if (!e.status) {
                errLine(QStringLiteral("skipping export %1: %2").arg(e.id, e.problem));
                continue;
            }
            out += (first ? "" : ",") + escapeUntrustedJson(e.json);
            first = false;
        }
        outLine(out + "]");
        return 0;
    }
    if (entries.isEmpty()) {
        errLine(QStringLiteral("no exports on %1").arg(opt.endpoint.displayName()));
        return 0;
    }
    const QList<Column> columns{
        {QStringLiteral("ID"), 36},
        {QStringLiteral("STATUS"), 9},
        {QStringLiteral("PROGRESS"), 8, true},
        {QStringLiteral("SIZE"), 10, true},
        {QStringLiteral("OWNER"), 30}, // a name of at most 16, and " (unverified)"
        {QStringLiteral("HOST"), 20},
        {QStringLiteral("SOURCE"), 0},
    };
    QList<QStringList> rows;
    for (const auto &e : std::as_const(entries)) {
        if (!e.status) {
            rows << QStringList{escapeUntrusted(e.id),
                                QStringLiteral("?"),
                                QString(),
                                QString(),
                                QString(),
                                QString(),
                                QStringLiteral("(%1)").arg(escapeUntrusted(e.problem))};
            continue;
        }
        const ExportStatus &s = *e.status;
        const QString pct = s.bytesTotal > 0
                                ? QStringLiteral("%1%").arg(s.bytesWritten * 100 / s.bytesTotal)
                            : s.state == ExportState::Completed ? QStringLiteral("100%")
                                                                : QStringLiteral("—");
        rows << QStringList{escapeUntrusted(s.id),
                            escapeUntrusted(s.stateText()),
                            pct,
                            formatBytes(s.bytesTotal >= 0 ? s.bytesTotal : s.bytesWritten),
                            ActingUser::displayOwner(s.owner, s.ownerVerified, 16),
                            escapeUntrusted(s.host),
                            escapeUntrusted(s.source)};
    }
    printTable(columns, rows);
    return 0;
}

int runFetch(const Options &opt)
{
    int code = 0;
    if (opt.args.size() != 2)
        return usage(QStringLiteral("fetch takes an ID and an OUTPUT file (or - for stdout)"),
                     opt.command);
    if (!isIdArgument(opt, opt.args[0], &code)) return code;
    if (!mayRead(opt, &code)) return code;
    ExportStore store(opt.endpoint, opt.config.keys, opt.config.timeouts);
    QString id;
    if (!resolveId(opt, store, opt.args[0], &id, &code)) return code;
    Failure failure;
    if (opt.args[1] == QLatin1String("-")) {
        // Someone else's bytes on a terminal could drive it (escape sequences).
        if (::isatty(STDOUT_FILENO))
            return usage(QStringLiteral("refusing to write an export's data to a terminal; "
                                        "redirect it or give an OUTPUT file"),
                         opt.command);
        QFile out;
        if (!out.open(stdout, QIODevice::WriteOnly))
            return fail(
                {ErrorCode::Source,
                 QStringLiteral("cannot write to standard output: %1").arg(out.errorString())});
        store.fetchData(id, &out, &failure);
        out.flush();
        return failure ? fail(failure) : 0;
    }
    // Written aside and renamed at the end: a failed fetch leaves no half file.
    QSaveFile out(opt.args[1]);
    if (!out.open(QIODevice::WriteOnly))
        return fail({ErrorCode::Source,
                     QStringLiteral("cannot write %1: %2").arg(opt.args[1], out.errorString())});
    const qint64 n = store.fetchData(id, &out, &failure);
    if (failure) {
        out.cancelWriting();
        return fail(failure);
    }
    if (!out.commit())
        return fail({ErrorCode::Source,
                     QStringLiteral("cannot write %1: %2").arg(opt.args[1], out.errorString())});
    if (opt.verbose)
        errLine(QStringLiteral("wrote %1 bytes to %2, sha256 verified").arg(n).arg(opt.args[1]));
    return 0;
}

int runServer(const Options &opt)
{
    if (opt.args.size() != 1)
        return usage(QStringLiteral("server takes status or stop"), opt.command);
    if (opt.args[0] == QLatin1String("status")) {
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
    if (opt.args[0] == QLatin1String("stop")) {
        QString error;
        if (!EmbeddedServer::stop(&error)) return fail({ErrorCode::Redis, error});
        errLine(QStringLiteral("embedded Redis server stopped"));
        return 0;
    }
    return usage(QStringLiteral("unknown server command \"%1\"; use status or stop")
                     .arg(escapeUntrusted(opt.args[0], 80)),
                 opt.command);
}

// The one-line form of QCommandLineParser's error text.
QString oneLine(QString text)
{
    return text.replace(QLatin1Char('\n'), QLatin1Char(' ')).trimmed();
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("hbexporter-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PROJECT_VERSION_STRING));

    const QStringList exportOnly{QStringLiteral("export")};
    // Every command that talks to a configured server (not `server`, which is the
    // embedded one).
    const QStringList connecting{QStringLiteral("export"), QStringLiteral("status"),
                                 QStringLiteral("cancel"), QStringLiteral("list"),
                                 QStringLiteral("watch"),  QStringLiteral("fetch")};
    const QStringList withJson{QStringLiteral("export"), QStringLiteral("status"),
                               QStringLiteral("cancel"), QStringLiteral("list")};
    Cli cli;
    cli.parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const auto redisOpt = cli.add(
        QStringLiteral("redis"), QStringLiteral("URL"),
        QStringLiteral(
            "the Redis server: redis://[user:password@]host[:port][/db], the same "
            "over TLS as rediss://…[?cacert=FILE&cert=FILE&key=FILE&sni=NAME&insecure=1], or "
            "unix://[user:password@]/path[?db=N] (default: $HBEXPORTER_REDIS_URL, else "
            "the embedded server)"));
    const auto userOpt = cli.add(QStringLiteral("user"), QStringLiteral("NAME"),
                                 QStringLiteral("the acting user (default: your login name)"));
    const auto permOpt =
        cli.add(QStringLiteral("permissions"), QStringLiteral("FILE"),
                QStringLiteral("permissions file (default: $HBEXPORTER_PERMISSIONS, else everyone "
                               "may export and read)"));
    const auto verboseOpt = cli.add(QStringLiteral("verbose"), QString(),
                                    QStringLiteral("log what happens, with timestamps, on stderr"));
    const auto helpOpt =
        cli.add(QStringLiteral("help"), QString(),
                QStringLiteral("this help, or with a command, its own"), {}, {QStringLiteral("h")});
    const auto versionOpt =
        cli.add(QStringLiteral("version"), QString(), QStringLiteral("the version"));
    const auto jsonOpt =
        cli.add(QStringLiteral("json"), QString(),
                QStringLiteral("print the status JSON (export: one line per export) instead of "
                               "text"),
                withJson);
    const auto ttlOpt =
        cli.add(QStringLiteral("ttl"), QStringLiteral("SECONDS"),
                QStringLiteral("expiry of every key of the export (default 3600)"), exportOnly);
    const auto chunkOpt = cli.add(
        QStringLiteral("chunk-size"), QStringLiteral("BYTES"),
        QStringLiteral("bytes per write, K/M suffixes (default and most: the segment size)"),
        exportOnly);
    const auto segmentOpt = cli.add(
        QStringLiteral("segment-size"), QStringLiteral("BYTES"),
        QStringLiteral("bytes per data key, K/M/G suffixes, 1K to 512M (default 1M minus 16 "
                       "bytes); a source that fits one segment is the single key …-data"),
        exportOnly);
    const auto bwOpt = cli.add(
        QStringLiteral("bwlimit"), QStringLiteral("RATE"),
        QStringLiteral("read at most RATE bytes/s from all sources together, K/M/G suffixes "
                       "(powers of 1024)"),
        exportOnly);

    // TLS, as redis-cli spells it; each replaces the URL's parameter of the same name.
    const auto cacertOpt = cli.add(
        QStringLiteral("cacert"), QStringLiteral("FILE"),
        QStringLiteral("rediss:// only: trust the CAs in this PEM file instead of the system's"),
        connecting);
    const auto certOpt = cli.add(
        QStringLiteral("cert"), QStringLiteral("FILE"),
        QStringLiteral("rediss:// only: client certificate (PEM) for mutual TLS"), connecting);
    const auto keyOpt = cli.add(QStringLiteral("key"), QStringLiteral("FILE"),
                                QStringLiteral("rediss:// only: the client certificate's private "
                                               "key (PEM)"),
                                connecting);
    const auto sniOpt = cli.add(
        QStringLiteral("sni"), QStringLiteral("NAME"),
        QStringLiteral("rediss:// only: the server name to send and to verify the certificate "
                       "against (default: the host connected to)"),
        connecting);
    const auto insecureOpt = cli.add(
        QStringLiteral("insecure"), QString(),
        QStringLiteral("rediss:// only: do not verify the server's certificate (anyone in the "
                       "path can read and change the data)"),
        connecting);

    QCommandLineParser &parser = cli.parser;
    // The command word, for messages, even when parsing fails.
    QString commandWord;
    for (const QString &a : QCoreApplication::arguments().mid(1))
        if (findCommand(a)) {
            commandWord = a;
            break;
        }
    if (!parser.parse(QCoreApplication::arguments()))
        return usage(oneLine(parser.errorText()), commandWord);

    const QStringList positional = parser.positionalArguments();
    QString command = positional.value(0);
    QStringList args = positional.mid(1);
    const bool helpCommand = command == QLatin1String("help");
    if (parser.isSet(helpOpt) || helpCommand) {
        const QString topic = helpCommand ? args.value(0) : command;
        if (topic.isEmpty()) {
            writeAll(stdout, cli.generalHelp().toUtf8());
            return 0;
        }
        const CommandDef *def = findCommand(topic);
        if (!def)
            return usage(QStringLiteral("unknown command \"%1\"").arg(escapeUntrusted(topic, 80)));
        writeAll(stdout, cli.commandHelp(*def).toUtf8());
        return 0;
    }
    if (parser.isSet(versionOpt)) {
        outLine(QByteArray("hbexporter-cli ") + PROJECT_VERSION_STRING);
        return 0;
    }
    Options opt;
    opt.verbose = parser.isSet(verboseOpt);
    LogHub::install(opt.verbose, opt.verbose);
    if (command.isEmpty()) return usage(QStringLiteral("no command given"));
    if (!findCommand(command))
        return usage(QStringLiteral("unknown command \"%1\"").arg(escapeUntrusted(command, 80)));
    opt.command = command;
    opt.args = args;
    for (const OptionDef &d : std::as_const(cli.options))
        if (!cli.appliesTo(d, command) && parser.isSet(d.option))
            return usage(QStringLiteral("--%1 does not apply to %2")
                             .arg(d.option.names().constLast(), command),
                         command);
    opt.json = parser.isSet(jsonOpt);
    opt.user = parser.isSet(userOpt) ? parser.value(userOpt) : defaultUserName();
    if (opt.user.trimmed().isEmpty()) return usage(QStringLiteral("--user needs a name"), command);

    // Export settings.
    ExporterConfig &cfg = opt.config;
    cfg.user = opt.user;
    cfg.userNamed = parser.isSet(userOpt);
    if (parser.isSet(ttlOpt)) {
        bool ok = false;
        const qint64 ttl = parser.value(ttlOpt).toLongLong(&ok);
        if (!ok || ttl < 1 || ttl > 365LL * 24 * 3600)
            return usage(QStringLiteral("--ttl must be a number of seconds from 1 to 31536000, not "
                                        "\"%1\"")
                             .arg(escapeUntrusted(parser.value(ttlOpt), 80)),
                         command);
        cfg.ttlSeconds = int(ttl);
    }
    if (parser.isSet(segmentOpt)) {
        const qint64 segment = parseByteSize(parser.value(segmentOpt));
        if (segment < ExporterConfig::minSegmentBytes || segment > ExporterConfig::maxSegmentBytes)
            return usage(QStringLiteral("--segment-size must be from 1K to 512M, not \"%1\"")
                             .arg(escapeUntrusted(parser.value(segmentOpt), 80)),
                         command);
        cfg.segmentBytes = segment;
    }
    if (parser.isSet(chunkOpt)) {
        const qint64 chunk = parseByteSize(parser.value(chunkOpt));
        if (chunk < ExporterConfig::minChunkSize || chunk > ExporterConfig::maxChunkSize)
            return usage(QStringLiteral("--chunk-size must be from 1 byte to 64M, not \"%1\"")
                             .arg(escapeUntrusted(parser.value(chunkOpt), 80)),
                         command);
        if (chunk > cfg.effectiveSegmentBytes())
            return usage(
                QStringLiteral("--chunk-size %1 exceeds the segment size (%2 bytes%3): a "
                               "chunk never straddles two segments")
                    .arg(escapeUntrusted(parser.value(chunkOpt), 80))
                    .arg(cfg.effectiveSegmentBytes())
                    .arg(parser.isSet(segmentOpt) ? QString() : QStringLiteral(", the default")),
                command);
        cfg.chunkSize = chunk;
    }
    if (parser.isSet(bwOpt)) {
        const qint64 rate = parseByteSize(parser.value(bwOpt));
        if (rate < 1)
            return usage(QStringLiteral("--bwlimit must be a rate in bytes per second such as 512K "
                                        "or 10M, not \"%1\"")
                             .arg(escapeUntrusted(parser.value(bwOpt), 80)),
                         command);
        cfg.bandwidthLimit = rate;
    }

    if (command == QLatin1String("server")) return runServer(opt);

    // flags > environment (CONTRACT §6, §8); the CLI has no saved settings.
    ConfigInputs inputs = ConfigInputs::fromEnvironment();
    inputs.flagUrl = parser.value(redisOpt);
    inputs.flagPermissions = parser.value(permOpt);
    inputs.flagTls.caCert = parser.value(cacertOpt);
    inputs.flagTls.cert = parser.value(certOpt);
    inputs.flagTls.key = parser.value(keyOpt);
    inputs.flagTls.sni = parser.value(sniOpt);
    inputs.flagTls.insecure = parser.isSet(insecureOpt);
    const ResolvedConfig resolved = resolveConfig(inputs);
    QString error;
    opt.permissions = loadResolvedPermissions(resolved, &error);
    if (!opt.permissions) return usage(error, command);
    if (!resolved.urlError.isEmpty() || (!resolved.useEmbeddedServer && !resolved.endpoint))
        return usage(resolved.urlError, command);
    if (resolved.useEmbeddedServer && !EmbeddedServer::ensureRunning(&error))
        return fail({ErrorCode::Redis, error});
    opt.endpoint = resolved.useEmbeddedServer ? EmbeddedServer::endpoint() : *resolved.endpoint;
    cfg.endpoint = opt.endpoint;
    if (command == QLatin1String("export")) return runExport(opt);
    if (command == QLatin1String("status")) return runStatus(opt);
    if (command == QLatin1String("cancel")) return runCancel(opt);
    if (command == QLatin1String("list")) return runList(opt);
    if (command == QLatin1String("fetch")) return runFetch(opt);
    if (!args.isEmpty()) return usage(QStringLiteral("watch takes no arguments"), command);
    int code = 0;
    if (!mayRead(opt, &code)) return code;
    return runWatch(opt.endpoint, cfg.keys, 500);
}

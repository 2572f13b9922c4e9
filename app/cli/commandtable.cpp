#include "commandtable.h"

#include "builtins.h"

#include <QCommandLineParser>

namespace hb::cli {

const QList<CommandDef> &commands()
{
    using G = OptionGroup;
    static const QList<CommandDef> table{
        {QStringLiteral("export"),
         QStringLiteral("FILE|URL|-..."),
         QStringLiteral("export files, http(s) URLs or standard input (-) into Redis; prints one "
                        "id per source, in the order given"),
         {G::Json, G::Export, G::Layout},
         true,
         configureExport,
         runExport},
        {QStringLiteral("status"),
         QStringLiteral("ID"),
         QStringLiteral("show an export's status (ID: the id or a unique prefix of 8+ hex digits)"),
         {G::Json},
         true,
         nullptr,
         runStatus},
        {QStringLiteral("cancel"),
         QStringLiteral("ID"),
         QStringLiteral("cancel an export, whoever runs it, and print its status"),
         {G::Json},
         true,
         nullptr,
         runCancel},
        {QStringLiteral("resume"),
         QStringLiteral("ID [SOURCE]"),
         QStringLiteral("take over an export whose process died and finish it from where Redis "
                        "holds it (SOURCE: the file or URL, when this host's journal does not "
                        "know it)"),
         {G::Json, G::Export},
         true,
         configureExport, // --ttl and --segment-size are Layout: not resume's
         runResume},
        {QStringLiteral("list"),
         QString(),
         QStringLiteral("list every export on the server, printed as they are found"),
         {G::Json, G::List},
         true,
         configureList,
         runList},
        {QStringLiteral("watch"),
         QString(),
         QStringLiteral("live table of every export on the server (one line per change when "
                        "piped)"),
         {},
         true,
         nullptr,
         runWatch},
        {QStringLiteral("fetch"),
         QStringLiteral("ID OUTPUT|-"),
         QStringLiteral("write an export's data to OUTPUT (or stdout), checked against its sha256"),
         {},
         true,
         nullptr,
         runFetch},
        {QStringLiteral("server"),
         QStringLiteral("status|stop"),
         QStringLiteral("the embedded Redis server used when no URL is configured"),
         {},
         false,
         nullptr,
         runServer},
    };
    return table;
}

const CommandDef *findCommand(const QString &name)
{
    for (const CommandDef &c : commands())
        if (c.name == name) return &c;
    return nullptr;
}

const QList<OptionDef> &options()
{
    using G = OptionGroup;
    static const QList<OptionDef> table{
        {QStringLiteral("redis"), QStringLiteral("URL"),
         QStringLiteral(
             "the Redis server: redis://[user:password@]host[:port][/db], the same "
             "over TLS as rediss://…[?cacert=FILE&cert=FILE&key=FILE&sni=NAME&insecure=1], or "
             "unix://[user:password@]/path[?db=N] (default: $HBEXPORTER_REDIS_URL, else "
             "the embedded server)")},
        {QStringLiteral("user"), QStringLiteral("NAME"),
         QStringLiteral("the acting user (default: your login name)")},
        {QStringLiteral("permissions"), QStringLiteral("FILE"),
         QStringLiteral("permissions file (default: $HBEXPORTER_PERMISSIONS, else everyone "
                        "may export and read)")},
        {QStringLiteral("verbose"), QString(),
         QStringLiteral("log what happens, with timestamps, on stderr")},
        {QStringLiteral("help"),
         QString(),
         QStringLiteral("this help, or with a command, its own"),
         G::Common,
         {QStringLiteral("h")}},
        {QStringLiteral("version"), QString(), QStringLiteral("the version")},
        {QStringLiteral("json"), QString(),
         QStringLiteral("print the status JSON (export: one line per export) instead of "
                        "text"),
         G::Json},
        {QStringLiteral("ttl"), QStringLiteral("SECONDS"),
         QStringLiteral("expiry of every key of the export (default 3600)"), G::Layout},
        {QStringLiteral("chunk-size"), QStringLiteral("BYTES"),
         QStringLiteral("bytes per write, K/M suffixes (default and most: the segment size)"),
         G::Export},
        {QStringLiteral("segment-size"), QStringLiteral("BYTES"),
         QStringLiteral("bytes per data key, K/M/G suffixes, 1K to 512M (default 1M minus 16 "
                        "bytes); a source that fits one segment is the single key …-data"),
         G::Layout},
        {QStringLiteral("bwlimit"), QStringLiteral("RATE"),
         QStringLiteral("read at most RATE bytes/s from all sources together, K/M/G suffixes "
                        "(powers of 1024)"),
         G::Export},
        {QStringLiteral("status"), QStringLiteral("STATE[,STATE...]"),
         QStringLiteral("only exports in these states (CREATED, PENDING, COMPLETED, CANCELLED, "
                        "FAILED)"),
         G::List},
        {QStringLiteral("owner"), QStringLiteral("NAME"),
         QStringLiteral("only exports owned by NAME"), G::List},
        {QStringLiteral("limit"), QStringLiteral("N"),
         QStringLiteral("stop after N rows (with --sort: the N oldest)"), G::List},
        {QStringLiteral("since"), QStringLiteral("DURATION"),
         QStringLiteral("only exports created within DURATION: 90s, 15m, 2h, 1d"), G::List},
        {QStringLiteral("sort"), QStringLiteral("created"),
         QStringLiteral("oldest first (collects every row before printing)"), G::List},
        // TLS, as redis-cli spells it; each replaces the URL's parameter of the same name.
        {QStringLiteral("cacert"), QStringLiteral("FILE"),
         QStringLiteral("rediss:// only: trust the CAs in this PEM file instead of the system's"),
         G::Server},
        {QStringLiteral("cert"), QStringLiteral("FILE"),
         QStringLiteral("rediss:// only: client certificate (PEM) for mutual TLS"), G::Server},
        {QStringLiteral("key"), QStringLiteral("FILE"),
         QStringLiteral("rediss:// only: the client certificate's private key (PEM)"), G::Server},
        {QStringLiteral("sni"), QStringLiteral("NAME"),
         QStringLiteral("rediss:// only: the server name to send and to verify the certificate "
                        "against (default: the host connected to)"),
         G::Server},
        {QStringLiteral("insecure"), QString(),
         QStringLiteral("rediss:// only: do not verify the server's certificate (anyone in the "
                        "path can read and change the data)"),
         G::Server},
    };
    return table;
}

bool appliesTo(const OptionDef &option, const CommandDef &command)
{
    switch (option.group) {
    case OptionGroup::Common:
        return true;
    case OptionGroup::Server:
        return command.needsServer;
    default:
        return command.options.contains(option.group);
    }
}

QString notApplyingMessage(const OptionDef &option, const CommandDef &command)
{
    // Layout options on a command that runs an export (resume): fixed at its start.
    const bool fixed =
        option.group == OptionGroup::Layout && command.options.contains(OptionGroup::Export);
    return QStringLiteral("--%1 does not apply to %2%3")
        .arg(option.name, command.name,
             fixed ? QStringLiteral(": the export keeps the one it was started with") : QString());
}

QStringList commandsOf(const OptionDef &option)
{
    QStringList names;
    for (const CommandDef &c : commands())
        if (appliesTo(option, c)) names << c.name;
    return names;
}

void addOptions(QCommandLineParser &parser)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    for (const OptionDef &o : options())
        parser.addOption(
            QCommandLineOption(QStringList(o.aliases) << o.name, o.description, o.valueName));
}

} // namespace hb::cli

#include "cli.h"

#include "clicontext.h"
#include "commandtable.h"
#include "logging.h"
#include "output.h"
#include "textescape.h"
#include "usage.h"

#include <QCommandLineParser>

namespace hb::cli {

namespace {

// The one-line form of QCommandLineParser's error text.
QString oneLine(QString text)
{
    return text.replace(QLatin1Char('\n'), QLatin1Char(' ')).trimmed();
}

QString unknownCommand(const QString &name)
{
    return QStringLiteral("unknown command \"%1\"").arg(escapeUntrusted(name, 80));
}

// `--help`, `help [COMMAND]`, `COMMAND --help`.
int printHelp(const QString &topic)
{
    if (topic.isEmpty()) {
        writeAll(stdout, generalHelp().toUtf8());
        return 0;
    }
    const CommandDef *def = findCommand(topic);
    if (!def) return usage(unknownCommand(topic));
    writeAll(stdout, commandHelp(*def).toUtf8());
    return 0;
}

// The command's arguments and options, checked before anything else happens.
int runCommand(const CommandDef &command, const QStringList &args, const QCommandLineParser &parser)
{
    for (const OptionDef &o : options())
        if (!appliesTo(o, command) && parser.isSet(o.name))
            return usage(notApplyingMessage(o, command), command.name);
    CliContext ctx(command, args, parser);
    if (ctx.user().trimmed().isEmpty()) return ctx.usage(QStringLiteral("--user needs a name"));
    if (command.configure)
        if (const int code = command.configure(ctx)) return code;
    if (command.needsServer)
        if (const int code = ctx.connect()) return code;
    return command.run(ctx);
}

} // namespace

int run(const QStringList &arguments)
{
    QCommandLineParser parser;
    addOptions(parser);
    // The command word, for messages, even when parsing fails.
    QString commandWord;
    for (const QString &a : arguments.mid(1))
        if (findCommand(a)) {
            commandWord = a;
            break;
        }
    if (!parser.parse(arguments)) return usage(oneLine(parser.errorText()), commandWord);

    const QStringList positional = parser.positionalArguments();
    const QString command = positional.value(0);
    const QStringList args = positional.mid(1);
    if (command == QLatin1String("help")) return printHelp(args.value(0));
    if (parser.isSet(QStringLiteral("help"))) return printHelp(command);
    if (parser.isSet(QStringLiteral("version"))) {
        outLine(QByteArray("hbexporter-cli ") + PROJECT_VERSION_STRING);
        return 0;
    }
    const bool verbose = parser.isSet(QStringLiteral("verbose"));
    LogHub::install(verbose, verbose);
    if (command.isEmpty()) return usage(QStringLiteral("no command given"));
    const CommandDef *def = findCommand(command);
    if (!def) return usage(unknownCommand(command));
    return runCommand(*def, args, parser);
}

} // namespace hb::cli

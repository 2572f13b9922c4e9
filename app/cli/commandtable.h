#pragma once

#include <QList>
#include <QString>
#include <QStringList>

class QCommandLineParser;

// The one registry of hbexporter-cli's commands and options (CONTRACT §6), as
// git's builtin table: parsing, the help texts and the dispatch all read it. A
// new command is a row here and a file of its own (builtins.h).
namespace hb::cli {

class CliContext;

// Which commands an option applies to.
enum class OptionGroup {
    Common, // every command
    Json,   // the commands that can print status JSON
    Export, // the settings of an export's run: `export` and `resume`
    Layout, // what its keys are laid out by (expiry, segment size): `export` only; a
            // resumed export keeps the ones it was started with
    List,   // the filters of `list`
    Server, // every command that connects to a configured server (CommandDef::needsServer)
};

struct OptionDef
{
    OptionDef(QString name_, QString valueName_, QString description_,
              OptionGroup group_ = OptionGroup::Common, QStringList aliases_ = {})
        : name(std::move(name_)), valueName(std::move(valueName_)),
          description(std::move(description_)), group(group_), aliases(std::move(aliases_))
    {
    }

    QString name;      // the long name, without "--"
    QString valueName; // empty: a switch
    QString description;
    OptionGroup group;
    QStringList aliases; // shown before the name: "-h, --help"
};

struct CommandDef
{
    QString name;
    QString arguments; // as shown in the usage line
    QString summary;
    QList<OptionGroup> options; // besides Common (and Server, implied by needsServer)
    // Talks to the configured server (or the embedded one it starts), resolved
    // before run. `server` manages the embedded server itself: false.
    bool needsServer = true;
    // Reads the command's own options, before any server is resolved, so that a
    // usage error stays exit 2 with Redis down. 0, or the exit code. May be null.
    int (*configure)(CliContext &) = nullptr;
    int (*run)(CliContext &) = nullptr;
};

// In the order the help lists them.
const QList<CommandDef> &commands();
const CommandDef *findCommand(const QString &name);
// In the order the help lists them.
const QList<OptionDef> &options();

bool appliesTo(const OptionDef &option, const CommandDef &command);
// Why `option` is refused on `command` (where !appliesTo), as a usage error says it.
QString notApplyingMessage(const OptionDef &option, const CommandDef &command);
// The commands an option applies to, in table order (all of them for Common).
QStringList commandsOf(const OptionDef &option);
// Every option of the table, added to the parser (long names, -h).
void addOptions(QCommandLineParser &parser);

} // namespace hb::cli

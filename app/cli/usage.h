#pragma once

#include "commandtable.h"

#include <QString>

// The help texts, rendered from the command table, and the one-line usage error.
namespace hb::cli {

// `hbexporter-cli --help`: every command, the common options, then each group of
// options that applies to some commands only, and the exit codes.
QString generalHelp();
// `hbexporter-cli COMMAND --help`: its usage line, summary, own and common options.
QString commandHelp(const CommandDef &command);

// A usage error: one line on stderr (CONTRACT §6) pointing at the help (the
// command's when given); returns 2.
int usage(const QString &message, const QString &command = QString());

} // namespace hb::cli

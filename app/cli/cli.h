#pragma once

#include <QStringList>

namespace hb::cli {

// hbexporter-cli (CONTRACT §6) over its arguments (the program name first): parses
// them against the command table, prints the help or the version, or runs the
// command. Needs a QCoreApplication. Returns the exit code.
int run(const QStringList &arguments);

} // namespace hb::cli

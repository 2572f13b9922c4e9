// hbexporter-cli: the command line of CONTRACT §6. The commands, their options and
// the help live in cli/ (commandtable.h is the registry; one file per command).
#include "cli.h"

#include <QCoreApplication>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("hbexporter-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PROJECT_VERSION_STRING));
    return hb::cli::run(QCoreApplication::arguments());
}

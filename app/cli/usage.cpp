#include "usage.h"

#include "output.h"

#include <QList>
#include <QPair>

#include <algorithm>

namespace hb::cli {

namespace {

QString optionLabel(const OptionDef &o)
{
    QStringList names;
    const QStringList all = QStringList(o.aliases) << o.name;
    for (const QString &n : all)
        names << (n.size() == 1 ? QStringLiteral("-") : QStringLiteral("--")) + n;
    QString label = names.join(QStringLiteral(", "));
    if (!o.valueName.isEmpty()) label += QLatin1Char(' ') + o.valueName;
    return label;
}

// "  LABEL  description", the description wrapped to the 100-column page with a
// hanging indent.
QString twoColumns(const QList<QPair<QString, QString>> &rows)
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

QString optionLines(const QList<const OptionDef *> &defs)
{
    QList<QPair<QString, QString>> rows;
    for (const OptionDef *d : defs)
        rows.append({optionLabel(*d), d->description});
    return twoColumns(rows);
}

QList<const OptionDef *> optionsOf(OptionGroup group)
{
    QList<const OptionDef *> defs;
    for (const OptionDef &d : options())
        if (d.group == group) defs << &d;
    return defs;
}

QString usageLine(const CommandDef &c)
{
    return QStringLiteral("hbexporter-cli %1%2 [options]")
        .arg(c.name, c.arguments.isEmpty() ? QString() : QLatin1Char(' ') + c.arguments);
}

QString exitCodes()
{
    return QStringLiteral(
        "\nExit codes: 0 success; 1 an export ended FAILED or CANCELLED, or a cancel came too "
        "late;\n2 usage error; 3 no export with that id; 4 permission denied; 5 Redis "
        "unreachable or refused\nthe command; 6 a source that cannot be exported. With several "
        "sources, the code of the\nfirst one, in argument order, that did not complete.\n");
}

} // namespace

QString generalHelp()
{
    QString out = QStringLiteral("Usage: hbexporter-cli [options] COMMAND [arguments]\n"
                                 "       hbexporter-cli COMMAND --help\n\nCommands:\n");
    QList<QPair<QString, QString>> rows;
    for (const CommandDef &c : commands())
        rows.append({(c.name + QLatin1Char(' ') + c.arguments).trimmed(), c.summary});
    out += twoColumns(rows);
    out += QStringLiteral("\nOptions of every command (before or after the command word):\n") +
           optionLines(optionsOf(OptionGroup::Common));
    // Then each group of options that belongs to some commands only, in the order
    // the table first names it.
    QList<OptionGroup> groups;
    for (const OptionDef &d : options())
        if (d.group != OptionGroup::Common && !groups.contains(d.group)) groups << d.group;
    for (const OptionGroup g : std::as_const(groups)) {
        const QList<const OptionDef *> defs = optionsOf(g);
        out += QStringLiteral("\nOptions of %1:\n")
                   .arg(commandsOf(*defs.first()).join(QStringLiteral(", "))) +
               optionLines(defs);
    }
    out += QStringLiteral("\nSee 'hbexporter-cli COMMAND --help' for a command's own options.\n");
    out += exitCodes();
    return out;
}

QString commandHelp(const CommandDef &c)
{
    QString out = QStringLiteral("Usage: %1\n\n%2%3.\n")
                      .arg(usageLine(c), c.summary.left(1).toUpper(), c.summary.mid(1));
    QList<const OptionDef *> own;
    for (const OptionDef &d : options())
        if (d.group != OptionGroup::Common && appliesTo(d, c)) own << &d;
    if (!own.isEmpty()) out += QStringLiteral("\nOptions:\n") + optionLines(own);
    out += QStringLiteral("\nCommon options:\n") + optionLines(optionsOf(OptionGroup::Common));
    out += exitCodes();
    return out;
}

int usage(const QString &message, const QString &command)
{
    const QString help = command.isEmpty()
                             ? QStringLiteral("hbexporter-cli --help")
                             : QStringLiteral("hbexporter-cli %1 --help").arg(command);
    errLine(QStringLiteral("hbexporter-cli: %1 (see '%2')").arg(message, help));
    return 2;
}

} // namespace hb::cli

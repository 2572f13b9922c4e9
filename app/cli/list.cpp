// `list`: every export on the server, as a table or a JSON array, oldest first.
#include "actinguser.h"
#include "builtins.h"
#include "clicontext.h"
#include "exportstore.h"
#include "humanformat.h"
#include "output.h"
#include "textescape.h"

#include <algorithm>

namespace hb::cli {

namespace {

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
    const QString t = elide(text, c.width);
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

QStringList rowOf(const ExportStore::Entry &e)
{
    if (!e.status)
        return {escapeUntrusted(e.id),
                QStringLiteral("?"),
                QString(),
                QString(),
                QString(),
                QString(),
                QStringLiteral("(%1)").arg(escapeUntrusted(e.problem))};
    const ExportStatus &s = *e.status;
    const QString pct = s.bytesTotal > 0
                            ? QStringLiteral("%1%").arg(percentOf(s.bytesWritten, s.bytesTotal))
                        : s.state == ExportState::Completed ? QStringLiteral("100%")
                                                            : QStringLiteral("—");
    return {escapeUntrusted(s.id),
            escapeUntrusted(s.stateText()),
            pct,
            formatBytes(s.bytesTotal >= 0 ? s.bytesTotal : s.bytesWritten),
            ActingUser::displayOwner(s.owner, s.ownerVerified, 16),
            escapeUntrusted(s.host),
            escapeUntrusted(s.source)};
}

void printJson(const QList<ExportStore::Entry> &entries)
{
    QByteArray out = "[";
    bool first = true;
    for (const auto &e : entries) {
        if (!e.status) {
            errLine(QStringLiteral("skipping export %1: %2").arg(e.id, e.problem));
            continue;
        }
        out += (first ? "" : ",") + escapeUntrustedJson(e.json);
        first = false;
    }
    outLine(out + "]");
}

} // namespace

int runList(CliContext &ctx)
{
    int code = 0;
    if (!ctx.args.isEmpty()) return ctx.usage(QStringLiteral("list takes no arguments"));
    if (!ctx.mayRead(&code)) return code;
    ExportStore store(ctx.endpoint, ctx.config.keys, ctx.config.timeouts);
    Failure failure;
    QList<ExportStore::Entry> entries = store.list(&failure);
    if (failure) return fail(failure);
    std::sort(entries.begin(), entries.end(), [](const auto &a, const auto &b) {
        const QDateTime ta = a.status ? a.status->createdAt : QDateTime();
        const QDateTime tb = b.status ? b.status->createdAt : QDateTime();
        return ta < tb;
    });
    if (ctx.json) {
        printJson(entries);
        return 0;
    }
    if (entries.isEmpty()) {
        errLine(QStringLiteral("no exports on %1").arg(ctx.endpoint.displayName()));
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
    for (const auto &e : std::as_const(entries))
        rows << rowOf(e);
    printTable(columns, rows);
    return 0;
}

} // namespace hb::cli

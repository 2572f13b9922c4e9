// `list`: every export on the server, as a table or a JSON array, streamed as SCAN
// finds them (issue 21 item 4); oldest first only with --sort created.
#include "actinguser.h"
#include "builtins.h"
#include "clicontext.h"
#include "exportlister.h"
#include "exportstore.h"
#include "humanformat.h"
#include "output.h"
#include "textescape.h"

#include <QCommandLineParser>
#include <algorithm>
#include <limits>

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

// The table streams: the header and each batch's rows are laid out as the batch
// arrives. The widths come from the first batch (today's look when everything fits
// one SCAN step) and only grow with later batches, up to each column's maxWidth.
class TablePrinter final
{
public:
    explicit TablePrinter(QList<Column> columns) : m_columns(std::move(columns))
    {
        for (Column &c : m_columns)
            c.width = int(c.title.size());
    }

    void print(const QList<QStringList> &rows)
    {
        for (const QStringList &row : rows)
            for (qsizetype i = 0; i < m_columns.size(); ++i)
                if (m_columns[i].maxWidth > 0)
                    m_columns[i].width =
                        std::min(m_columns[i].maxWidth,
                                 std::max(m_columns[i].width, int(row.value(i).size())));
        QByteArray out;
        if (!m_headerDone) {
            QStringList titles;
            for (const Column &c : std::as_const(m_columns))
                titles << c.title;
            out += line(titles) + '\n';
            m_headerDone = true;
        }
        for (const QStringList &row : rows)
            out += line(row) + '\n';
        writeAll(stdout, out);
    }

private:
    QByteArray line(const QStringList &cells) const
    {
        QStringList out;
        for (qsizetype i = 0; i < m_columns.size(); ++i)
            out << fitCell(cells.value(i), m_columns[i]);
        return out.join(QStringLiteral("  ")).toUtf8();
    }

    QList<Column> m_columns;
    bool m_headerDone = false;
};

QStringList rowOf(const ExportLister::Row &e)
{
    if (!e.status)
        return {escapeUntrusted(e.id),
                QStringLiteral("?"),
                QString(),
                QString(),
                QString(),
                QString(),
                QStringLiteral("(%1)").arg(escapeUntrusted(e.problem))};
    const ListedStatus &s = *e.status;
    const qint64 total = s.bytesTotal();
    const qint64 written = s.bytesWritten();
    const QString pct = total > 0 ? QStringLiteral("%1%").arg(percentOf(written, total))
                        : s.state() == ExportState::Completed ? QStringLiteral("100%")
                                                              : QStringLiteral("—");
    return {escapeUntrusted(s.id()),
            escapeUntrusted(s.stateText()),
            pct,
            formatBytes(total >= 0 ? total : written),
            ActingUser::displayOwner(s.owner(), s.ownerVerified(), 16),
            escapeUntrusted(s.host()),
            escapeUntrusted(s.source())};
}

// The --json array streams too, byte for byte as before: "[" first, each batch's
// rows (the stored bytes, escaped, never re-serialised) as they arrive, "]" last.
// A batch is written in one block, from a buffer kept between batches.
class JsonPrinter final
{
public:
    void print(const QList<ExportLister::Row> &entries)
    {
        qsizetype size = 2;
        for (const auto &e : entries)
            size += e.json.size() + 1;
        m_out.resize(0); // keeps the capacity
        m_out.reserve(size);
        if (!m_opened) m_out += '[';
        m_opened = true;
        for (const auto &e : entries) {
            if (!e.status) {
                if (!m_out.isEmpty()) writeAll(stdout, m_out);
                m_out.resize(0);
                errLine(QStringLiteral("skipping export %1: %2").arg(e.id, e.problem));
                continue;
            }
            if (!m_first) m_out += ',';
            // A plain status is printable ASCII already: escaping would return it as is.
            m_out += e.status->isPlain() ? e.json : escapeUntrustedJson(e.json);
            m_first = false;
        }
        if (!m_out.isEmpty()) writeAll(stdout, m_out);
    }
    void finish() { writeAll(stdout, m_opened ? QByteArray("]\n") : QByteArray("[]\n")); }

private:
    QByteArray m_out;
    bool m_opened = false;
    bool m_first = true;
};

const QString statusOpt = QStringLiteral("status");
const QString ownerOpt = QStringLiteral("owner");
const QString limitOpt = QStringLiteral("limit");
const QString sinceOpt = QStringLiteral("since");
const QString sortOpt = QStringLiteral("sort");

// "90s", "15m", "2h", "1d": milliseconds; -1 when it is none of these.
qint64 parseDuration(const QString &text)
{
    if (text.size() < 2) return -1;
    const QChar unit = text.back();
    bool ok = false;
    const qint64 n = text.chopped(1).toLongLong(&ok);
    if (!ok || n < 0 || !text.front().isDigit()) return -1;
    qint64 ms = 0;
    switch (unit.toLatin1()) {
    case 's':
        ms = 1000;
        break;
    case 'm':
        ms = 60 * 1000;
        break;
    case 'h':
        ms = 3600 * 1000;
        break;
    case 'd':
        ms = 24 * 3600 * 1000;
        break;
    default:
        return -1;
    }
    if (n > std::numeric_limits<qint64>::max() / ms) return -1;
    return n * ms;
}

// The filters of `list`, read from its options. 0, or the usage error's exit code.
// configureList calls it before any server is resolved, runList again for the values.
int parseListOptions(CliContext &ctx, ExportLister::Filter *filter, bool *sorted)
{
    const QCommandLineParser &p = ctx.parser;
    auto echoed = [&](const QString &option) { return escapeUntrusted(p.value(option), 80); };
    if (p.isSet(statusOpt)) {
        for (const QString &word : p.value(statusOpt).split(QLatin1Char(','))) {
            const QString name = word.trimmed().toUpper();
            const ExportState s = stateFromName(name);
            if (s == ExportState::Unknown || s == ExportState::Queued)
                return ctx.usage(
                    QStringLiteral("--status: unknown state \"%1\" (states: CREATED, PENDING, "
                                   "COMPLETED, CANCELLED, FAILED)")
                        .arg(escapeUntrusted(word, 40)));
            filter->states.insert(s);
        }
    }
    if (p.isSet(ownerOpt)) {
        filter->owner = p.value(ownerOpt);
        if (filter->owner.isEmpty()) return ctx.usage(QStringLiteral("--owner needs a name"));
    }
    if (p.isSet(limitOpt)) {
        bool ok = false;
        const qint64 n = p.value(limitOpt).toLongLong(&ok);
        if (!ok || n < 1)
            return ctx.usage(QStringLiteral("--limit must be a number of rows from 1, not \"%1\"")
                                 .arg(echoed(limitOpt)));
        filter->limit = n;
    }
    if (p.isSet(sinceOpt)) {
        filter->sinceMs = parseDuration(p.value(sinceOpt));
        if (filter->sinceMs < 0)
            return ctx.usage(
                QStringLiteral("--since must be a duration such as 90s, 15m, 2h or 1d, not "
                               "\"%1\"")
                    .arg(echoed(sinceOpt)));
    }
    if (p.isSet(sortOpt)) {
        if (p.value(sortOpt) != QLatin1String("created"))
            return ctx.usage(
                QStringLiteral("--sort knows only \"created\", not \"%1\"").arg(echoed(sortOpt)));
        *sorted = true;
    }
    return 0;
}

} // namespace

int configureList(CliContext &ctx)
{
    ExportLister::Filter filter;
    bool sorted = false;
    return parseListOptions(ctx, &filter, &sorted);
}

int runList(CliContext &ctx)
{
    int code = 0;
    if (!ctx.args.isEmpty()) return ctx.usage(QStringLiteral("list takes no arguments"));
    ExportLister::Filter filter;
    bool sorted = false;
    if (const int c = parseListOptions(ctx, &filter, &sorted)) return c;
    if (!ctx.mayRead(&code)) return code;
    ExportStore store(ctx.endpoint, ctx.config.keys, ctx.config.timeouts);
    ExportLister lister(store);
    const QList<Column> columns{
        {QStringLiteral("ID"), 36},
        {QStringLiteral("STATUS"), 9},
        {QStringLiteral("PROGRESS"), 8, true},
        {QStringLiteral("SIZE"), 10, true},
        {QStringLiteral("OWNER"), 30}, // a name of at most 16, and " (unverified)"
        {QStringLiteral("HOST"), 20},
        {QStringLiteral("SOURCE"), 0},
    };
    TablePrinter table(columns);
    JsonPrinter json;
    qint64 printed = 0;
    auto print = [&](const QList<ExportLister::Row> &entries) {
        printed += entries.size();
        if (ctx.json) {
            json.print(entries);
            return true;
        }
        QList<QStringList> rows;
        rows.reserve(entries.size());
        for (const auto &e : entries)
            rows << rowOf(e);
        table.print(rows);
        return true;
    };
    Failure failure;
    if (sorted) {
        // Sorting needs every row: the one mode whose memory grows with the exports.
        const QList<ExportLister::Row> all = lister.collectSorted(filter, &failure);
        if (!failure && !all.isEmpty()) print(all);
    } else {
        failure = lister.stream(filter, print);
    }
    if (ctx.json) json.finish();
    if (failure) return fail(failure);
    if (!ctx.json && printed == 0)
        errLine(QStringLiteral("no exports on %1").arg(ctx.endpoint.displayName()));
    return 0;
}

} // namespace hb::cli

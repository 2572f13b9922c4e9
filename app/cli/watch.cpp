// `watch`: every export on the server, live. On a terminal, a table redrawn in
// place every half second (q or Ctrl-C quits; the terminal's mode is restored on the
// way out); otherwise one plain line per change, until SIGINT or SIGTERM. Exit 0,
// or 5 with one line on stderr when Redis is unreachable at the start. Later losses
// of the connection are shown and healed (reconnect with back-off).
#include "actinguser.h"
#include "builtins.h"
#include "clicontext.h"
#include "exportmonitor.h"
#include "exportstatus.h"
#include "humanformat.h"
#include "output.h"
#include "redisconnection.h"
#include "signalpipe.h"
#include "speedmeter.h"
#include "statussummary.h"
#include "textescape.h"

#include <QDateTime>
#include <QEventLoop>
#include <QHash>
#include <QList>
#include <QSet>
#include <QSocketNotifier>
#include <QTimer>

#include <algorithm>
#include <csignal>
#include <memory>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <vector>

namespace hb::cli {

namespace {

constexpr int redrawMs = 500; // the table's refresh

void writeOut(const QByteArray &bytes)
{
    writeFd(STDOUT_FILENO, bytes);
}

// Keys unbuffered and unechoed while the table is up; everything restored on
// destruction (also on the way out after a signal). Alternate screen, hidden cursor.
class RawTerminal final
{
public:
    RawTerminal()
    {
        if (::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &m_saved) == 0) {
            termios raw = m_saved;
            raw.c_lflag &= tcflag_t(~(ICANON | ECHO)); // ISIG kept: Ctrl-C is SIGINT
            raw.c_cc[VMIN] = 0;
            raw.c_cc[VTIME] = 0;
            m_raw = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
        }
        writeOut("\x1b[?1049h\x1b[?25l");
    }
    ~RawTerminal()
    {
        writeOut("\x1b[?25h\x1b[?1049l");
        if (m_raw) ::tcsetattr(STDIN_FILENO, TCSANOW, &m_saved);
    }
    RawTerminal(const RawTerminal &) = delete;
    RawTerminal &operator=(const RawTerminal &) = delete;
    bool keysAvailable() const { return m_raw; }

private:
    termios m_saved = {};
    bool m_raw = false;
};

QString cell(const QString &text, int width)
{
    return elide(text, width).leftJustified(width);
}

// One strings pool for the fields many exports share (owner, host): a row holds a
// reference to the pooled text, not a copy. Bounded: past kMaxPooled distinct
// values, new ones are kept per row.
class StringPool final
{
public:
    QString take(const QString &s)
    {
        if (s.isEmpty()) return {};
        const auto it = m_pool.constFind(s);
        if (it != m_pool.cend()) return *it;
        if (m_pool.size() < kMaxPooled) m_pool.insert(s);
        return s;
    }

private:
    static constexpr qsizetype kMaxPooled = 4096;
    QSet<QString> m_pool;
};

// What the table shows of one export and no more (issue 21: watching 100,000
// exports in ≤ 128 MiB), not its whole status. Speed and "stalled" as the window's
// All exports tab tells them (statussummary.h); the meter is fed only while the
// export runs (a terminal one has neither).
struct Tracked
{
    QString owner; // pooled
    QString host;  // pooled
    QString source;
    QString stateWord;   // the status word when it is none of the five
    QString cancelledBy; // pooled
    qint64 bytesTotal = -1;
    qint64 bytesWritten = 0;
    qint64 createdAtMs = -1;
    qint64 updatedAtMs = -1;
    ExportState state = ExportState::Created;
    bool ownerVerified = false;
    SpeedMeter meter;

    void update(const ExportStatus &s, StringPool &pool)
    {
        if (isTerminal(s.state))
            meter.reset();
        else
            sampleBytes(meter, bytesWritten, s.bytesWritten, QDateTime::currentMSecsSinceEpoch());
        owner = pool.take(s.owner);
        host = pool.take(s.host);
        source = s.source;
        stateWord = s.state == ExportState::Unknown ? s.rawState : QString();
        cancelledBy = pool.take(s.cancelledBy);
        bytesTotal = s.bytesTotal;
        bytesWritten = s.bytesWritten;
        createdAtMs = s.createdAt.isValid() ? s.createdAt.toMSecsSinceEpoch() : -1;
        updatedAtMs = s.updatedAt.isValid() ? s.updatedAt.toMSecsSinceEpoch() : -1;
        state = s.state;
        ownerVerified = s.ownerVerified;
    }
    // Called at each redraw, so that a silent export's speed falls to 0.
    void tick(qint64 nowMs)
    {
        if (state == ExportState::Pending) meter.addSample(bytesWritten, nowMs);
    }
    QString stateText(qint64 nowMs) const
    {
        if (stateStalled(state, meter, nowMs)) return QStringLiteral("STALLED (owner silent)");
        if (state == ExportState::Cancelled && !cancelledBy.isEmpty())
            return QStringLiteral("CANCELLED by %1").arg(escapeUntrusted(cancelledBy));
        return escapeUntrusted(state == ExportState::Unknown ? stateWord : stateName(state));
    }
    QString progress() const
    {
        if (bytesTotal > 0)
            return QStringLiteral("%1% %2")
                .arg(percentOf(bytesWritten, bytesTotal))
                .arg(formatBytes(bytesWritten));
        return formatBytes(bytesWritten);
    }
};

QByteArray plainLine(const ExportStatus &s)
{
    // Every field from the status is someone else's text: escaped, so one change
    // stays one line and nothing reaches the terminal raw.
    QString line =
        QStringLiteral("%1 %2 %3 owner=%4 host=%5 bytes=%6/%7 source=%8")
            .arg(isoTime(s.updatedAt.isValid() ? s.updatedAt : QDateTime::currentDateTimeUtc()),
                 escapeUntrusted(s.id), escapeUntrusted(s.stateText()), escapeUntrusted(s.owner),
                 escapeUntrusted(s.host))
            .arg(s.bytesWritten)
            .arg(s.bytesTotal)
            .arg(escapeUntrusted(s.source));
    if (!s.cancelledBy.isEmpty())
        line += QStringLiteral(" cancelledBy=%1").arg(escapeUntrusted(s.cancelledBy));
    if (!s.error.isEmpty()) line += QStringLiteral(" error=\"%1\"").arg(escapeUntrusted(s.error));
    // Last, so that owner=NAME stays one token: no server vouched for that name.
    if (!s.ownerVerified) line += QStringLiteral(" (owner unverified)");
    return line.toUtf8() + '\n';
}

class Watch final
{
public:
    Watch(const RedisEndpoint &endpoint, const KeyLayout &keys, bool table, int refreshMs)
        : m_monitor(endpoint, keys), m_table(table), m_server(endpoint.displayName())
    {
        QObject::connect(&m_monitor, &ExportMonitor::exportUpdated, &m_monitor,
                         [this](const ExportStatus &s) {
                             // Plain lines need nothing kept: each change is printed
                             // from its status. The table keeps a compact row.
                             if (m_table)
                                 m_exports[s.id].update(s, m_pool);
                             else
                                 writeOut(plainLine(s));
                         });
        QObject::connect(
            &m_monitor, &ExportMonitor::exportRemoved, &m_monitor, [this](const QString &id) {
                m_exports.remove(id);
                if (!m_table)
                    writeOut(QStringLiteral("%1 %2 REMOVED\n")
                                 .arg(isoTime(QDateTime::currentDateTimeUtc()), escapeUntrusted(id))
                                 .toUtf8());
            });
        QObject::connect(&m_monitor, &ExportMonitor::connectionChanged, &m_monitor,
                         [this](bool connected, const QString &message) {
                             if (!m_table && (!connected || m_wasDown))
                                 errLine(
                                     QStringLiteral("watch: %1")
                                         .arg(connected ? QStringLiteral("reconnected") : message));
                             m_wasDown = !connected;
                             m_connection = connected ? QString() : message;
                         });
        if (m_table) {
            m_redraw.setInterval(std::max(50, refreshMs));
            QObject::connect(&m_redraw, &QTimer::timeout, &m_monitor, [this] { draw(); });
            m_redraw.start();
        }
        m_monitor.start();
    }

    void draw()
    {
        winsize ws = {};
        int width = 120, height = 40;
        if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
            width = ws.ws_col;
            height = ws.ws_row;
        }
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const qint64 nowMs = now.toMSecsSinceEpoch();
        std::vector<std::pair<const QString *, Tracked *>> rows;
        rows.reserve(size_t(m_exports.size()));
        int running = 0;
        for (auto it = m_exports.begin(); it != m_exports.end(); ++it) {
            it->tick(nowMs);
            running += isTerminal(it->state) ? 0 : 1;
            rows.emplace_back(&it.key(), &it.value());
        }
        QStringList lines;
        lines << QStringLiteral("hbexporter watch — %1 — %2 exports, %3 running — %4   (q quits)")
                     .arg(m_server)
                     .arg(rows.size())
                     .arg(running)
                     .arg(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss")));
        lines << (m_connection.isEmpty() ? QString()
                                         : QStringLiteral("NOT CONNECTED: %1 (retrying)")
                                               .arg(escapeUntrusted(m_connection)));
        lines << cell(QStringLiteral("ID"), 9) + cell(QStringLiteral("OWNER"), 24) +
                     cell(QStringLiteral("HOST"), 13) + cell(QStringLiteral("STATUS"), 23) +
                     cell(QStringLiteral("PROGRESS"), 17) + cell(QStringLiteral("SPEED"), 13) +
                     cell(QStringLiteral("AGE"), 8) + cell(QStringLiteral("UPDATED"), 9) +
                     QStringLiteral("SOURCE");
        // Running ones first, then newest first; only the rows that fit are sorted.
        const size_t shown =
            std::min(rows.size(), size_t(std::max(0, height - 1 - int(lines.size()))));
        std::partial_sort(rows.begin(), rows.begin() + std::ptrdiff_t(shown), rows.end(),
                          [](const auto &a, const auto &b) {
                              const bool ra = !isTerminal(a.second->state);
                              const bool rb = !isTerminal(b.second->state);
                              if (ra != rb) return ra;
                              return a.second->createdAtMs > b.second->createdAtMs;
                          });
        for (size_t i = 0; i < shown; ++i) {
            const QString &id = *rows[i].first;
            const Tracked &t = *rows[i].second;
            const double speed = stateSpeed(t.state, t.meter, nowMs);
            lines << cell(escapeUntrusted(id.left(8)), 9) +
                         cell(ActingUser::displayOwner(t.owner, t.ownerVerified, 10), 24) +
                         cell(escapeUntrusted(t.host), 13) + cell(t.stateText(nowMs), 23) +
                         cell(t.progress(), 17) +
                         cell(speed > 0 ? formatSpeed(qint64(speed)) : QString(), 13) +
                         cell(t.createdAtMs >= 0
                                  ? formatDuration(nowMs - t.createdAtMs, DurationStyle::Compact)
                                  : QString(),
                              8) +
                         cell(t.updatedAtMs >= 0 ? QDateTime::fromMSecsSinceEpoch(t.updatedAtMs)
                                                       .toString(QStringLiteral("HH:mm:ss"))
                                                 : QString(),
                              9) +
                         escapeUntrusted(t.source);
        }
        QByteArray frame = "\x1b[H";
        for (const QString &line : std::as_const(lines))
            frame += cell(line, width).trimmed().toUtf8() + "\x1b[K\n";
        frame += "\x1b[J";
        writeOut(frame);
    }

private:
    ExportMonitor m_monitor;
    const bool m_table;
    const QString m_server;
    QHash<QString, Tracked> m_exports; // the table's rows only; plain lines keep none
    StringPool m_pool;
    QString m_connection;
    bool m_wasDown = false;
    QTimer m_redraw;
};

} // namespace

int runWatch(CliContext &ctx)
{
    if (!ctx.args.isEmpty()) return ctx.usage(QStringLiteral("watch takes no arguments"));
    int code = 0;
    if (!ctx.mayRead(&code)) return code;
    qRegisterMetaType<ExportStatus>();
    {
        RedisConnection probe(ctx.endpoint, RedisTimeouts{5000, 10000});
        if (const Failure unreachable = reachRedis(probe, {"PING"})) {
            errLine(unreachable.message);
            return 5;
        }
    }

    const bool table = ::isatty(STDOUT_FILENO);
    std::unique_ptr<RawTerminal> terminal;
    if (table) terminal = std::make_unique<RawTerminal>();
    QEventLoop loop;
    SignalPipe signalPipe({SIGINT, SIGTERM, SIGHUP}, [&loop](int) { loop.quit(); });
    std::unique_ptr<QSocketNotifier> keyNotifier;
    if (terminal && terminal->keysAvailable()) {
        keyNotifier = std::make_unique<QSocketNotifier>(STDIN_FILENO, QSocketNotifier::Read);
        QObject::connect(keyNotifier.get(), &QSocketNotifier::activated, &loop, [&loop] {
            char buf[64];
            const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
            if (n == 0) loop.quit(); // the terminal went away
            for (ssize_t i = 0; i < n; ++i) {
                if (buf[i] == 'q' || buf[i] == 'Q' || buf[i] == 3 || buf[i] == 4) loop.quit();
            }
        });
    }
    Watch watch(ctx.endpoint, ctx.config.keys, table, redrawMs);
    if (table) watch.draw();
    loop.exec();
    return 0;
}

} // namespace hb::cli

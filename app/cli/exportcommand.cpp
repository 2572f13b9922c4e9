// The shared body of `export` and `resume` (exportcommand.h).
#include "exportcommand.h"

#include "clicontext.h"
#include "exportstore.h"
#include "humanformat.h"
#include "output.h"
#include "signalpipe.h"
#include "speedmeter.h"
#include "textescape.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTimer>

#include <csignal>
#include <sys/resource.h>
#include <unistd.h>

namespace hb::cli {

// The ids in argument order, each printed once its export's keys exist and every
// earlier source's line is out.
class OrderedIds final
{
public:
    struct Entry
    {
        bool created = false;
        bool finished = false;
        ErrorCode code = ErrorCode::None;
        QByteArray line;
        qint64 written = 0;
        qint64 total = -1;
    };

    void append(const QString &id) { m_order << id; }
    Entry &operator[](const QString &id) { return m_entries[id]; }
    const QStringList &order() const { return m_order; }
    Entry at(const QString &id) const { return m_entries.value(id); }

    // Prints every line now due; beforeLine runs before each (to clear the bar).
    template <typename F> void printReady(F beforeLine)
    {
        while (m_nextToPrint < m_order.size()) {
            const Entry &e = m_entries[m_order[m_nextToPrint]];
            if (e.created) {
                beforeLine();
                outLine(e.line);
            } else if (!e.finished) {
                return; // its keys do not exist yet: later lines wait for it
            }
            ++m_nextToPrint;
        }
    }

    // The first source, in argument order, that did not complete decides.
    int exitCode() const
    {
        for (const QString &id : m_order) {
            const Entry e = m_entries.value(id);
            if (!e.finished) return 1;
            if (e.code != ErrorCode::None) return exitCodeFor(e.code);
        }
        return 0;
    }

private:
    QStringList m_order;
    QHash<QString, Entry> m_entries;
    qsizetype m_nextToPrint = 0;
};

// The progress line on a terminal's stderr: every export together. Speed, ETA and
// "stalled" from SpeedMeter (averaged over its window). A stream's total is
// unknown: no bar and no ETA, only what was written.
class ProgressLine final
{
public:
    explicit ProgressLine(bool tty) : m_tty(tty) { m_clock.start(); }

    void draw(const OrderedIds &ids, int done)
    {
        qint64 written = 0, total = 0;
        bool known = true;
        for (const QString &id : ids.order()) {
            const OrderedIds::Entry e = ids.at(id);
            written += e.written;
            if (e.total < 0)
                known = false;
            else
                total += e.total;
        }
        const qint64 now = m_clock.elapsed();
        m_meter.addSample(written, now);
        QString eta = QStringLiteral("—");
        if (m_meter.isStalled(now))
            eta = QStringLiteral("stalled");
        else if (known && m_meter.secondsLeft(total) >= 0)
            eta = QStringLiteral("ETA %1 s").arg(m_meter.secondsLeft(total));
        const QString line =
            QStringLiteral("\r%1  %2  %3  %4/%5 done\x1b[K")
                .arg(known ? bar(written, total)
                           : QStringLiteral("%1 written").arg(formatBytes(written)),
                     formatSpeed(m_meter.bytesPerSecond()), eta)
                .arg(done)
                .arg(ids.order().size());
        writeAll(stderr, line.toUtf8());
        m_shown = true;
    }

    void clear()
    {
        if (m_tty && m_shown) {
            writeAll(stderr, "\r\x1b[K");
            m_shown = false;
        }
    }

private:
    static QString bar(qint64 written, qint64 total)
    {
        constexpr int width = 30;
        const double frac = total > 0 ? double(written) / double(total) : 0.0;
        const int filled = int(frac * width);
        return QStringLiteral("[%1%2] %3%  %4 of %5")
            .arg(QString(filled, QLatin1Char('#')), QString(width - filled, QLatin1Char('.')))
            .arg(int(frac * 100))
            .arg(formatBytes(written), formatBytes(total));
    }

    const bool m_tty;
    bool m_shown = false;
    QElapsedTimer m_clock;
    SpeedMeter m_meter;
};

ExportCommand::ExportCommand(const CliContext &ctx, QObject *parent)
    : QObject(parent), m_ctx(ctx), m_exporter(ctx.config, ctx.permissions),
      m_tty(isatty(STDERR_FILENO)), m_bar(std::make_unique<ProgressLine>(m_tty)),
      m_ids(std::make_unique<OrderedIds>()),
      m_recorder(&m_exporter, &m_journal, QStringLiteral("cli"))
{
}

ExportCommand::~ExportCommand() = default;

void ExportCommand::addExport(const QString &source)
{
    m_starts.append({QString(), source});
}

void ExportCommand::addResume(const QString &id, const QString &source)
{
    m_starts.append({id, source});
}

int ExportCommand::run()
{
    // The journal is written before each export's first data command
    // (JournalRecorder); a problem with it is told once, and the exports go on.
    QObject::connect(&m_recorder, &JournalRecorder::problem, this, [this](const QString &why) {
        m_bar->clear();
        errLine(QStringLiteral("warning: %1").arg(why));
    });
    QObject::connect(&m_exporter, &Exporter::exportCreated, this,
                     [this](const QString &id, const ExportStatus &s) {
                         OrderedIds::Entry &e = (*m_ids)[id];
                         e.created = true;
                         e.line = m_ctx.json ? escapeUntrustedJson(s.toJson()) : id.toLatin1();
                         e.total = s.bytesTotal;
                         e.written = s.bytesWritten;
                         printReady();
                     });
    QObject::connect(&m_exporter, &Exporter::progress, this,
                     [this](const QString &id, qint64 written, qint64 total) {
                         (*m_ids)[id].written = written;
                         (*m_ids)[id].total = total;
                     });
    QObject::connect(&m_exporter, &Exporter::exportFinished, this,
                     [this](const QString &id, const ExportStatus &s, ErrorCode code,
                            const QString &message) { onFinished(id, s, code, message); });
    QObject::connect(&m_exporter, &Exporter::idle, qApp, [] { QCoreApplication::exit(0); });

    // SIGHUP too: a closed terminal stops the exports cleanly (CANCELLED). Only a
    // process that cannot stop (kill -9, a crash) leaves one to resume.
    SignalPipe signalPipe({SIGINT, SIGTERM, SIGHUP}, [this](int) { onInterrupt(); });

    QTimer barTimer;
    if (m_tty) {
        QObject::connect(&barTimer, &QTimer::timeout, this,
                         [this] { m_bar->draw(*m_ids, m_done); });
        barTimer.start(200);
    }
    for (const Start &start : std::as_const(m_starts)) {
        if (start.id.isEmpty()) {
            m_ids->append(m_exporter.startExport(start.source));
        } else {
            m_ids->append(start.id);
            m_exporter.resumeExport(start.id, start.source);
        }
    }
    if (!m_exporter.isIdle()) QCoreApplication::exec();
    m_bar->clear();
    if (m_ctx.verbose) {
        rusage usage = {};
        getrusage(RUSAGE_SELF, &usage);
        errLine(QStringLiteral("peak memory (max RSS): %1 KiB").arg(usage.ru_maxrss));
    }
    return m_ids->exitCode();
}

void ExportCommand::printReady()
{
    m_ids->printReady([this] { m_bar->clear(); });
}

void ExportCommand::onInterrupt()
{
    if (m_interrupted) {
        errLine(QStringLiteral("interrupted again: exiting without waiting"));
        ::_exit(130);
    }
    m_interrupted = true;
    m_bar->clear();
    errLine(QStringLiteral("interrupted: cancelling %1 export(s)…")
                .arg(m_exporter.runningCount() + m_exporter.queuedCount()));
    m_exporter.cancelAll();
}

void ExportCommand::onFinished(const QString &id, const ExportStatus &s, ErrorCode code,
                               const QString &message)
{
    m_bar->clear();
    OrderedIds::Entry &e = (*m_ids)[id];
    e.finished = true;
    e.code = code;
    e.written = s.bytesWritten;
    ++m_done;
    if (code == ErrorCode::None && !e.created && !message.isEmpty()) {
        errLine(message); // a resume with nothing to do: "already COMPLETED"
    } else if (code == ErrorCode::None) {
        if (m_tty || m_ctx.verbose)
            errLine(QStringLiteral("COMPLETED %1  %2  %3")
                        .arg(id, s.source, formatBytes(s.bytesWritten)));
    } else if (e.created && s.state == ExportState::Cancelled) {
        errLine(QStringLiteral("CANCELLED %1  %2  after %3 (%4)")
                    .arg(id, s.source, formatBytes(s.bytesWritten), message));
    } else {
        errLine(message.isEmpty() ? QStringLiteral("export %1 failed").arg(id) : message);
    }
    printReady();
}

} // namespace hb::cli

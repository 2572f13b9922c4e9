#pragma once

#include "exporter.h"
#include "journal.h"
#include "journalrecorder.h"

#include <QList>
#include <QObject>
#include <QString>

#include <memory>

namespace hb::cli {

class CliContext;
class OrderedIds;
class ProgressLine;

// What `export` and `resume` share: an Exporter driven to idle, one stdout line per
// export in the order started (the id, or its status JSON) as soon as its keys
// exist (or, resumed, its takeover won), progress on a terminal's stderr, the
// local journal kept (issue 22: before the first data command and at every
// transition), and SIGINT, SIGTERM and SIGHUP running the stop sequence.
class ExportCommand final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportCommand)
public:
    explicit ExportCommand(const CliContext &ctx, QObject *parent = nullptr);
    ~ExportCommand() override;

    void addExport(const QString &source);
    void addResume(const QString &id, const QString &source);
    // Runs until every export ended; the exit code of the first, in order, that did
    // not complete (CONTRACT §6).
    int run();

private:
    void printReady();
    void onInterrupt();
    void onFinished(const QString &id, const ExportStatus &s, ErrorCode code,
                    const QString &message);

    const CliContext &m_ctx;
    Exporter m_exporter;
    const bool m_tty;
    std::unique_ptr<ProgressLine> m_bar;
    std::unique_ptr<OrderedIds> m_ids;
    Journal m_journal;
    JournalRecorder m_recorder;
    struct Start
    {
        QString id; // empty: a new export of source
        QString source;
    };
    QList<Start> m_starts;
    bool m_interrupted = false;
    int m_done = 0;
};

} // namespace hb::cli

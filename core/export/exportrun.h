#pragma once

#include "chunkreader.h"
#include "connectionrecovery.h"
#include "ending.h"
#include "exportjob.h"
#include "finalstatus.h"
#include "helddata.h"
#include "redisconnection.h"
#include "resumepoint.h"
#include "segmentwriter.h"
#include "statuswriter.h"
#include "terminalwriter.h"

#include <QElapsedTimer>

#include <memory>

namespace hb {

// The body of one export, on the job's thread: a driver over its phases
//   open     the source, PENDING before the first byte;
//   stream   chunks into the pipeline (SegmentWriter), with the progress heartbeat,
//            the data TTL refresh and the master check on their timers;
//   verify   every acknowledged byte still held (a failover may rewind: stream again);
//   drain    the stop sequence's steps 1-3: close the source, send nothing more,
//            collect the replies of what was sent;
//   settle   step 4: verify or settle the data, compose the final status;
//   terminal compare-and-set it, then finished().
// Reading (ChunkReader), reconnecting (ConnectionRecovery), the held-data check
// (HeldData), the final status (FinalStatus) and its write (TerminalWriter) are
// pieces of their own; what ends the export is decided here, in one Ending.
class ExportRun final
{
public:
    explicit ExportRun(ExportJob &job);
    void run();

private:
    using Final = FinalStatus::Final;
    // The phases.
    bool open();
    bool continueFromHeld();
    void stream();
    bool verify();
    void drain();
    Final settle();
    SegmentData::Result verifyHeld(const ExportStatus &target);
    Final terminal(Final final);
    void report(const Final &final);

    void fail(ErrorCode code, const QString &message, bool redisDown = false)
    {
        m_end.add({Ending::Why::Failed, code, message, redisDown});
    }
    void fail(const Failure &f, bool redisDown = false) { fail(f.code, f.message, redisDown); }
    void cancelHere(const QString &when = {});
    bool running() const { return m_end.running(); }
    bool killRequested() const { return m_job.m_kill.load(std::memory_order_relaxed); }

    // Streaming.
    void sendNextChunk();
    void handleAck(SegmentWriter::Ack ack);
    void writeProgress();
    void refreshDataTtls();
    // A status found in Redis that is not the one we wrote: adopt it or end.
    void onForeignStatus(const StatusWriter::Result &conflict);

    // Recovery.
    bool reconnect(const RedisError &cause);
    ConnectionRecovery::Resync resync(RedisError &last);
    // Reconnects when the sentinels name another master; true when it did.
    bool followFailover();

    ExportStatus snapshot(ExportState state) const;
    void emitProgress(bool force);
    qint64 acked() const { return m_writer ? m_writer->acked() : 0; }

    ExportJob &m_job;
    const ExporterConfig &m_cfg;
    RedisConnection m_conn;
    StatusWriter m_status;
    ConnectionRecovery m_recovery;
    HeldData m_held;
    std::unique_ptr<ChunkReader> m_reader;
    std::unique_ptr<SegmentWriter> m_writer;
    ExportStatus m_current; // what we last wrote (or adopted)
    Ending m_end;
    QElapsedTimer m_clock;
    qint64 m_nextSignalMs = 0;
    // The 5 s rule (docs/RESUME.md §5): data only this soon after a status write
    // that applied.
    static constexpr qint64 maxSilenceBeforeDataMs = 5000;
    qint64 m_lastStatusAppliedMs = 0;
};

} // namespace hb

#include "exportrun.h"

#include "exportsource.h"
#include "logging.h"
#include "segmentdata.h"

namespace hb {

ExportRun::ExportRun(ExportJob &job)
    : m_job(job), m_cfg(job.m_config), m_conn(job.m_config.endpoint, job.m_config.timeouts),
      m_status(m_conn, job.m_config.keys, job.m_config.ttlSeconds),
      m_recovery(m_conn, job.m_prepared.id, job.m_config.maxReconnects,
                 [this] { return killRequested(); }),
      m_held(m_conn, job.m_config.ttlSeconds, job.m_config.maxReconnects),
      m_current(job.m_prepared.status)
{
    m_status.adopt(job.m_prepared.storedJson);
    // On a cluster: the master of the export's slot; a MOVED comes back as an error,
    // so that reconnect() checks what the new master holds before resending.
    m_conn.setRoutingKey(m_cfg.keys.statusKey(m_current.id));
    m_conn.setFollowMoved(false);
}

void ExportRun::run()
{
    m_clock.start();
    // Read to the end, then make sure the server holds it all before settling.
    if (open()) {
        while (running()) {
            stream();
            if (!running() || verify()) break;
        }
    }
    drain();
    report(terminal(settle()));
}

void ExportRun::cancelHere(const QString &when)
{
    m_end.add(
        {Ending::Why::LocalCancel, ErrorCode::Cancelled, cancelledByMessage(m_cfg.user, when)});
}

ExportStatus ExportRun::snapshot(ExportState state) const
{
    ExportStatus s = m_current;
    s.state = state;
    s.bytesWritten = acked();
    s.updatedAt = QDateTime::currentDateTimeUtc();
    return s;
}

void ExportRun::emitProgress(bool force)
{
    const qint64 now = m_clock.elapsed();
    if (!force && now < m_nextSignalMs) return;
    m_nextSignalMs = now + m_cfg.signalIntervalMs;
    m_job.reportProgress(acked(), m_current.bytesTotal);
}

// open: the source, the writer, and PENDING before the first byte.
bool ExportRun::open()
{
    if (killRequested()) {
        cancelHere(QStringLiteral("before it started"));
        return false;
    }
    m_reader = std::make_unique<ChunkReader>(createSource(m_job.m_prepared.source), *m_job.m_budget,
                                             m_cfg.effectiveChunkSize(),
                                             [this] { return killRequested(); });
    if (!m_reader->open()) {
        fail(ErrorCode::Failed, m_reader->errorString());
        return false;
    }
    m_current.source = m_reader->displayName();
    m_current.bytesTotal = m_reader->size();
    m_writer = std::make_unique<SegmentWriter>(m_conn,
                                               SegmentLayout::forWriting(m_cfg.keys, m_current.id,
                                                                         m_current.segmentBytes,
                                                                         m_current.bytesTotal),
                                               m_cfg.ttlSeconds, m_cfg.window);
    if (m_job.m_prepared.resumed && !continueFromHeld()) return false;
    // PENDING before the first byte: bytes are about to flow.
    writeProgress();
    return true;
}

// A resumed export (docs/RESUME.md §5): it goes on where ResumePoint finds, the
// writer and the recovery told that everything before it is held.
bool ExportRun::continueFromHeld()
{
    ResumePoint::Result at;
    for (;;) {
        at = ResumePoint::find(m_conn, m_writer->layout(), m_current.bytesTotal, m_cfg.ttlSeconds,
                               *m_reader, isUrlSource(m_job.m_prepared.source));
        if (!at.transport || !reconnect(m_conn.lastError()) || !running()) break;
    }
    if (at.failure) {
        if (killRequested())
            cancelHere();
        else if (running())
            fail(at.failure);
        return false;
    }
    m_writer->startAt(at.offset);
    m_recovery.acknowledged(at.offset);
    m_current.bytesTotal = m_reader->size();
    qCInfo(lcExport).noquote() << "export" << m_current.id << "resumed at offset" << at.offset
                               << "of" << m_current.bytesTotal << "(held in Redis)";
    // The first write of this run is its transition to PENDING, for this process.
    m_current.state = ExportState::Created;
    emitProgress(true);
    return true;
}

// stream: until the source ends or the export does, on three timers.
void ExportRun::stream()
{
    qint64 nextStatusMs = m_clock.elapsed() + m_cfg.progressIntervalMs;
    // Data keys written long ago: their TTL refreshed every TTL/3 (CONTRACT §4).
    const qint64 refreshEveryMs = std::max<qint64>(1000, qint64(m_cfg.ttlSeconds) * 1000 / 3);
    qint64 nextRefreshMs = refreshEveryMs;
    // Behind sentinels, a failover leaves the old master taking writes until the
    // sentinels reconfigure it: ask them once a second who the master is.
    constexpr qint64 masterCheckEveryMs = 1000;
    qint64 nextMasterCheckMs = masterCheckEveryMs;

    while (true) {
        if (killRequested()) cancelHere();
        if (!running()) return;
        const qint64 now = m_clock.elapsed();
        if (now >= nextStatusMs) {
            writeProgress(); // progress, heartbeat and the status TTL in one
            nextStatusMs = m_clock.elapsed() + m_cfg.progressIntervalMs;
            continue;
        }
        if (now >= nextRefreshMs) {
            refreshDataTtls();
            nextRefreshMs = m_clock.elapsed() + refreshEveryMs;
            continue;
        }
        if (now >= nextMasterCheckMs) {
            nextMasterCheckMs = m_clock.elapsed() + masterCheckEveryMs;
            if (followFailover()) continue;
        }
        emitProgress(false);
        if (!m_reader->atEnd() && m_writer->canSend()) {
            sendNextChunk();
            continue;
        }
        if (m_writer->hasInFlight()) {
            handleAck(m_writer->readOne());
            continue;
        }
        if (m_reader->atEnd()) return;
    }
}

void ExportRun::sendNextChunk()
{
    const qint64 at = m_writer->sent();
    bool error = false;
    QByteArray chunk =
        m_reader->read(at, m_writer->maxChunkAt(at, m_reader->nextChunkSize()), &error);
    if (error) return fail(ErrorCode::Failed, m_reader->errorString());
    if (chunk.isEmpty()) return;
    // The 5 s rule (docs/RESUME.md §5): after a long silence (SIGSTOP, a suspended
    // laptop) the status goes first, and one that finds another owner ends the run.
    if (m_clock.elapsed() - m_lastStatusAppliedMs > maxSilenceBeforeDataMs) {
        writeProgress();
        if (!running()) return;
    }
    if (!m_writer->send(std::move(chunk))) reconnect(m_writer->error());
}

void ExportRun::handleAck(SegmentWriter::Ack ack)
{
    switch (ack) {
    case SegmentWriter::Ack::Acknowledged:
        m_recovery.acknowledged(m_writer->acked());
        break;
    case SegmentWriter::Ack::Transport:
        reconnect(m_writer->error());
        break;
    case SegmentWriter::Ack::Refused:
        fail(Failure::ofExport(m_writer->error()));
        break;
    case SegmentWriter::Ack::Vanished:
        fail(ErrorCode::Failed, QStringLiteral("a data segment vanished while it was written "
                                               "(expired, evicted or deleted)"));
        break;
    }
}

void ExportRun::writeProgress()
{
    handleAck(m_writer->drain());
    if (!running() || m_writer->hasInFlight())
        return; // a reconnect is under way; the next heartbeat writes
    const ExportStatus next = snapshot(ExportState::Pending);
    const StatusWriter::Result r = m_status.write(next);
    switch (r.outcome) {
    case StatusWriter::Result::Outcome::Applied: {
        m_lastStatusAppliedMs = m_clock.elapsed();
        const bool transition = m_current.state != ExportState::Pending;
        m_current = next;
        if (transition) {
            m_job.reportState(ExportState::Pending);
            Q_EMIT m_job.statusChanged(next.id, next);
        }
        break;
    }
    case StatusWriter::Result::Outcome::Conflict:
        onForeignStatus(r);
        break;
    case StatusWriter::Result::Outcome::Error:
        if (r.error.isTransport())
            reconnect(r.error);
        else
            fail(Failure::ofExport(r.error));
        break;
    }
}

void ExportRun::refreshDataTtls()
{
    handleAck(m_writer->drain());
    if (!running() || m_writer->hasInFlight()) return;
    bool redisDown = false;
    const Failure f = m_held.refreshTtls(*m_writer, &redisDown);
    if (f) fail(f, redisDown);
}

void ExportRun::onForeignStatus(const StatusWriter::Result &conflict)
{
    if (!conflict.current) return fail(ErrorCode::Failed, conflict.problem);
    m_status.adopt(conflict.currentJson);
    // A non-terminal status changed by someone else: adopted; the next write replaces it.
    const Ending foreign = Ending::ofForeign(*conflict.current, m_current.ownerToken);
    if (!foreign.running()) m_end.add(foreign);
}

bool ExportRun::reconnect(const RedisError &cause)
{
    const ConnectionRecovery::Hooks hooks{[this] { cancelHere(); },
                                          [this](RedisError &last) { return resync(last); }};
    const ConnectionRecovery::Outcome out =
        m_recovery.recover(cause, m_recovery.failsOver(), acked(), hooks);
    if (out.reconnected()) {
        qCInfo(lcExport).noquote() << "export" << m_current.id << "reconnected to"
                                   << m_conn.serverName() << "; resuming at offset" << acked();
        return true;
    }
    // Never resent, the chunks in flight are on no connection: whatever ends the
    // export now must not wait for their replies on a new one.
    if (m_writer) m_writer->dropInFlight();
    if (out.failure) fail(out.failure, true);
    return false;
}

ConnectionRecovery::Resync ExportRun::resync(RedisError &last)
{
    using Resync = ConnectionRecovery::Resync;
    // Is the export still ours?
    const StatusWriter::Result stored = m_status.compareStored(
        m_current.id, QStringLiteral("the status key vanished during a reconnect "
                                     "(the server restarted or lost it in a failover)"));
    if (stored.outcome == StatusWriter::Result::Outcome::Error) {
        last = stored.error; // e.g. "max number of clients reached": try again
        m_conn.disconnect();
        return Resync::Retry;
    }
    if (stored.outcome == StatusWriter::Result::Outcome::Conflict)
        onForeignStatus(stored);
    else
        m_lastStatusAppliedMs = m_clock.elapsed(); // still ours, as of now
    // Is what was acknowledged still there (a failover may have lost some)?
    if (m_writer && running() && m_writer->acked() > 0) {
        const HeldData::Outcome held = m_held.findGapAndRewind(*m_writer, *m_reader);
        if (held.verdict == HeldData::Verdict::Ended) {
            fail(held.failure);
            return Resync::Stop;
        }
        if (held.verdict == HeldData::Verdict::Broken) {
            last = m_conn.lastError();
            m_conn.disconnect();
            return Resync::Retry;
        }
    }
    if (!running() && m_end.why != Ending::Why::LocalCancel) return Resync::Stop;
    // Resend what was never acknowledged: every chunk write is idempotent.
    if (m_writer && !m_writer->resend()) {
        last = m_writer->error();
        m_conn.disconnect();
        return Resync::Retry;
    }
    return Resync::Resumed;
}

bool ExportRun::followFailover()
{
    const std::optional<RedisError> moved = m_recovery.newMaster();
    if (!moved) return false;
    reconnect(*moved);
    return true;
}

// verify: every acknowledged byte held before settling; false to stream again
// (rewound, reconnecting) or when the export ended.
bool ExportRun::verify()
{
    handleAck(m_writer->drain());
    if (!running() || m_writer->hasInFlight()) return false; // ended, or reconnecting
    // Before COMPLETED: still the master? (CONTRACT §9)
    if (followFailover()) return false;
    const HeldData::Outcome held = m_held.findGapAndRewind(*m_writer, *m_reader);
    switch (held.verdict) {
    case HeldData::Verdict::All:
        return true;
    case HeldData::Verdict::Broken:
        reconnect(m_conn.lastError());
        return false;
    case HeldData::Verdict::Ended:
        fail(held.failure);
        return false;
    case HeldData::Verdict::Rewound:
        return false;
    }
    return false;
}

// drain: the stop sequence's steps 1-3.
void ExportRun::drain()
{
    // (1) stop reading and close the source.
    const bool sourceDone = m_reader && m_reader->atEnd();
    if (m_reader && running() && sourceDone && !m_reader->verifyUnchanged())
        fail(ErrorCode::Failed, m_reader->errorString());
    if (m_reader) m_reader->close();
    // (2) send nothing more; (3) collect the replies of what was sent.
    while (m_writer && m_writer->hasInFlight()) {
        const SegmentWriter::Ack ack = m_writer->readOne();
        if (ack == SegmentWriter::Ack::Transport) {
            // What was not acknowledged is not part of the export.
            m_writer->dropInFlight();
            fail(ErrorCode::Failed, m_writer->error().message,
                 m_writer->error().kind == RedisError::Kind::Timeout);
        } else if (ack != SegmentWriter::Ack::Acknowledged) {
            handleAck(ack);
        }
    }
    if (running() && m_current.bytesTotal >= 0 && acked() != m_current.bytesTotal)
        fail(ErrorCode::Failed, QStringLiteral("source changed during export: read %1 of %2 bytes")
                                    .arg(acked())
                                    .arg(m_current.bytesTotal));
}

// settle: step 4's data, verified (to complete) or settled to what was acknowledged,
// and the final status composed from the Ending.
ExportRun::Final ExportRun::settle()
{
    if (m_end.redisDown) return FinalStatus::unwritten(m_end.code, m_end.message);
    if (m_end.why == Ending::Why::ForeignTerminal)
        return {Final::Kind::Foreign, m_end.foreign, m_end.code, m_end.message};
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const ExportStatus ours = snapshot(ExportState::Completed);
    // The data as recorded in the status to be written (a remote canceller's).
    const ExportStatus &target = m_end.why == Ending::Why::RemoteCancel ? m_end.foreign : ours;
    if (!m_conn.ensureConnected())
        return FinalStatus::unwritten(running() ? ErrorCode::Redis : m_end.code,
                                      running() ? m_conn.lastError().message : m_end.message);
    // Everything read and acknowledged: seen at full length, every segment? (A
    // reconnect while checking may end the export: then it is settled instead.)
    const SegmentData::Result held = running() ? verifyHeld(target) : SegmentData::Result{};
    if (running()) {
        const QString digest = held.failure ? QString() : m_reader->finishHash();
        const Failure problem =
            FinalStatus::verificationFailure(held.failure, digest, m_reader->hashError());
        if (!problem) return FinalStatus::compose(m_end, ours, held, digest, m_cfg.user, now);
        fail(problem);
    }
    const SegmentData::Result settled = SegmentData::settle(
        m_conn, m_cfg.keys, target.id, target.segmentBytes, acked(), m_cfg.ttlSeconds);
    return FinalStatus::compose(m_end, ours, settled, {}, m_cfg.user, now);
}

// The check before COMPLETED. A connection dropped under it is reconnected like
// one dropped while streaming, and the check runs again (its commands only read
// and refresh TTLs); a reconnect that found acknowledged data gone ends the export.
SegmentData::Result ExportRun::verifyHeld(const ExportStatus &target)
{
    const qint64 bytes = acked();
    for (;;) {
        const SegmentData::Result held = SegmentData::verify(
            m_conn, m_cfg.keys, target.id, target.segmentBytes, bytes, m_cfg.ttlSeconds);
        if (!held.failure || !m_conn.lastError().isTransport()) return held;
        if (!reconnect(m_conn.lastError()) || !running()) return held;
        if (acked() != bytes) {
            fail(ErrorCode::Failed,
                 QStringLiteral("the server lost acknowledged data during the final check"));
            return held;
        }
    }
}

// terminal: the compare-and-set of the final status, with its retries.
ExportRun::Final ExportRun::terminal(Final final)
{
    if (final.kind != Final::Kind::ToWrite) return final;
    return TerminalWriter(m_conn, m_status, m_cfg.keys, m_cfg.ttlSeconds).write(std::move(final));
}

void ExportRun::report(const Final &final)
{
    if (final.kind == Final::Kind::Written) {
        m_current = final.status;
        Q_EMIT m_job.statusChanged(final.status.id, final.status);
    }
    if (final.kind == Final::Kind::Written || final.kind == Final::Kind::Foreign)
        return m_job.reportFinished(final.status, final.code, final.message);
    // Redis could not be told: the job ends with what it knows, the status in Redis
    // expires with its TTL.
    const bool cancelled = final.code == ErrorCode::Cancelled;
    ExportStatus s = snapshot(cancelled ? ExportState::Cancelled : ExportState::Failed);
    s.error = cancelled ? QString() : final.message;
    m_job.reportFinished(s, final.code, final.message);
}

} // namespace hb

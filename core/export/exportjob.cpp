#include "exportjob.h"

#include "exportsource.h"
#include "logging.h"
#include "redisconnection.h"
#include "segmentdata.h"
#include "segmentwriter.h"
#include "sha256.h"
#include "speedmeter.h"
#include "statuswriter.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QThread>

namespace hb {

// The body of one export, on the job's thread: reads the source, feeds the chunk
// pipeline (SegmentWriter), writes progress through the StatusWriter, and runs the
// stop sequence. Kept out of the header: callers need the job, not its loop.
class ExportRun final
{
public:
    explicit ExportRun(ExportJob &job);
    void run();

private:
    // Why the export ends, decided in one place (end()): the status in Redis
    // outranks what happens here. Another process's terminal status wins over all;
    // a remote cancel over a local cancel or a failure; otherwise the first reason.
    struct Ending
    {
        enum class Why { Running, LocalCancel, RemoteCancel, Failed, ForeignTerminal };
        Why why = Why::Running;
        ErrorCode code = ErrorCode::None;
        QString message;
        bool redisDown = false; // nothing more can be written
        ExportStatus foreign;   // RemoteCancel, ForeignTerminal: as stored
    };
    void end(Ending::Why why, ErrorCode code, const QString &message, bool redisDown = false,
             const ExportStatus &foreign = {});
    void fail(ErrorCode code, const QString &message, bool redisDown = false)
    {
        end(Ending::Why::Failed, code, message, redisDown);
    }
    bool running() const { return m_end.why == Ending::Why::Running; }
    bool killRequested() const { return m_job.m_kill.load(std::memory_order_relaxed); }

    void stream();
    QByteArray readChunk(qint64 want, bool *error);
    void handleAck(SegmentWriter::Ack ack);
    void writeProgress();
    void refreshDataTtls();
    // A status found in Redis that is not the one we wrote: adopt it or end.
    void onForeignStatus(const StatusWriter::Result &conflict);
    bool reconnect(const RedisError &cause);
    // After a reconnect or at the end: is every acknowledged byte still held? Where
    // not (a failover lost writes), rewinds to the first gap to write it again.
    // False when the export cannot go on (it has ended, or Redis broke again).
    bool checkHeld();
    // Reconnects when the sentinels name another master; true when it did.
    bool followFailover();
    enum class Held { All, Rewound, Broken, Ended };
    Held findGapAndRewind(); // nothing in flight is read: the caller drained or reconnected
    bool rewindTo(qint64 offset);
    // Failing over takes sentinels or a cluster seconds: a silent server is worth
    // waiting for there, where a single server's silence is not.
    bool failsOver() const
    {
        return m_cfg.endpoint.kind == RedisEndpoint::Kind::Sentinel || m_conn.isCluster();
    }
    bool sleepUnlessKilled(int ms);

    void stopSequence();
    void writeTerminal(ExportStatus next, ErrorCode code, QString message);
    void finish(const ExportStatus &status, ErrorCode code, const QString &message);
    void finishUnwritten(ErrorCode code, const QString &message);
    ExportStatus snapshot(ExportState state) const;
    void emitProgress(bool force);

    ExportJob &m_job;
    const ExporterConfig &m_cfg;
    RedisConnection m_conn;
    StatusWriter m_status;
    std::unique_ptr<ExportSource> m_source;
    std::unique_ptr<SegmentWriter> m_writer;
    BackgroundSha256 m_sha;
    ExportStatus m_current; // what we last wrote (or adopted)
    Ending m_end;
    int m_reconnects = 0; // since the acknowledged offset last moved
    qint64 m_ackedAtLastReconnect = -1;
    qint64 m_hashedUpTo = 0; // bytes handed to m_sha (a rewind reads some again)
    int m_rewinds = 0;
    QElapsedTimer m_clock;
    qint64 m_nextSignalMs = 0;
};

ExportRun::ExportRun(ExportJob &job)
    : m_job(job), m_cfg(job.m_config), m_conn(job.m_config.endpoint, job.m_config.timeouts),
      m_status(m_conn, job.m_config.keys, job.m_config.ttlSeconds), m_current(job.m_prepared.status)
{
    m_status.adopt(job.m_prepared.storedJson);
    // On a cluster: the master of the export's slot; a MOVED comes back as an error,
    // so that reconnect() checks what the new master holds before resending.
    m_conn.setRoutingKey(m_cfg.keys.statusKey(m_current.id));
    m_conn.setFollowMoved(false);
}

void ExportRun::end(Ending::Why why, ErrorCode code, const QString &message, bool redisDown,
                    const ExportStatus &foreign)
{
    using Why = Ending::Why;
    const bool replace = m_end.why == Why::Running || why == Why::ForeignTerminal ||
                         (why == Why::RemoteCancel && m_end.why != Why::ForeignTerminal);
    if (!replace) {
        m_end.redisDown = m_end.redisDown || redisDown;
        return;
    }
    m_end = {why, code, message, redisDown || m_end.redisDown, foreign};
}

ExportStatus ExportRun::snapshot(ExportState state) const
{
    ExportStatus s = m_current;
    s.state = state;
    s.bytesWritten = m_writer ? m_writer->acked() : 0;
    s.updatedAt = QDateTime::currentDateTimeUtc();
    return s;
}

void ExportRun::emitProgress(bool force)
{
    const qint64 now = m_clock.elapsed();
    if (!force && now < m_nextSignalMs) return;
    m_nextSignalMs = now + m_cfg.signalIntervalMs;
    m_job.reportProgress(m_writer ? m_writer->acked() : 0, m_current.bytesTotal);
}

void ExportRun::run()
{
    m_clock.start();
    if (killRequested()) {
        end(Ending::Why::LocalCancel, ErrorCode::Cancelled,
            QStringLiteral("cancelled by %1 before it started").arg(m_cfg.user));
        return stopSequence();
    }
    m_source = createSource(m_job.m_prepared.source);
    if (!m_source->open()) {
        fail(ErrorCode::Failed, m_source->errorString());
        return stopSequence();
    }
    m_current.source = m_source->displayName();
    m_current.bytesTotal = m_source->size();
    m_writer = std::make_unique<SegmentWriter>(m_conn,
                                               SegmentLayout::forWriting(m_cfg.keys, m_current.id,
                                                                         m_current.segmentBytes,
                                                                         m_current.bytesTotal),
                                               m_cfg.ttlSeconds, m_cfg.window);
    // PENDING before the first byte: bytes are about to flow.
    writeProgress();
    // Read to the end, then make sure the server holds it all before settling.
    while (running()) {
        stream();
        if (!running() || checkHeld()) break;
    }
    stopSequence();
}

QByteArray ExportRun::readChunk(qint64 want, bool *error)
{
    // Gathers up to `want` bytes: a stream that delivers little at a time (a pipe)
    // still makes chunks of a useful size, but never waits more than 100 ms with
    // bytes in hand, so a slow stream still shows progress.
    QByteArray buffer(want, Qt::Uninitialized);
    qint64 filled = 0;
    QElapsedTimer waited;
    waited.start();
    BandwidthBudget &budget = *m_job.m_budget;
    while (filled < want && !m_source->atEnd() && !killRequested()) {
        const qint64 granted = budget.take(want - filled, 20);
        if (granted <= 0) {
            if (filled > 0 || waited.elapsed() >= 50) break;
            continue;
        }
        const qint64 n = m_source->read(buffer.data() + filled, granted, 20);
        if (n < 0) {
            *error = true;
            return {};
        }
        budget.giveBack(granted - n);
        filled += n;
        if (waited.elapsed() >= (filled > 0 ? 100 : 50)) break;
    }
    buffer.truncate(filled);
    return buffer;
}

void ExportRun::handleAck(SegmentWriter::Ack ack)
{
    switch (ack) {
    case SegmentWriter::Ack::Acknowledged:
        if (m_writer->acked() != m_ackedAtLastReconnect) m_reconnects = 0;
        break;
    case SegmentWriter::Ack::Transport:
        reconnect(m_writer->error());
        break;
    case SegmentWriter::Ack::Refused: {
        const Failure f = Failure::fromRedis(m_writer->error());
        fail(f.code == ErrorCode::PermissionDenied ? ErrorCode::PermissionDenied
                                                   : ErrorCode::Failed,
             m_writer->error().message);
        break;
    }
    case SegmentWriter::Ack::Vanished:
        fail(ErrorCode::Failed, QStringLiteral("a data segment vanished while it was written "
                                               "(expired, evicted or deleted)"));
        break;
    }
}

void ExportRun::stream()
{
    const qint64 chunkSize = m_cfg.effectiveChunkSize();
    qint64 nextStatusMs = m_clock.elapsed() + m_cfg.progressIntervalMs;
    // Data keys get their TTL with every write; the ones written long ago are
    // refreshed at least every TTL/3 (CONTRACT §4).
    const qint64 refreshEveryMs = std::max<qint64>(1000, qint64(m_cfg.ttlSeconds) * 1000 / 3);
    qint64 nextRefreshMs = refreshEveryMs;
    // Behind sentinels, a failover leaves the old master taking writes until the
    // sentinels reconfigure it: ask them once a second who the master is.
    constexpr qint64 masterCheckEveryMs = 1000;
    qint64 nextMasterCheckMs = masterCheckEveryMs;

    while (true) {
        if (killRequested())
            end(Ending::Why::LocalCancel, ErrorCode::Cancelled,
                QStringLiteral("cancelled by %1").arg(m_cfg.user));
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
        if (!m_source->atEnd() && m_writer->canSend()) {
            const qint64 rate = m_job.m_budget->rate();
            // Throttled, a chunk is about an eighth of a second: smooth progress.
            const qint64 size =
                rate > 0 ? std::clamp<qint64>(rate / 8, 1024, chunkSize) : chunkSize;
            bool error = false;
            QByteArray chunk = readChunk(m_writer->maxChunkAt(m_writer->sent(), size), &error);
            if (error) {
                fail(ErrorCode::Failed, m_source->errorString());
                return;
            }
            if (chunk.isEmpty()) continue;
            // Hashed on another thread while Redis stores it (a shared copy). After a
            // rewind, bytes read again were hashed the first time.
            const qint64 at = m_writer->sent();
            if (at + chunk.size() > m_hashedUpTo) {
                m_sha.add(at >= m_hashedUpTo ? chunk : chunk.mid(m_hashedUpTo - at));
                m_hashedUpTo = at + chunk.size();
            }
            if (!m_writer->send(std::move(chunk))) reconnect(m_writer->error());
            continue;
        }
        if (m_writer->hasInFlight()) {
            handleAck(m_writer->readOne());
            continue;
        }
        if (m_source->atEnd()) return;
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
        if (r.error.isTransport()) {
            reconnect(r.error);
        } else {
            const Failure f = Failure::fromRedis(r.error);
            fail(f.code == ErrorCode::PermissionDenied ? f.code : ErrorCode::Failed,
                 r.error.message);
        }
        break;
    }
}

void ExportRun::refreshDataTtls()
{
    handleAck(m_writer->drain());
    if (!running() || m_writer->hasInFlight()) return;
    qint64 missing = 0;
    const SegmentData::Result r = SegmentData::refreshTtls(
        m_conn, m_writer->layout(), m_writer->acked(), m_cfg.ttlSeconds, &missing);
    if (r.failure)
        fail(r.failure.code == ErrorCode::PermissionDenied ? r.failure.code : ErrorCode::Failed,
             r.failure.message, m_conn.lastError().kind == RedisError::Kind::Timeout);
    else if (missing > 0)
        fail(ErrorCode::Failed, QStringLiteral("%1 data segment(s) vanished while the export ran "
                                               "(expired, evicted or deleted)")
                                    .arg(missing));
}

void ExportRun::onForeignStatus(const StatusWriter::Result &conflict)
{
    if (!conflict.current) {
        fail(ErrorCode::Failed, conflict.problem);
        return;
    }
    const ExportStatus &cur = *conflict.current;
    m_status.adopt(conflict.currentJson);
    if (cur.state == ExportState::Cancelled) {
        end(Ending::Why::RemoteCancel, ErrorCode::Cancelled,
            QStringLiteral("cancelled by %1").arg(cur.cancelledBy), false, cur);
    } else if (isTerminal(cur.state) || cur.state == ExportState::Unknown) {
        end(Ending::Why::ForeignTerminal,
            cur.state == ExportState::Completed ? ErrorCode::None : ErrorCode::Failed,
            QStringLiteral("another process set the status to %1").arg(cur.stateText()), false,
            cur);
    }
    // A non-terminal status changed by someone else: adopted; the next write replaces it.
}

bool ExportRun::sleepUnlessKilled(int ms)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
        if (killRequested()) return false;
        QThread::msleep(std::min<qint64>(10, ms - t.elapsed() + 1));
    }
    return true;
}

bool ExportRun::reconnect(const RedisError &cause)
{
    m_conn.disconnect();
    // Until resent, the chunks in flight are on no connection: whatever ends the
    // export before that must not wait for their replies on a new one.
    auto unsent = qScopeGuard([this] {
        if (m_writer) m_writer->dropInFlight();
    });
    if (cause.kind == RedisError::Kind::Timeout && !failsOver()) {
        // A server that accepts but does not answer (stopped, swapping): waiting
        // longer than the command timeout helps nobody.
        fail(ErrorCode::Failed, cause.message, true);
        return false;
    }
    RedisError last = cause;
    m_ackedAtLastReconnect = m_writer ? m_writer->acked() : 0;
    while (m_reconnects < m_cfg.maxReconnects) {
        ++m_reconnects;
        const int base = std::min(2000, 100 << std::min(m_reconnects - 1, 5));
        // A MOVED names the slot's new master: go there at once.
        const int delay = last.kind == RedisError::Kind::Moved
                              ? 0
                              : base / 2 + int(QRandomGenerator::global()->bounded(base));
        qCWarning(lcExport).noquote()
            << "export" << m_current.id << "lost its connection (" << last.message << "); reconnect"
            << m_reconnects << "of" << m_cfg.maxReconnects << "in" << delay << "ms";
        if (!sleepUnlessKilled(delay))
            end(Ending::Why::LocalCancel, ErrorCode::Cancelled,
                QStringLiteral("cancelled by %1").arg(m_cfg.user));
        if (!m_conn.ensureConnected()) {
            last = m_conn.lastError();
            continue;
        }
        // Is the export still ours, and is what was acknowledged still there?
        const RedisReply stored = m_conn.command({"GET", m_cfg.keys.statusKey(m_current.id)});
        if (stored.isError()) {
            last = stored.error; // e.g. "max number of clients reached": try again
            m_conn.disconnect();
            continue;
        }
        const QByteArray json = stored.isNil() ? QByteArray() : stored.string;
        if (json != m_status.expected()) {
            StatusWriter::Result conflict;
            conflict.outcome = StatusWriter::Result::Outcome::Conflict;
            conflict.currentJson = json;
            QString unreadable;
            if (json.isEmpty())
                conflict.problem =
                    QStringLiteral("the status key vanished during a reconnect "
                                   "(the server restarted or lost it in a failover)");
            else if (!(conflict.current = ExportStatus::fromJson(json, &unreadable)))
                conflict.problem = QStringLiteral("the status key was overwritten with something "
                                                  "unreadable (%1)")
                                       .arg(unreadable);
            else if (conflict.current->id != m_current.id) {
                conflict.current.reset();
                conflict.problem =
                    QStringLiteral("the status key was overwritten with another export's");
            }
            onForeignStatus(conflict);
        }
        // Is what was acknowledged still there (a failover may have lost some)?
        if (m_writer && running() && m_writer->acked() > 0) {
            const Held held = findGapAndRewind();
            if (held == Held::Ended) return false;
            if (held == Held::Broken) {
                last = m_conn.lastError();
                m_conn.disconnect();
                continue;
            }
        }
        if (!running() && m_end.why != Ending::Why::LocalCancel) return false;
        // Resend what was never acknowledged: every chunk write is idempotent.
        if (m_writer && !m_writer->resend()) {
            last = m_writer->error();
            m_conn.disconnect();
            continue;
        }
        unsent.dismiss();
        qCInfo(lcExport).noquote()
            << "export" << m_current.id << "reconnected to" << m_conn.serverName()
            << "; resuming at offset" << (m_writer ? m_writer->acked() : 0);
        return true;
    }
    fail(ErrorCode::Failed,
         QStringLiteral("%1 (gave up after %2 reconnects)")
             .arg(last.message)
             .arg(m_cfg.maxReconnects),
         true);
    return false;
}

bool ExportRun::followFailover()
{
    if (!m_conn.masterMoved()) return false;
    reconnect(
        {RedisError::Kind::ConnectionLost,
         QStringLiteral("the sentinels name a new master instead of %1").arg(m_conn.serverName())});
    return true;
}

bool ExportRun::checkHeld()
{
    handleAck(m_writer->drain());
    if (!running() || m_writer->hasInFlight()) return false; // ended, or reconnecting
    // Before COMPLETED: still the master? (CONTRACT §9)
    if (followFailover()) return false;
    switch (findGapAndRewind()) {
    case Held::All:
        return true;
    case Held::Broken:
        reconnect(m_conn.lastError());
        return false;
    case Held::Rewound:
    case Held::Ended:
        return false;
    }
    return false;
}

ExportRun::Held ExportRun::findGapAndRewind()
{
    const qint64 acked = m_writer->acked();
    qint64 gap = acked;
    const SegmentData::Result r =
        SegmentData::findGap(m_conn, m_writer->layout(), acked, m_cfg.ttlSeconds, &gap);
    if (r.failure) {
        if (m_conn.lastError().isTransport()) return Held::Broken;
        fail(r.failure.code == ErrorCode::PermissionDenied ? r.failure.code : ErrorCode::Failed,
             r.failure.message);
        return Held::Ended;
    }
    if (gap >= acked) return Held::All;
    return rewindTo(gap) ? Held::Rewound : Held::Ended;
}

bool ExportRun::rewindTo(qint64 offset)
{
    const qint64 acked = m_writer->acked();
    // Bounded: a server that keeps losing data is not worth chasing forever.
    if (++m_rewinds > m_cfg.maxReconnects) {
        fail(ErrorCode::Failed,
             QStringLiteral("Redis %1 lost acknowledged data %2 times; giving up")
                 .arg(m_conn.serverName())
                 .arg(m_rewinds - 1));
        return false;
    }
    if (!m_source->seek(offset)) {
        fail(ErrorCode::Failed,
             QStringLiteral("Redis %1 lost %2 acknowledged bytes (from offset %3), in a failover "
                            "or eviction, and %4 cannot be read again to rewrite them")
                 .arg(m_conn.serverName())
                 .arg(acked - offset)
                 .arg(offset)
                 .arg(m_current.source));
        return false;
    }
    qCWarning(lcExport).noquote() << "export" << m_current.id << ": Redis" << m_conn.serverName()
                                  << "lacks" << (acked - offset)
                                  << "acknowledged bytes (a failover?); rewriting from offset"
                                  << offset;
    m_writer->rewindTo(offset);
    return true;
}

void ExportRun::stopSequence()
{
    using Why = Ending::Why;
    // (1) stop reading and close the source.
    const bool sourceDone = m_source && m_source->atEnd();
    if (m_source && running() && sourceDone && !m_source->verifyUnchanged())
        fail(ErrorCode::Failed, m_source->errorString());
    if (m_source) m_source->close();
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
    const qint64 acked = m_writer ? m_writer->acked() : 0;
    if (running() && m_current.bytesTotal >= 0 && acked != m_current.bytesTotal)
        fail(ErrorCode::Failed, QStringLiteral("source changed during export: read %1 of %2 bytes")
                                    .arg(acked)
                                    .arg(m_current.bytesTotal));

    // (4) settle the data and compare-and-set the final status, with every expiry.
    if (m_end.redisDown) return finishUnwritten(m_end.code, m_end.message);
    if (m_end.why == Why::ForeignTerminal) return finish(m_end.foreign, m_end.code, m_end.message);

    ExportStatus next =
        m_end.why == Why::RemoteCancel ? m_end.foreign : snapshot(ExportState::Completed);
    next.bytesWritten = acked;
    next.updatedAt = QDateTime::currentDateTimeUtc();
    next.settled = true;
    if (!m_conn.ensureConnected())
        return finishUnwritten(running() ? ErrorCode::Redis : m_end.code,
                               running() ? m_conn.lastError().message : m_end.message);
    if (running()) {
        // Everything read and acknowledged: seen at full length, every segment?
        const SegmentData::Result held = SegmentData::verify(
            m_conn, m_cfg.keys, next.id, next.segmentBytes, acked, m_cfg.ttlSeconds);
        const QString digest = held.failure ? QString() : m_sha.finish();
        if (held.failure) {
            fail(held.failure.code, held.failure.message);
        } else if (digest.isEmpty()) {
            fail(ErrorCode::Failed, m_sha.errorString());
        } else {
            next.state = ExportState::Completed;
            next.sha256 = digest;
            next.bytesTotal = acked; // a stream's size is known now
            next.segments = held.segments;
            return writeTerminal(next, ErrorCode::None, {});
        }
    }
    const SegmentData::Result settled = SegmentData::settle(
        m_conn, m_cfg.keys, next.id, next.segmentBytes, acked, m_cfg.ttlSeconds);
    next.segments = settled.segments;
    QString message = m_end.message;
    if (m_end.why == Why::LocalCancel) {
        next.state = ExportState::Cancelled;
        next.cancelledBy = m_cfg.user;
    } else if (m_end.why == Why::Failed) {
        next.state = ExportState::Failed;
        next.error = message;
    }
    if (settled.failure) {
        // The data is not what bytesWritten says (evicted, lost): say so (§1).
        message = message.isEmpty()
                      ? settled.failure.message
                      : QStringLiteral("%1; %2").arg(message, settled.failure.message);
        if (next.state == ExportState::Failed)
            next.error = message;
        else if (m_end.why == Why::LocalCancel) {
            next.state = ExportState::Failed;
            next.cancelledBy.clear();
            next.error = message;
        }
    }
    writeTerminal(next, m_end.code, message);
}

void ExportRun::writeTerminal(ExportStatus next, ErrorCode code, QString message)
{
    for (int attempt = 0; attempt < 6; ++attempt) {
        if (!m_conn.ensureConnected())
            return finishUnwritten(code == ErrorCode::None ? ErrorCode::Redis : code,
                                   message.isEmpty() ? m_conn.lastError().message : message);
        const StatusWriter::Result r = m_status.write(next);
        if (r.applied()) {
            m_current = next;
            Q_EMIT m_job.statusChanged(next.id, next);
            return finish(next, code, message);
        }
        if (r.outcome == StatusWriter::Result::Outcome::Conflict) {
            if (r.currentJson.isEmpty()) {
                // The status key is gone: write the final status afresh (with its TTL)
                // so that readers learn why; data that outlived it says nothing.
                m_status.adopt({});
                if (next.state == ExportState::Completed) {
                    next.state = ExportState::Failed;
                    next.sha256.clear();
                    code = ErrorCode::Failed;
                    message = next.error = r.problem;
                }
                continue;
            }
            if (!r.current) return finishUnwritten(ErrorCode::Failed, r.problem);
            const ExportStatus &cur = *r.current;
            m_status.adopt(r.currentJson);
            if (cur.state == ExportState::Cancelled) {
                // Another process cancelled first (even as our last chunk landed):
                // CANCELLED wins. Settled by the canceller on our behalf: our data
                // goes back to what it recorded; else we settle with what we wrote.
                code = ErrorCode::Cancelled;
                message = QStringLiteral("cancelled by %1").arg(cur.cancelledBy);
                if (cur.settled) {
                    SegmentData::settle(m_conn, m_cfg.keys, cur.id,
                                        cur.segmentBytes > 0 ? cur.segmentBytes : next.segmentBytes,
                                        cur.bytesWritten, m_cfg.ttlSeconds);
                    return finish(cur, code, message);
                }
                const qint64 bytes = next.bytesWritten;
                const qint64 segments = next.segments;
                next = cur;
                next.bytesWritten = bytes;
                next.segments = segments;
                next.settled = true;
                next.updatedAt = QDateTime::currentDateTimeUtc();
                continue;
            }
            if (isTerminal(cur.state) || cur.state == ExportState::Unknown)
                return finish(
                    cur, cur.state == ExportState::Completed ? ErrorCode::None : ErrorCode::Failed,
                    QStringLiteral("another process set the status to %1").arg(cur.stateText()));
            continue; // a non-terminal status changed under us: try again against it
        }
        // An error reply or a broken connection.
        if (r.error.kind == RedisError::Kind::Timeout)
            return finishUnwritten(code == ErrorCode::None ? ErrorCode::Failed : code,
                                   message.isEmpty() ? r.error.message : message);
        if (r.error.kind == RedisError::Kind::NoPermission)
            return finishUnwritten(ErrorCode::PermissionDenied, r.error.message);
        if (r.error.kind == RedisError::Kind::OutOfMemory) {
            // Redis is full: the partial data goes, which frees the memory the final
            // status needs.
            SegmentData::settle(m_conn, m_cfg.keys, next.id, next.segmentBytes, 0,
                                m_cfg.ttlSeconds);
            const QString why = message.isEmpty() ? r.error.message : message;
            if (next.state != ExportState::Cancelled) {
                next.state = ExportState::Failed;
                next.sha256.clear();
                code = ErrorCode::Failed;
                message = next.error =
                    QStringLiteral("%1; the %2 bytes written were discarded to free memory")
                        .arg(why)
                        .arg(next.bytesWritten);
            }
            next.bytesWritten = 0;
            next.segments = 0;
            continue;
        }
        if (r.error.isTransport()) {
            m_conn.disconnect(); // the same status again, once reconnected
            continue;
        }
        if (attempt >= 2) break;
    }
    finishUnwritten(
        code == ErrorCode::None ? ErrorCode::Failed : code,
        QStringLiteral("%1; the final status could not be written after several attempts")
            .arg(message.isEmpty() ? QStringLiteral("export failed") : message));
}

void ExportRun::finish(const ExportStatus &status, ErrorCode code, const QString &message)
{
    if (code == ErrorCode::None || code == ErrorCode::Cancelled)
        qCInfo(lcExport).noquote() << "export" << status.id << status.stateText()
                                   << status.bytesWritten << "bytes" << message;
    else
        qCWarning(lcExport).noquote()
            << "export" << status.id << status.stateText() << "-" << message;
    m_job.reportProgress(status.bytesWritten, status.bytesTotal);
    m_job.reportState(status.state);
    m_job.reportResult(code, message);
    Q_EMIT m_job.finished(status.id, status, code, message);
}

void ExportRun::finishUnwritten(ErrorCode code, const QString &message)
{
    // Redis could not be told: the job ends with what it knows, the status in Redis
    // expires with its TTL.
    ExportStatus s =
        snapshot(code == ErrorCode::Cancelled ? ExportState::Cancelled : ExportState::Failed);
    s.error = code == ErrorCode::Cancelled ? QString() : message;
    finish(s, code, message);
}

ExportJob::ExportJob(PreparedExport prepared, ExporterConfig config,
                     std::shared_ptr<BandwidthBudget> budget, QObject *parent)
    : QObject(parent), m_prepared(std::move(prepared)), m_config(std::move(config)),
      m_budget(budget ? std::move(budget) : std::make_shared<BandwidthBudget>())
{
    m_total = m_prepared.status.bytesTotal;
}

ExportJob::~ExportJob()
{
    kill();
    if (m_thread.joinable()) m_thread.join();
}

void ExportJob::start()
{
    if (m_thread.joinable()) return;
    m_thread = std::thread([this] { ExportRun(*this).run(); });
}

void ExportJob::kill()
{
    m_kill.store(true);
}

ExportState ExportJob::state() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_state;
}

ErrorCode ExportJob::error() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_error;
}

QString ExportJob::errorString() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_errorString;
}

qint64 ExportJob::processedBytes() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_processed;
}

qint64 ExportJob::totalBytes() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_total;
}

qint64 ExportJob::speed() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_speed;
}

void ExportJob::reportState(ExportState state)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_state = state;
}

void ExportJob::reportProgress(qint64 processed, qint64 total)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (!m_speedClock.isValid()) m_speedClock.start();
        m_meter.addSample(processed, m_speedClock.elapsed());
        m_processed = processed;
        m_total = total;
        m_speed = m_meter.bytesPerSecond();
    }
    Q_EMIT progress(m_prepared.id, processed, total);
}

void ExportJob::reportResult(ErrorCode code, const QString &message)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_error = code;
    m_errorString = message;
    m_speed = 0;
}

} // namespace hb

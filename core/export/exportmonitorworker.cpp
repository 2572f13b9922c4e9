#include "exportmonitorworker.h"

#include "backoff.h"
#include "crossthread.h"
#include "logging.h"

#include <QDateTime>
#include <algorithm>

namespace hb {

namespace {

// Whether a status in `next` may replace what is known of one export (its state
// and updatedAt): a terminal status never goes back, an older one never beats a
// newer one, whichever connection (channel, scan) brought either.
bool supersedes(ExportState knownState, qint64 knownUpdatedMs, const ExportStatus &next)
{
    const bool knownDone = isTerminal(knownState);
    const bool nextDone = isTerminal(next.state);
    if (knownDone != nextDone) return nextDone;
    if (knownUpdatedMs >= 0 && next.updatedAt.isValid() &&
        next.updatedAt.toMSecsSinceEpoch() < knownUpdatedMs)
        return false;
    return true;
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// A non-terminal export heard of this recently is not fetched again by the resync.
constexpr qint64 kHeardRecentlyMs = 2000;
// Redis expires a key a little after its TTL ran out; checking before is wasted.
constexpr qint64 kExpiryMarginMs = 250;
// Updates handed to the caller's thread at a time (bounds the queue, not latency).
constexpr int kFlushEvery = 1000;

} // namespace

void ExportMonitor::Worker::report(bool connected, const QString &message)
{
    if (m_reported == int(connected) && m_reportedMessage == message) return;
    m_reported = int(connected);
    m_reportedMessage = message;
    if (connected)
        qCInfo(lcRedis).noquote() << "monitor connected to" << m_endpoint.displayName();
    else
        qCWarning(lcRedis).noquote() << "monitor:" << message;
    postToThreadOf(m_monitor, [m = m_monitor, connected, message] {
        m->onConnectionChanged(connected, message);
    });
}

void ExportMonitor::Worker::flush()
{
    if (!m_outUpdated.isEmpty()) {
        postToThreadOf(m_monitor, [m = m_monitor, list = std::move(m_outUpdated)] {
            Q_EMIT m->exportsUpdated(list);
            for (const ExportStatus &s : list)
                Q_EMIT m->exportUpdated(s);
        });
        m_outUpdated = {};
    }
    if (!m_outRemoved.isEmpty()) {
        postToThreadOf(m_monitor, [m = m_monitor, list = std::move(m_outRemoved)] {
            Q_EMIT m->exportsRemoved(list);
            for (const QString &id : list)
                Q_EMIT m->exportRemoved(id);
        });
        m_outRemoved = {};
    }
}

void ExportMonitor::Worker::queueUpdate(const ExportStatus &status)
{
    if (!m_outRemoved.isEmpty()) flush(); // keep the order of an update after a removal
    m_outUpdated.append(status);
    if (m_outUpdated.size() >= kFlushEvery) flush();
}

void ExportMonitor::Worker::queueRemove(const QString &id)
{
    if (m_known.remove(id) == 0) return;
    m_deadlines.remove(id);
    if (!m_outUpdated.isEmpty()) flush();
    m_outRemoved.append(id);
    if (m_outRemoved.size() >= kFlushEvery) flush();
}

void ExportMonitor::Worker::postScanned()
{
    flush();
    const int count = int(m_known.size());
    postToThreadOf(m_monitor, [m = m_monitor, count] { Q_EMIT m->scanned(count); });
}

bool ExportMonitor::Worker::consider(const QByteArray &json)
{
    QString problem;
    const auto parsed = ExportStatus::fromJson(json, &problem);
    if (!parsed || !isValidExportId(parsed->id)) {
        qCDebug(lcRedis).noquote() << "monitor: ignoring an event that is not a status:" << problem;
        return false;
    }
    if (m_options.followOnly && !m_followed.contains(parsed->id)) return false;
    const qint64 now = nowMs();
    const size_t hash = qHash(json);
    auto it = m_known.find(parsed->id);
    if (it != m_known.end()) {
        it->heardMs = now;
        if (it->jsonHash == hash || !supersedes(it->state, it->updatedAtMs, *parsed)) return true;
    } else {
        it = m_known.insert(parsed->id, Known{});
        it->sincePass = m_pacer.pass();
        it->seenPass = m_pacer.pass() - 1;
        it->heardMs = now;
    }
    it->jsonHash = hash;
    it->state = parsed->state;
    it->updatedAtMs = parsed->updatedAt.isValid() ? parsed->updatedAt.toMSecsSinceEpoch() : -1;
    if (parsed->ttl > 0) {
        // The writer set the TTL when it wrote updatedAt (on its clock); never later
        // than now on ours. A skewed clock only makes the check early: see checkDue.
        const qint64 base = it->updatedAtMs >= 0 ? std::min(it->updatedAtMs, now) : now;
        m_deadlines.set(parsed->id, base + qint64(parsed->ttl) * 1000 + kExpiryMarginMs);
    } else {
        m_deadlines.remove(parsed->id);
    }
    queueUpdate(*parsed);
    return true;
}

void ExportMonitor::Worker::onEvent(const MonitorSubscription::Event &event)
{
    if (event.kind == MonitorSubscription::Event::Kind::Status) {
        consider(event.payload);
    } else {
        // Data keys expire too: only a status key's event removes an export.
        const QString id = m_keys.idFromStatusKey(event.payload);
        if (!id.isEmpty()) queueRemove(id);
    }
}

bool ExportMonitor::Worker::handleScanned(const QList<QByteArray> &keys, bool fetchAllLive,
                                          Failure *failure)
{
    const qint64 now = nowMs();
    QList<QByteArray> wanted;
    for (const QByteArray &key : keys) {
        const QString id = m_keys.idFromStatusKey(key);
        if (!isValidExportId(id)) continue;
        const auto it = m_known.find(id);
        if (it != m_known.end()) {
            it->seenPass = m_pacer.pass();
            // A terminal status never changes again (CONTRACT §3): never read twice.
            if (isTerminal(it->state)) continue;
            if (!fetchAllLive && now - it->heardMs < kHeardRecentlyMs) continue;
        }
        wanted.append(key);
    }
    if (wanted.isEmpty()) return true;
    QList<QByteArray> values;
    QList<bool> missing;
    if (!fetchValues(m_conn, wanted, &values, &missing, failure)) return false;
    for (qsizetype i = 0; i < wanted.size(); ++i) {
        const QString id = m_keys.idFromStatusKey(wanted[i]);
        if (missing[i]) {
            queueRemove(id); // expired or deleted between SCAN and GET
            continue;
        }
        if (consider(values[i])) {
            const auto it = m_known.find(id);
            if (it != m_known.end()) it->seenPass = m_pacer.pass();
        }
    }
    return true;
}

bool ExportMonitor::Worker::finishPass(Failure *failure)
{
    // SCAN returns every key present for the whole walk: a key known before the
    // pass began and not returned was gone at some moment. Ask (it may be back, or
    // have moved to a master already walked).
    QList<QString> ids;
    QList<QByteArray> keys;
    for (auto it = m_known.cbegin(); it != m_known.cend(); ++it) {
        if (it->seenPass == m_pacer.pass() || it->sincePass >= m_pacer.pass()) continue;
        ids.append(it.key());
        keys.append(m_keys.statusKey(it.key()));
    }
    if (keys.isEmpty()) return true;
    QList<qint64> exists;
    if (!pipelinedIntegers(m_conn, "EXISTS", keys, &exists, failure)) return false;
    for (qsizetype i = 0; i < ids.size(); ++i)
        if (exists.value(i) <= 0) queueRemove(ids[i]);
    return true;
}

bool ExportMonitor::Worker::fetchFollowed(const QList<QString> &ids, Failure *failure)
{
    QList<QByteArray> keys;
    for (const QString &id : ids)
        if (isValidExportId(id)) keys.append(m_keys.statusKey(id));
    if (keys.isEmpty()) return true;
    QList<QByteArray> values;
    QList<bool> missing;
    if (!fetchValues(m_conn, keys, &values, &missing, failure)) return false;
    for (qsizetype i = 0; i < keys.size(); ++i) {
        if (missing[i])
            queueRemove(m_keys.idFromStatusKey(keys[i]));
        else
            consider(values[i]);
    }
    return true;
}

bool ExportMonitor::Worker::fullSync(QString *error)
{
    Failure failure;
    m_pacer.beginQuickPass();
    if (m_options.followOnly) {
        if (!fetchFollowed(m_followed.values(), &failure)) {
            *error = failure.message;
            return false;
        }
    } else {
        // Quick, not paced: at connect, reconnect or when asked.
        if (!m_walker.restart(&failure)) {
            *error = failure.message;
            return false;
        }
        while (!m_walker.atEnd()) {
            if (stopped()) return true;
            QList<QByteArray> keys;
            if (!m_walker.step(std::max(1000, m_options.scanCount), &keys, &failure) ||
                !handleScanned(keys, true, &failure)) {
                *error = failure.message;
                return false;
            }
        }
        if (!finishPass(&failure)) {
            *error = failure.message;
            return false;
        }
    }
    m_pacer.quickPassDone(nowMs());
    postScanned();
    return true;
}

bool ExportMonitor::Worker::checkDue(Failure *failure)
{
    const qint64 now = nowMs();
    const QList<QString> due = m_deadlines.takeDue(now);
    QList<QString> ids;
    QList<QByteArray> keys;
    for (const QString &id : due) {
        if (!m_known.contains(id)) continue;
        ids.append(id);
        keys.append(m_keys.statusKey(id));
    }
    if (keys.isEmpty()) return true;
    QList<qint64> exists;
    if (!pipelinedIntegers(m_conn, "EXISTS", keys, &exists, failure)) return false;
    QList<QString> stillIds;
    QList<QByteArray> stillKeys;
    for (qsizetype i = 0; i < ids.size(); ++i) {
        if (exists.value(i) <= 0) {
            queueRemove(ids[i]);
        } else {
            stillIds.append(ids[i]);
            stillKeys.append(keys[i]);
        }
    }
    if (stillKeys.isEmpty()) return true;
    // Still there after its deadline: the writer's clock is not ours, or a write we
    // did not hear refreshed it (the resync will read that one). Ask these few once.
    // TTL, not PTTL: the README's ACLs allow TTL; a second more is within the margin.
    QList<qint64> ttl;
    if (!pipelinedIntegers(m_conn, "TTL", stillKeys, &ttl, failure)) return false;
    for (qsizetype i = 0; i < stillIds.size(); ++i) {
        const qint64 left = ttl.value(i, -2) >= 0 ? ttl.value(i) * 1000 : ttl.value(i, -2);
        if (left == -2)
            queueRemove(stillIds[i]);
        else if (left >= 0)
            m_deadlines.set(stillIds[i], nowMs() + left + kExpiryMarginMs);
    }
    return true;
}

void ExportMonitor::Worker::takeFollowQueue()
{
    QStringList ids;
    {
        std::lock_guard<std::mutex> lock(m_followQueue->mutex);
        ids.swap(m_followQueue->ids);
    }
    if (ids.isEmpty()) return;
    QList<QString> fresh;
    for (const QString &id : std::as_const(ids))
        if (!m_followed.contains(id)) {
            m_followed.insert(id);
            fresh.append(id);
        }
    Failure ignored; // a lost connection shows at the next command
    if (!fresh.isEmpty() && m_reported == 1) fetchFollowed(fresh, &ignored);
}

bool ExportMonitor::Worker::tick(QString *error)
{
    Failure failure;
    const qint64 now = nowMs();
    if (m_options.followOnly) {
        if (m_pacer.passDue(now)) {
            QList<QString> live;
            for (const QString &id : std::as_const(m_followed)) {
                const auto it = m_known.constFind(id);
                if (it == m_known.cend() || !isTerminal(it->state)) live.append(id);
            }
            m_pacer.deferPass(now + m_options.rescanMs);
            if (!fetchFollowed(live, &failure)) {
                *error = failure.message;
                return false;
            }
        }
    } else {
        if (m_pacer.passDue(now)) {
            const qint64 size =
                m_walker.restart(&failure) ? m_walker.keyspaceSize(&failure) : qint64(-1);
            m_pacer.beginPass(now, size);
            if (failure) {
                *error = failure.message;
                return false;
            }
        }
        if (m_pacer.stepDue(now)) {
            QList<QByteArray> keys;
            // One master a step, in turn: the pace (and what it costs Redis) is the
            // same for a cluster as for one server of the same size.
            if (!m_walker.stepNext(m_pacer.stepCount(), &keys, &failure) ||
                !handleScanned(keys, false, &failure)) {
                *error = failure.message;
                return false;
            }
            m_pacer.stepTaken(nowMs());
            if (m_walker.atEnd()) {
                if (!finishPass(&failure)) {
                    *error = failure.message;
                    return false;
                }
                m_pacer.passDone(nowMs());
                postScanned();
            }
        }
    }
    if (!checkDue(&failure)) {
        *error = failure.message;
        return false;
    }
    return true;
}

bool ExportMonitor::Worker::connectAll(QString *error)
{
    if (!m_conn.ensureConnected()) {
        *error = QStringLiteral("cannot reach Redis: %1").arg(m_conn.lastError().message);
        return false;
    }
    // Subscribe first, then scan: nothing that happens after the scan is missed.
    return m_sub.open(m_conn, m_keys.eventsChannel(), m_options.useKeyspaceEvents, error) &&
           fullSync(error);
}

void ExportMonitor::Worker::run()
{
    // Doubling from minBackoffMs to maxBackoffMs without jitter: one monitor per
    // process, so there is no herd to spread; polled every 50 ms for stop().
    Backoff backoff(m_options.minBackoffMs, m_options.maxBackoffMs, /*jitter=*/false);
    const auto waitBeforeRetry = [this, &backoff] {
        sleepUnless(
            backoff.next(), [this] { return stopped(); }, 50);
    };
    while (!stopped()) {
        QString error;
        takeFollowQueue();
        if (!connectAll(&error)) {
            flush();
            m_sub.close();
            m_conn.disconnect();
            report(false, error);
            waitBeforeRetry();
            continue;
        }
        report(true, {});
        backoff.reset();
        while (!stopped()) {
            // Sleep in the subscription until the next step or deadline is due.
            const qint64 now = nowMs();
            qint64 next = m_pacer.nextDueMs();
            const qint64 deadline = m_deadlines.next();
            if (deadline >= 0) next = std::min(next, deadline);
            const int wait = int(std::clamp<qint64>(next - now, 0, 200));
            if (!m_sub.drain(
                    wait, [this](const MonitorSubscription::Event &e) { onEvent(e); }, &error))
                break;
            takeFollowQueue();
            if (m_rescan->exchange(false) && !fullSync(&error)) break;
            if (!tick(&error)) break;
            flush();
        }
        flush();
        m_sub.close();
        m_conn.disconnect();
        if (!stopped()) {
            report(false, error);
            waitBeforeRetry();
        }
    }
    m_sub.close();
}

} // namespace hb

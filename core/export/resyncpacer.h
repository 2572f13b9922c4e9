#pragma once

#include <QtGlobal>

namespace hb {

// When the export monitor walks the keyspace again, and in steps of what size: a
// paced pass takes about rescanMs (its SCAN steps, one every resyncStepMs, sized
// from DBSIZE), a pass that ends sooner (a small keyspace) runs again after
// rescanMs / 15. Passes are numbered, so that what a pass saw can be told from
// what an earlier one did. Pure: the caller says what time it is.
class ResyncPacer final
{
public:
    ResyncPacer(int rescanMs, int resyncStepMs, int scanCount);

    quint32 pass() const { return m_pass; }
    bool passActive() const { return m_active; }
    int stepCount() const { return m_stepCount; }

    // A quick pass (at connect, reconnect or when asked), walked at once by the
    // caller: a new number, and any paced pass is abandoned.
    void beginQuickPass();
    void quickPassDone(qint64 nowMs);

    bool passDue(qint64 nowMs) const { return !m_active && nowMs >= m_nextPassMs; }
    // A paced pass over a keyspace of keyspaceSize keys (-1: unknown) starts now.
    void beginPass(qint64 nowMs, qint64 keyspaceSize);
    bool stepDue(qint64 nowMs) const { return m_active && nowMs >= m_nextStepMs; }
    void stepTaken(qint64 nowMs);
    void passDone(qint64 nowMs);

    // No pass before untilMs (follow-only monitors poll their ids at this pace).
    void deferPass(qint64 untilMs) { m_nextPassMs = untilMs; }
    // When the next step, or else the next pass, is due.
    qint64 nextDueMs() const { return m_active ? m_nextStepMs : m_nextPassMs; }

private:
    const int m_rescanMs;
    const int m_resyncStepMs;
    const int m_scanCount;
    quint32 m_pass = 0;
    bool m_active = false;
    qint64 m_passStartMs = 0;
    qint64 m_nextPassMs = 0;
    qint64 m_nextStepMs = 0;
    int m_stepCount = 1000;
};

} // namespace hb

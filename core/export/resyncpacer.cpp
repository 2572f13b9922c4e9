#include "resyncpacer.h"

#include <algorithm>

namespace hb {

ResyncPacer::ResyncPacer(int rescanMs, int resyncStepMs, int scanCount)
    : m_rescanMs(rescanMs), m_resyncStepMs(resyncStepMs), m_scanCount(scanCount)
{
}

void ResyncPacer::beginQuickPass()
{
    ++m_pass;
    m_active = false;
}

void ResyncPacer::quickPassDone(qint64 nowMs)
{
    m_nextPassMs = nowMs + m_rescanMs / 15;
}

void ResyncPacer::beginPass(qint64 nowMs, qint64 keyspaceSize)
{
    ++m_pass;
    m_passStartMs = nowMs;
    // Steps sized so that a pass takes about rescanMs at the step pace.
    const qint64 steps = std::max<qint64>(1, qint64(m_rescanMs) / std::max(1, m_resyncStepMs));
    m_stepCount = int(std::clamp<qint64>((keyspaceSize + steps - 1) / steps, m_scanCount, 100000));
    m_active = true;
    m_nextStepMs = nowMs;
}

void ResyncPacer::stepTaken(qint64 nowMs)
{
    m_nextStepMs = nowMs + m_resyncStepMs;
}

void ResyncPacer::passDone(qint64 nowMs)
{
    m_active = false;
    // A large keyspace's pass takes about rescanMs (the steps are sized so); a small
    // one's a step or two: it may run again sooner, at a fifteenth of rescanMs (2 s by
    // default: a DEL shows within that where the server has no keyspace events).
    m_nextPassMs = std::max(m_passStartMs + m_rescanMs / 15, nowMs + m_resyncStepMs);
}

} // namespace hb

#pragma once

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QThread>

#include <algorithm>
#include <functional>

namespace hb {

// The one home of "wait before trying again": exponential delays from a first one up
// to a ceiling, each with jitter (from half the step to one and a half) unless asked not
// to, so that many clients that lost the same server do not come back in step.
class Backoff final
{
public:
    Backoff(int firstMs, int maxMs, bool jitter = true)
        : m_firstMs(firstMs), m_maxMs(maxMs), m_jitter(jitter)
    {
    }

    // The delay before the next attempt, then one step further.
    int next()
    {
        const int step = std::min(m_maxMs, m_firstMs << std::min(m_attempts, 20));
        ++m_attempts;
        if (!m_jitter || step < 2) return step;
        return step / 2 + int(QRandomGenerator::global()->bounded(step));
    }
    void reset() { m_attempts = 0; }
    int attempts() const { return m_attempts; }

private:
    int m_firstMs;
    int m_maxMs;
    bool m_jitter;
    int m_attempts = 0;
};

// Sleeps ms in steps of at most stepMs, returning false as soon as stop() says so
// (and true when the whole time passed without it).
inline bool sleepUnless(int ms, const std::function<bool()> &stop, int stepMs = 10)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
        if (stop()) return false;
        QThread::msleep(std::min<qint64>(stepMs, ms - t.elapsed() + 1));
    }
    return !stop();
}

} // namespace hb

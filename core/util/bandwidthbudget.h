#pragma once

#include <QtGlobal>

#include <chrono>
#include <mutex>

namespace hb {

// One bandwidth budget shared by every export of an Exporter, as download managers
// do: the limit is for all of them together. A token bucket refilled at `rate`
// bytes per second, holding at most an eighth of a second's worth. Thread-safe:
// each export's thread takes from it before reading its source.
class BandwidthBudget final
{
public:
    explicit BandwidthBudget(qint64 bytesPerSecond = 0);

    // 0 = unlimited. Takes effect at once for every export sharing the budget.
    void setRate(qint64 bytesPerSecond);
    qint64 rate() const;

    // Up to `want` bytes that may be read now; waits at most maxWaitMs for some to
    // become available, else 0 (ask again). Unlimited: `want`.
    qint64 take(qint64 want, int maxWaitMs);
    // Returns bytes taken but not used (a short read).
    void giveBack(qint64 bytes);

private:
    using Clock = std::chrono::steady_clock;
    void refillLocked(Clock::time_point now);
    qint64 burstLocked() const;

    mutable std::mutex m_mutex;
    qint64 m_rate = 0;
    double m_tokens = 0;
    Clock::time_point m_last;
};

} // namespace hb

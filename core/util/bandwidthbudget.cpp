#include "bandwidthbudget.h"

#include <algorithm>
#include <thread>

namespace hb {

BandwidthBudget::BandwidthBudget(qint64 bytesPerSecond) : m_last(Clock::now())
{
    setRate(bytesPerSecond);
}

void BandwidthBudget::setRate(qint64 bytesPerSecond)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    refillLocked(Clock::now());
    m_rate = std::max<qint64>(0, bytesPerSecond);
    m_tokens = std::min(m_tokens, double(burstLocked()));
}

qint64 BandwidthBudget::rate() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_rate;
}

qint64 BandwidthBudget::burstLocked() const
{
    return std::max<qint64>(1024, m_rate / 8);
}

void BandwidthBudget::refillLocked(Clock::time_point now)
{
    const double seconds = std::chrono::duration<double>(now - m_last).count();
    m_last = now;
    if (m_rate > 0) m_tokens = std::min(double(burstLocked()), m_tokens + seconds * double(m_rate));
}

qint64 BandwidthBudget::take(qint64 want, int maxWaitMs)
{
    const auto deadline = Clock::now() + std::chrono::milliseconds(std::max(0, maxWaitMs));
    for (;;) {
        std::chrono::microseconds wait;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (m_rate <= 0) return want;
            const auto now = Clock::now();
            refillLocked(now);
            // Grant in pieces of at most the burst, at least 1 KiB (or what is asked).
            const qint64 piece = std::min(want, burstLocked());
            const qint64 minimum = std::min<qint64>(piece, 1024);
            if (m_tokens >= double(minimum)) {
                const qint64 granted = std::min(piece, qint64(m_tokens));
                m_tokens -= double(granted);
                return granted;
            }
            if (now >= deadline) return 0;
            const double missing = double(minimum) - m_tokens;
            wait = std::chrono::microseconds(qint64(missing * 1e6 / double(m_rate)) + 1);
            wait = std::min(wait,
                            std::chrono::duration_cast<std::chrono::microseconds>(deadline - now));
        }
        std::this_thread::sleep_for(wait);
    }
}

void BandwidthBudget::giveBack(qint64 bytes)
{
    if (bytes <= 0) return;
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_rate > 0) m_tokens = std::min(double(burstLocked()), m_tokens + double(bytes));
}

} // namespace hb

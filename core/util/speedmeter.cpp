#include "speedmeter.h"

namespace hb {

void SpeedMeter::addSample(qint64 bytes, qint64 nowMs)
{
    if (m_samples.empty() || bytes > m_samples.back().bytes) m_lastGrowthMs = nowMs;
    m_samples.push_back({nowMs, bytes});
    size_t old = 0;
    while (m_samples.size() - old > 2 && m_samples[old + 1].atMs <= nowMs - windowMs)
        ++old;
    m_samples.erase(m_samples.begin(), m_samples.begin() + std::ptrdiff_t(old));
}

qint64 SpeedMeter::bytesPerSecond() const
{
    if (m_samples.size() < 2) return 0;
    const Sample &a = m_samples.front();
    const Sample &b = m_samples.back();
    if (b.atMs <= a.atMs || b.bytes <= a.bytes) return 0;
    return (b.bytes - a.bytes) * 1000 / (b.atMs - a.atMs);
}

bool SpeedMeter::isStalled(qint64 nowMs) const
{
    return m_lastGrowthMs >= 0 && nowMs - m_lastGrowthMs >= stallMs;
}

qint64 SpeedMeter::secondsLeft(qint64 total) const
{
    const qint64 speed = bytesPerSecond();
    if (total < 0 || speed <= 0 || m_samples.empty()) return -1;
    return std::max<qint64>(0, total - m_samples.back().bytes) / speed;
}

} // namespace hb

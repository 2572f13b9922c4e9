#pragma once

#include <QtGlobal>

#include <vector>

namespace hb {

// Transfer speed averaged over the last few seconds, and "stalled" when no byte
// arrived for a while (STYLE.md: 5–10 s average, stalled after 5 s). The one place
// that rule lives: the job, the window and the CLI all read it from here.
class SpeedMeter final
{
public:
    static constexpr qint64 windowMs = 5000;
    static constexpr qint64 stallMs = 5000;

    // `bytes` is the running total at time `nowMs` (any monotonic clock).
    void addSample(qint64 bytes, qint64 nowMs);
    void reset() { m_samples = {}; }
    // Bytes per second over the window; 0 with fewer than two samples.
    qint64 bytesPerSecond() const;
    // True once stallMs passed since the total last grew (false before any sample).
    bool isStalled(qint64 nowMs) const;
    // Seconds left for `total` bytes at the current speed; -1 when unknown.
    qint64 secondsLeft(qint64 total) const;

private:
    struct Sample
    {
        qint64 atMs;
        qint64 bytes;
    };
    // A vector, not a deque: an empty one allocates nothing (a deque allocates its
    // map and a block at once), and a watcher holds a meter for each of 100,000 exports.
    std::vector<Sample> m_samples;
    qint64 m_lastGrowthMs = -1;
};

} // namespace hb

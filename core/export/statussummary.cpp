#include "statussummary.h"

namespace hb {

void sampleStatus(SpeedMeter &meter, const ExportStatus &previous, const ExportStatus &next,
                  qint64 nowMs)
{
    sampleBytes(meter, previous.bytesWritten, next.bytesWritten, nowMs);
}

void sampleBytes(SpeedMeter &meter, qint64 previousBytes, qint64 nextBytes, qint64 nowMs)
{
    if (nextBytes < previousBytes) meter.reset();
    meter.addSample(nextBytes, nowMs);
}

void sampleSilence(SpeedMeter &meter, const ExportStatus &current, qint64 nowMs)
{
    if (current.state == ExportState::Pending) meter.addSample(current.bytesWritten, nowMs);
}

bool statusStalled(const ExportStatus &status, const SpeedMeter &meter, qint64 nowMs)
{
    return stateStalled(status.state, meter, nowMs);
}

bool stateStalled(ExportState state, const SpeedMeter &meter, qint64 nowMs)
{
    return state == ExportState::Pending && meter.isStalled(nowMs);
}

double statusSpeed(const ExportStatus &status, const SpeedMeter &meter, qint64 nowMs)
{
    return stateSpeed(status.state, meter, nowMs);
}

double stateSpeed(ExportState state, const SpeedMeter &meter, qint64 nowMs)
{
    if (state != ExportState::Pending || stateStalled(state, meter, nowMs)) return 0;
    return double(meter.bytesPerSecond());
}

} // namespace hb

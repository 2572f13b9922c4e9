#include "statussummary.h"

namespace hb {

void sampleStatus(SpeedMeter &meter, const ExportStatus &previous, const ExportStatus &next,
                  qint64 nowMs)
{
    if (next.bytesWritten < previous.bytesWritten) meter.reset();
    meter.addSample(next.bytesWritten, nowMs);
}

void sampleSilence(SpeedMeter &meter, const ExportStatus &current, qint64 nowMs)
{
    if (current.state == ExportState::Pending) meter.addSample(current.bytesWritten, nowMs);
}

bool statusStalled(const ExportStatus &status, const SpeedMeter &meter, qint64 nowMs)
{
    return status.state == ExportState::Pending && meter.isStalled(nowMs);
}

double statusSpeed(const ExportStatus &status, const SpeedMeter &meter, qint64 nowMs)
{
    if (status.state != ExportState::Pending || statusStalled(status, meter, nowMs)) return 0;
    return double(meter.bytesPerSecond());
}

} // namespace hb

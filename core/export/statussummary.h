#pragma once

#include "exportstatus.h"
#include "speedmeter.h"

namespace hb {

// What a watcher of someone else's export (the CLI's `watch`, the window's All
// exports tab) tells from the statuses it receives: its speed and whether it
// stalled. The meter is fed with the bytes written as this process sees them, on
// this process's clock: another machine's clock is never compared with ours. The
// rule itself (window, "stalled" after SpeedMeter::stallMs) is SpeedMeter's.

// A new status of the export seen at nowMs (previous: the one seen before, or a
// default ExportStatus). Fewer bytes than before is a retry under the same id: the
// average starts afresh.
void sampleStatus(SpeedMeter &meter, const ExportStatus &previous, const ExportStatus &next,
                  qint64 nowMs);
// At each refresh without a new status, so that a silent export's speed falls to 0.
void sampleSilence(SpeedMeter &meter, const ExportStatus &current, qint64 nowMs);
// PENDING, and no byte written for SpeedMeter::stallMs.
bool statusStalled(const ExportStatus &status, const SpeedMeter &meter, qint64 nowMs);
// Bytes per second over SpeedMeter's window; 0 unless PENDING and moving.
double statusSpeed(const ExportStatus &status, const SpeedMeter &meter, qint64 nowMs);

// The same from the fields alone, for a watcher that keeps a compact row per export
// rather than its status: its bytes written before and now, its state.
void sampleBytes(SpeedMeter &meter, qint64 previousBytes, qint64 nextBytes, qint64 nowMs);
bool stateStalled(ExportState state, const SpeedMeter &meter, qint64 nowMs);
double stateSpeed(ExportState state, const SpeedMeter &meter, qint64 nowMs);

} // namespace hb

#pragma once

#include "exportstatus.h"
#include "speedmeter.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QString>
#include <QVariant>

namespace hb {

// One export on the server as the All exports table holds it, and what its cells
// say: the contract's words for its state, its tooltip, and each column's text
// (DisplayRole) or raw value for sorting and painting (UnderlyingDataRole).
// AllExportsModel keeps the rows and publishes their changes; the text of a row is
// the row's own. Times are the model's clock's, never another machine's.
struct AllExportsRow
{
    ExportStatus status;
    SpeedMeter meter; // bytesWritten, sampled on the model's clock
    bool dirty = false;

    // PENDING, and no byte written for SpeedMeter::stallMs.
    bool isStalled(qint64 nowMs) const;
    // Bytes per second over SpeedMeter's window; 0 unless PENDING and moving.
    double speed(qint64 nowMs) const;
    // The contract's words, as in the CLI and the "My exports" tab.
    QString statusText(qint64 nowMs) const;
    QString toolTip(const QDateTime &now) const;
    // Column `column` (an AllExportsModel::Column): its text when display, else its
    // underlying value.
    QVariant cell(int column, bool display, const QDateTime &now) const;

    // The table's translation context, where these strings have always been. Last:
    // the macro ends in "private:".
    Q_DECLARE_TR_FUNCTIONS(hb::AllExportsModel)
};

} // namespace hb

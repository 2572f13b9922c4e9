#pragma once

#include "exportstatus.h"
#include "speedmeter.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QVariant>

namespace hb {

// One export started from this window, as the My exports list holds it, and what
// the row says about it in words: its state, the reason of a failure, its short
// id, the time left and the tooltip. ExportListModel keeps the rows and publishes
// their changes; the text of a row is the row's own.
struct ExportRow
{
    // A finished export whose keys are no longer in Redis.
    enum class Vanished { No, Expired, Gone };

    struct Transition
    {
        QDateTime time;
        QString state;
    };

    QString id;
    QString sourcePath;
    QString name;
    qint64 total = -1;
    qint64 written = 0;
    ExportState state = ExportState::Queued;
    bool cancelling = false;
    bool finished = false; // exportFinished seen: the row no longer changes
    // exportCreated seen: the status key exists, the id can be looked up. A
    // source refused before anything was written never gets there.
    bool created = false;
    Vanished vanished = Vanished::No;
    // Restored from the local journal at start (issue 22): Interrupted when its
    // process ended before it did (nothing here runs it; Resume continues it),
    // Resuming from the moment a resume was asked for until bytes move again.
    enum class Resume { None, Interrupted, Resuming };
    Resume resume = Resume::None;
    qint64 resumedFrom = -1; // Resuming: the bytes Redis held, once the run found them
    QString error;
    ExportStatus status; // the last status the core reported
    QDateTime started;
    QList<Transition> transitions;

    // Speed, ETA and "stalled": the core's one rule (SpeedMeter), fed with the
    // bytes written at each refresh tick on the model's clock.
    SpeedMeter meter;
    bool dirty = false;

    bool isActive() const { return !finished; }
    // Running, not yet at its size, and no byte for SpeedMeter::stallMs.
    bool isStalled(qint64 nowMs) const;
    double fraction() const;
    // Bytes per second over SpeedMeter's window; 0 once finished.
    double speed() const { return finished ? 0.0 : double(meter.bytesPerSecond()); }

    // The state with the reason of a failure (Details, tooltips, the log).
    QString statusText() const;
    // The Status cell: the state alone, the reason going on the lines under the row.
    QString statusCellText() const;
    // The reason of a failure as the row shows it: the source's full path (already
    // in the File column) shortened to its name, so the reason itself has the room.
    QString shortReason() const;
    // The id as the row shows it: the first 8 hex digits (what `watch` shows and
    // every command accepts), empty until the id is real.
    QString shortId() const;
    // "Stalled", the time left at the averaged speed, or "—" when that is unknown.
    QString etaText(qint64 nowMs) const;
    // Everything the cells may have elided, in full (rich text, every part escaped).
    QString toolTip() const;
    static QString speedText(double bytesPerSecond);
    // Column `column` (an ExportListModel::Column): its text when display, else its
    // value for sorting and painting.
    QVariant cell(int column, bool display, qint64 nowMs) const;

    // The list's translation context, where these strings have always been. Last:
    // the macro ends in "private:".
    Q_DECLARE_TR_FUNCTIONS(hb::ExportListModel)
};

} // namespace hb

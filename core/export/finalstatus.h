#pragma once

#include "ending.h"
#include "exporterror.h"
#include "exportstatus.h"
#include "segmentdata.h"

#include <QDateTime>
#include <QString>

// The final status of an export, composed without Redis: pure functions of how the
// export ended (Ending) and what the data check found, for the terminal write and
// its retries. Unit-tested on their own (tst_runphases).
namespace hb::FinalStatus {

struct Final
{
    enum class Kind {
        ToWrite,   // compare-and-set `status` (the terminal phase)
        Written,   // `status` is stored
        Foreign,   // another process's `status` stands (not ours to write)
        Unwritten, // Redis could not be told: the job ends with what it knows
    };
    Kind kind = Kind::ToWrite;
    ExportStatus status;
    ErrorCode code = ErrorCode::None;
    QString message;
};

// Redis could not be told: the job ends with code and message, the status in Redis
// expires with its TTL.
Final unwritten(ErrorCode code, const QString &message);

// What keeps a fully read export from COMPLETED: its data is not all held, or no
// digest could be computed (hashError says why). No failure: it may complete.
Failure verificationFailure(const Failure &held, const QString &digest, const QString &hashError);

// The status to write at the end. `snapshot` is the export as it ran (bytesWritten
// the acknowledged bytes); `data` is what SegmentData::verify found (ending still
// Running: the export completes with `digest`) or what SegmentData::settle did
// (otherwise). A RemoteCancel writes the canceller's status with our data; a local
// cancel whose data was lost is a failure (CONTRACT §1).
Final compose(const Ending &ending, const ExportStatus &snapshot, const SegmentData::Result &data,
              const QString &digest, const QString &user, const QDateTime &now);

// The terminal write found the status key gone: written afresh so that readers
// learn why; a COMPLETED becomes FAILED (data that outlived its status says nothing).
void statusVanished(Final &final, const QString &problem);
// Another process cancelled first and did not settle: its status, with our data.
ExportStatus cancelledFirst(const ExportStatus &ours, const ExportStatus &stored,
                            const QDateTime &now);
// Redis is out of memory: the partial data was discarded to free it; what does
// not end CANCELLED ends FAILED, saying so.
void dataDiscarded(Final &final, const QString &redisError);

} // namespace hb::FinalStatus

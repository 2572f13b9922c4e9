#pragma once

#include "exportconfig.h"
#include "exporterror.h"
#include "exportstatus.h"
#include "permissions.h"
#include "redisconnection.h"

#include <QByteArray>
#include <QString>

namespace hb {

// Whether an export may be resumed here, and its takeover when it may (issue 22,
// docs/RESUME.md §5, §6): on the queue's thread, before anything is written. In
// order, each refusal writing nothing:
//   the status (missing: NotFound; COMPLETED: nothing to do; CANCELLED or FAILED:
//   refused, a terminal status never changes); the acting user's permission (the
//   owner with "export", or "export:cancel-any"); a recorded fingerprint (none for
//   standard input and pipes); a source named (the journal's or the caller's); the
//   source now against the fingerprint (Source: what changed); the owner gone
//   (OwnerLiveness); then the one compare-and-set of Takeover.
class ResumeCheck final
{
public:
    struct Outcome
    {
        enum class Kind {
            Won,       // the export is ours now: status and storedJson as written
            Completed, // it already was COMPLETED: nothing to do (code None)
            Refused,   // code and message say why; nothing was written
        };
        Kind kind = Kind::Refused;
        ErrorCode code = ErrorCode::Failed;
        QString message;
        ExportStatus status;   // Won: as written; otherwise the stored one, if any
        QByteArray storedJson; // Won: byte-exact, for the next compare-and-set
    };

    // `source`: a path or URL (empty: none known, a usage refusal once one is needed).
    static Outcome run(RedisConnection &conn, const ExporterConfig &config, const QString &id,
                       const QString &source, const QString &actingUser,
                       const PermissionsService &permissions);

    // The message of a refusal whose reason is `why`: "cannot resume 3f2a0c1e: why".
    static QString cannot(const QString &id, const QString &why);
};

} // namespace hb

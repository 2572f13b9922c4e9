#pragma once

#include "redisconnection.h"

#include <QMetaType>
#include <QString>

namespace hb {

// Why an operation did not succeed; each maps to one CLI exit code (CONTRACT §6).
enum class ErrorCode {
    None = 0,
    Failed,           // the export ended FAILED                    -> 1
    Cancelled,        // the export ended CANCELLED                 -> 1
    TooLate,          // cancel of an export already finished       -> 1
    Usage,            // bad arguments, malformed id                -> 2
    NotFound,         // no export with that id                     -> 3
    PermissionDenied, // our permissions or Redis ACLs said no      -> 4
    Redis,            // unreachable, refused the command           -> 5
    Source,           // a source that cannot be exported           -> 6
};

int exitCodeFor(ErrorCode code);

// How an export's own failures are coded: a refusal of our permissions stays
// PermissionDenied (exit 4), everything else that ends it is Failed.
inline ErrorCode deniedOrFailed(ErrorCode code)
{
    return code == ErrorCode::PermissionDenied ? code : ErrorCode::Failed;
}

// The one wording of a cancel: "cancelled by alice", or with `when` after it
// ("cancelled by alice while queued").
QString cancelledByMessage(const QString &user, const QString &when = {});

struct Failure
{
    ErrorCode code = ErrorCode::None;
    QString message;

    explicit operator bool() const { return code != ErrorCode::None; }
    static Failure fromRedis(const RedisError &e);
    // A Redis error that ends an export: PermissionDenied or Failed, with its message.
    static Failure ofExport(const RedisError &e);
};

} // namespace hb

Q_DECLARE_METATYPE(hb::ErrorCode)

#include "exporterror.h"

namespace hb {

int exitCodeFor(ErrorCode code)
{
    switch (code) {
    case ErrorCode::None:
        return 0;
    case ErrorCode::Failed:
    case ErrorCode::Cancelled:
    case ErrorCode::TooLate:
        return 1;
    case ErrorCode::Usage:
        return 2;
    case ErrorCode::NotFound:
        return 3;
    case ErrorCode::PermissionDenied:
        return 4;
    case ErrorCode::Redis:
        return 5;
    case ErrorCode::Source:
        return 6;
    }
    return 1;
}

Failure Failure::fromRedis(const RedisError &e)
{
    if (e.kind == RedisError::Kind::NoPermission) return {ErrorCode::PermissionDenied, e.message};
    if (e.kind == RedisError::Kind::Misconfigured) return {ErrorCode::Usage, e.message};
    return {ErrorCode::Redis, e.message};
}

Failure Failure::ofExport(const RedisError &e)
{
    return {deniedOrFailed(fromRedis(e).code), e.message};
}

QString cancelledByMessage(const QString &user, const QString &when)
{
    const QString base = QStringLiteral("cancelled by %1").arg(user);
    return when.isEmpty() ? base : base + QLatin1Char(' ') + when;
}

} // namespace hb

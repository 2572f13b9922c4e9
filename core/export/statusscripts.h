#pragma once

#include "exportconfig.h"
#include "exportstatus.h"
#include "redisconnection.h"

#include <QByteArray>
#include <QList>

namespace hb {

// The Lua script that makes every status change one atomic compare-and-set inside
// Redis (CONTRACT §3). It touches the status key only (never a data key, so it
// keeps working while a cluster slot migrates) and carries only status JSON.
namespace StatusScripts {

// Compare-and-set: writes `next` with the TTL only when the stored JSON is
// byte-equal to `expected` (empty: the key must be missing, which is how an export
// is created), never moves a terminal status to another state, and publishes
// `next` on the events channel.
QList<QByteArray> updateCommand(const KeyLayout &keys, const QByteArray &expected,
                                const ExportStatus &next, int ttl);

struct UpdateResult
{
    enum class Outcome { Applied, Conflict, Error };
    Outcome outcome = Outcome::Error;
    QByteArray current; // Conflict: the stored JSON (empty when the key is missing)
    RedisError error;   // Error
};
UpdateResult parseUpdateReply(const RedisReply &reply);

} // namespace StatusScripts
} // namespace hb

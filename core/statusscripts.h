#pragma once

#include "exportconfig.h"
#include "exportstatus.h"
#include "redisconnection.h"

#include <QByteArray>
#include <QList>

namespace hb {

// The Lua scripts that make every status change one atomic compare-and-set inside
// Redis (CONTRACT §3). They carry only status JSON, never chunk bytes.
namespace StatusScripts {

// Writes a CREATED status and an empty data key, both with the TTL, and publishes
// the status; refuses (reply 0) when either key exists.
QList<QByteArray> createCommand(const KeyLayout &keys, const ExportStatus &status, int ttl);

// What the update checks and does to the data key besides writing the status.
enum class DataCheck {
    None,     // leave it alone (a remote cancel: the owner settles the data)
    Alive,    // it must still exist with an expiry (progress, heartbeat)
    Complete, // Alive, and its length must equal the given byte count
    Truncate, // cut it to the given byte count; a key recreated without expiry is deleted
    Discard,  // replace it by an empty string with the TTL: frees memory when Redis is full
};

// Compare-and-set: replaces the status with `next` only when the stored JSON is
// byte-equal to `expected` (empty = the key must be missing), never moves a
// terminal status to another state, re-applies both TTLs, publishes `next`.
QList<QByteArray> updateCommand(const KeyLayout &keys, const QByteArray &expected,
                                const ExportStatus &next, DataCheck check, qint64 byteCount, int ttl);

struct UpdateResult
{
    enum class Outcome { Applied, Conflict, DataVanished, Error };
    Outcome outcome = Outcome::Error;
    QByteArray current; // Conflict: the stored JSON (empty when the key is missing)
    QString reason;     // DataVanished
    RedisError error;   // Error
};
UpdateResult parseUpdateReply(const RedisReply &reply);

} // namespace StatusScripts
} // namespace hb

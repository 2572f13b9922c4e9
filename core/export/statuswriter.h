#pragma once

#include "exportconfig.h"
#include "exportstatus.h"
#include "redisconnection.h"

#include <QByteArray>
#include <optional>

namespace hb {

// Writes one export's status key by compare-and-set (StatusScripts): every write
// names the JSON it expects to replace, so a change made by another process (a
// remote cancel) is never overwritten but reported as a conflict with what is
// stored now. Not thread-safe; blocking; on the export's thread.
class StatusWriter final
{
public:
    StatusWriter(RedisConnection &conn, KeyLayout keys, int ttlSeconds);

    struct Result
    {
        enum class Outcome { Applied, Conflict, Error };
        Outcome outcome = Outcome::Error;
        // Conflict: what is stored (empty when the key is missing), parsed when it
        // parses as a status of this export.
        QByteArray currentJson;
        std::optional<ExportStatus> current;
        QString problem; // Conflict with no parsed current: why
        RedisError error;
        bool applied() const { return outcome == Outcome::Applied; }
    };

    // The status key must be missing: writes `status` (CREATED) with the TTL.
    Result create(const ExportStatus &status);
    // Replaces what this writer last wrote (or adopted) by `next`.
    Result write(const ExportStatus &next);

    // Reads the status key (after a reconnect): Applied when it still holds what the
    // next write expects, a Conflict classified as a write's when not (`vanished`
    // says why when the key is missing), Error when Redis did not answer.
    Result compareStored(const QString &id, const QString &vanished);
    // The one classification of a status found instead of the expected one: parsed
    // when it is a status of export `id`, else why not in `problem`.
    static Result conflict(const QByteArray &currentJson, const QString &id,
                           const QString &vanished);

    // The stored JSON the next write will compare against.
    const QByteArray &expected() const { return m_expected; }
    // Takes a status read from Redis as the one to replace next.
    void adopt(const QByteArray &json) { m_expected = json; }

private:
    Result run(const QByteArray &expected, const ExportStatus &next);

    RedisConnection &m_conn;
    KeyLayout m_keys;
    int m_ttl;
    QByteArray m_expected;
};

} // namespace hb

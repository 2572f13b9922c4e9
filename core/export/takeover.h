#pragma once

#include "exportconfig.h"
#include "exportstatus.h"
#include "ownerliveness.h"
#include "redisconnection.h"

#include <QByteArray>
#include <QList>
#include <optional>

namespace hb {

// The takeover of an export whose owner is gone (issue 22, docs/RESUME.md §5):
// one compare-and-set on the status key, so that of two resumers exactly one wins
// and an old owner that wakes up finds, at its next status write (StatusWriter's
// compare-and-set), that the status is no longer what it wrote.
//
// The script applies only when the stored status is CREATED or PENDING and its
// ownerToken and updatedAt are still those of the status the resumer read (and
// judged, OwnerLiveness); it then stores the resumer's status (the read one with
// a new ownerToken, host, pid, bootId, pidStart, resumedAt, resumes + 1 and
// updatedAt), refreshes the status key's TTL and publishes it on the events
// channel. Otherwise it changes nothing and returns what is stored, so the loser
// can say who won. It touches the status key only (CONTRACT §3). A terminal status
// is never changed.
class Takeover final
{
public:
    // `readJson`: the status value exactly as the resumer read it from Redis.
    Takeover(KeyLayout keys, QByteArray readJson, int ttlSeconds);

    // False when readJson is not a status of a known state; reason() says why.
    bool isValid() const { return m_read.has_value(); }
    const std::optional<ExportStatus> &read() const { return m_read; }
    QString reason() const { return m_reason; }

    // The status the takeover writes: the read one owned by `me` from `now` on.
    ExportStatus claimed(const ProcessFacts &me, const QString &ownerToken,
                         const QDateTime &now) const;

    // The EVAL, for a caller that pipelines it (or sends it through a cluster client).
    QList<QByteArray> command(const ExportStatus &claimed) const;

    struct Result
    {
        enum class Outcome { Won, Lost, Error };
        Outcome outcome = Outcome::Error;
        ExportStatus status;                 // Won: what was written
        QByteArray currentJson;              // Lost: what is stored (empty: the key is missing)
        std::optional<ExportStatus> current; // Lost: parsed
        RedisError error;                    // Error
        QString readOwnerToken;              // the token of the status the resumer read
        bool won() const { return outcome == Outcome::Won; }
        // Lost: one line saying why, e.g. "taken over by host-b/4242 at …",
        // "already COMPLETED", "no export found for id: …".
        QString lossText() const;
    };
    Result parseReply(const RedisReply &reply, const ExportStatus &claimed) const;

    // claimed() for this process with a new token, command(), one round trip.
    Result run(RedisConnection &conn, const QDateTime &now = QDateTime::currentDateTimeUtc()) const;

private:
    KeyLayout m_keys;
    QByteArray m_readJson;
    int m_ttl;
    std::optional<ExportStatus> m_read;
    QString m_readUpdatedAt; // the raw string stored, compared byte for byte
    QString m_reason;
};

} // namespace hb

#pragma once

#include "sourcefingerprint.h"

#include <QByteArray>
#include <QDateTime>
#include <QMetaType>
#include <QString>
#include <optional>

namespace hb {

enum class ExportState { Queued, Created, Pending, Completed, Cancelled, Failed, Unknown };

// "CREATED", "PENDING", ... as written in Redis. Queued is local only ("QUEUED").
QString stateName(ExportState s);
ExportState stateFromName(const QString &name); // Unknown when it is none of the five
bool isTerminal(ExportState s);

// The status JSON of CONTRACT §2, plus fields readers may ignore:
// ttl (seconds, so any process can re-apply expiry), settled (the owner's stop
// sequence has finished: the data key will not change again), host and pid of the
// owning process, ownerVerified (CONTRACT §8: the owner is the Redis ACL user the
// owning process logged in as; false in statuses written before it existed).
// For resume (issue 22, docs/RESUME.md): the source's fingerprint, the owner's
// token (a takeover replaces it, so an old owner's next write fails), the owner's
// boot id and process start time (a pid reused by another program is told apart),
// and resumedAt / resumes, written by a takeover. Each is left out of the JSON while
// it is empty, so statuses of exports that never met resume read as before.
struct ExportStatus
{
    QString id;
    ExportState state = ExportState::Created;
    QString rawState; // the status word as read, kept when it is not one of the five
    QString owner;
    QString source;
    qint64 bytesTotal = -1;
    qint64 bytesWritten = 0;
    QDateTime createdAt;
    QDateTime updatedAt;
    QString sha256;          // empty = null
    QString error;           // empty = null
    QString cancelledBy;     // empty = null
    qint64 segmentBytes = 0; // the export's segment size (CONTRACT §1); 0 = not recorded
    qint64 segments = -1;    // data keys once terminal; -1 = not set yet
    int ttl = 0;             // 0 = not recorded
    bool settled = false;
    QString host;
    qint64 pid = 0;
    bool ownerVerified = false;
    SourceFingerprint fingerprint; // kind None = not recorded (or not resumable)
    QString ownerToken;            // empty = none (written before resume existed)
    QString bootId;                // the owner host's /proc/sys/kernel/random/boot_id
    qint64 pidStart = 0;           // the owner's start time, clock ticks since boot; 0 = unknown
    QDateTime resumedAt;           // the last takeover; invalid = never
    int resumes = 0;               // takeovers so far

    // One line of compact JSON, fields in the contract's order.
    QByteArray toJson() const;
    // Parses a status value read from Redis. Anything that is not a JSON object
    // with a string id and status gives nullopt and a reason.
    static std::optional<ExportStatus> fromJson(const QByteArray &json, QString *error = nullptr);

    QString stateText() const
    {
        return state == ExportState::Unknown ? rawState : stateName(state);
    }
};

// True for a lowercase UUID without braces, the only ids we ever look up.
bool isValidExportId(const QString &id);
QString newExportId();
// 128 random bits in hex: an owner token (a takeover's compare-and-set names it).
QString newOwnerToken();
QString isoTime(const QDateTime &t);
// A status's createdAt / updatedAt text as fromJson reads it (invalid when it is not a time).
QDateTime statusTimeFromText(const QString &text);

} // namespace hb

Q_DECLARE_METATYPE(hb::ExportStatus)

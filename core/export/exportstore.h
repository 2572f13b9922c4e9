#pragma once

#include "exportconfig.h"
#include "exporterror.h"
#include "exportstatus.h"
#include "permissions.h"
#include "redisconnection.h"

#include <QIODevice>
#include <QList>
#include <functional>
#include <optional>

namespace hb {

// Synchronous operations on exports by id, over one connection of its own: lookup,
// remote cancel, listing, fetching data back. Blocking; a GUI runs these off its
// thread (QtConcurrent). Not thread-safe.
class ExportStore final
{
public:
    ExportStore(RedisEndpoint endpoint, KeyLayout keys, RedisTimeouts timeouts = {});

    RedisConnection &connection() { return m_conn; }
    const KeyLayout &keys() const { return m_keys; }

    struct Lookup
    {
        Failure failure; // NotFound, Usage (bad id), Redis, Failed (malformed JSON)
        QByteArray json; // as stored
        std::optional<ExportStatus> status;
    };
    Lookup fetchStatus(const QString &id);

    struct CancelResult
    {
        Failure failure; // None when the export is now CANCELLED (by us or before)
        ExportStatus status;
        bool changed = false;      // we moved it to CANCELLED
        bool ownerSettled = false; // the owner confirmed its stop sequence finished
    };
    // Remote cancel (CONTRACT §5): checks permissions, compare-and-sets CANCELLED,
    // then waits up to ownerWaitMs for the owner to settle the data. When the owner
    // does not answer (crashed), settles the data on its behalf.
    CancelResult cancel(const QString &id, const QString &user, const PermissionsService &perms,
                        int ownerWaitMs = 3000);

    struct Entry
    {
        QString id;
        QByteArray json;
        std::optional<ExportStatus> status;
        QString problem; // why status is empty
        qint64 ttl = -2;
    };
    // Every export on the server (SCAN, never KEYS). Failure on Redis errors.
    QList<Entry> list(Failure *failure, int maxEntries = 100000);

    // Streams the export's data (the reading recipe of CONTRACT §2: its segments,
    // in order) to `out` in bounded memory and checks it against the recorded
    // sha256 (when COMPLETED). Returns the bytes written.
    qint64 fetchData(const QString &id, QIODevice *out, Failure *failure,
                     const std::function<void(qint64, qint64)> &progress = {});

    struct ServerInfo
    {
        QString version;
        QString usedMemory;
        qint64 usedMemoryBytes = 0;
        qint64 maxMemoryBytes = 0;
    };
    std::optional<ServerInfo> serverInfo(Failure *failure);

private:
    bool settle(QByteArray &expected, ExportStatus &status);
    // After a cancel was written (expected: the status JSON as it stands): waits up
    // to ownerWaitMs for the owner's stop sequence to settle it, else settles it on
    // the silent owner's behalf; out's status and ownerSettled say how it ended.
    void awaitOwner(const QString &id, QByteArray expected, int ownerWaitMs, CancelResult *out);

    RedisConnection m_conn;
    KeyLayout m_keys;
};

// Whether Redis can take an export of `size` bytes (-1: unknown) from `source` in
// segments of `segmentBytes`: a segment within proto-max-bulk-len (512 MiB when
// CONFIG is refused; else code Usage) and, when maxmemory is set, the whole within
// the memory left (under noeviction) or maxmemory itself (else code Source). A
// transport error has code Redis.
Failure checkServerAccepts(RedisConnection &conn, const QString &source, qint64 size,
                           qint64 segmentBytes);

// Input echoed in an error message: control characters replaced, long text cut.
QString printableForMessage(const QString &text);

} // namespace hb

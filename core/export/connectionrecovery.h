#pragma once

#include "backoff.h"
#include "exporterror.h"
#include "redisconnection.h"

#include <QString>
#include <functional>
#include <optional>

namespace hb {

// Gets an export's connection back after it broke: waits (Backoff: 100 ms doubling
// to 2 s, jittered; no wait after a MOVED, which names the slot's new master),
// reconnects, and lets the export bring itself back in step on the new connection
// (resync: its status, its held data, resending what was in flight). Bounded by
// maxReconnects attempts since the acknowledged offset last moved. Says what
// happened; ending the export is the caller's.
// Not thread-safe; on the export's thread.
class ConnectionRecovery final
{
public:
    ConnectionRecovery(RedisConnection &conn, QString id, int maxReconnects,
                       std::function<bool()> killed);

    // What the caller's resync did on a fresh connection.
    enum class Resync {
        Resumed, // back in step: the export goes on
        Retry,   // Redis failed again (`last` says how): reconnect once more
        Stop,    // the export has ended: no more attempts
    };
    struct Hooks
    {
        std::function<void()> killedWhileWaiting;       // the job was killed during a wait
        std::function<Resync(RedisError &last)> resync; // on each new connection
    };
    struct Outcome
    {
        enum class Kind {
            Reconnected, // resync Resumed
            Stopped,     // resync Stop
            Unanswered,  // a timeout where no failover can come: not worth waiting for
            GaveUp,      // maxReconnects attempts failed
        };
        Kind kind = Kind::Reconnected;
        RedisError last;
        // Unanswered, GaveUp: why the export fails (Redis is down for it).
        Failure failure;
        bool reconnected() const { return kind == Kind::Reconnected; }
    };
    // Failing over takes sentinels or a cluster seconds: a silent server is worth
    // waiting for there, where a single server's silence is not.
    bool failsOver() const;
    // Behind sentinels, a failover leaves the old master taking writes until the
    // sentinels reconfigure it: when they name another master, the cause to recover
    // from (a ConnectionLost naming the old one).
    std::optional<RedisError> newMaster() const;

    // `failsOver`: whether a silent server is worth waiting for (failsOver() for
    // the export's connection); `acked`: the acknowledged offset now.
    Outcome recover(const RedisError &cause, bool failsOver, qint64 acked, const Hooks &hooks);
    // The acknowledged offset moved: once past where the last recovery began, the
    // attempts count from zero again.
    void acknowledged(qint64 acked);

    // The delay before reconnect `attempt` (1-based): base/2 + random(base) with
    // base = min(2000, 100 << min(attempt - 1, 5)); 0 after a MOVED.
    static constexpr int firstDelayMs = 100;
    static constexpr int maxDelayMs = 2000;

private:
    RedisConnection &m_conn;
    QString m_id;
    int m_maxReconnects;
    std::function<bool()> m_killed;
    Backoff m_backoff{firstDelayMs, maxDelayMs};
    qint64 m_ackedAtLastRecovery = -1;
};

} // namespace hb

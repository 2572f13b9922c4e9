#pragma once

#include "backoff.h"
#include "exporterror.h"
#include "redisconnection.h"

#include <QString>
#include <functional>

namespace hb {

// Retries the steps of an export's preparation (who acts, whether the server takes
// it, creating its status key) when the connection drops under them, as
// ConnectionRecovery does once the export runs: the same Backoff (100 ms doubling to
// 2 s, jittered) and the same budget of maxReconnects reconnects for the whole
// preparation. Each step must be safe to run again (the checks read only; the
// create is a compare-and-set whose caller recognises its own status landed before
// the drop, see reconnected()). Only a transport error is retried: a refusal
// (NOPERM, a usage or source error) ends the preparation at once, and so does a
// server that never answered (refused from the start, or silent where no failover
// can come), so that exit 5 still comes at once for a server that is not there.
// Not thread-safe; blocking; on the queue's thread.
class PrepareRetry final
{
public:
    PrepareRetry(RedisConnection &conn, QString what, int maxReconnects);

    // Runs `step` until it returns no failure, a failure that is not a dropped
    // connection, or the reconnects run out (then the last transport failure, with
    // "gave up after N reconnects"). `step` reports a Redis failure with code Redis
    // and leaves its cause in conn.lastError(), as the prepare checks do.
    Failure run(const std::function<Failure()> &step);
    // Whether any step was run again on a new connection.
    bool reconnected() const { return m_backoff.attempts() > 0; }

private:
    bool worthRetrying(const Failure &f) const;

    RedisConnection &m_conn;
    QString m_what;
    int m_maxReconnects;
    bool m_connectedOnce = false;
    Backoff m_backoff{100, 2000};
};

} // namespace hb

#include "connectionrecovery.h"

#include "logging.h"

namespace hb {

ConnectionRecovery::ConnectionRecovery(RedisConnection &conn, QString id, int maxReconnects,
                                       std::function<bool()> killed)
    : m_conn(conn), m_id(std::move(id)), m_maxReconnects(maxReconnects), m_killed(std::move(killed))
{
}

bool ConnectionRecovery::failsOver() const
{
    return m_conn.endpoint().kind == RedisEndpoint::Kind::Sentinel || m_conn.isCluster();
}

std::optional<RedisError> ConnectionRecovery::newMaster() const
{
    if (!m_conn.masterMoved()) return std::nullopt;
    return RedisError{
        RedisError::Kind::ConnectionLost,
        QStringLiteral("the sentinels name a new master instead of %1").arg(m_conn.serverName())};
}

void ConnectionRecovery::acknowledged(qint64 acked)
{
    if (acked != m_ackedAtLastRecovery) m_backoff.reset();
}

ConnectionRecovery::Outcome ConnectionRecovery::recover(const RedisError &cause, bool failsOver,
                                                        qint64 acked, const Hooks &hooks)
{
    using Kind = Outcome::Kind;
    m_conn.disconnect();
    Outcome out;
    out.last = cause;
    if (cause.kind == RedisError::Kind::Timeout && !failsOver) {
        // A server that accepts but does not answer (stopped, swapping): waiting
        // longer than the command timeout helps nobody.
        out.kind = Kind::Unanswered;
        out.failure = {ErrorCode::Failed, cause.message};
        return out;
    }
    m_ackedAtLastRecovery = acked;
    while (m_backoff.attempts() < m_maxReconnects) {
        const int step = m_backoff.next();
        // A MOVED names the slot's new master: go there at once.
        const int delay = out.last.kind == RedisError::Kind::Moved ? 0 : step;
        qCWarning(lcExport).noquote()
            << "export" << m_id << "lost its connection (" << out.last.message << "); reconnect"
            << m_backoff.attempts() << "of" << m_maxReconnects << "in" << delay << "ms";
        if (!sleepUnless(delay, m_killed)) hooks.killedWhileWaiting();
        if (!m_conn.ensureConnected()) {
            out.last = m_conn.lastError();
            continue;
        }
        switch (hooks.resync(out.last)) {
        case Resync::Resumed:
            out.kind = Kind::Reconnected;
            return out;
        case Resync::Stop:
            out.kind = Kind::Stopped;
            return out;
        case Resync::Retry:
            continue;
        }
    }
    out.kind = Kind::GaveUp;
    out.failure = {ErrorCode::Failed, QStringLiteral("%1 (gave up after %2 reconnects)")
                                          .arg(out.last.message)
                                          .arg(m_maxReconnects)};
    return out;
}

} // namespace hb

#include "prepareretry.h"

#include "logging.h"

#include <QThread>

namespace hb {

PrepareRetry::PrepareRetry(RedisConnection &conn, QString what, int maxReconnects)
    : m_conn(conn), m_what(std::move(what)), m_maxReconnects(maxReconnects)
{
}

bool PrepareRetry::worthRetrying(const Failure &f) const
{
    if (f.code != ErrorCode::Redis) return false; // NOPERM, usage, source: final
    const RedisError &e = m_conn.lastError();
    if (!e.isTransport()) return false;
    const bool failsOver =
        m_conn.endpoint().kind == RedisEndpoint::Kind::Sentinel || m_conn.isCluster();
    // As ConnectionRecovery: a single server that accepts but does not answer is
    // not worth waiting for.
    if (e.kind == RedisError::Kind::Timeout && !failsOver) return false;
    // A server refused from the first try is not there (exit 5 at once); one that
    // refuses after it answered is one restarting or dropping us.
    if (e.kind == RedisError::Kind::Unreachable && !m_connectedOnce) return false;
    return true;
}

Failure PrepareRetry::run(const std::function<Failure()> &step)
{
    for (;;) {
        if (m_conn.isConnected()) m_connectedOnce = true;
        Failure f = step();
        if (m_conn.isConnected()) m_connectedOnce = true;
        if (!f || !worthRetrying(f)) return f;
        // A dropped connection answered at least once in this preparation.
        if (m_conn.lastError().kind != RedisError::Kind::Unreachable) m_connectedOnce = true;
        for (;;) {
            if (m_backoff.attempts() >= m_maxReconnects)
                return {ErrorCode::Redis, QStringLiteral("%1 (gave up after %2 reconnects)")
                                              .arg(f.message)
                                              .arg(m_maxReconnects)};
            // A MOVED names the slot's new master: go there at once.
            const bool moved = m_conn.lastError().kind == RedisError::Kind::Moved;
            const int step = m_backoff.next();
            const int delay = moved ? 0 : step;
            m_conn.disconnect();
            qCWarning(lcExport).noquote()
                << m_what << "lost its connection while preparing (" << f.message << "); reconnect"
                << m_backoff.attempts() << "of" << m_maxReconnects << "in" << delay << "ms";
            QThread::msleep(quint64(delay));
            if (m_conn.ensureConnected()) break;
            f = Failure::fromRedis(m_conn.lastError());
            if (!worthRetrying(f)) return f;
        }
    }
}

} // namespace hb

#include "monitorsubscription.h"

namespace hb {

namespace {

// Messages taken in one drain at most: beyond, the monitor's steps and deadlines
// would wait behind a flood of events.
constexpr int kDrainAtMost = 5000;

} // namespace

MonitorSubscription::MonitorSubscription(RedisEndpoint endpoint, RedisTimeouts timeouts)
    : m_endpoint(std::move(endpoint)), m_timeouts(timeouts)
{
}

bool MonitorSubscription::learnKeyeventChannels(RedisConnection &conn, QString *error)
{
    const RedisReply r = conn.command({"CONFIG", "GET", "notify-keyspace-events"});
    if (r.isError() && r.error.isTransport()) {
        *error = QStringLiteral("cannot reach Redis: %1").arg(r.error.message);
        return false;
    }
    // Refused (an ACL without CONFIG): then not known, and not needed.
    if (r.isError() || r.elements.size() != 2) return true;
    const QByteArray flags = r.elements[1].string;
    const QByteArray prefix = "__keyevent@" + QByteArray::number(m_endpoint.db) + "__:";
    if (flags.contains('E')) {
        if (flags.contains('x') || flags.contains('A')) m_expiredChannel = prefix + "expired";
        if (flags.contains('g') || flags.contains('A')) m_delChannel = prefix + "del";
    }
    return true;
}

bool MonitorSubscription::open(RedisConnection &conn, const QByteArray &eventsChannel,
                               bool useKeyspaceEvents, QString *error)
{
    m_eventsChannel = eventsChannel;
    m_expiredChannel.clear();
    m_delChannel.clear();
    if (useKeyspaceEvents && !conn.isCluster() && !learnKeyeventChannels(conn, error)) return false;
    QList<QByteArray> args{"SUBSCRIBE", m_eventsChannel};
    if (!m_expiredChannel.isEmpty()) args.append(m_expiredChannel);
    if (!m_delChannel.isEmpty()) args.append(m_delChannel);
    m_sub = std::make_unique<RedisConnection>(m_endpoint, m_timeouts);
    RedisReply confirmed =
        m_sub->append(args) ? m_sub->readReply() : RedisReply::fromError(m_sub->lastError());
    for (qsizetype i = 2; i < args.size() && !confirmed.isError(); ++i)
        confirmed = m_sub->readReply();
    if (confirmed.isError()) {
        *error =
            confirmed.error.isTransport() || confirmed.error.kind == RedisError::Kind::AuthFailed
                ? QStringLiteral("cannot reach Redis: %1").arg(confirmed.error.message)
                : QStringLiteral("Redis refused SUBSCRIBE: %1").arg(confirmed.error.message);
        m_sub.reset();
        return false;
    }
    return true;
}

void MonitorSubscription::close()
{
    m_sub.reset();
}

bool MonitorSubscription::drain(int waitMs, const std::function<void(const Event &)> &onEvent,
                                QString *error)
{
    bool nothing = false;
    RedisReply pushed = m_sub->readPushed(waitMs, &nothing);
    for (int drained = 0; !pushed.isError() && !nothing && drained < kDrainAtMost; ++drained) {
        if (pushed.elements.size() == 3 && pushed.elements[0].string == "message") {
            const QByteArray &channel = pushed.elements[1].string;
            if (channel == m_eventsChannel)
                onEvent({Event::Kind::Status, pushed.elements[2].string});
            else if (channel == m_expiredChannel || channel == m_delChannel)
                onEvent({Event::Kind::KeyGone, pushed.elements[2].string});
        }
        pushed = m_sub->readPushed(0, &nothing);
    }
    if (pushed.isError()) {
        *error = QStringLiteral("lost the connection to Redis: %1").arg(pushed.error.message);
        return false;
    }
    return true;
}

} // namespace hb

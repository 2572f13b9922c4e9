#pragma once

#include "redisconnection.h"

#include <QByteArray>
#include <QString>
#include <functional>
#include <memory>

namespace hb {

// The export monitor's second connection, SUBSCRIBEd to the events channel and,
// where the server announces them (notify-keyspace-events with E and x/g or A), to
// the keyevents for expired and deleted keys of the endpoint's database. Keyspace
// events are local to a node, a cluster's would need a subscription per master:
// there the monitor's deadlines and resync do the work.
class MonitorSubscription final
{
public:
    // What one pushed message says: a status JSON published on the events channel,
    // or the name of a key that expired or was deleted.
    struct Event
    {
        enum class Kind { Status, KeyGone };
        Kind kind = Kind::Status;
        QByteArray payload;
    };

    MonitorSubscription(RedisEndpoint endpoint, RedisTimeouts timeouts);

    // Asks the server (over conn, the monitor's command connection) which keyevents
    // it emits, then subscribes. False with *error when the server cannot be
    // reached or refuses SUBSCRIBE.
    bool open(RedisConnection &conn, const QByteArray &eventsChannel, bool useKeyspaceEvents,
              QString *error);
    void close();

    // Waits at most waitMs for the next message, then takes what else has arrived
    // (up to a bound, so that the caller's timers still run), each one that is an
    // Event handed to onEvent. False with *error when the connection is lost.
    bool drain(int waitMs, const std::function<void(const Event &)> &onEvent, QString *error);

private:
    // CONFIG GET notify-keyspace-events: which keyevent channels to subscribe to.
    bool learnKeyeventChannels(RedisConnection &conn, QString *error);

    const RedisEndpoint m_endpoint;
    const RedisTimeouts m_timeouts;
    std::unique_ptr<RedisConnection> m_sub;
    QByteArray m_eventsChannel;
    QByteArray m_expiredChannel; // empty: the server does not say
    QByteArray m_delChannel;
};

} // namespace hb

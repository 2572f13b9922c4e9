#pragma once

#include "redisendpoint.h"

#include <QString>
#include <optional>

namespace hb {

// The private redis-server of CONTRACT §7: unix socket only, no TCP port, no
// persistence, in the user's runtime folder; started on first use and left
// running for later runs.
class EmbeddedServer final
{
public:
    static QString directory();  // $XDG_RUNTIME_DIR/hbexporter
    static QString socketPath(); // .../redis.sock
    static RedisEndpoint endpoint();

    // True when something answers PING on the socket.
    static bool isAnswering();
    // Starts redis-server unless something already answers. False with *error.
    static bool ensureRunning(QString *error);
    // SHUTDOWN NOSAVE. False with *error when nothing was running or it refused.
    static bool stop(QString *error);

    struct Status
    {
        bool running = false;
        QString socket;
        QString version;
        qint64 pid = 0;
        QString usedMemory;
        qint64 keys = 0;
    };
    static Status status();
};

// Which Redis to use: an explicit URL (--redis), else $HBEXPORTER_REDIS_URL, else a
// saved setting (the GUI's), else the embedded server (*embedded = true; the caller
// starts it). nullopt with *error when a URL given is malformed.
std::optional<RedisEndpoint> resolveEndpoint(const QString &explicitUrl, const QString &savedUrl,
                                             bool *embedded, QString *error);

} // namespace hb

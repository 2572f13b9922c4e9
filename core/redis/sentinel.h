#pragma once

#include "redisconnection.h"
#include "redisendpoint.h"

#include <optional>

namespace hb {

// Finding the master of a Sentinel-monitored group (CONTRACT §6, §9), the way the
// Sentinel client guidelines describe: ask each sentinel in turn for the master's
// address (SENTINEL GET-MASTER-ADDR-BY-NAME); the first that answers is asked
// first next time. The caller connects and confirms the role with ROLE.
class SentinelResolver final
{
public:
    // The master's address, or nullopt with *error naming every sentinel's problem.
    static std::optional<RedisHost> askForMaster(const RedisEndpoint &endpoint,
                                                 const RedisTimeouts &timeouts, RedisError *error);
};

// The role a server reports (ROLE): "master", "slave", "sentinel"; empty on error.
QByteArray serverRole(RedisConnection &conn);

} // namespace hb

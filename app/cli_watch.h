#pragma once

#include "exportconfig.h"
#include "redisendpoint.h"

// `hbexporter-cli watch`: every export on the server, live. On a terminal, a table
// redrawn in place every refreshMs (q or Ctrl-C quits; the terminal's mode is
// restored on the way out); otherwise one plain line per change, until SIGINT or
// SIGTERM. Needs a QCoreApplication (creates one when there is none).
// Returns 0, or 5 with one line on stderr when Redis is unreachable at the start.
// Later losses of the connection are shown and healed (reconnect with back-off).
int runWatch(const hb::RedisEndpoint &endpoint, const hb::KeyLayout &keys, int refreshMs);

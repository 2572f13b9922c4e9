#pragma once

#include "exportconfig.h"
#include "finalstatus.h"
#include "redisconnection.h"
#include "statuswriter.h"

namespace hb {

// The terminal phase: compare-and-sets an export's final status, with every expiry,
// retrying what can be retried: a broken connection (the same status again), a
// status key that vanished (written afresh), a non-terminal status changed under
// us, Redis out of memory (the partial data goes first). Another process's
// terminal status stands (Ending::ofForeign: a cancel wins, settled as the
// canceller recorded). Not thread-safe; on the export's thread.
class TerminalWriter final
{
public:
    TerminalWriter(RedisConnection &conn, StatusWriter &status, const KeyLayout &keys,
                   int ttlSeconds);

    // `final` is ToWrite; the result is Written, Foreign or Unwritten.
    FinalStatus::Final write(FinalStatus::Final final);

private:
    using Final = FinalStatus::Final;
    // A conflict on the terminal write: true to try again with `final` as changed.
    bool onConflict(const StatusWriter::Result &r, Final &final, Final *result);
    // An error reply or a broken connection: true to try again.
    bool onError(const RedisError &error, int attempt, Final &final, Final *result);

    RedisConnection &m_conn;
    StatusWriter &m_status;
    const KeyLayout &m_keys;
    int m_ttlSeconds;
};

} // namespace hb

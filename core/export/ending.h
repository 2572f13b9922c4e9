#pragma once

#include "exporterror.h"
#include "exportstatus.h"

#include <QString>

namespace hb {

// Why an export ends, decided in one place (add()): the status in Redis outranks
// what happens here. Another process's terminal status wins over all; a remote
// cancel over a local cancel or a failure; otherwise the first reason stays.
class Ending final
{
public:
    enum class Why { Running, LocalCancel, RemoteCancel, Failed, ForeignTerminal };

    Ending() = default;
    Ending(Why why, ErrorCode code, QString message, bool redisDown = false,
           ExportStatus foreign = {});

    // Records a reason to end under the precedence above; redisDown always sticks.
    void add(const Ending &reason);
    bool running() const { return why == Why::Running; }

    // What a status another process stored means for this export: CANCELLED wins
    // (RemoteCancel), a terminal or unreadable state ends it (ForeignTerminal), and
    // a non-terminal one is adopted (Running: the next write replaces it), unless
    // its ownerToken is not `ownToken` (when that is set): another process took the
    // export over (issue 22), which ends this one at once without writing data or
    // status (ForeignTerminal, "taken over by host/pid").
    static Ending ofForeign(const ExportStatus &stored, const QString &ownToken = {});

    Why why = Why::Running;
    ErrorCode code = ErrorCode::None;
    QString message;
    bool redisDown = false; // nothing more can be written
    ExportStatus foreign;   // RemoteCancel, ForeignTerminal: as stored
};

} // namespace hb

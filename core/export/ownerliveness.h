#pragma once

#include "exportstatus.h"

#include <QDateTime>
#include <QString>
#include <functional>

namespace hb {

// Who this process is, as a status records its owner (CONTRACT §2: host, pid,
// bootId, pidStart). The boot id and the process's start time together name one
// run of one program: a pid that the kernel hands to another program later, or
// the same pid after a reboot, has another start time or another boot id.
struct ProcessFacts
{
    QString hostName;
    QString bootId; // /proc/sys/kernel/random/boot_id; empty where there is none
    qint64 pid = 0;
    qint64 pidStart = 0; // /proc/<pid>/stat field 22 (clock ticks since boot); 0 unknown

    // This process, read once.
    static const ProcessFacts &self();
    // The start time of `pid` on this host now, or -1 when no such process exists
    // (or its /proc entry cannot be read).
    static qint64 startTimeOf(qint64 pid);
};

// Whether an export's owner is gone, so that another process may take it over
// (issue 22, docs/RESUME.md): on this host (same host name and boot id) an owner
// whose pid is dead, or runs another program (another start time), is gone at
// once; any other owner is gone when its status has not been written for
// silenceLimitMs (it writes at least every heartbeatMs while it runs or queues).
struct OwnerLiveness
{
    static constexpr int heartbeatMs = 3000;
    static constexpr int silenceLimitMs = 10000;

    enum class Verdict { Alive, Gone };
    Verdict verdict = Verdict::Alive;
    QString host;
    qint64 pid = 0;
    qint64 silentMs = 0;   // since updatedAt (0 when its clock is ahead of ours)
    bool sameHost = false; // the owner ran on this host, since its last boot
    QString reason;        // Gone: why, e.g. "process 4242 on host-a is no longer running"

    bool isGone() const { return verdict == Verdict::Gone; }
    // "owned by host/pid, last written 2 s ago"
    QString ownerText() const;

    // Pure but for the probe of the local process table, which tests replace.
    using StartTimeProbe = std::function<qint64(qint64 pid)>;
    static OwnerLiveness assess(const ExportStatus &status, const ProcessFacts &here,
                                const QDateTime &now,
                                const StartTimeProbe &startTimeOf = ProcessFacts::startTimeOf,
                                int silenceLimit = silenceLimitMs);
};

} // namespace hb

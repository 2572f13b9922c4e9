#pragma once

#include "testtime.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <csignal>
#include <sys/types.h>

namespace hb::test {

// One finished run of hbexporter-cli (code -1: it crashed or did not finish in time).
struct CliRun
{
    int code = -1;
    QByteArray out;
    QByteArray err;
    qint64 elapsedMs = 0;
};

// The system's environment with HBEXPORTER_REDIS_URL set to `redisUrl` (removed when
// empty) and no HBEXPORTER_PERMISSIONS, so a developer's own settings never leak in.
inline QProcessEnvironment cliEnvironment(const QString &redisUrl)
{
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    if (redisUrl.isEmpty())
        e.remove(QStringLiteral("HBEXPORTER_REDIS_URL"));
    else
        e.insert(QStringLiteral("HBEXPORTER_REDIS_URL"), redisUrl);
    e.remove(QStringLiteral("HBEXPORTER_PERMISSIONS"));
    // The local journal (issue 22) of this test process's CLIs, never the user's own.
    static QTemporaryDir state;
    e.insert(QStringLiteral("XDG_STATE_HOME"), state.path());
    return e;
}

// Runs `program` with `args`, `input` (when not null) on its standard input, closed
// after it; waits at most timeoutMs (scaled for sanitizer builds).
inline CliRun runCli(const QString &program, const QStringList &args,
                     const QProcessEnvironment &env, int timeoutMs = 120000,
                     const QByteArray *input = nullptr)
{
    QProcess p;
    p.setProcessEnvironment(env);
    QElapsedTimer t;
    t.start();
    p.start(program, args);
    CliRun r;
    if (input) {
        if (!p.waitForStarted(scaledMs(10000))) return r;
        p.write(*input);
        p.closeWriteChannel();
    }
    if (!p.waitForFinished(scaledMs(timeoutMs))) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.elapsedMs = t.elapsed();
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

// Sends `sig` to `process` if it is still running; false if it had already ended.
// Never kill(processId()) directly: once QProcess has reaped an ended child, its
// processId() is 0, and kill(0, sig) signals the test's own process group.
inline bool signalProcess(QProcess &process, int sig)
{
    const qint64 pid = process.processId();
    if (process.state() != QProcess::Running || pid <= 0) return false;
    // Still running, or ended but not yet reaped (QProcess reaps only in its own
    // event handling, which cannot run between the check and here): pid is ours.
    return ::kill(pid_t(pid), sig) == 0;
}

} // namespace hb::test

#include "ownerliveness.h"

#include <QCoreApplication>
#include <QFile>
#include <QSysInfo>

#include <algorithm>
#include <limits>

namespace hb {

namespace {

QByteArray readSmallFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.read(4096);
}

// Field 22 of /proc/<pid>/stat. The second field, the command name in parentheses,
// may itself hold spaces and parentheses: count from the last ')'.
qint64 parseStartTime(const QByteArray &stat)
{
    const qsizetype close = stat.lastIndexOf(')');
    if (close < 0) return -1;
    const QList<QByteArray> fields = stat.mid(close + 1).simplified().split(' ');
    // fields[0] is field 3 (the state), so field 22 is fields[19].
    if (fields.size() < 20) return -1;
    bool ok = false;
    const qint64 start = fields.at(19).toLongLong(&ok);
    return ok ? start : -1;
}

QString secondsText(qint64 ms)
{
    const qint64 s = ms / 1000;
    if (s < 120) return QStringLiteral("%1 s").arg(s);
    if (s < 7200) return QStringLiteral("%1 min").arg(s / 60);
    return QStringLiteral("%1 h").arg(s / 3600);
}

} // namespace

const ProcessFacts &ProcessFacts::self()
{
    static const ProcessFacts facts = [] {
        ProcessFacts f;
        f.hostName = QSysInfo::machineHostName();
        f.bootId = QString::fromLatin1(
            readSmallFile(QStringLiteral("/proc/sys/kernel/random/boot_id")).trimmed());
        f.pid = QCoreApplication::applicationPid();
        f.pidStart =
            std::max<qint64>(0, parseStartTime(readSmallFile(QStringLiteral("/proc/self/stat"))));
        return f;
    }();
    return facts;
}

qint64 ProcessFacts::startTimeOf(qint64 pid)
{
    if (pid <= 0) return -1;
    return parseStartTime(readSmallFile(QStringLiteral("/proc/%1/stat").arg(pid)));
}

QString OwnerLiveness::ownerText() const
{
    QString who = host.isEmpty() ? QStringLiteral("an unknown host") : host;
    if (pid > 0) who += QStringLiteral("/%1").arg(pid);
    return QStringLiteral("owned by %1, last written %2 ago").arg(who, secondsText(silentMs));
}

OwnerLiveness OwnerLiveness::assess(const ExportStatus &status, const ProcessFacts &here,
                                    const QDateTime &now, const StartTimeProbe &startTimeOf,
                                    int silenceLimit)
{
    OwnerLiveness o;
    o.host = status.host;
    o.pid = status.pid;
    // A status without updatedAt has never shown life: as silent as can be.
    o.silentMs = status.updatedAt.isValid() ? std::max<qint64>(0, status.updatedAt.msecsTo(now))
                                            : std::numeric_limits<qint64>::max() / 2;
    o.sameHost = !status.host.isEmpty() && status.host == here.hostName &&
                 !status.bootId.isEmpty() && status.bootId == here.bootId;
    const QString where = status.host.isEmpty() ? QStringLiteral("an unknown host") : status.host;
    if (o.sameHost && status.pid > 0) {
        const qint64 start = startTimeOf(status.pid);
        if (start < 0) {
            o.verdict = Verdict::Gone;
            o.reason =
                QStringLiteral("process %1 on %2 is no longer running").arg(status.pid).arg(where);
            return o;
        }
        if (status.pidStart > 0 && start != status.pidStart) {
            o.verdict = Verdict::Gone;
            o.reason =
                QStringLiteral("process %1 on %2 ended (the pid now belongs to another program)")
                    .arg(status.pid)
                    .arg(where);
            return o;
        }
    }
    if (o.silentMs >= silenceLimit) {
        o.verdict = Verdict::Gone;
        o.reason = status.updatedAt.isValid()
                       ? QStringLiteral("%1/%2 has not written the status for %3")
                             .arg(where)
                             .arg(status.pid)
                             .arg(secondsText(o.silentMs))
                       : QStringLiteral("the status was never written by a running owner");
        return o;
    }
    o.verdict = Verdict::Alive;
    return o;
}

} // namespace hb

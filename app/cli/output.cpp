#include "output.h"

#include "actinguser.h"
#include "humanformat.h"
#include "textescape.h"

#include <cerrno>
#include <unistd.h>

namespace hb::cli {

void writeAll(FILE *f, const QByteArray &bytes)
{
    fwrite(bytes.constData(), 1, size_t(bytes.size()), f);
    fflush(f);
}

void writeFd(int fd, const QByteArray &bytes)
{
    qsizetype done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.constData() + done, size_t(bytes.size() - done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += n;
    }
}

void errLine(const QString &message)
{
    writeAll(stderr, escapeUntrusted(message).toUtf8() + '\n');
}

void outLine(const QByteArray &line)
{
    writeAll(stdout, line + '\n');
}

int fail(const Failure &f)
{
    errLine(f.message);
    return exitCodeFor(f.code);
}

QString formatTime(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"))
                       : QStringLiteral("?");
}

QString statusText(const ExportStatus &s, std::optional<qint64> ttl)
{
    auto e = [](const QString &text) { return escapeUntrusted(text); };
    QString out;
    out += QStringLiteral("export   %1\n").arg(e(s.id));
    QString progress;
    if (s.bytesTotal > 0)
        progress = QStringLiteral("  (%1% — %2 of %3)")
                       .arg(percentOf(s.bytesWritten, s.bytesTotal))
                       .arg(formatBytes(s.bytesWritten), formatBytes(s.bytesTotal));
    else
        progress = QStringLiteral("  (%1 written)").arg(formatBytes(s.bytesWritten));
    out += QStringLiteral("status   %1%2\n").arg(e(s.stateText()), progress);
    out += QStringLiteral("owner    %1\n").arg(ActingUser::displayOwner(s.owner, s.ownerVerified));
    if (!s.host.isEmpty())
        out += s.pid > 0 ? QStringLiteral("host     %1 (pid %2)\n").arg(e(s.host)).arg(s.pid)
                         : QStringLiteral("host     %1\n").arg(e(s.host));
    out += QStringLiteral("source   %1\n").arg(e(s.source));
    out += QStringLiteral("created  %1\n").arg(formatTime(s.createdAt));
    out += QStringLiteral("updated  %1\n").arg(formatTime(s.updatedAt));
    if (s.segments > 1)
        out += QStringLiteral("segments %1 of %2 bytes\n").arg(s.segments).arg(s.segmentBytes);
    if (!s.sha256.isEmpty()) out += QStringLiteral("sha256   %1\n").arg(e(s.sha256));
    if (!s.error.isEmpty()) out += QStringLiteral("error    %1\n").arg(e(s.error));
    if (!s.cancelledBy.isEmpty()) out += QStringLiteral("cancelled by %1\n").arg(e(s.cancelledBy));
    if (ttl && *ttl >= 0) out += QStringLiteral("expires  in %1 s\n").arg(*ttl);
    out.chop(1);
    return out;
}

} // namespace hb::cli

#include "statusformat.h"

#include "actinguser.h"

#include "textescape.h"

#include <QJsonDocument>
#include <QLocale>

namespace hb {

QString prettyStatusJson(const QByteArray &json)
{
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    if (doc.isNull()) return QString::fromUtf8(json);
    return QString::fromUtf8(doc.toJson(QJsonDocument::Indented)).trimmed();
}

QString statusSummary(const ExportStatus &s)
{
    QStringList lines;
    lines << QStringLiteral("Export %1").arg(s.id);
    lines << QStringLiteral("Status: %1").arg(s.stateText());
    // Names and errors may come from other machines: escaped (issue #13 item 14).
    if (!s.source.isEmpty()) lines << QStringLiteral("Source: %1").arg(escapeUntrusted(s.source));
    if (!s.owner.isEmpty())
        lines
            << QStringLiteral("Owner: %1").arg(ActingUser::displayOwner(s.owner, s.ownerVerified));
    if (!s.host.isEmpty())
        lines << QStringLiteral("Host: %1 (pid %2)").arg(escapeUntrusted(s.host)).arg(s.pid);
    const QString total =
        s.bytesTotal < 0 ? QStringLiteral("unknown size") : sizeText(s.bytesTotal);
    QString progress = QStringLiteral("Written: %1 of %2").arg(sizeText(s.bytesWritten), total);
    if (s.bytesTotal > 0)
        progress += QStringLiteral(" (%1%)").arg(percentOf(s.bytesWritten, s.bytesTotal));
    lines << progress;
    if (s.createdAt.isValid())
        lines << QStringLiteral("Created: %1")
                     .arg(QLocale().toString(s.createdAt.toLocalTime(), QLocale::LongFormat));
    if (s.updatedAt.isValid())
        lines << QStringLiteral("Updated: %1")
                     .arg(QLocale().toString(s.updatedAt.toLocalTime(), QLocale::LongFormat));
    if (!s.sha256.isEmpty()) lines << QStringLiteral("SHA-256: %1").arg(s.sha256);
    if (!s.error.isEmpty()) lines << QStringLiteral("Error: %1").arg(escapeUntrusted(s.error));
    if (!s.cancelledBy.isEmpty())
        lines << QStringLiteral("Cancelled by: %1").arg(escapeUntrusted(s.cancelledBy));
    return lines.join(QLatin1Char('\n'));
}

} // namespace hb

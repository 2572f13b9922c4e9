#include "humanformat.h"

#include <QLocale>

#include <algorithm>

namespace hb {

QString formatBytes(qint64 bytes)
{
    if (bytes < 0) return QStringLiteral("?");
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = double(bytes);
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        ++u;
    }
    return u == 0 ? QStringLiteral("%1 B").arg(bytes)
                  : QStringLiteral("%1 %2")
                        .arg(v, 0, 'f', v < 10 ? 2 : 1)
                        .arg(QLatin1String(units[u]));
}

QString sizeText(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1);
}

QString formatSpeed(qint64 bytesPerSecond)
{
    return formatBytes(bytesPerSecond) + QStringLiteral("/s");
}

qint64 parseByteSize(const QString &text)
{
    QString t = text.trimmed();
    if (t.isEmpty()) return -1;
    qint64 mult = 1;
    const QChar last = t.back().toUpper();
    if (last == QLatin1Char('K') || last == QLatin1Char('M') || last == QLatin1Char('G')) {
        mult = last == QLatin1Char('K')   ? 1024LL
               : last == QLatin1Char('M') ? 1024LL * 1024
                                          : 1024LL * 1024 * 1024;
        t.chop(1);
    } else if (t.endsWith(QLatin1String("iB"), Qt::CaseInsensitive) && t.size() > 3) {
        return parseByteSize(t.left(t.size() - 2));
    }
    bool ok = false;
    const double v = t.toDouble(&ok);
    if (!ok || !(v >= 0) || v * double(mult) > 9.0e18) return -1;
    return qint64(v * double(mult));
}

QString formatDuration(qint64 ms, DurationStyle style)
{
    // The largest unit that the duration reaches, and the one below it.
    struct Step
    {
        qint64 unit, below; // in seconds
        const char *words, *compact;
        bool padded; // Compact: the smaller unit in two digits
    };
    static constexpr Step steps[] = {
        {86400, 3600, "%1 d %2 h", "%1d%2h", false},
        {3600, 60, "%1 h %2 min", "%1h%2m", true},
        {60, 1, "%1 min %2 s", "%1m%2s", true},
    };
    const qint64 s = std::max<qint64>(0, ms / 1000);
    const bool compact = style == DurationStyle::Compact;
    for (const Step &step : steps) {
        if (s < step.unit) continue;
        const qint64 small = (s % step.unit) / step.below;
        return QString::fromLatin1(compact ? step.compact : step.words)
            .arg(s / step.unit)
            .arg(small, compact && step.padded ? 2 : 0, 10, QLatin1Char('0'));
    }
    return compact ? QStringLiteral("%1s").arg(s) : QStringLiteral("%1 s").arg(s);
}

qint64 percentOf(qint64 part, qint64 whole)
{
    return whole > 0 ? part * 100 / whole : -1;
}

QString elide(const QString &text, int width)
{
    if (text.size() <= width) return text;
    return text.left(std::max(0, width - 1)) + QChar(0x2026);
}

} // namespace hb

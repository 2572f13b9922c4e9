#include "exportconfig.h"

#include <algorithm>

namespace hb {

QByteArray KeyLayout::statusKeyPattern() const
{
    QByteArray escaped;
    for (char c : prefix) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\' || c == '{' || c == '}')
            escaped += '\\';
        escaped += c;
    }
    // Status keys end in '}', data keys in "-data": the pattern skips the latter.
    return escaped + "\\{*\\}";
}

QString KeyLayout::idFromStatusKey(const QByteArray &key) const
{
    if (!key.startsWith(prefix + '{') || !key.endsWith('}')) return {};
    return QString::fromLatin1(key.mid(prefix.size() + 1, key.size() - prefix.size() - 2));
}

} // namespace hb

namespace hb {

bool ExporterConfig::ttlInRange(qint64 seconds)
{
    return seconds >= minTtlSeconds && seconds <= maxTtlSeconds;
}

bool ExporterConfig::chunkSizeInRange(qint64 bytes)
{
    return bytes >= minChunkSize && bytes <= maxChunkSize;
}

bool ExporterConfig::segmentBytesInRange(qint64 bytes)
{
    return bytes >= minSegmentBytes && bytes <= maxSegmentBytes;
}

bool ExporterConfig::bandwidthLimitInRange(qint64 bytesPerSecond)
{
    return bytesPerSecond >= 0;
}

bool ExporterConfig::chunkFitsSegment(qint64 chunkBytes, qint64 segmentBytes)
{
    return chunkBytes <= std::clamp(segmentBytes, minSegmentBytes, maxSegmentBytes);
}

qint64 ExporterConfig::effectiveSegmentBytes() const
{
    return std::clamp(segmentBytes, minSegmentBytes, maxSegmentBytes);
}

qint64 ExporterConfig::effectiveChunkSize() const
{
    return std::min(std::clamp(chunkSize, minChunkSize, maxChunkSize), effectiveSegmentBytes());
}

} // namespace hb

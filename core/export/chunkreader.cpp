#include "chunkreader.h"

#include <QElapsedTimer>

#include <algorithm>

namespace hb {

ChunkReader::ChunkReader(std::unique_ptr<ExportSource> source, BandwidthBudget &budget,
                         qint64 chunkSize, std::function<bool()> stop)
    : m_source(std::move(source)), m_budget(budget), m_chunkSize(chunkSize), m_stop(std::move(stop))
{
}

qint64 ChunkReader::nextChunkSize() const
{
    const qint64 rate = m_budget.rate();
    // Throttled, a chunk is about an eighth of a second: smooth progress.
    return rate > 0 ? std::clamp<qint64>(rate / 8, 1024, m_chunkSize) : m_chunkSize;
}

QByteArray ChunkReader::read(qint64 at, qint64 want, bool *error)
{
    // Gathers up to `want` bytes: a stream that delivers little at a time (a pipe)
    // still makes chunks of a useful size, but never waits more than 100 ms with
    // bytes in hand, so a slow stream still shows progress.
    QByteArray buffer(want, Qt::Uninitialized);
    qint64 filled = 0;
    QElapsedTimer waited;
    waited.start();
    while (filled < want && !m_source->atEnd() && !m_stop()) {
        const qint64 granted = m_budget.take(want - filled, 20);
        if (granted <= 0) {
            if (filled > 0 || waited.elapsed() >= 50) break;
            continue;
        }
        const qint64 n = m_source->read(buffer.data() + filled, granted, 20);
        if (n < 0) {
            *error = true;
            return {};
        }
        m_budget.giveBack(granted - n);
        filled += n;
        if (waited.elapsed() >= (filled > 0 ? 100 : 50)) break;
    }
    buffer.truncate(filled);
    // Hashed on another thread while Redis stores it (a shared copy). After a
    // rewind, bytes read again were hashed the first time.
    if (at + buffer.size() > m_hashedUpTo) {
        m_sha.add(at >= m_hashedUpTo ? buffer : buffer.mid(m_hashedUpTo - at));
        m_hashedUpTo = at + buffer.size();
    }
    return buffer;
}

void ChunkReader::hashHeld(const QByteArray &bytes)
{
    m_sha.add(bytes);
    m_hashedUpTo += bytes.size();
}

bool ChunkReader::hashPrefix(qint64 offset)
{
    Q_ASSERT(m_hashedUpTo == 0);
    if (offset == 0) return true;
    // Only what can be read twice is resumed (it has a fingerprint): a regular file,
    // whose prefix the hash's own thread reads while the rest is read and sent.
    ExportSource::PrefixReader prefix = m_source->prefixReader();
    if (!prefix || !m_source->seek(offset)) {
        m_prefixError = prefix ? QStringLiteral("%1 holds fewer bytes than the %2 already exported")
                                     .arg(m_source->displayName())
                                     .arg(offset)
                               : QStringLiteral("%1 cannot be read again from its start")
                                     .arg(m_source->displayName());
        return false;
    }
    m_sha.addFeed(std::move(prefix), offset);
    m_hashedUpTo = offset;
    return true;
}

} // namespace hb

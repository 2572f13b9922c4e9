#pragma once

#include "bandwidthbudget.h"
#include "exportsource.h"
#include "sha256.h"

#include <QByteArray>
#include <QString>
#include <functional>
#include <memory>

namespace hb {

// An export's source as chunks: reads within the shared bandwidth budget, sizes
// chunks (smaller when throttled, for smooth progress), and hashes every byte once
// on another thread while Redis stores it. seek() reads again from an offset (a
// failover lost acknowledged writes; a resumed export). Not thread-safe; on the
// export's thread.
class ChunkReader final
{
public:
    // `stop` is asked between reads (the job was killed).
    ChunkReader(std::unique_ptr<ExportSource> source, BandwidthBudget &budget, qint64 chunkSize,
                std::function<bool()> stop);

    bool open() { return m_source->open(); }
    qint64 size() const { return m_source->size(); }
    QString displayName() const { return m_source->displayName(); }
    bool atEnd() const { return m_source->atEnd(); }
    bool verifyUnchanged() { return m_source->verifyUnchanged(); }
    void close() { m_source->close(); }
    QString errorString() const
    {
        return m_prefixError.isEmpty() ? m_source->errorString() : m_prefixError;
    }

    // The chunk to ask for next: the configured size, or about an eighth of a
    // second of the budget's rate when throttled.
    qint64 nextChunkSize() const;
    // Up to `want` bytes, the ones that start at offset `at` of the export; empty
    // when none came in time. *error (with errorString()) when the source failed.
    QByteArray read(qint64 at, qint64 want, bool *error);
    // Reads again from `offset`; false for what cannot be read twice (a pipe).
    // Bytes before the furthest offset read are not hashed again.
    bool seek(qint64 offset) { return m_source->seek(offset); }

    // A resumed export (issue 22): the source's first `offset` bytes into the hash
    // at disk speed, outside the bandwidth budget (nothing of them is sent), leaving
    // the source at `offset`. The prefix is read by the hash's thread
    // (ExportSource::prefixReader) while the rest is sent. False with errorString()
    // when the source is shorter or has no prefix reader (a read error later fails
    // the hash: finishHash() empty).
    bool hashPrefix(qint64 offset);
    // The same for a source that is not read again from its start (a URL): the
    // prefix's bytes as Redis holds them, handed in order.
    void hashHeld(const QByteArray &bytes);

    // Waits for the hash of every byte read: the hex digest, or empty (hashError()).
    QString finishHash() { return m_sha.finish(); }
    QString hashError() const { return m_sha.errorString(); }

private:
    std::unique_ptr<ExportSource> m_source;
    BandwidthBudget &m_budget;
    qint64 m_chunkSize;
    std::function<bool()> m_stop;
    BackgroundSha256 m_sha;
    qint64 m_hashedUpTo = 0; // bytes handed to m_sha (a rewind reads some again)
    QString m_prefixError;   // hashPrefix() found the source shorter
};

} // namespace hb

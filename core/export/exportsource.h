#pragma once

#include "sourcefingerprint.h"

#include <QString>
#include <functional>
#include <memory>

namespace hb {

// Where an export's bytes come from. Created and used on the worker's thread.
class ExportSource
{
public:
    virtual ~ExportSource() = default;

    // Opens the source and learns its size. False with errorString() on failure:
    // these are the refusals found before anything is written to Redis.
    virtual bool open() = 0;
    // -1 when unknown in advance.
    virtual qint64 size() const = 0;
    // The name recorded in the status JSON: a file name, or a URL without credentials.
    virtual QString displayName() const = 0;
    // Reads up to maxBytes, waiting at most waitMs for data. Returns the number of
    // bytes read (0: nothing yet, try again), or -1 on error.
    virtual qint64 read(char *buffer, qint64 maxBytes, int waitMs) = 0;
    virtual bool atEnd() const = 0;
    // After the last byte: false when the source changed while it was read.
    virtual bool verifyUnchanged() { return true; }
    // Reads again from `offset` (a failover lost acknowledged writes, CONTRACT §9).
    // False for what cannot be read twice: standard input, pipes, streams.
    virtual bool seek(qint64 offset)
    {
        Q_UNUSED(offset);
        return false;
    }
    // Reads of the bytes from offset 0 on, from any thread and independent of
    // read()'s position (a regular file: pread on a descriptor of its own): a resumed
    // export's prefix hashed while the rest is read and sent. Each call fills up to
    // `size` bytes and returns how many, 0 at the end, -1 with *error. Empty for
    // what cannot be read twice.
    using PrefixReader = std::function<qint64(char *buffer, qint64 size, QString *error)>;
    virtual PrefixReader prefixReader() const { return {}; }
    // What identifies the content once open() succeeded (a resume compares it,
    // issue 22); kind None for what cannot be read twice.
    virtual SourceFingerprint fingerprint() const { return {}; }
    // Stops reading and releases the source (the stop sequence's first step).
    virtual void close() = 0;
    virtual QString errorString() const = 0;
};

// A local path or (when supported) a URL.
std::unique_ptr<ExportSource> createSource(const QString &spec);
// The display name a source will have, before it is opened: a file's name, or a
// URL without credentials.
QString sourceDisplayName(const QString &spec);
// How a source is named in messages and logs: a file's full path, or a URL
// without credentials.
QString sourceForMessages(const QString &spec);
bool isUrlSource(const QString &spec);

} // namespace hb

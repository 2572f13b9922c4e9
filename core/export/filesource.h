#pragma once

#include "exportsource.h"

#include <QString>
#include <sys/types.h>

namespace hb {

// A local file, standard input ("-"), a FIFO or a character device, read with
// plain read(2) into the caller's buffer.
//
// Two modes. A regular file with a size is read up to that size and checked at the
// end for changes (verifyUnchanged). Anything else that can be read to its end is
// streamed until end of file with size() -1: standard input, pipes and FIFOs,
// character devices, and files whose size the kernel does not know in advance
// (empty-looking /proc files, /sys files that report 4096, any file of size 0).
// Stream reads wait for data with poll(), at most waitMs, so a cancel is seen while
// a pipe is idle. Directories and sockets are refused.
class FileSource final : public ExportSource
{
public:
    explicit FileSource(QString path);
    ~FileSource() override;

    bool open() override;
    qint64 size() const override { return m_streaming ? -1 : m_size; }
    QString displayName() const override;
    qint64 read(char *buffer, qint64 maxBytes, int waitMs) override;
    bool atEnd() const override { return m_atEnd; }
    bool verifyUnchanged() override;
    bool seek(qint64 offset) override;
    PrefixReader prefixReader() const override;
    void close() override;
    QString errorString() const override { return m_error; }
    bool isStream() const { return m_streaming; }
    // Size, mtime, inode and device as seen by open(); kind None for a stream.
    SourceFingerprint fingerprint() const override;

    // Checks what open() checks, without opening (a FIFO is not connected to):
    // the size, or -1 for a source that will be streamed.
    static bool preflight(const QString &path, qint64 *size, QString *error);
    static bool isStandardInput(const QString &path) { return path == QLatin1String("-"); }
    // /proc, /sys and their kin: a size that is not what read(2) delivers.
    static bool isOnPseudoFileSystem(int fd);

private:
    QString m_path;
    int m_fd = -1;
    bool m_streaming = false;
    qint64 m_size = -1;
    qint64 m_read = 0;
    bool m_atEnd = false;
    QString m_error;
    dev_t m_dev = 0;
    ino_t m_ino = 0;
    qint64 m_mtimeNs = 0;
};

} // namespace hb

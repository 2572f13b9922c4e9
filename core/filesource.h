#pragma once

#include "exportsource.h"

#include <QString>
#include <sys/types.h>

namespace hb {

// A regular local file, read with plain read(2) into the caller's buffer.
// Refuses directories, FIFOs, devices and sockets: they could be read forever.
class FileSource final : public ExportSource
{
public:
    explicit FileSource(QString path);
    ~FileSource() override;

    bool open() override;
    qint64 size() const override { return m_size; }
    QString displayName() const override;
    qint64 read(char *buffer, qint64 maxBytes, int waitMs) override;
    bool atEnd() const override { return m_atEnd; }
    bool verifyUnchanged() override;
    void close() override;
    QString errorString() const override { return m_error; }

    // Checks what open() checks, without keeping the file open.
    static bool preflight(const QString &path, qint64 *size, QString *error);

private:
    QString m_path;
    int m_fd = -1;
    qint64 m_size = -1;
    qint64 m_read = 0;
    bool m_atEnd = false;
    QString m_error;
    dev_t m_dev = 0;
    ino_t m_ino = 0;
    qint64 m_mtimeNs = 0;
};

} // namespace hb

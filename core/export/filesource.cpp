#include "filesource.h"

#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <memory>

namespace hb {

namespace {

QString errnoText(int e)
{
    return QString::fromLocal8Bit(strerror(e));
}

qint64 mtimeNs(const struct stat &st)
{
    return qint64(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}

QString nameOf(const QString &path)
{
    return FileSource::isStandardInput(path) ? QStringLiteral("standard input") : path;
}

// Files on these file systems report a size that is not what read(2) delivers
// (0 for most of /proc, 4096 for /sys attributes): they are streamed to EOF.
bool isPseudoFileSystem(int fd)
{
    struct statfs fs;
    if (::fstatfs(fd, &fs) != 0) return false;
    switch (static_cast<unsigned long>(fs.f_type)) {
    case PROC_SUPER_MAGIC:
    case SYSFS_MAGIC:
    case DEBUGFS_MAGIC:
    case TRACEFS_MAGIC:
    case SECURITYFS_MAGIC:
    case CGROUP_SUPER_MAGIC:
    case CGROUP2_SUPER_MAGIC:
    case EFIVARFS_MAGIC:
    case BPF_FS_MAGIC:
        return true;
    default:
        return false;
    }
}

// Refuses what cannot be read to an end; says whether the rest is streamed.
bool checkType(const QString &path, const struct stat &st, bool *stream, QString *error)
{
    if (S_ISDIR(st.st_mode) || S_ISSOCK(st.st_mode)) {
        *error = QStringLiteral("cannot export %1: it is %2")
                     .arg(nameOf(path), S_ISDIR(st.st_mode) ? QStringLiteral("a directory")
                                                            : QStringLiteral("a socket"));
        return false;
    }
    *stream = !S_ISREG(st.st_mode) || st.st_size == 0;
    return true;
}

} // namespace

FileSource::FileSource(QString path) : m_path(std::move(path)) {}

bool FileSource::isOnPseudoFileSystem(int fd)
{
    return isPseudoFileSystem(fd);
}

SourceFingerprint FileSource::fingerprint() const
{
    // Standard input redirected from a file has all of these, but cannot be named again.
    if (isStandardInput(m_path) || m_streaming || (m_ino == 0 && m_dev == 0)) return {};
    qint64 sec = m_mtimeNs / 1000000000LL;
    qint64 nsec = m_mtimeNs % 1000000000LL;
    if (nsec < 0) { // before 1970: stat's tv_nsec is never negative
        --sec;
        nsec += 1000000000LL;
    }
    return SourceFingerprint::ofFile(displayName(), m_size, sec, nsec, quint64(m_ino),
                                     quint64(m_dev));
}

FileSource::~FileSource()
{
    close();
}

QString FileSource::displayName() const
{
    return isStandardInput(m_path) ? m_path : QFileInfo(m_path).fileName();
}

bool FileSource::preflight(const QString &path, qint64 *size, QString *error)
{
    struct stat st;
    bool stream = false;
    if (isStandardInput(path)) {
        if (::fstat(STDIN_FILENO, &st) != 0) {
            *error = QStringLiteral("cannot read standard input: %1").arg(errnoText(errno));
            return false;
        }
        if (!checkType(path, st, &stream, error)) return false;
        *size = stream || isPseudoFileSystem(STDIN_FILENO) ? -1 : qint64(st.st_size);
        return true;
    }
    const QByteArray native = QFile::encodeName(path);
    if (::stat(native.constData(), &st) != 0 || ::access(native.constData(), R_OK) != 0) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, errnoText(errno));
        return false;
    }
    if (!checkType(path, st, &stream, error)) return false;
    *size = stream ? -1 : qint64(st.st_size);
    if (!stream && S_ISREG(st.st_mode)) {
        // A regular file on /proc or /sys: its size is not what it delivers.
        const int fd = ::open(native.constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd >= 0) {
            if (isPseudoFileSystem(fd)) *size = -1;
            ::close(fd);
        }
    }
    return true;
}

bool FileSource::open()
{
    if (isStandardInput(m_path)) {
        m_fd = ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
    } else {
        // O_NONBLOCK: opening a FIFO must not wait for a writer (a cancel could not
        // reach a thread blocked in open()); reads wait in poll() instead.
        m_fd = ::open(QFile::encodeName(m_path).constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    }
    struct stat st;
    if (m_fd < 0 || ::fstat(m_fd, &st) != 0) {
        m_error = QStringLiteral("cannot read %1: %2").arg(nameOf(m_path), errnoText(errno));
        close();
        return false;
    }
    if (!checkType(m_path, st, &m_streaming, &m_error)) {
        close();
        return false;
    }
    m_streaming = m_streaming || isPseudoFileSystem(m_fd);
    // Standard input's flags are shared with the shell that started us: left alone
    // (poll() says when a read will not block). Our own descriptors: non-blocking
    // for streams, blocking for files.
    if (!isStandardInput(m_path)) {
        const int flags = ::fcntl(m_fd, F_GETFL);
        ::fcntl(m_fd, F_SETFL, m_streaming ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
    }
#ifdef POSIX_FADV_SEQUENTIAL
    if (!m_streaming) ::posix_fadvise(m_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    m_size = st.st_size;
    m_dev = st.st_dev;
    m_ino = st.st_ino;
    m_mtimeNs = mtimeNs(st);
    m_read = 0;
    m_atEnd = !m_streaming && m_size == 0;
    return true;
}

qint64 FileSource::read(char *buffer, qint64 maxBytes, int waitMs)
{
    if (m_fd < 0) {
        m_error = QStringLiteral("cannot read %1: not open").arg(nameOf(m_path));
        return -1;
    }
    if (m_streaming) {
        struct pollfd p = {m_fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, std::max(0, waitMs));
        if (ready < 0 && errno != EINTR) {
            m_error = QStringLiteral("cannot read %1: %2").arg(nameOf(m_path), errnoText(errno));
            return -1;
        }
        if (ready <= 0) return 0; // nothing yet
        const ssize_t n = ::read(m_fd, buffer, size_t(maxBytes));
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
            m_error = QStringLiteral("cannot read %1: %2").arg(nameOf(m_path), errnoText(errno));
            return -1;
        }
        if (n == 0) m_atEnd = true;
        m_read += n;
        return n;
    }
    // Never read past the size seen at open: a file that grows is caught by
    // verifyUnchanged(), not exported half old, half new.
    const qint64 want = std::min(maxBytes, m_size - m_read);
    if (want <= 0) {
        m_atEnd = true;
        return 0;
    }
    qint64 got = 0;
    while (got < want) {
        const ssize_t n = ::read(m_fd, buffer + got, size_t(want - got));
        if (n < 0) {
            if (errno == EINTR) continue;
            m_error = QStringLiteral("cannot read %1: %2").arg(nameOf(m_path), errnoText(errno));
            return -1;
        }
        if (n == 0) {
            m_error =
                QStringLiteral("source changed during export: %1 was truncated at %2 of %3 bytes")
                    .arg(nameOf(m_path))
                    .arg(m_read + got)
                    .arg(m_size);
            return -1;
        }
        got += n;
    }
    m_read += got;
    m_atEnd = m_read >= m_size;
    return got;
}

bool FileSource::seek(qint64 offset)
{
    if (m_fd < 0 || m_streaming || isStandardInput(m_path) || offset < 0 || offset > m_size)
        return false;
    if (::lseek(m_fd, offset, SEEK_SET) != offset) return false;
    m_read = offset;
    m_atEnd = m_read >= m_size;
    return true;
}

ExportSource::PrefixReader FileSource::prefixReader() const
{
    if (m_fd < 0 || m_streaming || isStandardInput(m_path)) return {};
    // A descriptor of its own (the same open file: the same inode, whatever the path
    // names now), closed with the last copy of the reader.
    const int fd = ::fcntl(m_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return {};
    auto owned = std::shared_ptr<int>(new int(fd), [](int *p) {
        ::close(*p);
        delete p;
    });
    return [owned, offset = qint64(0), name = nameOf(m_path)](char *buffer, qint64 size,
                                                              QString *error) mutable -> qint64 {
        for (;;) {
            const ssize_t n = ::pread(*owned, buffer, size_t(size), off_t(offset));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                *error = QStringLiteral("cannot read %1: %2").arg(name, errnoText(errno));
                return -1;
            }
            offset += n;
            return n;
        }
    };
}

bool FileSource::verifyUnchanged()
{
    if (m_streaming || isStandardInput(m_path))
        return true; // a stream has no size to compare; it ended where it ended
    struct stat now;
    bool changed = false;
    QString how;
    if (m_fd >= 0 && ::fstat(m_fd, &now) == 0) {
        if (now.st_size != m_size) {
            changed = true;
            how = QStringLiteral("its size went from %1 to %2 bytes")
                      .arg(m_size)
                      .arg(qint64(now.st_size));
        } else if (mtimeNs(now) != m_mtimeNs) {
            changed = true;
            how = QStringLiteral("it was modified");
        }
    }
    struct stat byPath;
    if (!changed && ::stat(QFile::encodeName(m_path).constData(), &byPath) == 0 &&
        (byPath.st_dev != m_dev || byPath.st_ino != m_ino)) {
        changed = true;
        how = QStringLiteral("it was replaced by another file");
    }
    if (changed) m_error = QStringLiteral("source changed during export: %1 (%2)").arg(m_path, how);
    return !changed;
}

void FileSource::close()
{
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

} // namespace hb

#include "filesource.h"

#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hb {

namespace {

QString errnoText(int e) { return QString::fromLocal8Bit(strerror(e)); }

qint64 mtimeNs(const struct stat &st)
{
    return qint64(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}

bool checkType(const QString &path, const struct stat &st, QString *error)
{
    if (S_ISREG(st.st_mode))
        return true;
    const char *what = S_ISDIR(st.st_mode)    ? "is a directory"
                       : S_ISFIFO(st.st_mode) ? "is a FIFO (named pipe)"
                       : S_ISCHR(st.st_mode)  ? "is a character device"
                       : S_ISBLK(st.st_mode)  ? "is a block device"
                       : S_ISSOCK(st.st_mode) ? "is a socket"
                                              : "is not a regular file";
    *error = QStringLiteral("cannot export %1: it %2").arg(path, QLatin1String(what));
    return false;
}

} // namespace

FileSource::FileSource(QString path) : m_path(std::move(path)) {}

FileSource::~FileSource() { close(); }

QString FileSource::displayName() const { return QFileInfo(m_path).fileName(); }

bool FileSource::preflight(const QString &path, qint64 *size, QString *error)
{
    const QByteArray native = QFile::encodeName(path);
    struct stat st;
    if (::stat(native.constData(), &st) != 0) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, errnoText(errno));
        return false;
    }
    if (!checkType(path, st, error))
        return false;
    if (::access(native.constData(), R_OK) != 0) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, errnoText(errno));
        return false;
    }
    *size = st.st_size;
    return true;
}

bool FileSource::open()
{
    const QByteArray native = QFile::encodeName(m_path);
    // O_NONBLOCK so that a FIFO swapped in after a check cannot block open().
    m_fd = ::open(native.constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (m_fd < 0) {
        m_error = QStringLiteral("cannot read %1: %2").arg(m_path, errnoText(errno));
        return false;
    }
    struct stat st;
    if (::fstat(m_fd, &st) != 0) {
        m_error = QStringLiteral("cannot read %1: %2").arg(m_path, errnoText(errno));
        close();
        return false;
    }
    if (!checkType(m_path, st, &m_error)) {
        close();
        return false;
    }
    ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) & ~O_NONBLOCK);
#ifdef POSIX_FADV_SEQUENTIAL
    ::posix_fadvise(m_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    m_size = st.st_size;
    m_dev = st.st_dev;
    m_ino = st.st_ino;
    m_mtimeNs = mtimeNs(st);
    m_read = 0;
    m_atEnd = m_size == 0;
    return true;
}

qint64 FileSource::read(char *buffer, qint64 maxBytes, int)
{
    if (m_fd < 0) {
        m_error = QStringLiteral("cannot read %1: not open").arg(m_path);
        return -1;
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
            if (errno == EINTR)
                continue;
            m_error = QStringLiteral("cannot read %1: %2").arg(m_path, errnoText(errno));
            return -1;
        }
        if (n == 0) {
            m_error = QStringLiteral("source changed during export: %1 was truncated at %2 of %3 bytes")
                          .arg(m_path)
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

bool FileSource::verifyUnchanged()
{
    struct stat now;
    bool changed = false;
    QString how;
    if (m_fd >= 0 && ::fstat(m_fd, &now) == 0) {
        if (now.st_size != m_size) {
            changed = true;
            how = QStringLiteral("its size went from %1 to %2 bytes").arg(m_size).arg(qint64(now.st_size));
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
    if (changed)
        m_error = QStringLiteral("source changed during export: %1 (%2)").arg(m_path, how);
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

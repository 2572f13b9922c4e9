#include "sourcefingerprint.h"

#include "filesource.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QStringList>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hb {

namespace {

QString kindName(SourceFingerprint::Kind k)
{
    switch (k) {
    case SourceFingerprint::Kind::File:
        return QStringLiteral("file");
    case SourceFingerprint::Kind::Url:
        return QStringLiteral("url");
    case SourceFingerprint::Kind::None:
        break;
    }
    return QString();
}

// Seconds and nanoseconds as an ISO 8601 UTC time with nine decimals: readable, and
// exact where a JSON double would round the nanoseconds away.
QString mtimeText(qint64 sec, qint64 nsec)
{
    const QDateTime t = QDateTime::fromSecsSinceEpoch(sec, Qt::UTC);
    return t.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss")) +
           QStringLiteral(".%1Z").arg(nsec, 9, 10, QLatin1Char('0'));
}

bool parseMtime(const QString &text, qint64 *sec, qint64 *nsec)
{
    // yyyy-MM-ddTHH:mm:ss.nnnnnnnnnZ
    if (text.size() != 30 || text.at(19) != QLatin1Char('.') || !text.endsWith(QLatin1Char('Z')))
        return false;
    // Date and time built as UTC directly: parsed as local time first, a time in a
    // daylight-saving gap would not exist.
    const QDate date = QDate::fromString(text.left(10), Qt::ISODate);
    const QTime time = QTime::fromString(text.mid(11, 8), QStringLiteral("HH:mm:ss"));
    bool ok = false;
    const qint64 n = text.mid(20, 9).toLongLong(&ok);
    if (!date.isValid() || !time.isValid() || text.at(10) != QLatin1Char('T') || !ok || n < 0)
        return false;
    *sec = QDateTime(date, time, Qt::UTC).toSecsSinceEpoch();
    *nsec = n;
    return true;
}

QString orNone(const QString &s)
{
    return s.isEmpty() ? QStringLiteral("none") : s;
}

} // namespace

SourceFingerprint SourceFingerprint::ofFile(const QString &name, qint64 size, qint64 mtimeSec,
                                            qint64 mtimeNsec, quint64 inode, quint64 device)
{
    SourceFingerprint f;
    f.kind = Kind::File;
    f.name = name;
    f.size = size;
    f.mtimeSec = mtimeSec;
    f.mtimeNsec = mtimeNsec;
    f.inode = inode;
    f.device = device;
    return f;
}

SourceFingerprint SourceFingerprint::ofPath(const QString &path, QString *why)
{
    auto none = [&](const QString &reason) {
        if (why) *why = reason;
        return SourceFingerprint{};
    };
    if (FileSource::isStandardInput(path))
        return none(QStringLiteral("standard input cannot be read again"));
    const QByteArray native = QFile::encodeName(path);
    struct stat st;
    if (::stat(native.constData(), &st) != 0)
        return none(QStringLiteral("cannot read %1: %2")
                        .arg(path, QString::fromLocal8Bit(strerror(errno))));
    if (S_ISFIFO(st.st_mode))
        return none(QStringLiteral("%1 is a pipe, which cannot be read again").arg(path));
    if (!S_ISREG(st.st_mode)) return none(QStringLiteral("%1 is not a regular file").arg(path));
    // /proc and /sys files are streamed (their size says nothing): no fingerprint.
    const int fd = ::open(native.constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
        const bool pseudo = FileSource::isOnPseudoFileSystem(fd);
        ::close(fd);
        if (pseudo)
            return none(QStringLiteral("%1 is a pseudo file whose content is made as it is read")
                            .arg(path));
    }
    return ofFile(QFileInfo(path).fileName(), qint64(st.st_size), qint64(st.st_mtim.tv_sec),
                  qint64(st.st_mtim.tv_nsec), quint64(st.st_ino), quint64(st.st_dev));
}

SourceFingerprint SourceFingerprint::ofUrl(const QString &publicUrl, qint64 length,
                                           const QString &etag, const QString &lastModified,
                                           QString *why)
{
    if (etag.isEmpty() && lastModified.isEmpty()) {
        if (why)
            *why = QStringLiteral("%1 names no version (no ETag or Last-Modified header)")
                       .arg(publicUrl);
        return {};
    }
    SourceFingerprint f;
    f.kind = Kind::Url;
    f.name = publicUrl;
    f.size = length;
    f.etag = etag;
    f.lastModified = lastModified;
    return f;
}

QJsonObject SourceFingerprint::toJson() const
{
    QJsonObject o;
    if (kind == Kind::None) return o;
    o.insert(QStringLiteral("kind"), kindName(kind));
    o.insert(QStringLiteral("name"), name);
    o.insert(QStringLiteral("size"), size);
    if (kind == Kind::File) {
        o.insert(QStringLiteral("mtime"), mtimeText(mtimeSec, mtimeNsec));
        o.insert(QStringLiteral("inode"), QString::number(inode));
        o.insert(QStringLiteral("device"), QString::number(device));
    } else {
        if (!etag.isEmpty()) o.insert(QStringLiteral("etag"), etag);
        if (!lastModified.isEmpty()) o.insert(QStringLiteral("lastModified"), lastModified);
    }
    return o;
}

std::optional<SourceFingerprint> SourceFingerprint::fromJson(const QJsonObject &o)
{
    SourceFingerprint f;
    const QString kind = o.value(QLatin1String("kind")).toString();
    f.name = o.value(QLatin1String("name")).toString().left(4096);
    const QJsonValue size = o.value(QLatin1String("size"));
    if (!size.isDouble()) return std::nullopt;
    const double d = size.toDouble();
    if (!(d >= -1.0 && d <= 9.0e15)) return std::nullopt;
    f.size = qint64(d);
    if (kind == QLatin1String("file")) {
        f.kind = Kind::File;
        bool inodeOk = false, deviceOk = false;
        f.inode = o.value(QLatin1String("inode")).toString().toULongLong(&inodeOk);
        f.device = o.value(QLatin1String("device")).toString().toULongLong(&deviceOk);
        if (!inodeOk || !deviceOk || f.size < 0 ||
            !parseMtime(o.value(QLatin1String("mtime")).toString(), &f.mtimeSec, &f.mtimeNsec))
            return std::nullopt;
        return f;
    }
    if (kind == QLatin1String("url")) {
        f.kind = Kind::Url;
        f.etag = o.value(QLatin1String("etag")).toString().left(4096);
        f.lastModified = o.value(QLatin1String("lastModified")).toString().left(256);
        if (f.etag.isEmpty() && f.lastModified.isEmpty()) return std::nullopt;
        return f;
    }
    return std::nullopt;
}

QString SourceFingerprint::differenceFrom(const SourceFingerprint &now) const
{
    const QString who = name.isEmpty() ? now.name : name;
    auto changed = [&](const QStringList &what) {
        return QStringLiteral("%1 changed since the export began: %2")
            .arg(who, what.join(QStringLiteral(", ")));
    };
    if (kind == Kind::None)
        return QStringLiteral("%1 has no fingerprint from when the export began").arg(who);
    if (now.kind != kind) {
        if (now.kind == Kind::None)
            return QStringLiteral("%1 can no longer be read as it was when the export began")
                .arg(who);
        return changed({QStringLiteral("it was a %1, now it is a %2")
                            .arg(kindName(kind), kindName(now.kind))});
    }
    QStringList what;
    if (size != now.size) what << QStringLiteral("size %1 → %2").arg(size).arg(now.size);
    if (kind == Kind::File) {
        if (mtimeSec != now.mtimeSec || mtimeNsec != now.mtimeNsec)
            what << QStringLiteral("modified %1 → %2")
                        .arg(mtimeText(mtimeSec, mtimeNsec),
                             mtimeText(now.mtimeSec, now.mtimeNsec));
        if (inode != now.inode || device != now.device)
            what << QStringLiteral("replaced by another file (inode %1 on device %2 → inode %3 on "
                                   "device %4)")
                        .arg(inode)
                        .arg(device)
                        .arg(now.inode)
                        .arg(now.device);
    } else if (kind == Kind::Url) {
        // The stronger validator decides where both sides have it: an ETag names a
        // version, Last-Modified only a second.
        if (!etag.isEmpty() || !now.etag.isEmpty()) {
            if (etag != now.etag)
                what << QStringLiteral("ETag %1 → %2").arg(orNone(etag), orNone(now.etag));
        } else if (lastModified != now.lastModified) {
            what << QStringLiteral("Last-Modified %1 → %2")
                        .arg(orNone(lastModified), orNone(now.lastModified));
        }
    }
    return what.isEmpty() ? QString() : changed(what);
}

bool SourceFingerprint::operator==(const SourceFingerprint &o) const
{
    return kind == o.kind && name == o.name && size == o.size && mtimeSec == o.mtimeSec &&
           mtimeNsec == o.mtimeNsec && inode == o.inode && device == o.device && etag == o.etag &&
           lastModified == o.lastModified;
}

} // namespace hb

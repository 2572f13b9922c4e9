#include "journal.h"

#include "backoff.h"
#include "exportsource.h"
#include "exportstatus.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>
#include <QThread>
#include <QUrl>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <numeric>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hb {

namespace {

constexpr int formatVersion = 1;
const char journalFileName[] = "journal.jsonl";
const char lockFileName[] = "journal.lock";

QString errnoText(int e)
{
    return QString::fromLocal8Bit(strerror(e));
}

QDateTime parseTime(const QJsonValue &v)
{
    return QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
}

qint64 number(const QJsonObject &o, const char *key, qint64 fallback)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (!v.isDouble()) return fallback;
    const double d = v.toDouble();
    return d >= -1.0 && d <= 9.0e15 ? qint64(d) : fallback;
}

// Data keys outlive the status by a tenth of the TTL, at most a minute (CONTRACT §4).
qint64 dataMarginSeconds(int ttl)
{
    return std::min<qint64>(60, std::max(0, ttl) / 10);
}

// "…://user:secret@host" in free text (an error message) → "…://user@host".
QString scrubText(QString text)
{
    static const QRegularExpression userInfo(QStringLiteral("://([^/@\\s:]*):[^/@\\s]*@"));
    return text.replace(userInfo, QStringLiteral("://\\1@"));
}

bool isPasswordParameter(const QString &rawKey)
{
    const QString key = QUrl::fromPercentEncoding(rawKey.toUtf8()).toLower();
    return key.contains(QLatin1String("password")) || key.contains(QLatin1String("passwd")) ||
           key == QLatin1String("pass") || key == QLatin1String("pwd") ||
           key.endsWith(QLatin1String("_pass")) || key.endsWith(QLatin1String("_pwd"));
}

// flock(2) on journal.lock for the lifetime of the object. Waits at most
// lockWaitMs: a process stopped (SIGSTOP) while it compacts must not hang every
// other process's record(); they report the journal busy and go on.
constexpr int lockWaitMs = 2000;

class FileLock final
{
public:
    FileLock(const QString &path, bool exclusive, bool create)
    {
        m_fd = ::open(QFile::encodeName(path).constData(),
                      (create ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC, 0600);
        if (m_fd < 0) {
            m_error = errnoText(errno);
            return;
        }
        QElapsedTimer waited;
        waited.start();
        Backoff backoff(1, 50);
        while (::flock(m_fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
            const int e = errno;
            if (e == EINTR) continue;
            if (e == EWOULDBLOCK && waited.elapsed() < lockWaitMs) {
                QThread::msleep(backoff.next());
                continue;
            }
            m_error =
                e == EWOULDBLOCK
                    ? QStringLiteral("another process has held it for %1 s").arg(lockWaitMs / 1000)
                    : errnoText(e);
            ::close(m_fd);
            m_fd = -1;
            return;
        }
    }
    ~FileLock()
    {
        if (m_fd >= 0) ::close(m_fd); // releases the lock
    }
    FileLock(const FileLock &) = delete;
    FileLock &operator=(const FileLock &) = delete;
    bool held() const { return m_fd >= 0; }
    QString error() const { return m_error; }

private:
    int m_fd = -1;
    QString m_error;
};

} // namespace

// ---- Entry -------------------------------------------------------------------

bool Journal::Entry::isTerminal() const
{
    return hb::isTerminal(stateFromName(state));
}

Journal::Entry Journal::Entry::of(const QString &sourceSpec, const ExporterConfig &config,
                                  const ExportStatus &status)
{
    Entry e;
    e.id = status.id;
    const bool path = !isUrlSource(sourceSpec) && sourceSpec != QLatin1String("-");
    // A resume may run from another working directory.
    e.source = path ? QFileInfo(sourceSpec).absoluteFilePath() : sourceSpec;
    e.server = Journal::serverText(config.endpoint);
    e.keyPrefix = QString::fromUtf8(config.keys.prefix);
    e.user = status.owner;
    e.ttl = config.ttlSeconds;
    e.chunkSize = config.chunkSize;
    e.segmentBytes = status.segmentBytes > 0 ? status.segmentBytes : config.segmentBytes;
    e.fingerprint = status.fingerprint;
    e.state = status.stateText();
    e.bytesTotal = status.bytesTotal;
    e.bytesWritten = status.bytesWritten;
    e.error = status.error;
    e.ownerToken = status.ownerToken;
    e.createdAt = status.createdAt;
    return e;
}

QJsonObject Journal::Entry::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("v"), formatVersion);
    o.insert(QStringLiteral("id"), id);
    o.insert(QStringLiteral("source"), source);
    o.insert(QStringLiteral("server"), server);
    o.insert(QStringLiteral("keyPrefix"), keyPrefix);
    o.insert(QStringLiteral("user"), user);
    o.insert(QStringLiteral("ttl"), ttl);
    o.insert(QStringLiteral("chunkSize"), chunkSize);
    o.insert(QStringLiteral("segmentBytes"), segmentBytes);
    if (fingerprint.isValid()) o.insert(QStringLiteral("fingerprint"), fingerprint.toJson());
    o.insert(QStringLiteral("state"), state);
    o.insert(QStringLiteral("bytesTotal"), bytesTotal);
    o.insert(QStringLiteral("bytesWritten"), bytesWritten);
    if (!error.isEmpty()) o.insert(QStringLiteral("error"), error);
    if (!ownerToken.isEmpty()) o.insert(QStringLiteral("ownerToken"), ownerToken);
    o.insert(QStringLiteral("pid"), pid);
    if (!origin.isEmpty()) o.insert(QStringLiteral("origin"), origin);
    o.insert(QStringLiteral("createdAt"), isoTime(createdAt));
    o.insert(QStringLiteral("updatedAt"), isoTime(updatedAt));
    if (expiresAt.isValid()) o.insert(QStringLiteral("expiresAt"), isoTime(expiresAt));
    return o;
}

std::optional<Journal::Entry> Journal::Entry::fromJson(const QJsonObject &o)
{
    Entry e;
    e.id = o.value(QLatin1String("id")).toString();
    if (!isValidExportId(e.id)) return std::nullopt;
    auto str = [&](const char *key) { return o.value(QLatin1String(key)).toString().left(8192); };
    e.source = str("source");
    e.server = str("server");
    if (o.contains(QLatin1String("keyPrefix"))) e.keyPrefix = str("keyPrefix");
    e.user = str("user");
    e.ttl = int(std::clamp<qint64>(number(o, "ttl", 0), 0, (1LL << 31) - 1));
    e.chunkSize = std::max<qint64>(0, number(o, "chunkSize", 0));
    e.segmentBytes = std::max<qint64>(0, number(o, "segmentBytes", 0));
    const QJsonValue fp = o.value(QLatin1String("fingerprint"));
    if (fp.isObject()) {
        if (auto f = SourceFingerprint::fromJson(fp.toObject())) e.fingerprint = *f;
    }
    e.state = str("state").left(64);
    e.bytesTotal = number(o, "bytesTotal", -1);
    e.bytesWritten = std::max<qint64>(0, number(o, "bytesWritten", 0));
    e.error = str("error");
    e.ownerToken = str("ownerToken").left(128);
    e.pid = std::max<qint64>(0, number(o, "pid", 0));
    e.origin = str("origin").left(16);
    e.createdAt = parseTime(o.value(QLatin1String("createdAt")));
    e.updatedAt = parseTime(o.value(QLatin1String("updatedAt")));
    e.expiresAt = parseTime(o.value(QLatin1String("expiresAt")));
    if (!e.updatedAt.isValid()) return std::nullopt; // every record has one
    return e;
}

// ---- Journal -----------------------------------------------------------------

Journal::Journal(QString folder) : Journal(std::move(folder), Options{}) {}

Journal::Journal(QString folder, Options options)
    : m_folder(folder.isEmpty() ? defaultFolder() : std::move(folder)), m_options(options),
      m_compactAt(options.compactMinBytes)
{
}

QString Journal::defaultFolder()
{
    // XDG Base Directory: $XDG_STATE_HOME when set to an absolute path, else
    // ~/.local/state. (QStandardPaths has StateLocation only from Qt 6.7.)
    QString base = qEnvironmentVariable("XDG_STATE_HOME");
    if (base.isEmpty() || !QDir::isAbsolutePath(base))
        base = QDir::homePath() + QStringLiteral("/.local/state");
    return QDir::cleanPath(base + QStringLiteral("/hbexporter"));
}

QString Journal::filePath() const
{
    return m_folder + QLatin1Char('/') + QLatin1String(journalFileName);
}

QString Journal::withoutPassword(const QString &url)
{
    const qsizetype schemeEnd = url.indexOf(QLatin1String("://"));
    if (schemeEnd <= 0) return url;
    for (qsizetype i = 0; i < schemeEnd; ++i) {
        const QChar c = url.at(i);
        if (!(c.isLetterOrNumber() || c == QLatin1Char('+') || c == QLatin1Char('-') ||
              c == QLatin1Char('.')))
            return url; // not a URL: a path with "://" in it
    }
    const qsizetype authStart = schemeEnd + 3;
    qsizetype authEnd = url.size();
    for (QChar stop : {QLatin1Char('/'), QLatin1Char('?'), QLatin1Char('#')}) {
        const qsizetype at = url.indexOf(stop, authStart);
        if (at >= 0) authEnd = std::min(authEnd, at);
    }
    // unix://user:password@/path: the user info ends before the path.
    QString authority = url.mid(authStart, authEnd - authStart);
    const qsizetype at = authority.lastIndexOf(QLatin1Char('@'));
    if (at >= 0) {
        QString user = authority.left(at);
        const qsizetype colon = user.indexOf(QLatin1Char(':'));
        if (colon >= 0) user.truncate(colon);
        authority = (user.isEmpty() ? QString() : user + QLatin1Char('@')) + authority.mid(at + 1);
    }
    QString rest = url.mid(authEnd);
    const qsizetype q = rest.indexOf(QLatin1Char('?'));
    if (q >= 0) {
        qsizetype hash = rest.indexOf(QLatin1Char('#'), q);
        if (hash < 0) hash = rest.size();
        QStringList kept;
        const QStringList params =
            rest.mid(q + 1, hash - q - 1).split(QLatin1Char('&'), Qt::SkipEmptyParts);
        for (const QString &p : params) {
            if (!isPasswordParameter(p.section(QLatin1Char('='), 0, 0))) kept << p;
        }
        rest = rest.left(q) +
               (kept.isEmpty() ? QString() : QLatin1Char('?') + kept.join(QLatin1Char('&'))) +
               rest.mid(hash);
    }
    return url.left(authStart) + authority + rest;
}

QString Journal::serverText(const RedisEndpoint &endpoint)
{
    RedisEndpoint copy = endpoint;
    copy.password.clear();
    copy.sentinelPassword.clear();
    return withoutPassword(copy.displayName());
}

bool Journal::ensureFolder()
{
    const QFileInfo info(m_folder);
    if (info.exists() && !info.isDir()) {
        m_error = QStringLiteral("cannot use the export journal folder %1: it is not a folder")
                      .arg(m_folder);
        return false;
    }
    if (!info.exists()) {
        const QString parent = QFileInfo(m_folder).absolutePath();
        if (!QDir().mkpath(parent)) {
            m_error = QStringLiteral("cannot create the export journal folder %1").arg(parent);
            return false;
        }
        // Private: it names this user's files and servers.
        if (::mkdir(QFile::encodeName(m_folder).constData(), 0700) != 0 && errno != EEXIST) {
            m_error = QStringLiteral("cannot create the export journal folder %1: %2")
                          .arg(m_folder, errnoText(errno));
            return false;
        }
    }
    return true;
}

bool Journal::appendLine(const QByteArray &line)
{
    if (!ensureFolder()) return false;
    const QString lockPath = m_folder + QLatin1Char('/') + QLatin1String(lockFileName);
    qint64 sizeAfter = 0;
    bool compacted = false;
    {
        FileLock lock(lockPath, false, true);
        if (!lock.held()) {
            m_error = QStringLiteral("cannot write the export journal %1: %2")
                          .arg(lockPath, lock.error());
            return false;
        }
        const int fd = ::open(QFile::encodeName(filePath()).constData(),
                              O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
            m_error = QStringLiteral("cannot write the export journal %1: %2")
                          .arg(filePath(), errnoText(errno));
            return false;
        }
        QByteArray out;
        out.reserve(line.size() + 2);
        // A crash may have left a torn last line: end it, so that this line stays whole.
        // (Read and write: pread needs a descriptor open for reading.)
        struct stat st;
        if (::fstat(fd, &st) == 0 && st.st_size > 0) {
            char last = '\n';
            if (::pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n') out += '\n';
        }
        out += line;
        out += '\n';
        // One write(2) per line: appends of other processes never land inside it.
        ssize_t n;
        do {
            n = ::write(fd, out.constData(), size_t(out.size()));
        } while (n < 0 && errno == EINTR);
        const int writeErrno = errno;
        if (::fstat(fd, &st) == 0) sizeAfter = st.st_size;
        ::close(fd);
        if (n != ssize_t(out.size())) {
            m_error =
                QStringLiteral("cannot write the export journal %1: %2")
                    .arg(filePath(), n < 0 ? errnoText(writeErrno) : QStringLiteral("short write"));
            return false;
        }
    }
    // The line is written: what the compaction finds or fails at stays in
    // lastError(), and a failed one is tried again at the next append.
    if (sizeAfter > m_compactAt) readAndMaybeCompact(true, &compacted);
    return true;
}

bool Journal::record(Entry entry)
{
    m_error.clear();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    entry.updatedAt = now;
    if (!entry.createdAt.isValid()) entry.createdAt = now;
    if (entry.pid == 0) entry.pid = QCoreApplication::applicationPid();
    entry.server = withoutPassword(entry.server);
    entry.source = withoutPassword(entry.source);
    entry.error = scrubText(entry.error);
    if (entry.isTerminal() && !entry.expiresAt.isValid())
        entry.expiresAt = now.addSecs(entry.ttl + dataMarginSeconds(entry.ttl));
    if (!isValidExportId(entry.id)) {
        m_error = QStringLiteral("not an export id: %1").arg(entry.id);
        return false;
    }
    return appendLine(QJsonDocument(entry.toJson()).toJson(QJsonDocument::Compact));
}

bool Journal::remove(const QString &id)
{
    m_error.clear();
    QJsonObject o;
    o.insert(QStringLiteral("v"), formatVersion);
    o.insert(QStringLiteral("id"), id);
    o.insert(QStringLiteral("removed"), true);
    o.insert(QStringLiteral("updatedAt"), isoTime(QDateTime::currentDateTimeUtc()));
    return appendLine(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

Journal::Loaded Journal::load(const QByteArray &content)
{
    Loaded l;
    QHash<QString, qsizetype> index; // id → position in l.entries
    const QList<QByteArray> lines = content.split('\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        if (line.isEmpty()) continue;
        const bool last = i == lines.size() - 1; // no newline after it: maybe torn
        QJsonParseError perr;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &perr);
        const QJsonObject o = doc.object();
        std::optional<Entry> e;
        bool removal = false;
        if (perr.error == QJsonParseError::NoError && doc.isObject() &&
            o.value(QLatin1String("v")).toInt() == formatVersion) {
            removal = o.value(QLatin1String("removed")).toBool(false) &&
                      isValidExportId(o.value(QLatin1String("id")).toString());
            if (!removal) e = Entry::fromJson(o);
        }
        if (!removal && !e) {
            ++l.badLines;
            const QByteArray key = QByteArray::number(i) + ':' + line.left(256);
            if (!m_reportedBadLines.contains(key)) {
                m_reportedBadLines.insert(key);
                l.problems
                    << (last ? QStringLiteral("line %1 (torn: cut short by a crash)").arg(i + 1)
                             : QStringLiteral("line %1 (not an entry)").arg(i + 1));
            }
            continue;
        }
        const QString id = removal ? o.value(QLatin1String("id")).toString() : e->id;
        if (removal) {
            if (index.contains(id)) {
                l.entries.removeAt(index.value(id));
                index.clear();
                for (qsizetype k = 0; k < l.entries.size(); ++k)
                    index.insert(l.entries.at(k).id, k);
            }
            continue;
        }
        if (index.contains(id)) {
            l.entries[index.value(id)] = *e;
        } else {
            index.insert(id, l.entries.size());
            l.entries << *e;
        }
    }
    return l;
}

QList<Journal::Entry> Journal::live(const QList<Entry> &all, const QDateTime &now) const
{
    QList<Entry> kept;
    for (const Entry &e : all) {
        QDateTime expires = e.expiresAt;
        if (!expires.isValid()) expires = e.updatedAt.addSecs(e.ttl + dataMarginSeconds(e.ttl));
        if (!e.isTerminal()) expires = expires.addSecs(m_options.staleGraceSeconds);
        if (expires < now) continue;
        kept << e;
    }
    if (kept.size() > m_options.maxEntries) {
        // The least recently updated go first (of equal times, the earlier line).
        QList<qsizetype> order(kept.size());
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(), [&](qsizetype a, qsizetype b) {
            const QDateTime &ta = kept.at(a).updatedAt, &tb = kept.at(b).updatedAt;
            return ta != tb ? ta > tb : a > b;
        });
        QSet<QString> keep;
        for (int i = 0; i < m_options.maxEntries; ++i)
            keep.insert(kept.at(order.at(i)).id);
        kept.erase(std::remove_if(kept.begin(), kept.end(),
                                  [&](const Entry &e) { return !keep.contains(e.id); }),
                   kept.end());
    }
    std::stable_sort(kept.begin(), kept.end(),
                     [](const Entry &a, const Entry &b) { return a.createdAt < b.createdAt; });
    return kept;
}

QList<Journal::Entry> Journal::readAndMaybeCompact(bool force, bool *ok)
{
    *ok = false;
    const QFileInfo folder(m_folder);
    if (!folder.exists()) {
        *ok = !force || ensureFolder();
        return {};
    }
    if (!folder.isDir()) {
        m_error = QStringLiteral("cannot read the export journal folder %1: it is not a folder")
                      .arg(m_folder);
        return {};
    }
    const QString lockPath = m_folder + QLatin1Char('/') + QLatin1String(lockFileName);
    // Exclusive, so that no append is half done while we read or rewrite. A folder
    // we may not write to can still be read, without the lock.
    FileLock lock(lockPath, true, true);
    const QString path = filePath();
    const QFileInfo info(path);
    if (!info.exists()) {
        *ok = true;
        return {};
    }
    QFile file(path);
    if (info.isDir() || !file.open(QIODevice::ReadOnly)) {
        m_error =
            QStringLiteral("cannot read the export journal %1: %2")
                .arg(path, info.isDir() ? QStringLiteral("it is a folder") : file.errorString());
        return {};
    }
    const QByteArray content = file.readAll();
    file.close();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    Loaded loaded = load(content);
    const QList<Entry> kept = live(loaded.entries, now);
    if (!loaded.problems.isEmpty())
        m_error = QStringLiteral("the export journal %1: skipped %2 that could not be read: %3")
                      .arg(path,
                           loaded.problems.size() == 1
                               ? QStringLiteral("1 line")
                               : QStringLiteral("%1 lines").arg(loaded.problems.size()),
                           loaded.problems.join(QStringLiteral(", ")));
    *ok = true;
    const bool worth = force || loaded.badLines > 0 || content.size() > m_compactAt;
    if (!worth) return kept;
    if (!lock.held()) {
        if (m_error.isEmpty())
            m_error = QStringLiteral("cannot compact the export journal %1: %2")
                          .arg(lockPath, lock.error());
        *ok = !force;
        return kept;
    }
    QSaveFile out(path);
    QByteArray data;
    for (const Entry &e : kept)
        data += QJsonDocument(e.toJson()).toJson(QJsonDocument::Compact) + '\n';
    if (!out.open(QIODevice::WriteOnly) || out.write(data) != data.size() || !out.commit()) {
        const QString why =
            QStringLiteral("cannot compact the export journal %1: %2").arg(path, out.errorString());
        m_error = m_error.isEmpty() ? why : m_error + QStringLiteral("; ") + why;
        *ok = !force;
        return kept;
    }
    m_compactAt = std::max<qint64>(m_options.compactMinBytes, 2 * qint64(data.size()));
    return kept;
}

QList<Journal::Entry> Journal::entries()
{
    m_error.clear();
    bool ok = false;
    return readAndMaybeCompact(false, &ok);
}

std::optional<Journal::Entry> Journal::entry(const QString &id)
{
    for (const Entry &e : entries()) {
        if (e.id == id) return e;
    }
    return std::nullopt;
}

bool Journal::compact()
{
    m_error.clear();
    bool ok = false;
    readAndMaybeCompact(true, &ok);
    return ok;
}

} // namespace hb

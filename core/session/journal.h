#pragma once

#include "exportconfig.h"
#include "exportstatus.h"
#include "redisendpoint.h"
#include "sourcefingerprint.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>
#include <optional>

namespace hb {

// The exports this user started on this host (issue 22), so that a window lists
// them again at its next start and `resume ID` knows the source without being
// told. Losing it loses nothing in Redis: it only remembers where to look.
//
// Where: $XDG_STATE_HOME/hbexporter/journal.jsonl ($XDG_STATE_HOME unset or not
// absolute: ~/.local/state, the XDG default; Qt 6.4 has no StateLocation), folder
// mode 0700. What: one JSON object per line, each a whole entry (the latest line
// of an id wins) or a removal. Never a password: server and source URLs lose
// theirs (user info and password-like query parameters) before they are written.
//
// Crash-safe: a line is appended with one write(2) on an O_APPEND descriptor, so a
// crash leaves at most a torn last line; the next append first ends that line, and
// a reader skips it (and any other line that is not an entry), reporting it once.
// Several processes (the window and CLIs) may append at once: appends take
// journal.lock shared (flock), reading and compaction take it exclusive, so a
// compaction never drops a line appended while it rewrote the file. Compaction
// (QSaveFile: a new file renamed over the old) keeps the latest entry per id and
// drops removed ones, terminal entries past their expiry, and non-terminal ones a
// week past theirs; it runs when the file has grown to twice its compacted size
// (at least compactMinBytes) or held lines that could not be read.
//
// A folder or file that cannot be read or written is reported (lastError()), never
// fatal: every call returns what it could do. Not thread-safe; one per thread.
class Journal final
{
public:
    struct Entry
    {
        QString id;
        QString source; // the full path, or the URL (without password)
        QString server; // the Redis URL, without any password
        QString keyPrefix = QStringLiteral("export:");
        QString user; // the acting user
        int ttl = 0;  // seconds
        qint64 chunkSize = 0;
        qint64 segmentBytes = 0;
        SourceFingerprint fingerprint; // kind None: not resumable (standard input, a pipe)
        QString state; // the last status word seen: CREATED, PENDING, COMPLETED, …
        qint64 bytesTotal = -1;
        qint64 bytesWritten = 0;
        QString error;
        QString ownerToken;  // the token this host's owner wrote (empty: none)
        qint64 pid = 0;      // the process that recorded it
        QString origin;      // which program started it: "window" or "cli" (empty: unknown)
        QDateTime createdAt; // first recorded
        QDateTime updatedAt; // last recorded
        // When its keys are gone at the latest (terminal: the last TTL plus the
        // data keys' margin); invalid: computed from updatedAt and ttl.
        QDateTime expiresAt;

        bool isTerminal() const;
        // The entry for an export started from `sourceSpec` (a path, made absolute,
        // "-" or a URL) with `config`, as its status now reads.
        static Entry of(const QString &sourceSpec, const ExporterConfig &config,
                        const ExportStatus &status);
        QJsonObject toJson() const;
        static std::optional<Entry> fromJson(const QJsonObject &o);
    };

    struct Options
    {
        qint64 compactMinBytes = 256 * 1024;
        int maxEntries = 2000; // beyond it the least recently updated are dropped
        // Non-terminal entries are kept this long past their expiry (their owner may
        // have refreshed the keys without telling the journal).
        qint64 staleGraceSeconds = 7 * 24 * 3600;
    };

    // folder: empty = defaultFolder().
    explicit Journal(QString folder = QString());
    Journal(QString folder, Options options);
    Journal(const Journal &) = delete;
    Journal &operator=(const Journal &) = delete;

    static QString defaultFolder();
    QString folder() const { return m_folder; }
    QString filePath() const;

    // Appends `entry` (updatedAt = now, createdAt = now when unset, passwords
    // removed). False with lastError() when it could not be written.
    bool record(Entry entry);
    // Appends a removal of `id`.
    bool remove(const QString &id);
    // Every entry, read now (other processes' records included), latest per id,
    // oldest first; removed and expired ones left out.
    QList<Entry> entries();
    std::optional<Entry> entry(const QString &id);
    // Rewrites the file now (see above). False when it could not.
    bool compact();

    // The problem of the last call, empty when there was none. A line that could not
    // be read is told once per Journal (and compaction then drops it). record() and
    // remove() may return true with a problem here: the compaction they ran found it.
    // Waiting for journal.lock is bounded (2 s): a process stopped while it holds it
    // makes the others report the journal busy, never hang.
    QString lastError() const { return m_error; }

    // `url` without its password: user info keeps the user only, and query
    // parameters named like a password (password, sentinel_password, pass, pwd, …)
    // are dropped. Text that is not a URL is returned as it is.
    static QString withoutPassword(const QString &url);
    // The server as the journal records it: the endpoint's URL without passwords.
    static QString serverText(const RedisEndpoint &endpoint);

private:
    struct Loaded
    {
        QList<Entry> entries; // latest per id, oldest first, nothing dropped yet
        QStringList problems; // lines skipped, not reported before
        int badLines = 0;     // lines skipped, reported or not
    };
    bool ensureFolder();
    bool appendLine(const QByteArray &line);
    Loaded load(const QByteArray &content);
    QList<Entry> live(const QList<Entry> &all, const QDateTime &now) const;
    // Under the exclusive lock: reads, and rewrites when `force` or when worth it.
    QList<Entry> readAndMaybeCompact(bool force, bool *ok);

    QString m_folder;
    Options m_options;
    qint64 m_compactAt;
    QString m_error;
    QSet<QByteArray> m_reportedBadLines;
};

} // namespace hb

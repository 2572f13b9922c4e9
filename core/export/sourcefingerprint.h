#pragma once

#include <QJsonObject>
#include <QString>
#include <optional>

namespace hb {

// What identifies a source's content without reading it, so that a resumed export
// can tell whether the bytes it continues from are still those it began with
// (issue 22). Recorded in the status at the first write and in the local journal.
//
// A regular file: size, mtime with nanoseconds, inode and device (stat(2)). An
// http(s) URL: ETag or Last-Modified, and the length. Standard input, pipes, FIFOs,
// devices and pseudo files (/proc, /sys) have none: they cannot be read twice, so
// they cannot be resumed.
struct SourceFingerprint
{
    enum class Kind { None, File, Url };
    Kind kind = Kind::None;
    QString name;         // for messages: the file's name, or the URL without credentials
    qint64 size = -1;     // bytes; -1 unknown (a URL without Content-Length)
    qint64 mtimeSec = 0;  // File: the modification time, whole seconds since the epoch
    qint64 mtimeNsec = 0; // File: and its nanoseconds
    quint64 inode = 0;    // File
    quint64 device = 0;   // File
    QString etag;         // Url: exactly as served, quotes and W/ included
    QString lastModified; // Url: the header's text

    bool isValid() const { return kind != Kind::None; }

    // A regular file at `path`, stat()ed now (symbolic links followed). Standard
    // input ("-"), pipes, FIFOs, devices, pseudo files, directories and files that
    // cannot be stat()ed give a fingerprint of kind None and *why says why, in words
    // that fit "cannot resume: …".
    static SourceFingerprint ofPath(const QString &path, QString *why = nullptr);
    static SourceFingerprint ofFile(const QString &name, qint64 size, qint64 mtimeSec,
                                    qint64 mtimeNsec, quint64 inode, quint64 device);
    // A URL's response headers. Without ETag and Last-Modified there is nothing that
    // tells one version from the next: kind None, *why says so.
    static SourceFingerprint ofUrl(const QString &publicUrl, qint64 length, const QString &etag,
                                   const QString &lastModified, QString *why = nullptr);

    // {"kind":"file","size":…,"mtime":"2026-11-27T19:02:11.532123456Z","inode":"…",
    //  "device":"…"} or {"kind":"url","size":…,"etag":…,"lastModified":…}; inode and
    // device are decimal strings and mtime a string, so that no 64-bit value passes
    // through a JSON double. Empty for kind None.
    QJsonObject toJson() const;
    // nullopt for an object that is not a fingerprint (unknown kind, missing fields);
    // unknown fields are ignored.
    static std::optional<SourceFingerprint> fromJson(const QJsonObject &o);

    // Empty when `now` is the same source as this one (recorded when the export
    // began); otherwise one line saying what changed, e.g. "scan.tiff changed since
    // the export began: size 73400320 → 73400321".
    QString differenceFrom(const SourceFingerprint &now) const;

    bool operator==(const SourceFingerprint &o) const;
    bool operator!=(const SourceFingerprint &o) const { return !(*this == o); }
};

} // namespace hb

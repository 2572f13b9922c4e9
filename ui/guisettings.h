#pragma once

#include "exportconfig.h"

#include <QString>

class QSettings;

namespace hb {

// What the Settings dialog edits and QSettings keeps between runs. The Redis URL is
// empty for the embedded default server (CONTRACT §7); user and password, when set,
// replace the ones written in the URL.
//
// The password is never written to the settings file: save() keeps the URL without
// it, and the window hands it to the keychain (PasswordStore) under keychainKey().
struct GuiSettings
{
    QString redisUrl;
    QString redisUser;
    QString redisPassword; // held in memory; from the keychain, the form, or the URL
    int ttlSeconds = 3600;
    // Bytes per write: at most the segment size (a chunk never straddles two).
    qint64 chunkSize = ExporterConfig::defaultSegmentBytes;
    qint64 segmentBytes = ExporterConfig::defaultSegmentBytes; // bytes per data key
    int maxConcurrent = 4;
    qint64 bandwidthLimit = 0; // bytes per second, all exports together; 0 = none
    QString user;              // empty = the login name
    QString permissionsFile;   // empty = default permissions

    // A password found in the file (written by an older version, or a URL with one)
    // is taken into redisPassword, and *plainPassword set: save again to remove it.
    static GuiSettings load(const QSettings &settings, bool *plainPassword = nullptr);
    void save(QSettings &settings) const;

    // `url` without the password of its userinfo (the user stays), and that password,
    // percent-decoded, in *password. Works on the text: any scheme, seed lists too.
    static QString withoutPassword(const QString &url, QString *password = nullptr);
    // The password moved out of the URL into redisPassword (where that is empty: the
    // Password field wins over the URL, as in the resolver).
    GuiSettings withPasswordOutOfUrl() const;
    // Where the keychain keeps this server's password: the URL without password.
    QString keychainKey() const { return withoutPassword(redisUrl); }

    QString effectiveUser() const;
    // Copies everything but the endpoint into `config`.
    void applyTo(ExporterConfig &config) const;

    bool operator==(const GuiSettings &o) const;
    bool operator!=(const GuiSettings &o) const { return !(*this == o); }
};

} // namespace hb

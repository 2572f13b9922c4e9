#pragma once

#include "exportconfig.h"

#include <QString>

class QSettings;

namespace hb {

// What the Settings dialog edits and QSettings keeps between runs. The Redis URL is
// empty for the embedded default server (CONTRACT §7); user and password, when set,
// replace the ones written in the URL.
struct GuiSettings
{
    QString redisUrl;
    QString redisUser;
    QString redisPassword;
    int ttlSeconds = 3600;
    // Bytes per write: at most the segment size (a chunk never straddles two).
    qint64 chunkSize = ExporterConfig::defaultSegmentBytes;
    qint64 segmentBytes = ExporterConfig::defaultSegmentBytes; // bytes per data key
    int maxConcurrent = 4;
    qint64 bandwidthLimit = 0; // bytes per second, all exports together; 0 = none
    QString user;              // empty = the login name
    QString permissionsFile;   // empty = default permissions

    static GuiSettings load(const QSettings &settings);
    void save(QSettings &settings) const;

    QString effectiveUser() const;
    // Copies everything but the endpoint into `config`.
    void applyTo(ExporterConfig &config) const;

    bool operator==(const GuiSettings &o) const;
    bool operator!=(const GuiSettings &o) const { return !(*this == o); }
};

} // namespace hb

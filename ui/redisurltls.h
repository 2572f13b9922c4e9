#pragma once

#include <QString>

namespace hb {

// The TLS part of a saved Redis URL, as the Settings dialog edits it: the scheme
// (rediss:// or rediss-sentinel://) and the query parameters of CONTRACT §6
// (`cacert=`, `cert=`, `key=`, `sni=`, `insecure=1`), percent-encoded. The core
// parses the same URL; this only takes it apart and puts it together again.
struct RedisUrlTls
{
    bool enabled = false;
    QString caCertificate;     // cacert=
    QString clientCertificate; // cert=
    QString clientKey;         // key=
    QString serverName;        // sni=
    bool insecure = false;     // insecure=1

    // Whether a URL of this scheme can use TLS at all (not unix://).
    static bool schemeSupportsTls(const QString &url);
    // The URL with its scheme made TLS or plain (redis <-> rediss, redis-sentinel <->
    // rediss-sentinel); others as they are.
    static QString withTlsScheme(const QString &url, bool tls);
    static bool hasTlsScheme(const QString &url);

    // Takes the TLS options out of `url`: returns the URL without the TLS parameters
    // (its scheme unchanged) and fills *tls.
    static QString split(const QString &url, RedisUrlTls *tls);
    // `url` (its own TLS parameters, if any, replaced) with these options: the TLS
    // scheme and the non-empty parameters when enabled, the plain scheme and none
    // when not. Fully encoded.
    QString joinedWith(const QString &url) const;

    bool operator==(const RedisUrlTls &o) const;
};

} // namespace hb

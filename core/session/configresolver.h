#pragma once

#include "permissions.h"
#include "redisendpoint.h"

#include <QString>
#include <memory>
#include <optional>

namespace hb {

// Where a configuration value came from (CONTRACT §6, §8): a command-line flag
// beats the environment, which beats the window's saved setting; with none of
// them, the built-in default (the embedded server, the default permissions).
enum class ConfigOrigin { Default, Flag, Environment, Settings };

// TLS settings given as command-line flags (--cacert, --cert, --key, --sni,
// --insecure, as redis-cli spells them). Each one given replaces the URL's query
// parameter of the same name (CONTRACT §6: the flag wins).
struct TlsFlags
{
    QString caCert;
    QString cert;
    QString key;
    QString sni;
    bool insecure = false;
    bool any() const
    {
        return !caCert.isEmpty() || !cert.isEmpty() || !key.isEmpty() || !sni.isEmpty() || insecure;
    }
};

// The raw inputs of the precedence, gathered by the caller. Resolution itself is
// pure: it reads no environment, no file and no setting of its own.
struct ConfigInputs
{
    QString flagUrl;     // --redis (CLI) or the window's command line
    QString envUrl;      // $HBEXPORTER_REDIS_URL
    QString settingsUrl; // the window's saved Redis URL
    // The window keeps the login apart from its saved URL; it applies to that URL
    // only, never to one from a flag or the environment.
    QString settingsUser;
    QString settingsPassword;

    TlsFlags flagTls; // applied to the URL whatever its origin; need a rediss:// URL

    QString flagPermissions;     // --permissions
    QString envPermissions;      // $HBEXPORTER_PERMISSIONS
    QString settingsPermissions; // the window's saved permissions file

    // The two environment variables of this process filled in, the rest empty.
    static ConfigInputs fromEnvironment();
};

struct ResolvedConfig
{
    // Redis. With no URL anywhere, useEmbeddedServer is true and endpoint empty
    // (the caller asks EmbeddedServer for its endpoint and starts it). A malformed
    // URL leaves endpoint empty and urlError naming its origin and the problem; so
    // do TLS flags given without a rediss:// URL.
    std::optional<RedisEndpoint> endpoint;
    bool useEmbeddedServer = false;
    ConfigOrigin urlOrigin = ConfigOrigin::Default;
    QString urlError;

    // Permissions: the file to load, or empty for the default permissions.
    QString permissionsFile;
    ConfigOrigin permissionsOrigin = ConfigOrigin::Default;
};

// flag > environment > settings for each value. A value that is empty or only
// white space counts as not given (an environment variable set but empty is unset).
ResolvedConfig resolveConfig(const ConfigInputs &inputs);

// Names an origin for messages, e.g. "--redis", "HBEXPORTER_REDIS_URL", "the saved
// setting", "the embedded server". flagName is how the caller spells the flag.
QString describeUrlOrigin(ConfigOrigin origin, const QString &flagName = QStringLiteral("--redis"));
QString describePermissionsOrigin(ConfigOrigin origin,
                                  const QString &flagName = QStringLiteral("--permissions"));

// The permissions the resolution names: the file's, or the default permissions
// when there is none. nullptr with *error (naming the file, and where it was set)
// when the file cannot be used.
std::shared_ptr<const PermissionsService> loadResolvedPermissions(const ResolvedConfig &config,
                                                                  QString *error);

} // namespace hb

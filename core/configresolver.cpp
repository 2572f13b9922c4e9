#include "configresolver.h"

namespace hb {

namespace {

// The first of (flag, environment, settings) that is given, as given, with its origin.
std::pair<QString, ConfigOrigin> firstGiven(const QString &flag, const QString &env,
                                            const QString &settings)
{
    if (!flag.trimmed().isEmpty()) return {flag, ConfigOrigin::Flag};
    if (!env.trimmed().isEmpty()) return {env, ConfigOrigin::Environment};
    if (!settings.trimmed().isEmpty()) return {settings, ConfigOrigin::Settings};
    return {QString(), ConfigOrigin::Default};
}

} // namespace

ConfigInputs ConfigInputs::fromEnvironment()
{
    ConfigInputs in;
    in.envUrl = qEnvironmentVariable("HBEXPORTER_REDIS_URL");
    in.envPermissions = qEnvironmentVariable("HBEXPORTER_PERMISSIONS");
    return in;
}

ResolvedConfig resolveConfig(const ConfigInputs &inputs)
{
    ResolvedConfig out;

    const auto [url, urlOrigin] = firstGiven(inputs.flagUrl, inputs.envUrl, inputs.settingsUrl);
    out.urlOrigin = urlOrigin;
    if (urlOrigin == ConfigOrigin::Default) {
        out.useEmbeddedServer = true;
    } else {
        QString error;
        out.endpoint = RedisEndpoint::parse(url, &error);
        if (!out.endpoint) {
            out.urlError = QStringLiteral("%1 (from %2)").arg(error, describeUrlOrigin(urlOrigin));
        } else if (urlOrigin == ConfigOrigin::Settings) {
            if (!inputs.settingsUser.isEmpty()) out.endpoint->user = inputs.settingsUser;
            if (!inputs.settingsPassword.isEmpty())
                out.endpoint->password = inputs.settingsPassword;
        }
    }

    const auto [path, permissionsOrigin] =
        firstGiven(inputs.flagPermissions, inputs.envPermissions, inputs.settingsPermissions);
    out.permissionsFile = path;
    out.permissionsOrigin = permissionsOrigin;
    return out;
}

QString describeUrlOrigin(ConfigOrigin origin, const QString &flagName)
{
    switch (origin) {
    case ConfigOrigin::Flag:
        return flagName;
    case ConfigOrigin::Environment:
        return QStringLiteral("HBEXPORTER_REDIS_URL");
    case ConfigOrigin::Settings:
        return QStringLiteral("the saved setting");
    case ConfigOrigin::Default:
        break;
    }
    return QStringLiteral("the embedded server");
}

QString describePermissionsOrigin(ConfigOrigin origin, const QString &flagName)
{
    switch (origin) {
    case ConfigOrigin::Flag:
        return flagName;
    case ConfigOrigin::Environment:
        return QStringLiteral("HBEXPORTER_PERMISSIONS");
    case ConfigOrigin::Settings:
        return QStringLiteral("the saved setting");
    case ConfigOrigin::Default:
        break;
    }
    return QStringLiteral("the default permissions");
}

std::shared_ptr<const PermissionsService> loadResolvedPermissions(const ResolvedConfig &config,
                                                                  QString *error)
{
    if (config.permissionsOrigin == ConfigOrigin::Default || config.permissionsFile.isEmpty())
        return std::make_shared<DefaultPermissions>();
    QString why;
    std::shared_ptr<const PermissionsService> p =
        FilePermissions::load(config.permissionsFile, &why);
    if (!p && error)
        *error = QStringLiteral("%1 (from %2)")
                     .arg(why, describePermissionsOrigin(config.permissionsOrigin));
    return p;
}

} // namespace hb

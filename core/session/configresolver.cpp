#include "configresolver.h"

#include <QStringList>

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

// "--cacert is", "--cacert and --sni are": the TLS flags given, for messages.
QString tlsFlagNames(const TlsFlags &tls)
{
    QStringList names;
    if (!tls.caCert.isEmpty()) names << QStringLiteral("--cacert");
    if (!tls.cert.isEmpty()) names << QStringLiteral("--cert");
    if (!tls.key.isEmpty()) names << QStringLiteral("--key");
    if (!tls.sni.isEmpty()) names << QStringLiteral("--sni");
    if (tls.insecure) names << QStringLiteral("--insecure");
    if (names.size() == 1) return names.first() + QStringLiteral(" is");
    const QString last = names.takeLast();
    return names.join(QStringLiteral(", ")) + QStringLiteral(" and ") + last +
           QStringLiteral(" are");
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
    const TlsFlags &tls = inputs.flagTls;
    if (urlOrigin == ConfigOrigin::Default && tls.any()) {
        out.urlError = QStringLiteral("%1 for a rediss:// URL only (--redis or "
                                      "HBEXPORTER_REDIS_URL); the embedded server speaks no TLS")
                           .arg(tlsFlagNames(tls));
    } else if (urlOrigin == ConfigOrigin::Default) {
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
        if (out.endpoint && tls.any()) {
            RedisTls &t = out.endpoint->tls;
            if (!t.enabled) {
                out.urlError = QStringLiteral("%1 for TLS connections only; use rediss:// "
                                              "instead of %2 (from %3)")
                                   .arg(tlsFlagNames(tls), out.endpoint->displayName(),
                                        describeUrlOrigin(urlOrigin));
                out.endpoint.reset();
            } else {
                if (!tls.caCert.isEmpty()) t.caCert = tls.caCert;
                if (!tls.cert.isEmpty()) t.cert = tls.cert;
                if (!tls.key.isEmpty()) t.key = tls.key;
                if (!tls.sni.isEmpty()) t.sni = tls.sni;
                if (tls.insecure) t.insecure = true;
                if (t.cert.isEmpty() != t.key.isEmpty()) {
                    out.urlError = QStringLiteral("a client certificate needs both --cert and "
                                                  "--key (or cert= and key=)");
                    out.endpoint.reset();
                }
            }
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

#include "permissions.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <pwd.h>
#include <unistd.h>

namespace hb {

bool DefaultPermissions::holds(const QString &, const QString &permission) const
{
    return permission == Permission::Export || permission == Permission::Read;
}

std::unique_ptr<FilePermissions> FilePermissions::load(const QString &path, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read permissions file %1: %2").arg(path, f.errorString());
        return nullptr;
    }
    constexpr qint64 maxSize = 16 * 1024 * 1024;
    if (f.size() > maxSize) {
        *error = QStringLiteral("permissions file %1 is larger than 16 MiB").arg(path);
        return nullptr;
    }
    return fromJson(f.readAll(), path, error);
}

std::unique_ptr<FilePermissions> FilePermissions::fromJson(const QByteArray &json,
                                                           const QString &origin, QString *error)
{
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &perr);
    if (perr.error != QJsonParseError::NoError) {
        *error = QStringLiteral("permissions file %1 is not valid JSON: %2 at offset %3")
                     .arg(origin, perr.errorString())
                     .arg(perr.offset);
        return nullptr;
    }
    if (!doc.isObject()) {
        *error =
            QStringLiteral("permissions file %1 must hold a JSON object from user id to a list "
                           "of permissions")
                .arg(origin);
        return nullptr;
    }
    auto p = std::unique_ptr<FilePermissions>(new FilePermissions);
    p->m_origin = origin;
    const QJsonObject o = doc.object();
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (!it.value().isArray()) {
            *error =
                QStringLiteral("permissions file %1: the entry for user \"%2\" must be a list of "
                               "permission names")
                    .arg(origin, it.key());
            return nullptr;
        }
        QSet<QString> grants;
        for (const QJsonValue &v : it.value().toArray()) {
            if (!v.isString()) {
                *error = QStringLiteral("permissions file %1: user \"%2\" has a permission that is "
                                        "not a string")
                             .arg(origin, it.key());
                return nullptr;
            }
            grants.insert(v.toString());
        }
        p->m_grants.insert(it.key(), grants);
    }
    return p;
}

bool FilePermissions::holds(const QString &user, const QString &permission) const
{
    const auto it = m_grants.constFind(user);
    return it != m_grants.cend() && it->contains(permission);
}

std::shared_ptr<const PermissionsService> loadPermissions(const QString &explicitPath,
                                                          QString *error)
{
    QString path = explicitPath;
    if (path.isEmpty()) path = qEnvironmentVariable("HBEXPORTER_PERMISSIONS");
    if (path.isEmpty()) return std::make_shared<DefaultPermissions>();
    std::shared_ptr<const PermissionsService> p = FilePermissions::load(path, error);
    return p;
}

QString permissionDeniedMessage(const QString &user, const QString &permission)
{
    return QStringLiteral("permission denied: user %1 lacks \"%2\"").arg(user, permission);
}

QString defaultUserName()
{
    if (const passwd *pw = getpwuid(getuid()); pw && pw->pw_name && *pw->pw_name)
        return QString::fromLocal8Bit(pw->pw_name);
    const QString env = qEnvironmentVariable("USER");
    return env.isEmpty() ? QStringLiteral("unknown") : env;
}

} // namespace hb

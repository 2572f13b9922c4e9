#pragma once

#include <QHash>
#include <QSet>
#include <QString>
#include <memory>

namespace hb {

namespace Permission {
inline const QString Export = QStringLiteral("export");
inline const QString Read = QStringLiteral("export:read");
inline const QString CancelAny = QStringLiteral("export:cancel-any");
} // namespace Permission

// Answers "may this user do that?" (CONTRACT §8). Implementations are immutable
// after construction and safe to share between threads.
class PermissionsService
{
public:
    virtual ~PermissionsService() = default;
    virtual bool holds(const QString &user, const QString &permission) const = 0;
    // Where the answers come from, for messages.
    virtual QString origin() const = 0;

    bool mayExport(const QString &user) const { return holds(user, Permission::Export); }
    bool mayRead(const QString &user) const
    {
        return holds(user, Permission::Read) || holds(user, Permission::Export);
    }
    bool mayCancel(const QString &user, const QString &owner) const
    {
        return holds(user, Permission::CancelAny) ||
               (user == owner && holds(user, Permission::Export));
    }
};

// No permissions file: everyone holds "export" and "export:read".
class DefaultPermissions final : public PermissionsService
{
public:
    bool holds(const QString &user, const QString &permission) const override;
    QString origin() const override { return QStringLiteral("default permissions"); }
};

// A JSON object from user id to the permissions that user holds.
class FilePermissions final : public PermissionsService
{
public:
    // nullptr with *error naming the file and the problem when it cannot be used.
    static std::unique_ptr<FilePermissions> load(const QString &path, QString *error);
    static std::unique_ptr<FilePermissions> fromJson(const QByteArray &json, const QString &origin,
                                                     QString *error);
    bool holds(const QString &user, const QString &permission) const override;
    QString origin() const override { return m_origin; }

private:
    QHash<QString, QSet<QString>> m_grants;
    QString m_origin;
};

// The permissions file named explicitly, else $HBEXPORTER_PERMISSIONS, else none
// (default permissions). nullptr with *error when a named file cannot be used.
std::shared_ptr<const PermissionsService> loadPermissions(const QString &explicitPath,
                                                          QString *error);

// The one wording of a refusal, wherever it is decided (CLI, queue, store, window):
// `permission denied: user NAME lacks "PERMISSION"`.
QString permissionDeniedMessage(const QString &user, const QString &permission);

// The acting user's default name: the login name.
QString defaultUserName();

} // namespace hb

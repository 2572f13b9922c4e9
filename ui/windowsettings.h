#pragma once

#include "guisettings.h"
#include "session.h"

#include <QObject>
#include <QPointer>
#include <memory>

class QSettings;
class QWidget;

namespace hb {

class PasswordBinding;
class SettingsDialog;

// The window's settings: read from its settings file, turned with the command line
// into the session's inputs, applied (saved without the password, the password to
// the keychain, the session given them), and the Settings dialog that edits them,
// saying what overrides them. The file also holds what WindowState remembers.
class WindowSettings final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WindowSettings)
public:
    struct Sources
    {
        QString settingsFile;    // an INI file; empty = QSettings of the application's name
        QString redisUrl;        // beats $HBEXPORTER_REDIS_URL and the saved setting
        QString permissionsFile; // beats $HBEXPORTER_PERMISSIONS and the saved setting
    };

    explicit WindowSettings(Sources sources, QObject *parent = nullptr);
    ~WindowSettings() override;

    QSettings &store() const { return *m_store; }
    const GuiSettings &values() const { return m_values; }
    Session::Inputs sessionInputs() const;
    // The session the settings go to; from here on the keychain's password is read.
    void bind(Session *session);

    // Persists the values and gives them to the session; applied() follows.
    void apply(const GuiSettings &values);
    // Opens the Settings dialog (non-modal), or raises the one already open.
    SettingsDialog *showDialog(QWidget *parent);

Q_SIGNALS:
    void applied();

private:
    void adoptStoredPassword(const QString &password);
    void updatePasswordNote();

    Sources m_sources;
    std::unique_ptr<QSettings> m_store;
    GuiSettings m_values;
    bool m_passwordWasInFile = false;
    PasswordBinding *m_passwords;
    Session *m_session = nullptr;
    QPointer<SettingsDialog> m_dialog;
};

} // namespace hb

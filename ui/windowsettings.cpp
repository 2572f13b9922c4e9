#include "windowsettings.h"

#include "passwordbinding.h"
#include "settingsdialog.h"

#include <QSettings>

namespace hb {

WindowSettings::WindowSettings(Sources sources, QObject *parent)
    : QObject(parent), m_sources(std::move(sources)),
      m_store(m_sources.settingsFile.isEmpty()
                  ? std::make_unique<QSettings>()
                  : std::make_unique<QSettings>(m_sources.settingsFile, QSettings::IniFormat)),
      m_passwords(new PasswordBinding(this))
{
    m_values = GuiSettings::load(*m_store, &m_passwordWasInFile);
    connect(m_passwords, &PasswordBinding::passwordFound, this,
            &WindowSettings::adoptStoredPassword);
    connect(m_passwords, &PasswordBinding::noteChanged, this, &WindowSettings::updatePasswordNote);
}

WindowSettings::~WindowSettings() = default;

Session::Inputs WindowSettings::sessionInputs() const
{
    Session::Inputs in;
    in.config.flagUrl = m_sources.redisUrl;
    in.config.flagPermissions = m_sources.permissionsFile;
    in.config.settingsUrl = m_values.redisUrl;
    in.config.settingsUser = m_values.redisUser;
    in.config.settingsPassword = m_values.redisPassword;
    in.config.settingsPermissions = m_values.permissionsFile;
    m_values.applyTo(in.exportConfig);
    return in;
}

void WindowSettings::bind(Session *session)
{
    m_session = session;
    // The password comes from the keychain asynchronously: the session starts without
    // it and is given it when it comes. One an older version left in the settings
    // file moves to the keychain, and out of the file at once.
    if (m_passwordWasInFile) m_values.save(*m_store);
    m_passwords->open(m_values, m_passwordWasInFile);
}

void WindowSettings::adoptStoredPassword(const QString &password)
{
    m_values.redisPassword = password;
    if (m_session) m_session->setInputs(sessionInputs());
    if (m_dialog) m_dialog->adoptStoredPassword(password);
}

void WindowSettings::updatePasswordNote()
{
    if (m_dialog) m_dialog->setPasswordNote(m_passwords->note());
}

void WindowSettings::apply(const GuiSettings &values)
{
    m_values = values.withPasswordOutOfUrl();
    m_values.save(*m_store); // never the password
    m_passwords->store(m_values);
    if (m_session) m_session->setInputs(sessionInputs());
    Q_EMIT applied();
}

SettingsDialog *WindowSettings::showDialog(QWidget *parent)
{
    if (!m_dialog) {
        m_dialog = new SettingsDialog(parent);
        m_dialog->setAttribute(Qt::WA_DeleteOnClose);
        m_dialog->setValues(m_values);
        QString urlNote;
        const ResolvedConfig &r = m_session->resolved();
        if (r.urlOrigin == ConfigOrigin::Flag)
            urlNote = tr("This window was started with the Redis URL %1; it overrides this "
                         "setting.")
                          .arg(m_session->config().endpoint.displayName());
        else if (r.urlOrigin == ConfigOrigin::Environment)
            urlNote = tr("HBEXPORTER_REDIS_URL is set and overrides this setting.");
        QString permNote;
        if (r.permissionsOrigin == ConfigOrigin::Flag ||
            r.permissionsOrigin == ConfigOrigin::Environment)
            permNote = tr("%1 overrides this setting.")
                           .arg(describePermissionsOrigin(r.permissionsOrigin));
        m_dialog->setOverrides(urlNote, permNote);
        connect(m_dialog, &SettingsDialog::applied, this, &WindowSettings::apply);
        updatePasswordNote();
        // Say at once whether a password typed here would be kept.
        m_passwords->probe();
    }
    m_dialog->show();
    m_dialog->raise();
    return m_dialog;
}

} // namespace hb

#include "passwordbinding.h"

#include "guisettings.h"
#include "passwordstore.h"

namespace hb {

PasswordBinding::PasswordBinding(QObject *parent)
    : QObject(parent), m_store(new PasswordStore(this))
{
    connect(m_store, &PasswordStore::passwordRead, this, &PasswordBinding::onRead);
    connect(m_store, &PasswordStore::availabilityChanged, this, &PasswordBinding::noteChanged);
}

void PasswordBinding::track(const GuiSettings &settings)
{
    m_key = settings.keychainKey();
    m_havePassword = !settings.redisPassword.isEmpty();
}

void PasswordBinding::open(const GuiSettings &settings, bool wasInFile)
{
    track(settings);
    if (wasInFile)
        store(settings);
    else if (!settings.redisUrl.isEmpty())
        m_store->read(m_key);
}

void PasswordBinding::store(const GuiSettings &settings)
{
    track(settings);
    if (!settings.redisUrl.isEmpty()) m_store->write(m_key, settings.redisPassword);
}

void PasswordBinding::onRead(const QString &key, const QString &password)
{
    // Only for the server still configured, and never over one typed meanwhile.
    if (password.isEmpty() || key != m_key || m_havePassword) return;
    m_havePassword = true;
    Q_EMIT passwordFound(password);
}

QString PasswordBinding::note() const
{
    return m_store->availability() == PasswordStore::Availability::Unavailable
               ? tr("No keychain is available: the password is kept only until HB Exporter "
                    "closes.")
               : QString();
}

void PasswordBinding::probe()
{
    if (m_store->availability() == PasswordStore::Availability::Unknown) m_store->probe();
}

} // namespace hb

#pragma once

#include <QObject>
#include <QString>

namespace hb {

// The Redis password's home: the desktop's keychain (QtKeychain: Secret Service,
// KWallet, macOS Keychain, Windows Credential Store), under the service "hbexporter"
// and a key naming the server (the saved URL without its password). Never the
// settings file, and no insecure fallback to it.
//
// QtKeychain's jobs are asynchronous: read() and write() return at once and answer
// with a signal; nothing here blocks the UI thread. Where no keychain service runs,
// the first job says so (NoBackendAvailable, or the D-Bus service missing) and
// isAvailable() turns false: the caller keeps the password in memory only.
class PasswordStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PasswordStore)
public:
    static constexpr char Service[] = "hbexporter";
    enum class Availability { Unknown, Available, Unavailable };

    explicit PasswordStore(QObject *parent = nullptr);

    Availability availability() const { return m_availability; }
    // Why there is no keychain (QtKeychain's message), once known.
    QString unavailableReason() const { return m_reason; }

    // Answers passwordRead(key, password), found or not (empty).
    void read(const QString &key);
    // An empty password deletes the entry. Answers written(key, ok).
    void write(const QString &key, const QString &password);
    // Learns whether a keychain service answers (reads a key that is never written).
    void probe();

Q_SIGNALS:
    void passwordRead(const QString &key, const QString &password);
    void written(const QString &key, bool ok);
    void availabilityChanged(hb::PasswordStore::Availability availability);

private:
    // Records what a finished job says about the keychain itself.
    void noteResult(int error, const QString &message);

    Availability m_availability = Availability::Unknown;
    QString m_reason;
};

} // namespace hb

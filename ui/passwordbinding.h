#pragma once

#include <QObject>
#include <QString>

namespace hb {

struct GuiSettings;
class PasswordStore;

// The Redis password bound to the desktop's keychain (PasswordStore) under the
// configured server's key: read when the window opens (asynchronously: the session
// starts without it and is handed it when it comes), written whenever the settings
// are applied, and moved out of a settings file an older version left it in.
// Without a keychain the password is kept only in memory, and note() says so.
class PasswordBinding final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PasswordBinding)
public:
    explicit PasswordBinding(QObject *parent = nullptr);

    // The settings the window opens with; `wasInFile`: their password was read from
    // the settings file (which the caller has saved again without it).
    void open(const GuiSettings &settings, bool wasInFile);
    // Applied settings: their password to the keychain, and from now on only a
    // password for their server is found.
    void store(const GuiSettings &settings);

    // What the Settings dialog says about keeping a password; empty while it is kept.
    QString note() const;
    // Learns whether a keychain answers, if that is not known yet.
    void probe();

Q_SIGNALS:
    // The keychain's password for the server still configured, none having been
    // typed meanwhile.
    void passwordFound(const QString &password);
    void noteChanged();

private:
    void track(const GuiSettings &settings);
    void onRead(const QString &key, const QString &password);

    PasswordStore *m_store;
    QString m_key;               // the configured server's keychain key
    bool m_havePassword = false; // one was typed or already found
};

} // namespace hb

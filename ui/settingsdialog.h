#pragma once

#include "guisettings.h"

#include <QDialog>

class QCheckBox;
class QDialogButtonBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QRadioButton;
class QSpinBox;

namespace hb {

// Edit ▸ Settings… (Ctrl+,). Non-modal: OK and Apply emit applied() with the
// validated values; the window applies them without a restart where it can.
class SettingsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsDialog)
public:
    explicit SettingsDialog(QWidget *parent = nullptr);

    void setValues(const GuiSettings &values);
    // The values in the form; nullopt with *error when one does not parse.
    std::optional<GuiSettings> values(QString *error = nullptr) const;
    // Notes shown when the environment overrides a setting (CONTRACT §6, §8).
    void setOverrides(const QString &redisUrlNote, const QString &permissionsNote);
    // A note under the password: where it is kept when no keychain is (empty: none).
    void setPasswordNote(const QString &note);
    QString passwordNote() const;
    // The password found in the keychain after the form was filled: shown unless the
    // user typed one meanwhile.
    void adoptStoredPassword(const QString &password);

    // The line that says what is wrong with the form (empty when nothing is).
    QString errorText() const;

public Q_SLOTS:
    // What OK and Apply do; false (and the form says why) when a value is invalid.
    bool apply();

Q_SIGNALS:
    void applied(const hb::GuiSettings &values);

private:
    // The dialog's three group boxes, each with its fields laid out.
    QGroupBox *buildRedisBox();
    void buildTlsBox(); // m_tlsBox
    QGroupBox *buildExportBox();
    // The TLS parameters of a URL typed with them (rediss://…?cacert=…) go to the
    // TLS fields, the URL keeping the rest.
    void moveTlsFromUrl();
    void validate();
    // "Use TLS" and the URL field's scheme follow each other; the TLS fields are
    // enabled only where they apply.
    void syncTlsFromUrl();
    void syncUrlFromTls();
    // A line edit with a "Browse…" button that picks an existing file.
    QWidget *fileRow(QLineEdit *edit, const QString &title);

    QRadioButton *m_embedded;
    QRadioButton *m_custom;
    QLineEdit *m_url;
    QLineEdit *m_redisUser;
    QLineEdit *m_redisPassword;
    QLabel *m_redisNote;
    QLabel *m_passwordNote;
    QGroupBox *m_tlsBox;
    QCheckBox *m_tls;
    QLineEdit *m_caCert;
    QLineEdit *m_clientCert;
    QLineEdit *m_clientKey;
    QLineEdit *m_sni;
    QCheckBox *m_insecure;
    QSpinBox *m_ttl;
    QLineEdit *m_chunk;
    QLineEdit *m_segment;
    QSpinBox *m_concurrent;
    QLineEdit *m_bandwidth;
    QLineEdit *m_user;
    QLineEdit *m_permissions;
    QLabel *m_permissionsNote;
    QLabel *m_error;
    QDialogButtonBox *m_buttons;
};

} // namespace hb

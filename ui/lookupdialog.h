#pragma once

#include "exportconfig.h"
#include "permissions.h"

#include <memory>

#include <QDialog>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace hb {

// File ▸ Look up export… (Ctrl+L): the status of any export by id, read from Redis
// off the GUI thread. Non-modal; lookup() is what the button calls.
class LookupDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LookupDialog)
public:
    LookupDialog(ExporterConfig config, std::shared_ptr<const PermissionsService> permissions,
                 QWidget *parent = nullptr);

    QString resultText() const;
    QString messageText() const;
    bool isBusy() const { return m_busy; }

public Q_SLOTS:
    void lookup(const QString &id);

Q_SIGNALS:
    void lookupFinished(bool found, const QString &message);

private:
    ExporterConfig m_config;
    std::shared_ptr<const PermissionsService> m_permissions;
    QLineEdit *m_id;
    QPushButton *m_go;
    QLabel *m_message;
    QPlainTextEdit *m_result;
    bool m_busy = false;
};

} // namespace hb

#include "lookupdialog.h"

#include "backgroundcall.h"
#include "exportstore.h"
#include "statusformat.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace hb {

LookupDialog::LookupDialog(ExporterConfig config,
                           std::shared_ptr<const PermissionsService> permissions, QWidget *parent)
    : QDialog(parent), m_config(std::move(config)), m_permissions(std::move(permissions)),
      m_id(new QLineEdit(this)), m_go(new QPushButton(tr("&Look up"), this)),
      m_message(new QLabel(this)), m_result(new QPlainTextEdit(this))
{
    setWindowTitle(tr("Look up export"));
    setObjectName(QStringLiteral("lookupDialog"));
    m_id->setPlaceholderText(tr("Export ID, e.g. 3f2a0c1e-…"));
    m_id->setClearButtonEnabled(true);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_result->setReadOnly(true);
    m_result->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_go->setDefault(true);

    auto *row = new QHBoxLayout;
    row->addWidget(m_id, 1);
    row->addWidget(m_go);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(row);
    layout->addWidget(m_message);
    layout->addWidget(m_result, 1);
    layout->addWidget(buttons);
    resize(560, 420);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_go, &QPushButton::clicked, this, [this] { lookup(m_id->text()); });
    connect(m_id, &QLineEdit::returnPressed, this, [this] { lookup(m_id->text()); });
}

QString LookupDialog::resultText() const
{
    return m_result->toPlainText();
}
QString LookupDialog::messageText() const
{
    return m_message->text();
}

void LookupDialog::lookup(const QString &rawId)
{
    const QString id = rawId.trimmed().toLower();
    if (m_id->text() != rawId) m_id->setText(rawId);
    if (m_busy) return;
    if (m_permissions && !m_permissions->mayRead(m_config.user)) {
        const QString message = permissionDeniedMessage(m_config.user, Permission::Read);
        m_message->setText(message);
        m_result->clear();
        Q_EMIT lookupFinished(false, message);
        return;
    }
    m_busy = true;
    m_go->setEnabled(false);
    m_message->setText(tr("Looking up %1…").arg(id));
    m_result->clear();

    const ExporterConfig cfg = m_config;
    runInBackground(
        this,
        [cfg, id] {
            ExportStore store(cfg.endpoint, cfg.keys, cfg.timeouts);
            return store.fetchStatus(id);
        },
        [this](const ExportStore::Lookup &r) {
            m_busy = false;
            m_go->setEnabled(true);
            const bool found = r.status.has_value();
            QString message;
            if (found) {
                message = r.failure ? r.failure.message : tr("Found.");
                m_result->setPlainText(statusSummary(*r.status) + QStringLiteral("\n\n") +
                                       prettyStatusJson(r.json));
            } else {
                message = r.failure.message;
                if (!r.json.isEmpty()) m_result->setPlainText(QString::fromUtf8(r.json));
            }
            m_message->setText(message);
            Q_EMIT lookupFinished(found, message);
        });
}

} // namespace hb

#include "settingsdialog.h"

#include "exportconfig.h"
#include "humanformat.h"
#include "permissions.h"
#include "redisendpoint.h"
#include "redisurltls.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace hb {

namespace {

QString editableSize(qint64 bytes)
{
    if (bytes > 0 && bytes % (1024 * 1024 * 1024) == 0)
        return QStringLiteral("%1G").arg(bytes / (1024 * 1024 * 1024));
    if (bytes > 0 && bytes % (1024 * 1024) == 0)
        return QStringLiteral("%1M").arg(bytes / (1024 * 1024));
    if (bytes > 0 && bytes % 1024 == 0) return QStringLiteral("%1K").arg(bytes / 1024);
    return QString::number(bytes);
}

} // namespace

SettingsDialog::SettingsDialog(QWidget *parent)
    : QDialog(parent),
      m_embedded(new QRadioButton(tr("&Embedded server (private, started on demand)"), this)),
      m_custom(new QRadioButton(tr("Redis &URL:"), this)), m_url(new QLineEdit(this)),
      m_redisUser(new QLineEdit(this)), m_redisPassword(new QLineEdit(this)),
      m_redisNote(new QLabel(this)), m_passwordNote(new QLabel(this)),
      m_tlsBox(new QGroupBox(tr("TLS"), this)),
      m_tls(new QCheckBox(tr("Use &TLS (rediss://)"), this)), m_caCert(new QLineEdit(this)),
      m_clientCert(new QLineEdit(this)), m_clientKey(new QLineEdit(this)),
      m_sni(new QLineEdit(this)),
      m_insecure(new QCheckBox(tr("Skip &verification (insecure)"), this)),
      m_ttl(new QSpinBox(this)), m_chunk(new QLineEdit(this)), m_segment(new QLineEdit(this)),
      m_concurrent(new QSpinBox(this)), m_bandwidth(new QLineEdit(this)),
      m_user(new QLineEdit(this)), m_permissions(new QLineEdit(this)),
      m_permissionsNote(new QLabel(this)), m_error(new QLabel(this)),
      m_buttons(new QDialogButtonBox(
          QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::Apply, this))
{
    setWindowTitle(tr("Settings"));
    setObjectName(QStringLiteral("settingsDialog"));

    m_error->setStyleSheet(QStringLiteral("color: #b3261e"));
    m_error->setObjectName(QStringLiteral("settingsError"));
    m_error->setWordWrap(true);

    QGroupBox *redisBox = buildRedisBox();
    buildTlsBox();
    QGroupBox *exportBox = buildExportBox();

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(redisBox);
    layout->addWidget(m_tlsBox);
    layout->addWidget(exportBox);
    layout->addWidget(m_error);
    layout->addStretch(1);
    layout->addWidget(m_buttons);
    resize(520, sizeHint().height());

    connect(m_embedded, &QRadioButton::toggled, this, &SettingsDialog::validate);
    connect(m_url, &QLineEdit::textChanged, this, &SettingsDialog::syncTlsFromUrl);
    // TLS parameters typed into the URL move to their fields.
    connect(m_url, &QLineEdit::editingFinished, this, &SettingsDialog::moveTlsFromUrl);
    connect(m_tls, &QCheckBox::toggled, this, &SettingsDialog::syncUrlFromTls);
    for (QLineEdit *e :
         {m_url, m_chunk, m_segment, m_bandwidth, m_caCert, m_clientCert, m_clientKey, m_sni})
        connect(e, &QLineEdit::textChanged, this, &SettingsDialog::validate);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (apply()) accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this,
            &SettingsDialog::apply);
    m_embedded->setChecked(true);
}

QGroupBox *SettingsDialog::buildRedisBox()
{
    m_url->setPlaceholderText(
        QStringLiteral("redis://host:6379/0  or  unix:///path/to/redis.sock"));
    m_redisUser->setPlaceholderText(tr("from the URL"));
    m_redisPassword->setEchoMode(QLineEdit::Password);
    m_redisPassword->setPlaceholderText(tr("from the URL"));
    m_passwordNote->setObjectName(QStringLiteral("passwordNote"));
    for (QLabel *note : {m_redisNote, m_passwordNote, m_permissionsNote}) {
        note->setWordWrap(true);
        note->setStyleSheet(QStringLiteral("color: #b35c00"));
        note->hide();
    }
    auto *redisBox = new QGroupBox(tr("Redis server"), this);
    auto *redisForm = new QFormLayout;
    redisForm->addRow(m_embedded);
    redisForm->addRow(m_custom, m_url);
    redisForm->addRow(tr("ACL user:"), m_redisUser);
    redisForm->addRow(tr("Password:"), m_redisPassword);
    redisForm->addRow(m_passwordNote);
    redisForm->addRow(m_redisNote);
    redisBox->setLayout(redisForm);
    m_url->setObjectName(QStringLiteral("redisUrl"));
    m_custom->setObjectName(QStringLiteral("customRedis"));
    return redisBox;
}

// TLS, as redis-cli's --tls --cacert --cert --key --sni --insecure, kept in the saved
// URL as rediss:// and its query parameters (CONTRACT §6).
void SettingsDialog::buildTlsBox()
{
    m_tls->setObjectName(QStringLiteral("tlsEnabled"));
    m_caCert->setObjectName(QStringLiteral("tlsCaCert"));
    m_clientCert->setObjectName(QStringLiteral("tlsCert"));
    m_clientKey->setObjectName(QStringLiteral("tlsKey"));
    m_sni->setObjectName(QStringLiteral("tlsSni"));
    m_insecure->setObjectName(QStringLiteral("tlsInsecure"));
    m_caCert->setPlaceholderText(tr("the system's CA certificates"));
    m_clientCert->setPlaceholderText(tr("none"));
    m_clientKey->setPlaceholderText(tr("none"));
    m_sni->setPlaceholderText(tr("the host name in the URL"));
    m_insecure->setToolTip(tr("Accept any certificate and host name: only for testing, never "
                              "across an untrusted network"));
    auto *tlsForm = new QFormLayout;
    tlsForm->addRow(m_tls);
    const struct
    {
        QString label;
        QLineEdit *edit;
        QString title;
    } files[] = {{tr("&CA certificate:"), m_caCert, tr("CA certificate")},
                 {tr("Client c&ertificate:"), m_clientCert, tr("Client certificate")},
                 {tr("Client &key:"), m_clientKey, tr("Client key")}};
    for (const auto &f : files) {
        // A row whose field is a composite gets no buddy from QFormLayout by itself.
        auto *label = new QLabel(f.label, this);
        label->setBuddy(f.edit);
        tlsForm->addRow(label, fileRow(f.edit, f.title));
    }
    auto *sniLabel = new QLabel(tr("&SNI name:"), this);
    sniLabel->setBuddy(m_sni);
    tlsForm->addRow(sniLabel, m_sni);
    tlsForm->addRow(m_insecure);
    m_tlsBox->setLayout(tlsForm);
}

QGroupBox *SettingsDialog::buildExportBox()
{
    m_ttl->setRange(ExporterConfig::minTtlSeconds, ExporterConfig::maxTtlSeconds);
    m_ttl->setSuffix(tr(" s"));
    m_ttl->setToolTip(tr("How long both keys of an export live after its last update"));
    m_chunk->setToolTip(tr("Bytes per write: a number with an optional K, M or G suffix; at "
                           "most the segment size"));
    m_segment->setToolTip(tr("Bytes per Redis key of an export's data: a larger source is "
                             "split into several keys. A number with an optional K, M or G "
                             "suffix; %1 by default")
                              .arg(ExporterConfig::defaultSegmentBytes));
    m_concurrent->setRange(1, 64);
    m_bandwidth->setPlaceholderText(tr("0 = unlimited"));
    m_bandwidth->setToolTip(tr("Bytes per second for all exports together (one budget they "
                               "share), e.g. 256K or 10M; 0 = unlimited"));
    m_user->setPlaceholderText(defaultUserName());
    auto *browse = new QToolButton(this);
    browse->setText(QStringLiteral("…"));
    browse->setToolTip(tr("Choose a permissions file"));
    auto *permRow = new QHBoxLayout;
    permRow->addWidget(m_permissions, 1);
    permRow->addWidget(browse);
    m_permissions->setPlaceholderText(tr("none: everyone may export and read"));

    auto *exportBox = new QGroupBox(tr("Exports"), this);
    auto *exportForm = new QFormLayout;
    exportForm->addRow(tr("E&xpiry:"), m_ttl);
    exportForm->addRow(tr("C&hunk size:"), m_chunk);
    exportForm->addRow(tr("Se&gment size:"), m_segment);
    exportForm->addRow(tr("Concurrent e&xports:"), m_concurrent);
    // A row whose field is a layout gets no buddy from QFormLayout: its label would
    // show a literal "&". These labels are made here, each with its buddy.
    auto *bandwidthRow = new QHBoxLayout;
    bandwidthRow->addWidget(m_bandwidth, 1);
    auto *bandwidthNote = new QLabel(tr("for all exports together, 0 = unlimited"), this);
    bandwidthRow->addWidget(bandwidthNote);
    auto *bandwidthLabel = new QLabel(tr("&Bandwidth limit:"), this);
    bandwidthLabel->setBuddy(m_bandwidth);
    exportForm->addRow(bandwidthLabel, bandwidthRow);
    exportForm->addRow(tr("User &id:"), m_user);
    auto *permLabel = new QLabel(tr("&Permissions file:"), this);
    permLabel->setBuddy(m_permissions);
    exportForm->addRow(permLabel, permRow);
    exportForm->addRow(m_permissionsNote);
    exportBox->setLayout(exportForm);
    connect(browse, &QToolButton::clicked, this, [this] {
        auto *dialog = new QFileDialog(this, tr("Permissions file"), m_permissions->text(),
                                       tr("JSON files (*.json);;All files (*)"));
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->setFileMode(QFileDialog::ExistingFile);
        connect(dialog, &QFileDialog::fileSelected, m_permissions, &QLineEdit::setText);
        dialog->open();
    });
    return exportBox;
}

void SettingsDialog::moveTlsFromUrl()
{
    RedisUrlTls tls;
    const QString base = RedisUrlTls::split(m_url->text().trimmed(), &tls);
    if (base == m_url->text().trimmed()) return;
    m_url->setText(base);
    for (auto [edit, value] :
         {std::pair{m_caCert, tls.caCertificate}, std::pair{m_clientCert, tls.clientCertificate},
          std::pair{m_clientKey, tls.clientKey}, std::pair{m_sni, tls.serverName}}) {
        if (!value.isEmpty()) edit->setText(value);
    }
    if (tls.insecure) m_insecure->setChecked(true);
}

void SettingsDialog::setValues(const GuiSettings &v)
{
    (v.redisUrl.isEmpty() ? m_embedded : m_custom)->setChecked(true);
    RedisUrlTls tls;
    m_url->setText(RedisUrlTls::split(v.redisUrl, &tls));
    m_tls->setChecked(tls.enabled);
    m_caCert->setText(tls.caCertificate);
    m_clientCert->setText(tls.clientCertificate);
    m_clientKey->setText(tls.clientKey);
    m_sni->setText(tls.serverName);
    m_insecure->setChecked(tls.insecure);
    m_redisUser->setText(v.redisUser);
    m_redisPassword->setText(v.redisPassword);
    m_ttl->setValue(v.ttlSeconds);
    m_chunk->setText(editableSize(v.chunkSize));
    m_segment->setText(editableSize(v.segmentBytes));
    m_concurrent->setValue(v.maxConcurrent);
    m_bandwidth->setText(v.bandwidthLimit > 0 ? editableSize(v.bandwidthLimit)
                                              : QStringLiteral("0"));
    m_user->setText(v.user);
    m_permissions->setText(v.permissionsFile);
    validate();
}

void SettingsDialog::setOverrides(const QString &redisUrlNote, const QString &permissionsNote)
{
    m_redisNote->setText(redisUrlNote);
    m_redisNote->setVisible(!redisUrlNote.isEmpty());
    m_permissionsNote->setText(permissionsNote);
    m_permissionsNote->setVisible(!permissionsNote.isEmpty());
}

void SettingsDialog::setPasswordNote(const QString &note)
{
    m_passwordNote->setText(note);
    m_passwordNote->setVisible(!note.isEmpty());
}

QString SettingsDialog::passwordNote() const
{
    return m_passwordNote->isVisibleTo(this) ? m_passwordNote->text() : QString();
}

void SettingsDialog::adoptStoredPassword(const QString &password)
{
    if (m_redisPassword->text().isEmpty() && !m_redisPassword->isModified())
        m_redisPassword->setText(password);
}

std::optional<GuiSettings> SettingsDialog::values(QString *error) const
{
    auto fail = [error](const QString &why) -> std::optional<GuiSettings> {
        if (error) *error = why;
        return std::nullopt;
    };
    GuiSettings v;
    if (m_custom->isChecked()) {
        const QString typed = m_url->text().trimmed();
        QString why;
        if (typed.isEmpty()) return fail(tr("Enter a Redis URL, or choose the embedded server."));
        // The address is checked as its plain form; the TLS options, by the fields below.
        const QString plain = RedisUrlTls::withTlsScheme(RedisUrlTls::split(typed, nullptr), false);
        if (!RedisEndpoint::parse(plain, &why)) {
            // The reason may quote the URL: the field above already shows it.
            why.replace(plain, tr("it"));
            return fail(tr("Redis URL: %1").arg(why));
        }
        RedisUrlTls tls;
        tls.enabled = m_tls->isChecked() && RedisUrlTls::schemeSupportsTls(typed);
        tls.caCertificate = m_caCert->text().trimmed();
        tls.clientCertificate = m_clientCert->text().trimmed();
        tls.clientKey = m_clientKey->text().trimmed();
        tls.serverName = m_sni->text().trimmed();
        tls.insecure = m_insecure->isChecked();
        if (tls.enabled) {
            for (auto [file, what] : {std::pair{tls.caCertificate, tr("CA certificate")},
                                      std::pair{tls.clientCertificate, tr("Client certificate")},
                                      std::pair{tls.clientKey, tr("Client key")}}) {
                if (!file.isEmpty() && !QFileInfo(file).isFile())
                    return fail(tr("%1: no such file: %2").arg(what, file));
            }
            if (tls.clientCertificate.isEmpty() != tls.clientKey.isEmpty())
                return fail(tr("A client certificate needs its key, and a key its certificate."));
        }
        v.redisUrl = tls.joinedWith(typed);
    }
    v.redisUser = m_redisUser->text().trimmed();
    v.redisPassword = m_redisPassword->text();
    v.ttlSeconds = m_ttl->value();
    v.chunkSize = parseByteSize(m_chunk->text().trimmed());
    if (!ExporterConfig::chunkSizeInRange(v.chunkSize))
        return fail(tr("Chunk size: between 1 byte and 64M, e.g. 1M."));
    v.segmentBytes = parseByteSize(m_segment->text().trimmed());
    if (!ExporterConfig::segmentBytesInRange(v.segmentBytes))
        return fail(tr("Segment size: between 1K and 512M, e.g. %1.")
                        .arg(ExporterConfig::defaultSegmentBytes));
    if (!ExporterConfig::chunkFitsSegment(v.chunkSize, v.segmentBytes))
        return fail(tr("Chunk size: at most the segment size (%1): a chunk never straddles two "
                       "segments.")
                        .arg(m_segment->text().trimmed()));
    v.maxConcurrent = m_concurrent->value();
    const QString bw = m_bandwidth->text().trimmed();
    v.bandwidthLimit = bw.isEmpty() ? 0 : parseByteSize(bw);
    if (!ExporterConfig::bandwidthLimitInRange(v.bandwidthLimit))
        return fail(tr("Bandwidth limit: bytes per second with an optional K, M or G, e.g. 256K."));
    v.user = m_user->text().trimmed();
    v.permissionsFile = m_permissions->text().trimmed();
    return v;
}

QString SettingsDialog::errorText() const
{
    return m_error->text();
}

QWidget *SettingsDialog::fileRow(QLineEdit *edit, const QString &title)
{
    auto *row = new QWidget(this);
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    auto *browse = new QPushButton(tr("Browse…"), row);
    browse->setToolTip(tr("Choose the %1 file").arg(title.toLower()));
    layout->addWidget(browse);
    connect(browse, &QPushButton::clicked, this, [this, edit, title] {
        auto *dialog = new QFileDialog(this, title, edit->text(),
                                       tr("PEM files (*.pem *.crt *.key);;All files (*)"));
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->setFileMode(QFileDialog::ExistingFile);
        connect(dialog, &QFileDialog::fileSelected, edit, &QLineEdit::setText);
        dialog->open();
    });
    return row;
}

void SettingsDialog::syncTlsFromUrl()
{
    const QString url = m_url->text().trimmed();
    if (RedisUrlTls::hasTlsScheme(url) != m_tls->isChecked() &&
        RedisUrlTls::schemeSupportsTls(url)) {
        const QSignalBlocker block(m_tls);
        m_tls->setChecked(RedisUrlTls::hasTlsScheme(url));
    }
    validate();
}

void SettingsDialog::syncUrlFromTls()
{
    const QString url = m_url->text().trimmed();
    const QString wanted = RedisUrlTls::withTlsScheme(url, m_tls->isChecked());
    if (wanted != url) {
        const QSignalBlocker block(m_url);
        m_url->setText(wanted);
    }
    validate();
}

void SettingsDialog::validate()
{
    m_url->setEnabled(m_custom->isChecked());
    // TLS applies to a TCP server named by URL (not the embedded one, not unix://).
    const bool tlsApplies =
        m_custom->isChecked() && RedisUrlTls::schemeSupportsTls(m_url->text().trimmed());
    m_tlsBox->setEnabled(tlsApplies);
    for (QWidget *w :
         std::initializer_list<QWidget *>{m_caCert->parentWidget(), m_clientCert->parentWidget(),
                                          m_clientKey->parentWidget(), m_sni, m_insecure})
        w->setEnabled(m_tls->isChecked());
    QString error;
    const bool ok = values(&error).has_value();
    m_error->setText(ok ? QString() : error);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(ok);
    m_buttons->button(QDialogButtonBox::Apply)->setEnabled(ok);
}

bool SettingsDialog::apply()
{
    QString error;
    const std::optional<GuiSettings> v = values(&error);
    if (!v) {
        m_error->setText(error);
        return false;
    }
    Q_EMIT applied(*v);
    return true;
}

} // namespace hb

#include "settingsdialog.h"

#include "exportstore.h"
#include "permissions.h"
#include "redisendpoint.h"

#include <QDialogButtonBox>
#include <QFileDialog>
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
      m_redisNote(new QLabel(this)), m_ttl(new QSpinBox(this)), m_chunk(new QLineEdit(this)),
      m_segment(new QLineEdit(this)), m_concurrent(new QSpinBox(this)),
      m_bandwidth(new QLineEdit(this)), m_user(new QLineEdit(this)),
      m_permissions(new QLineEdit(this)), m_permissionsNote(new QLabel(this)),
      m_error(new QLabel(this)),
      m_buttons(new QDialogButtonBox(
          QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::Apply, this))
{
    setWindowTitle(tr("Settings"));
    setObjectName(QStringLiteral("settingsDialog"));

    m_url->setPlaceholderText(
        QStringLiteral("redis://host:6379/0  or  unix:///path/to/redis.sock"));
    m_redisUser->setPlaceholderText(tr("from the URL"));
    m_redisPassword->setEchoMode(QLineEdit::Password);
    m_redisPassword->setPlaceholderText(tr("from the URL"));
    for (QLabel *note : {m_redisNote, m_permissionsNote}) {
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
    redisForm->addRow(m_redisNote);
    redisBox->setLayout(redisForm);

    m_ttl->setRange(1, 365 * 24 * 3600);
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

    m_error->setStyleSheet(QStringLiteral("color: #b3261e"));
    m_error->setObjectName(QStringLiteral("settingsError"));
    m_error->setWordWrap(true);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(redisBox);
    layout->addWidget(exportBox);
    layout->addWidget(m_error);
    layout->addStretch(1);
    layout->addWidget(m_buttons);
    resize(520, sizeHint().height());

    connect(m_embedded, &QRadioButton::toggled, this, &SettingsDialog::validate);
    for (QLineEdit *e : {m_url, m_chunk, m_segment, m_bandwidth})
        connect(e, &QLineEdit::textChanged, this, &SettingsDialog::validate);
    connect(browse, &QToolButton::clicked, this, [this] {
        auto *dialog = new QFileDialog(this, tr("Permissions file"), m_permissions->text(),
                                       tr("JSON files (*.json);;All files (*)"));
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->setFileMode(QFileDialog::ExistingFile);
        connect(dialog, &QFileDialog::fileSelected, m_permissions, &QLineEdit::setText);
        dialog->open();
    });
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (apply()) accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this,
            &SettingsDialog::apply);
    m_embedded->setChecked(true);
}

void SettingsDialog::setValues(const GuiSettings &v)
{
    (v.redisUrl.isEmpty() ? m_embedded : m_custom)->setChecked(true);
    m_url->setText(v.redisUrl);
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

std::optional<GuiSettings> SettingsDialog::values(QString *error) const
{
    auto fail = [error](const QString &why) -> std::optional<GuiSettings> {
        if (error) *error = why;
        return std::nullopt;
    };
    GuiSettings v;
    if (m_custom->isChecked()) {
        v.redisUrl = m_url->text().trimmed();
        QString why;
        if (v.redisUrl.isEmpty())
            return fail(tr("Enter a Redis URL, or choose the embedded server."));
        if (!RedisEndpoint::parse(v.redisUrl, &why)) {
            // The reason may quote the URL: the field above already shows it.
            why.replace(v.redisUrl, tr("it"));
            return fail(tr("Redis URL: %1").arg(why));
        }
    }
    v.redisUser = m_redisUser->text().trimmed();
    v.redisPassword = m_redisPassword->text();
    v.ttlSeconds = m_ttl->value();
    v.chunkSize = parseByteSize(m_chunk->text().trimmed());
    if (v.chunkSize < ExporterConfig::minChunkSize || v.chunkSize > ExporterConfig::maxChunkSize)
        return fail(tr("Chunk size: between 1 byte and 64M, e.g. 1M."));
    v.segmentBytes = parseByteSize(m_segment->text().trimmed());
    if (v.segmentBytes < ExporterConfig::minSegmentBytes ||
        v.segmentBytes > ExporterConfig::maxSegmentBytes)
        return fail(tr("Segment size: between 1K and 512M, e.g. %1.")
                        .arg(ExporterConfig::defaultSegmentBytes));
    if (v.chunkSize > v.segmentBytes)
        return fail(tr("Chunk size: at most the segment size (%1): a chunk never straddles two "
                       "segments.")
                        .arg(m_segment->text().trimmed()));
    v.maxConcurrent = m_concurrent->value();
    const QString bw = m_bandwidth->text().trimmed();
    v.bandwidthLimit = bw.isEmpty() ? 0 : parseByteSize(bw);
    if (v.bandwidthLimit < 0)
        return fail(tr("Bandwidth limit: bytes per second with an optional K, M or G, e.g. 256K."));
    v.user = m_user->text().trimmed();
    v.permissionsFile = m_permissions->text().trimmed();
    return v;
}

QString SettingsDialog::errorText() const
{
    return m_error->text();
}

void SettingsDialog::validate()
{
    m_url->setEnabled(m_custom->isChecked());
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

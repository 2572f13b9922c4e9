#include "passwordstore.h"

#include <QLoggingCategory>
#include <qt6keychain/keychain.h>

namespace hb {

namespace {
Q_LOGGING_CATEGORY(lcKeychain, "hbexporter.keychain")

const QString kService = QString::fromLatin1(PasswordStore::Service);
const QString kProbeKey = QStringLiteral("hbexporter-keychain-probe");
} // namespace

PasswordStore::PasswordStore(QObject *parent) : QObject(parent) {}

void PasswordStore::noteResult(int error, const QString &message)
{
    Availability now = Availability::Available;
    switch (QKeychain::Error(error)) {
    case QKeychain::NoError:
    case QKeychain::EntryNotFound:
    case QKeychain::CouldNotDeleteEntry:
    case QKeychain::AccessDeniedByUser: // a keychain answered, the user said no
        break;
    case QKeychain::AccessDenied:
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
    case QKeychain::OtherError: // e.g. no D-Bus session, no Secret Service on it
        now = Availability::Unavailable;
        break;
    }
    if (now == Availability::Unavailable) m_reason = message;
    if (now == m_availability) return;
    m_availability = now;
    if (now == Availability::Unavailable)
        qCInfo(lcKeychain, "no keychain available (%s): the Redis password is kept in memory only",
               qPrintable(message));
    Q_EMIT availabilityChanged(now);
}

void PasswordStore::read(const QString &key)
{
    auto *job = new QKeychain::ReadPasswordJob(kService, this); // deletes itself when done
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this, [this, job, key] {
        noteResult(job->error(), job->errorString());
        Q_EMIT passwordRead(key, job->error() == QKeychain::NoError ? job->textData() : QString());
    });
    job->start();
}

void PasswordStore::write(const QString &key, const QString &password)
{
    QKeychain::Job *job = nullptr;
    if (password.isEmpty()) {
        job = new QKeychain::DeletePasswordJob(kService, this);
    } else {
        auto *w = new QKeychain::WritePasswordJob(kService, this);
        w->setTextData(password);
        job = w;
    }
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this, [this, job, key, password] {
        noteResult(job->error(), job->errorString());
        const bool ok = job->error() == QKeychain::NoError ||
                        (password.isEmpty() && job->error() == QKeychain::EntryNotFound);
        Q_EMIT written(key, ok);
    });
    job->start();
}

void PasswordStore::probe()
{
    auto *job = new QKeychain::ReadPasswordJob(kService, this);
    job->setKey(kProbeKey);
    connect(job, &QKeychain::Job::finished, this,
            [this, job] { noteResult(job->error(), job->errorString()); });
    job->start();
}

} // namespace hb

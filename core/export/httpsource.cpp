#include "httpsource.h"

#include "logging.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QTimer>

namespace hb {

namespace {

// Qt's own error strings sometimes quote the URL; never let credentials through.
QString withoutUserInfo(QString text)
{
    static const QRegularExpression userInfo(QStringLiteral("://[^/@\\s]*@"));
    return text.replace(userInfo, QStringLiteral("://"));
}

bool isRedirect(int status)
{
    return status >= 300 && status < 400 && status != 304;
}

} // namespace

HttpSource::HttpSource(QUrl url) : HttpSource(std::move(url), Options{}) {}

HttpSource::HttpSource(QUrl url, Options options) : m_url(std::move(url)), m_options(options) {}

HttpSource::~HttpSource()
{
    close();
}

QString HttpSource::publicUrl(const QUrl &url)
{
    return url.toDisplayString(QUrl::RemoveUserInfo);
}

QString HttpSource::displayName() const
{
    return publicUrl(m_url);
}

QString HttpSource::failMessage(const QString &why) const
{
    return QStringLiteral("cannot export %1: %2").arg(publicUrl(m_url), why);
}

bool HttpSource::open()
{
    close();
    m_failed = false;
    m_error.clear();
    m_received = 0;
    m_size = -1;
    m_fingerprint = {};
    if (!m_url.isValid() || m_url.host().isEmpty()) {
        m_error = failMessage(QStringLiteral("not a valid URL"));
        m_failed = true;
        return false;
    }
    m_nam = std::make_unique<QNetworkAccessManager>();
    QNetworkRequest request(m_url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::NoLessSafeRedirectPolicy);
    request.setMaximumRedirectsAllowed(m_options.maxRedirects);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    // The bytes exactly as served: Qt would otherwise ask for gzip and inflate it,
    // and Content-Length would no longer be the size we store.
    request.setRawHeader("Accept-Encoding", "identity");
    request.setTransferTimeout(m_options.stallTimeoutMs);
    if (m_from > 0) {
        request.setRawHeader("Range", "bytes=" + QByteArray::number(m_from) + '-');
        if (!m_ifRange.isEmpty()) request.setRawHeader("If-Range", m_ifRange.toLatin1());
    }
    m_reply = m_nam->get(request);
    m_reply->setReadBufferSize(m_options.readBufferSize);

    QDeadlineTimer deadline(m_options.headerTimeoutMs);
    auto headersArrived = [this] {
        const QVariant status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        return status.isValid() && !isRedirect(status.toInt());
    };
    while (!m_reply->isFinished() && !headersArrived()) {
        if (deadline.hasExpired()) {
            m_error = failMessage(
                QStringLiteral("no response within %1 s").arg(m_options.headerTimeoutMs / 1000));
            close();
            m_failed = true;
            return false;
        }
        waitForActivity(int(std::max<qint64>(1, deadline.remainingTime())));
    }
    // With good headers, a transfer error (even one that already happened: a short
    // body can arrive whole, with the close, before we look) is reported by read()
    // after the bytes that did arrive, so the export says how far it got.
    const QVariant status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!status.isValid() || status.toInt() >= 400 || isRedirect(status.toInt())) {
        if (!takeReplyError()) m_error = failMessage(QStringLiteral("no HTTP response"));
        close();
        m_failed = true;
        return false;
    }
    const QVariant length = m_reply->header(QNetworkRequest::ContentLengthHeader);
    if (length.isValid()) {
        bool ok = false;
        const qint64 n = length.toLongLong(&ok);
        if (ok && n >= 0) m_size = n;
    }
    if (m_from > 0 && !takeRange(status.toInt())) {
        close();
        m_failed = true;
        return false;
    }
    m_fingerprint = SourceFingerprint::ofUrl(
        displayName(), m_size, QString::fromLatin1(m_reply->rawHeader("ETag")).trimmed(),
        QString::fromLatin1(m_reply->rawHeader("Last-Modified")).trimmed());
    qCInfo(lcCore).noquote() << "downloading" << displayName() << "HTTP"
                             << m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt()
                             << (m_size >= 0 ? QStringLiteral("%1 bytes").arg(m_size)
                                             : QStringLiteral("size unknown"));
    return true;
}

bool HttpSource::takeRange(int status)
{
    // "bytes 100-999/1000": the range asked for, and the whole length.
    const QByteArray range = m_reply->rawHeader("Content-Range").trimmed();
    qint64 first = -1, total = -1;
    if (range.startsWith("bytes ")) {
        const QList<QByteArray> parts = range.mid(6).split('/');
        if (parts.size() == 2) {
            bool ok1 = false, ok2 = false;
            first = parts[0].split('-').value(0).toLongLong(&ok1);
            total = parts[1].toLongLong(&ok2);
            if (!ok1) first = -1;
            if (!ok2) total = -1;
        }
    }
    if (status != 206 || first != m_from) {
        m_error = failMessage(
            status == 206 ? QStringLiteral("asked for bytes from %1 on, the server sent %2")
                                .arg(m_from)
                                .arg(QString::fromLatin1(range))
                          : QStringLiteral("asked for bytes from %1 on, the server sent HTTP %2 "
                                           "with the whole body: it ignores Range requests, or "
                                           "the content changed")
                                .arg(m_from)
                                .arg(status));
        return false;
    }
    m_size = total >= 0 ? total : (m_size >= 0 ? m_from + m_size : -1);
    m_received = m_from;
    return true;
}

bool HttpSource::seek(qint64 offset)
{
    m_ifRange = !m_fingerprint.etag.isEmpty() ? m_fingerprint.etag : m_fingerprint.lastModified;
    m_from = offset;
    const bool ok = open();
    m_from = 0;
    return ok;
}

void HttpSource::waitForActivity(int waitMs)
{
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    QObject::connect(m_reply, &QNetworkReply::readyRead, &loop, &QEventLoop::quit);
    QObject::connect(m_reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QObject::connect(m_reply, &QNetworkReply::metaDataChanged, &loop, &QEventLoop::quit);
    QObject::connect(m_reply, &QNetworkReply::errorOccurred, &loop, &QEventLoop::quit);
    timer.start(std::max(0, waitMs));
    loop.exec();
}

bool HttpSource::takeReplyError()
{
    if (!m_reply) return false;
    const QVariant status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (status.isValid() && status.toInt() >= 400) {
        const QString reason =
            QString::fromUtf8(
                m_reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray())
                .trimmed();
        m_error = failMessage(QStringLiteral("HTTP %1%2")
                                  .arg(status.toInt())
                                  .arg(reason.isEmpty() ? QString() : QLatin1Char(' ') + reason));
        return true;
    }
    QString why;
    switch (m_reply->error()) {
    case QNetworkReply::NoError:
        return false;
    case QNetworkReply::ConnectionRefusedError:
        why = QStringLiteral("connection refused");
        break;
    case QNetworkReply::HostNotFoundError:
        why = QStringLiteral("host not found");
        break;
    case QNetworkReply::RemoteHostClosedError:
        why = QStringLiteral("the server closed the connection");
        break;
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError:
        why = QStringLiteral("timed out");
        break;
    case QNetworkReply::TooManyRedirectsError:
        why = QStringLiteral("more than %1 redirects").arg(m_options.maxRedirects);
        break;
    case QNetworkReply::InsecureRedirectError:
        why = QStringLiteral("refused a redirect from https to http");
        break;
    case QNetworkReply::SslHandshakeFailedError:
        why = QStringLiteral("TLS error: %1").arg(withoutUserInfo(m_reply->errorString()));
        break;
    default:
        why = withoutUserInfo(m_reply->errorString());
        break;
    }
    if (bodyCutShort())
        why = QStringLiteral("body cut short after %1 of %2 bytes (%3)")
                  .arg(m_received)
                  .arg(m_size)
                  .arg(why);
    m_error = failMessage(why);
    return true;
}

bool HttpSource::bodyCutShort() const
{
    return m_size >= 0 && m_received < m_size;
}

qint64 HttpSource::read(char *buffer, qint64 maxBytes, int waitMs)
{
    if (m_failed || !m_reply) return -1;
    if (m_reply->bytesAvailable() == 0 && !m_reply->isFinished()) waitForActivity(waitMs);
    if (m_reply->bytesAvailable() > 0) {
        if (m_size >= 0)
            maxBytes = std::min(maxBytes, m_size - m_received); // never more than announced
        const qint64 n = m_reply->read(buffer, maxBytes);
        if (n > 0) {
            m_received += n;
            return n;
        }
        if (n < 0) {
            m_error = failMessage(withoutUserInfo(m_reply->errorString()));
            m_failed = true;
            return -1;
        }
    }
    if (m_reply->isFinished() && m_reply->bytesAvailable() == 0) {
        if (takeReplyError()) {
            m_failed = true;
            return -1;
        }
        if (bodyCutShort()) {
            m_error = failMessage(
                QStringLiteral("body cut short after %1 of %2 bytes").arg(m_received).arg(m_size));
            m_failed = true;
            return -1;
        }
    }
    return 0;
}

bool HttpSource::atEnd() const
{
    if (!m_reply) return !m_failed;
    if (m_failed) return false; // read() reports the error
    if (m_size >= 0 && m_received >= m_size) return true;
    return m_reply->isFinished() && m_reply->bytesAvailable() == 0 &&
           m_reply->error() == QNetworkReply::NoError && !bodyCutShort();
}

bool HttpSource::verifyUnchanged()
{
    if (bodyCutShort()) {
        m_error = failMessage(
            QStringLiteral("body cut short after %1 of %2 bytes").arg(m_received).arg(m_size));
        return false;
    }
    return true;
}

void HttpSource::close()
{
    if (m_reply) {
        QObject::disconnect(m_reply, nullptr, nullptr, nullptr);
        if (!m_reply->isFinished()) m_reply->abort();
        delete m_reply;
        m_reply = nullptr;
    }
    m_nam.reset();
}

} // namespace hb

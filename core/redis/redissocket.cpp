#include "redissocket.h"

#include "logging.h"

#include <QFile>
#include <QHostAddress>
#include <QStringList>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <mutex>
#include <vector>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace hb {

namespace {

using Outcome = RedisSocket::Outcome;
using Status = RedisSocket::Outcome::Status;

Outcome failed(const QString &reason, bool tls = false)
{
    return {Status::Failed, reason, tls};
}

QString errnoText(int e)
{
    return QString::fromLocal8Bit(std::strerror(e));
}

// OpenSSL writes with write(2) (and may write while reading: alerts, key updates):
// a server that hangs up would raise SIGPIPE and kill the process. Block it on this
// thread around OpenSSL's I/O and swallow the one a write raised. (The plain path
// uses MSG_NOSIGNAL instead.)
class SigpipeGuard final
{
public:
    SigpipeGuard()
    {
        sigemptyset(&m_pipe);
        sigaddset(&m_pipe, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &m_pipe, &m_old);
    }
    ~SigpipeGuard()
    {
        const int saved = errno;
        if (saved == EPIPE) {
            const timespec zero{0, 0};
            while (sigtimedwait(&m_pipe, nullptr, &zero) == SIGPIPE) {
            }
        }
        pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
        errno = saved;
    }
    SigpipeGuard(const SigpipeGuard &) = delete;
    SigpipeGuard &operator=(const SigpipeGuard &) = delete;

private:
    sigset_t m_pipe;
    sigset_t m_old;
};

int remainingMs(const QDeadlineTimer &deadline)
{
    const qint64 left = deadline.remainingTime();
    if (left < 0) return INT_MAX; // forever
    return int(std::min<qint64>(left, INT_MAX));
}

// The text of the OpenSSL error queue's last entry, or empty.
QString lastSslErrorText()
{
    const unsigned long e = ERR_peek_last_error();
    if (!e) return {};
    const char *reason = ERR_reason_error_string(e);
    return reason ? QString::fromLatin1(reason) : QStringLiteral("error %1").arg(e);
}

QString asn1TimeText(const ASN1_TIME *t)
{
    if (!t) return {};
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio) return {};
    QString out;
    if (ASN1_TIME_print(bio, t)) {
        char *data = nullptr;
        const long n = BIO_get_mem_data(bio, &data);
        out = QString::fromLatin1(data, int(n));
    }
    BIO_free(bio);
    return out;
}

// The names a certificate is for: its DNS and IP subject alternative names, else
// its common name.
QStringList certificateNames(X509 *cert)
{
    QStringList names;
    if (!cert) return names;
    auto *sans = static_cast<GENERAL_NAMES *>(
        X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (sans) {
        for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
            const GENERAL_NAME *n = sk_GENERAL_NAME_value(sans, i);
            if (n->type == GEN_DNS) {
                const ASN1_STRING *s = n->d.dNSName;
                names << QString::fromLatin1(
                    reinterpret_cast<const char *>(ASN1_STRING_get0_data(s)),
                    ASN1_STRING_length(s));
            } else if (n->type == GEN_IPADD) {
                const ASN1_OCTET_STRING *s = n->d.iPAddress;
                const int len = ASN1_STRING_length(s);
                const unsigned char *d = ASN1_STRING_get0_data(s);
                if (len == 4) {
                    names << QHostAddress(quint32((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]))
                                 .toString();
                } else if (len == 16) {
                    Q_IPV6ADDR a;
                    std::memcpy(a.c, d, 16);
                    names << QHostAddress(a).toString();
                }
            }
        }
        GENERAL_NAMES_free(sans);
    }
    if (names.isEmpty()) {
        char cn[256] = {};
        if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) >
            0)
            names << QString::fromUtf8(cn);
    }
    return names;
}

QString subjectText(X509 *cert)
{
    if (!cert) return {};
    char buf[512] = {};
    X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
    return QString::fromUtf8(buf);
}

int tlsStateIndex()
{
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

void warnInsecureOnce()
{
    static std::once_flag once;
    std::call_once(once, [] {
        qCWarning(lcRedis).noquote()
            << "TLS certificate verification is off (--insecure / insecure=1): the server's "
               "identity is not checked";
    });
}

} // namespace

struct TlsSessionState
{
    QString expectedName; // what the certificate must be for (the SNI or the host)
    bool verify = true;
    bool haveClientCert = false;
    bool certificateRequested = false; // the server asked for a client certificate
    // The first verification failure, with the certificate it concerned.
    long verifyError = X509_V_OK;
    QStringList names;
    QString subject;
    QString issuer;
    QString notAfter;
    QString notBefore;

    // One line saying why the TLS session failed, from what the verification saw
    // and what OpenSSL's error queue holds. The caller adds the server's name.
    QString explain(const QString &fallback) const
    {
        if (verifyError != X509_V_OK) {
            const QString what = QString::fromLatin1(X509_verify_cert_error_string(verifyError));
            switch (verifyError) {
            case X509_V_ERR_CERT_HAS_EXPIRED:
                return QStringLiteral("TLS certificate expired: %1 is not valid after %2")
                    .arg(subject, notAfter);
            case X509_V_ERR_CERT_NOT_YET_VALID:
                return QStringLiteral("TLS certificate not yet valid: %1 is not valid before %2")
                    .arg(subject, notBefore);
            case X509_V_ERR_HOSTNAME_MISMATCH:
            case X509_V_ERR_IP_ADDRESS_MISMATCH:
                return QStringLiteral("TLS certificate is for %1, not %2 (--sni NAME names the "
                                      "host to verify)")
                    .arg(names.isEmpty() ? subject : names.join(QStringLiteral(", ")),
                         expectedName);
            case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
            case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
            case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            case X509_V_ERR_CERT_UNTRUSTED:
            case X509_V_ERR_CERT_REJECTED:
                return QStringLiteral("untrusted TLS certificate: %1 (%2, issued by %3); --cacert "
                                      "FILE names the CA to trust, --insecure skips verification")
                    .arg(what, subject, issuer);
            default:
                return QStringLiteral("TLS certificate verification failed: %1 (%2)")
                    .arg(what, subject);
            }
        }
        const unsigned long e = ERR_peek_last_error();
        const int reason = e ? ERR_GET_REASON(e) : 0;
        if (reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED ||
            (!haveClientCert && certificateRequested &&
             (reason == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE ||
              reason == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE ||
              reason == SSL_R_TLSV1_ALERT_ACCESS_DENIED)))
            return QStringLiteral("TLS client certificate required: the server asks for one "
                                  "(--cert FILE --key FILE)");
        if (haveClientCert && (reason == SSL_R_TLSV1_ALERT_UNKNOWN_CA ||
                               reason == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE ||
                               reason == SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN ||
                               reason == SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED ||
                               reason == SSL_R_TLSV1_ALERT_DECRYPT_ERROR))
            return QStringLiteral("TLS: the server refused our client certificate (%1)")
                .arg(lastSslErrorText());
        if (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG ||
            reason == SSL_R_RECORD_LENGTH_MISMATCH || reason == SSL_R_HTTP_REQUEST ||
            reason == SSL_R_UNEXPECTED_EOF_WHILE_READING)
            return QStringLiteral("TLS handshake failed: %1 (is it a TLS port? a plain Redis "
                                  "port needs redis://)")
                .arg(lastSslErrorText());
        if (e) return QStringLiteral("TLS handshake failed: %1").arg(lastSslErrorText());
        return fallback;
    }
};

namespace {

// Records the first certificate the chain verification refused, and why, so the
// error line can say "expired on …" or "is for X, not Y". Verification itself is
// OpenSSL's: the callback changes no verdict.
int verifyCallback(int ok, X509_STORE_CTX *store)
{
    if (ok) return ok;
    auto *ssl =
        static_cast<SSL *>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto *state =
        ssl ? static_cast<TlsSessionState *>(SSL_get_ex_data(ssl, tlsStateIndex())) : nullptr;
    if (state && state->verifyError == X509_V_OK) {
        state->verifyError = X509_STORE_CTX_get_error(store);
        X509 *cert = X509_STORE_CTX_get_current_cert(store);
        state->names = certificateNames(cert);
        state->subject = subjectText(cert);
        if (cert) {
            char buf[512] = {};
            X509_NAME_oneline(X509_get_issuer_name(cert), buf, sizeof buf);
            state->issuer = QString::fromUtf8(buf);
            state->notAfter = asn1TimeText(X509_get0_notAfter(cert));
            state->notBefore = asn1TimeText(X509_get0_notBefore(cert));
        }
    }
    return ok;
}

// Called when the server asks for a client certificate and none is configured.
int clientCertCallback(SSL *ssl, X509 **, EVP_PKEY **)
{
    if (auto *state = static_cast<TlsSessionState *>(SSL_get_ex_data(ssl, tlsStateIndex())))
        state->certificateRequested = true;
    return 0; // send none
}

// A file the user named (--cacert, --cert, --key): unreadable is its own message.
bool readable(const QString &path, const char *what, QString *why)
{
    QFile f(path);
    if (f.open(QIODevice::ReadOnly)) return true;
    *why = QStringLiteral("cannot read %1 %2: %3")
               .arg(QLatin1String(what), path, errnoText(errno ? errno : ENOENT));
    return false;
}

} // namespace

void RedisSocket::SslDeleter::operator()(ssl_st *ssl) const
{
    SSL_free(ssl);
}

RedisSocket::RedisSocket() = default;

RedisSocket::~RedisSocket()
{
    close();
}

void RedisSocket::close()
{
    if (m_ssl) {
        if (!m_tlsBroken) {
            // One non-blocking close_notify, unanswered: never waits.
            const SigpipeGuard guard;
            ERR_clear_error();
            SSL_shutdown(m_ssl.get());
        }
        ERR_clear_error();
        m_ssl.reset();
    }
    m_tls.reset();
    m_tlsBroken = false;
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

Outcome RedisSocket::wait(bool forWrite, const QDeadlineTimer &deadline)
{
    for (;;) {
        pollfd p{m_fd, short(forWrite ? POLLOUT : POLLIN), 0};
        const int timeout = deadline.hasExpired() ? 0 : remainingMs(deadline);
        const int ready = ::poll(&p, 1, timeout);
        if (ready > 0) return {}; // readable, writable, or an error the next call reports
        if (ready == 0) return {Status::Timeout, {}, false};
        if (errno != EINTR) return failed(QStringLiteral("poll: %1").arg(errnoText(errno)));
    }
}

Outcome RedisSocket::open(const RedisEndpoint &server, const QDeadlineTimer &deadline)
{
    close();
    Outcome o = connectSocket(server, deadline);
    if (o.ok() && server.tls.enabled) o = startTls(server, deadline);
    if (!o.ok()) close();
    return o;
}

Outcome RedisSocket::connectSocket(const RedisEndpoint &server, const QDeadlineTimer &deadline)
{
    // Connects fd to addr before the deadline; "" on success, else why not.
    auto connectOne = [&](int fd, const sockaddr *addr, socklen_t len) -> Outcome {
        if (::connect(fd, addr, len) == 0) return {};
        if (errno != EINPROGRESS && errno != EAGAIN && errno != EINTR)
            return failed(errnoText(errno));
        m_fd = fd;
        const Outcome w = wait(true, deadline);
        m_fd = -1;
        if (!w.ok()) return w;
        int err = 0;
        socklen_t errLen = sizeof err;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errLen) != 0) err = errno;
        if (err != 0) return failed(errnoText(err));
        return {};
    };

    if (server.kind == RedisEndpoint::Kind::Unix) {
        const QByteArray path = server.socketPath.toLocal8Bit();
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        if (size_t(path.size()) >= sizeof addr.sun_path)
            return failed(QStringLiteral("socket path too long"));
        std::memcpy(addr.sun_path, path.constData(), size_t(path.size()));
        const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) return failed(errnoText(errno));
        const Outcome o = connectOne(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr);
        if (!o.ok()) {
            ::close(fd);
            return o;
        }
        m_fd = fd;
        return {};
    }

    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *found = nullptr;
    const QByteArray host = server.host.toUtf8();
    const QByteArray port = QByteArray::number(server.port);
    if (const int rc = ::getaddrinfo(host.constData(), port.constData(), &hints, &found); rc != 0)
        return failed(QStringLiteral("cannot resolve %1: %2")
                          .arg(server.host, QString::fromLocal8Bit(gai_strerror(rc))));
    std::unique_ptr<addrinfo, void (*)(addrinfo *)> list(found, ::freeaddrinfo);
    Outcome last = failed(QStringLiteral("no address for %1").arg(server.host));
    for (addrinfo *a = found; a; a = a->ai_next) {
        const int fd =
            ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            last = failed(errnoText(errno));
            continue;
        }
        last = connectOne(fd, a->ai_addr, a->ai_addrlen);
        if (!last.ok()) {
            ::close(fd);
            if (last.status == Status::Timeout) break;
            continue;
        }
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        // Keepalive as hiredis sets it: a peer gone silent is noticed in about 30 s.
        ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
        const int idle = 15, interval = 5, count = 3;
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
        m_fd = fd;
        return {};
    }
    return last;
}

Outcome RedisSocket::startTls(const RedisEndpoint &server, const QDeadlineTimer &deadline)
{
    const RedisTls &tls = server.tls;
    std::unique_ptr<SSL_CTX, void (*)(SSL_CTX *)> ctx(SSL_CTX_new(TLS_client_method()),
                                                      SSL_CTX_free);
    if (!ctx) return failed(QStringLiteral("TLS: %1").arg(lastSslErrorText()), true);
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    // Partial writes: SSL_write_ex returns after each record, so a payload goes out
    // from the caller's buffer piece by piece, never copied whole.
    // (No SSL_MODE_RELEASE_BUFFERS: an export's connection is never idle for
    // long, and reallocating the record buffers would cost throughput.)
    SSL_CTX_set_mode(ctx.get(),
                     SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    QString why;
    if (tls.insecure) {
        warnInsecureOnce();
    } else if (!tls.caCert.isEmpty()) {
        if (!readable(tls.caCert, "CA certificate file", &why)) return failed(why, true);
        ERR_clear_error();
        if (SSL_CTX_load_verify_locations(ctx.get(), QFile::encodeName(tls.caCert).constData(),
                                          nullptr) != 1)
            return failed(QStringLiteral("cannot use CA certificate file %1: %2")
                              .arg(tls.caCert, lastSslErrorText()),
                          true);
    } else if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
        return failed(
            QStringLiteral("cannot load the system's CA certificates: %1").arg(lastSslErrorText()),
            true);
    }
    if (!tls.cert.isEmpty() || !tls.key.isEmpty()) {
        if (tls.cert.isEmpty() || tls.key.isEmpty())
            return failed(QStringLiteral("a client certificate needs both --cert and --key"), true);
        if (!readable(tls.cert, "client certificate file", &why) ||
            !readable(tls.key, "client key file", &why))
            return failed(why, true);
        ERR_clear_error();
        if (SSL_CTX_use_certificate_chain_file(ctx.get(),
                                               QFile::encodeName(tls.cert).constData()) != 1)
            return failed(QStringLiteral("cannot use client certificate file %1: %2")
                              .arg(tls.cert, lastSslErrorText()),
                          true);
        if (SSL_CTX_use_PrivateKey_file(ctx.get(), QFile::encodeName(tls.key).constData(),
                                        SSL_FILETYPE_PEM) != 1)
            return failed(QStringLiteral("cannot use client key file %1: %2")
                              .arg(tls.key, lastSslErrorText()),
                          true);
        if (SSL_CTX_check_private_key(ctx.get()) != 1)
            return failed(QStringLiteral("client key file %1 does not match certificate %2")
                              .arg(tls.key, tls.cert),
                          true);
    }
    SSL_CTX_set_verify(ctx.get(), tls.insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER,
                       tls.insecure ? nullptr : verifyCallback);
    SSL_CTX_set_client_cert_cb(ctx.get(), clientCertCallback);

    m_tls = std::make_unique<TlsSessionState>();
    m_tls->verify = !tls.insecure;
    m_tls->haveClientCert = !tls.cert.isEmpty();
    m_tls->expectedName = tls.sni.isEmpty() ? server.host : tls.sni;
    m_ssl.reset(SSL_new(ctx.get())); // holds its own reference to ctx
    if (!m_ssl) return failed(QStringLiteral("TLS: %1").arg(lastSslErrorText()), true);
    SSL *ssl = m_ssl.get();
    SSL_set_ex_data(ssl, tlsStateIndex(), m_tls.get());
    SSL_set_fd(ssl, m_fd);

    // The name to verify: the SNI when given, else the host connected to. An IP
    // address (what sentinels and cluster nodes announce) is verified as an IP and
    // never sent as SNI (RFC 6066 allows host names only).
    QString name = m_tls->expectedName;
    if (name.startsWith(QLatin1Char('[')) && name.endsWith(QLatin1Char(']')))
        name = name.mid(1, name.size() - 2);
    const bool isIp = !QHostAddress(name).isNull();
    const QByteArray nameBytes = name.toUtf8();
    if (!tls.insecure) {
        X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        const int ok = isIp ? X509_VERIFY_PARAM_set1_ip_asc(param, nameBytes.constData())
                            : SSL_set1_host(ssl, nameBytes.constData());
        if (ok != 1)
            return failed(QStringLiteral("TLS: cannot verify against \"%1\"").arg(name), true);
    }
    if (!isIp) SSL_set_tlsext_host_name(ssl, nameBytes.constData());

    for (;;) {
        const SigpipeGuard guard;
        ERR_clear_error();
        const int r = SSL_connect(ssl);
        if (r == 1) break;
        bool retry = false;
        Outcome o = tlsError(r, deadline, &retry);
        if (retry) continue;
        if (o.status == Status::Timeout)
            o.reason = QStringLiteral("TLS handshake did not finish within the connect timeout "
                                      "(is it a TLS port? a plain Redis port needs redis://)");
        if (o.status == Status::Closed)
            o = failed(QStringLiteral("TLS handshake failed: the server closed the connection "
                                      "(is it a TLS port? a plain Redis port needs redis://)"),
                       true);
        o.tlsFailure = true;
        return o;
    }
    // TLS 1.3 ends the client's handshake before the server has judged the client
    // certificate: when it asked for one and we have none, its verdict follows at
    // once, either an alert ("certificate required") or its session tickets. Read
    // that before sending anything: a request written now would make the closing
    // server reset the connection, and the reset can discard the alert.
    if (m_tls->certificateRequested && !m_tls->haveClientCert &&
        SSL_version(ssl) == TLS1_3_VERSION) {
        // Bounded: a server that sends no tickets costs at most this once.
        const QDeadlineTimer verdict(
            deadline.isForever()
                ? 1000
                : std::min<qint64>(1000, std::max<qint64>(0, deadline.remainingTime())));
        if (wait(false, verdict).ok()) {
            const SigpipeGuard guard;
            ERR_clear_error();
            char byte = 0;
            size_t got = 0;
            const int r = SSL_peek_ex(ssl, &byte, 1, &got);
            const int err = r == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl, r);
            if (err != SSL_ERROR_NONE && err != SSL_ERROR_WANT_READ &&
                err != SSL_ERROR_WANT_WRITE) {
                bool retry = false;
                Outcome o = tlsError(r, verdict, &retry);
                if (o.status == Status::Closed || o.reason.isEmpty())
                    o = failed(QStringLiteral("TLS client certificate required: the server "
                                              "closed the connection after asking for one "
                                              "(--cert FILE --key FILE)"),
                               true);
                o.tlsFailure = true;
                return o;
            }
        }
    }
    qCDebug(lcRedis).noquote() << "TLS" << SSL_get_version(ssl) << SSL_get_cipher_name(ssl)
                               << (tls.insecure ? "(not verified)" : "verified for") << name;
    return {};
}

// After an SSL_* call returned ret <= 0: waits for the socket when OpenSSL wants
// to (*retry), or says what went wrong.
Outcome RedisSocket::tlsError(int ret, const QDeadlineTimer &deadline, bool *retry)
{
    *retry = false;
    const int savedErrno = errno;
    const int err = SSL_get_error(m_ssl.get(), ret);
    switch (err) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE: {
        const Outcome w = wait(err == SSL_ERROR_WANT_WRITE, deadline);
        *retry = w.ok();
        return w;
    }
    case SSL_ERROR_ZERO_RETURN:
        m_tlsBroken = true;
        return {Status::Closed, {}, false};
    case SSL_ERROR_SYSCALL:
        m_tlsBroken = true;
        if (ERR_peek_last_error() == 0) {
            if (savedErrno == 0 || savedErrno == EPIPE || savedErrno == ECONNRESET)
                return {Status::Closed, savedErrno ? errnoText(savedErrno) : QString(), false};
            return failed(errnoText(savedErrno));
        }
        break;
    default:
        m_tlsBroken = true;
        break;
    }
    const unsigned long e = ERR_peek_last_error();
    if (e && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING && m_tls &&
        m_tls->verifyError == X509_V_OK && SSL_is_init_finished(m_ssl.get()))
        return {Status::Closed, {}, false};
    const QString reason =
        m_tls ? m_tls->explain(QStringLiteral("TLS error %1").arg(err)) : QString();
    ERR_clear_error();
    return failed(reason, true);
}

Outcome RedisSocket::writeAll(iovec *iov, size_t count, const QDeadlineTimer &deadline)
{
    size_t first = 0;
    while (first < count && iov[first].iov_len == 0)
        ++first;
    if (m_ssl) {
        const SigpipeGuard guard;
        while (first < count) {
            ERR_clear_error();
            size_t written = 0;
            const int r =
                SSL_write_ex(m_ssl.get(), iov[first].iov_base, iov[first].iov_len, &written);
            if (r == 1) {
                iov[first].iov_base = static_cast<char *>(iov[first].iov_base) + written;
                iov[first].iov_len -= written;
                while (first < count && iov[first].iov_len == 0)
                    ++first;
                continue;
            }
            bool retry = false;
            const Outcome o = tlsError(r, deadline, &retry);
            if (!retry) return o;
        }
        return {};
    }
    while (first < count) {
        msghdr msg{};
        msg.msg_iov = iov + first;
        msg.msg_iovlen = std::min<size_t>(count - first, IOV_MAX);
        // MSG_NOSIGNAL: a server that hangs up is an error here, not a SIGPIPE.
        const ssize_t n = ::sendmsg(m_fd, &msg, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                const Outcome w = wait(true, deadline);
                if (!w.ok()) return w;
                continue;
            }
            if (errno == EPIPE || errno == ECONNRESET)
                return {Status::Closed, errnoText(errno), false};
            return failed(errnoText(errno));
        }
        size_t left = size_t(n);
        while (first < count && left >= iov[first].iov_len)
            left -= iov[first++].iov_len;
        if (left > 0) {
            iov[first].iov_base = static_cast<char *>(iov[first].iov_base) + left;
            iov[first].iov_len -= left;
        }
    }
    return {};
}

Outcome RedisSocket::readSome(char *buffer, size_t capacity, size_t *got,
                              const QDeadlineTimer &deadline)
{
    *got = 0;
    if (m_ssl) {
        // Always try SSL_read first: bytes OpenSSL already decrypted are invisible
        // to poll().
        for (;;) {
            const SigpipeGuard guard;
            ERR_clear_error();
            const int r = SSL_read_ex(m_ssl.get(), buffer, capacity, got);
            if (r == 1) return {};
            bool retry = false;
            const Outcome o = tlsError(r, deadline, &retry);
            if (!retry) return o;
        }
    }
    for (;;) {
        const ssize_t n = ::recv(m_fd, buffer, capacity, 0);
        if (n > 0) {
            *got = size_t(n);
            return {};
        }
        if (n == 0) return {Status::Closed, {}, false};
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            const Outcome w = wait(false, deadline);
            if (!w.ok()) return w;
            continue;
        }
        if (errno == ECONNRESET) return {Status::Closed, errnoText(errno), false};
        return failed(errnoText(errno));
    }
}

} // namespace hb

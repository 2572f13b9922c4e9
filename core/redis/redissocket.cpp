#include "redissocket.h"

#include "logging.h"
#include "tlscontext.h"
#include "tlssessionstate.h"

#include <QHostAddress>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
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
    QString why;
    const TlsContextPtr ctx = makeTlsContext(tls, &why);
    if (!ctx) return failed(why, true);

    m_tls = std::make_unique<TlsSessionState>();
    m_tls->verify = !tls.insecure;
    m_tls->haveClientCert = !tls.cert.isEmpty();
    m_tls->expectedName = tls.sni.isEmpty() ? server.host : tls.sni;
    m_ssl.reset(SSL_new(ctx.get())); // holds its own reference to ctx
    if (!m_ssl) return failed(QStringLiteral("TLS: %1").arg(lastSslErrorText()), true);
    m_tls->attachTo(m_ssl.get());
    SSL_set_fd(m_ssl.get(), m_fd);

    QString name;
    if (Outcome o = setPeerName(tls.insecure, &name); !o.ok()) return o;
    if (Outcome o = handshake(deadline); !o.ok()) return o;
    if (Outcome o = awaitClientCertificateVerdict(deadline); !o.ok()) return o;
    qCDebug(lcRedis).noquote() << "TLS" << SSL_get_version(m_ssl.get())
                               << SSL_get_cipher_name(m_ssl.get())
                               << (tls.insecure ? "(not verified)" : "verified for") << name;
    return {};
}

Outcome RedisSocket::setPeerName(bool insecure, QString *name)
{
    // The name to verify: the SNI when given, else the host connected to. An IP
    // address (what sentinels and cluster nodes announce) is verified as an IP and
    // never sent as SNI (RFC 6066 allows host names only).
    SSL *ssl = m_ssl.get();
    *name = m_tls->expectedName;
    if (name->startsWith(QLatin1Char('[')) && name->endsWith(QLatin1Char(']')))
        *name = name->mid(1, name->size() - 2);
    const bool isIp = !QHostAddress(*name).isNull();
    const QByteArray nameBytes = name->toUtf8();
    if (!insecure) {
        X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        const int ok = isIp ? X509_VERIFY_PARAM_set1_ip_asc(param, nameBytes.constData())
                            : SSL_set1_host(ssl, nameBytes.constData());
        if (ok != 1)
            return failed(QStringLiteral("TLS: cannot verify against \"%1\"").arg(*name), true);
    }
    if (!isIp) SSL_set_tlsext_host_name(ssl, nameBytes.constData());
    return {};
}

Outcome RedisSocket::handshake(const QDeadlineTimer &deadline)
{
    for (;;) {
        const SigpipeGuard guard;
        ERR_clear_error();
        const int r = SSL_connect(m_ssl.get());
        if (r == 1) return {};
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
}

Outcome RedisSocket::awaitClientCertificateVerdict(const QDeadlineTimer &deadline)
{
    // TLS 1.3 ends the client's handshake before the server has judged the client
    // certificate: when it asked for one and we have none, its verdict follows at
    // once, either an alert ("certificate required") or its session tickets. Read
    // that before sending anything: a request written now would make the closing
    // server reset the connection, and the reset can discard the alert.
    SSL *ssl = m_ssl.get();
    if (!m_tls->certificateRequested || m_tls->haveClientCert || SSL_version(ssl) != TLS1_3_VERSION)
        return {};
    // Bounded: a server that sends no tickets costs at most this once.
    const QDeadlineTimer verdict(
        deadline.isForever()
            ? 1000
            : std::min<qint64>(1000, std::max<qint64>(0, deadline.remainingTime())));
    if (!wait(false, verdict).ok()) return {};
    const SigpipeGuard guard;
    ERR_clear_error();
    char byte = 0;
    size_t got = 0;
    const int r = SSL_peek_ex(ssl, &byte, 1, &got);
    const int err = r == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl, r);
    if (err == SSL_ERROR_NONE || err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
        return {};
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

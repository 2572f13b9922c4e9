#pragma once

#include "redisendpoint.h"

#include <QDeadlineTimer>
#include <QString>
#include <memory>

#include <sys/uio.h>

struct ssl_st;

namespace hb {

struct TlsSessionState; // what the certificate verification saw (tlssessionstate.h)

// The byte stream under a RedisConnection: a TCP or unix socket of its own, and for
// rediss:// an OpenSSL session on it. hiredis 0.14 reads and writes its own file
// descriptor, so it cannot carry TLS: the connection uses hiredis only to parse
// replies, and this class moves the bytes.
//
// The socket is non-blocking; every call waits with poll() until the deadline it is
// given, so one deadline bounds a whole command (or the connect and TLS handshake
// together), however many partial reads and writes it takes. Never raises SIGPIPE.
// Not thread-safe: one owner thread at a time.
class RedisSocket final
{
public:
    // How an operation ended. Timeout and Closed keep their own meaning for the
    // caller; Failed carries the reason. tlsFailure: the reason is a TLS one
    // (verification, handshake, an alert such as "certificate required").
    struct Outcome
    {
        enum class Status { Ok, Timeout, Closed, Failed };
        Status status = Status::Ok;
        QString reason;
        bool tlsFailure = false;
        bool ok() const { return status == Status::Ok; }
    };

    RedisSocket();
    ~RedisSocket();
    RedisSocket(const RedisSocket &) = delete;
    RedisSocket &operator=(const RedisSocket &) = delete;

    // Connects to the server (Tcp or Unix) and, when server.tls.enabled, runs the
    // TLS handshake with verification as server.tls says, all before the deadline.
    // Failures name the reason only (the caller names the server).
    Outcome open(const RedisEndpoint &server, const QDeadlineTimer &deadline);
    void close();
    bool isOpen() const { return m_fd >= 0; }
    bool isTls() const { return m_ssl != nullptr; }

    // Writes every byte of iov[0..count) (iov is consumed: its entries are advanced).
    // Plain: sendmsg() straight from the caller's buffers. TLS: SSL_write_ex on each
    // piece, no copy of the payload.
    Outcome writeAll(iovec *iov, size_t count, const QDeadlineTimer &deadline);
    // Reads what is available, at least one byte, waiting until the deadline.
    Outcome readSome(char *buffer, size_t capacity, size_t *got, const QDeadlineTimer &deadline);

private:
    Outcome connectSocket(const RedisEndpoint &server, const QDeadlineTimer &deadline);
    // The TLS session on the connected socket: context, peer name, handshake.
    Outcome startTls(const RedisEndpoint &server, const QDeadlineTimer &deadline);
    // Sets the name the certificate must be for (and the SNI); *name: that name.
    Outcome setPeerName(bool insecure, QString *name);
    Outcome handshake(const QDeadlineTimer &deadline);
    // With TLS 1.3, waits briefly for the server's verdict on a missing client
    // certificate it asked for.
    Outcome awaitClientCertificateVerdict(const QDeadlineTimer &deadline);
    // Waits for the socket to become readable (or writable); Timeout when the
    // deadline passes first.
    Outcome wait(bool forWrite, const QDeadlineTimer &deadline);
    Outcome tlsError(int ret, const QDeadlineTimer &deadline, bool *retry);

    struct SslDeleter
    {
        void operator()(ssl_st *ssl) const;
    };
    int m_fd = -1;
    std::unique_ptr<ssl_st, SslDeleter> m_ssl;
    std::unique_ptr<TlsSessionState> m_tls;
    bool m_tlsBroken = false; // a fatal TLS error: no close_notify on close
};

} // namespace hb

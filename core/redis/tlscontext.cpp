#include "tlscontext.h"

#include "logging.h"
#include "tlssessionstate.h"

#include <QFile>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace hb {

namespace {

void warnInsecureOnce()
{
    static std::once_flag once;
    std::call_once(once, [] {
        qCWarning(lcRedis).noquote()
            << "TLS certificate verification is off (--insecure / insecure=1): the server's "
               "identity is not checked";
    });
}

int verifyCallback(int ok, X509_STORE_CTX *store)
{
    if (ok) return ok;
    auto *ssl =
        static_cast<SSL *>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    if (TlsSessionState *state = TlsSessionState::of(ssl)) state->recordRefusal(store);
    return ok;
}

// Called when the server asks for a client certificate and none is configured.
int clientCertCallback(SSL *ssl, X509 **, EVP_PKEY **)
{
    if (TlsSessionState *state = TlsSessionState::of(ssl)) state->certificateRequested = true;
    return 0; // send none
}

// A file the user named (--cacert, --cert, --key): unreadable is its own message.
bool readable(const QString &path, const char *what, QString *why)
{
    QFile f(path);
    if (f.open(QIODevice::ReadOnly)) return true;
    *why = QStringLiteral("cannot read %1 %2: %3")
               .arg(QLatin1String(what), path,
                    QString::fromLocal8Bit(std::strerror(errno ? errno : ENOENT)));
    return false;
}

bool fail(QString *why, const QString &reason)
{
    *why = reason;
    return false;
}

// What the client trusts: nothing when insecure, the given CA file, else the
// system's store.
bool configureTrust(SSL_CTX *ctx, const RedisTls &tls, QString *why)
{
    if (tls.insecure) {
        warnInsecureOnce();
        return true;
    }
    if (!tls.caCert.isEmpty()) {
        if (!readable(tls.caCert, "CA certificate file", why)) return false;
        ERR_clear_error();
        if (SSL_CTX_load_verify_locations(ctx, QFile::encodeName(tls.caCert).constData(),
                                          nullptr) != 1)
            return fail(why, QStringLiteral("cannot use CA certificate file %1: %2")
                                 .arg(tls.caCert, lastSslErrorText()));
        return true;
    }
    if (SSL_CTX_set_default_verify_paths(ctx) != 1)
        return fail(
            why,
            QStringLiteral("cannot load the system's CA certificates: %1").arg(lastSslErrorText()));
    return true;
}

// The certificate the client shows: both --cert and --key, or neither.
bool configureClientCertificate(SSL_CTX *ctx, const RedisTls &tls, QString *why)
{
    if (tls.cert.isEmpty() && tls.key.isEmpty()) return true;
    if (tls.cert.isEmpty() || tls.key.isEmpty())
        return fail(why, QStringLiteral("a client certificate needs both --cert and --key"));
    if (!readable(tls.cert, "client certificate file", why) ||
        !readable(tls.key, "client key file", why))
        return false;
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(ctx, QFile::encodeName(tls.cert).constData()) != 1)
        return fail(why, QStringLiteral("cannot use client certificate file %1: %2")
                             .arg(tls.cert, lastSslErrorText()));
    if (SSL_CTX_use_PrivateKey_file(ctx, QFile::encodeName(tls.key).constData(),
                                    SSL_FILETYPE_PEM) != 1)
        return fail(
            why,
            QStringLiteral("cannot use client key file %1: %2").arg(tls.key, lastSslErrorText()));
    if (SSL_CTX_check_private_key(ctx) != 1)
        return fail(why, QStringLiteral("client key file %1 does not match certificate %2")
                             .arg(tls.key, tls.cert));
    return true;
}

} // namespace

void SslCtxFree::operator()(ssl_ctx_st *ctx) const
{
    SSL_CTX_free(ctx);
}

TlsContextPtr makeTlsContext(const RedisTls &tls, QString *why)
{
    TlsContextPtr ctx(SSL_CTX_new(TLS_client_method()));
    if (!ctx) {
        *why = QStringLiteral("TLS: %1").arg(lastSslErrorText());
        return nullptr;
    }
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    // Partial writes: SSL_write_ex returns after each record, so a payload goes out
    // from the caller's buffer piece by piece, never copied whole.
    // (No SSL_MODE_RELEASE_BUFFERS: an export's connection is never idle for
    // long, and reallocating the record buffers would cost throughput.)
    SSL_CTX_set_mode(ctx.get(),
                     SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (!configureTrust(ctx.get(), tls, why) || !configureClientCertificate(ctx.get(), tls, why))
        return nullptr;
    SSL_CTX_set_verify(ctx.get(), tls.insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER,
                       tls.insecure ? nullptr : verifyCallback);
    SSL_CTX_set_client_cert_cb(ctx.get(), clientCertCallback);
    return ctx;
}

} // namespace hb

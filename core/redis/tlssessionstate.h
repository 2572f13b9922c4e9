#pragma once

#include <QString>
#include <QStringList>

struct ssl_st;
struct x509_store_ctx_st;

namespace hb {

// The text of the OpenSSL error queue's last entry, or empty.
QString lastSslErrorText();

// What one TLS session's certificate verification saw, kept beside the SSL object
// so that a failed handshake can say "expired on …" or "is for X, not Y" rather
// than OpenSSL's bare reason. Verification itself stays OpenSSL's: recording
// changes no verdict.
struct TlsSessionState
{
    QString expectedName; // what the certificate must be for (the SNI or the host)
    bool verify = true;
    bool haveClientCert = false;
    bool certificateRequested = false; // the server asked for a client certificate
    // The first verification failure, with the certificate it concerned.
    long verifyError = 0; // X509_V_OK
    QStringList names;
    QString subject;
    QString issuer;
    QString notAfter;
    QString notBefore;

    // Hangs this state on ssl, where the callbacks below find it.
    void attachTo(ssl_st *ssl);
    // The state attached to ssl, or null.
    static TlsSessionState *of(const ssl_st *ssl);

    // Records the certificate the chain verification refused, and why, unless an
    // earlier one is recorded already (the first refusal is the one to explain).
    void recordRefusal(x509_store_ctx_st *store);

    // One line saying why the TLS session failed, from what the verification saw
    // and what OpenSSL's error queue holds. The caller adds the server's name.
    QString explain(const QString &fallback) const;
};

} // namespace hb

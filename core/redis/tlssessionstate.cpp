#include "tlssessionstate.h"

#include <QHostAddress>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstring>

namespace hb {

static_assert(X509_V_OK == 0, "TlsSessionState::verifyError starts as X509_V_OK");

namespace {

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

} // namespace

QString lastSslErrorText()
{
    const unsigned long e = ERR_peek_last_error();
    if (!e) return {};
    const char *reason = ERR_reason_error_string(e);
    return reason ? QString::fromLatin1(reason) : QStringLiteral("error %1").arg(e);
}

void TlsSessionState::attachTo(SSL *ssl)
{
    SSL_set_ex_data(ssl, tlsStateIndex(), this);
}

TlsSessionState *TlsSessionState::of(const SSL *ssl)
{
    return ssl ? static_cast<TlsSessionState *>(SSL_get_ex_data(ssl, tlsStateIndex())) : nullptr;
}

void TlsSessionState::recordRefusal(X509_STORE_CTX *store)
{
    if (verifyError != X509_V_OK) return;
    verifyError = X509_STORE_CTX_get_error(store);
    X509 *cert = X509_STORE_CTX_get_current_cert(store);
    names = certificateNames(cert);
    subject = subjectText(cert);
    if (cert) {
        char buf[512] = {};
        X509_NAME_oneline(X509_get_issuer_name(cert), buf, sizeof buf);
        issuer = QString::fromUtf8(buf);
        notAfter = asn1TimeText(X509_get0_notAfter(cert));
        notBefore = asn1TimeText(X509_get0_notBefore(cert));
    }
}

QString TlsSessionState::explain(const QString &fallback) const
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
                .arg(names.isEmpty() ? subject : names.join(QStringLiteral(", ")), expectedName);
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
    if (haveClientCert &&
        (reason == SSL_R_TLSV1_ALERT_UNKNOWN_CA || reason == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE ||
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

} // namespace hb

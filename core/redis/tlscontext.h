#pragma once

#include "redisendpoint.h"

#include <QString>
#include <memory>

struct ssl_ctx_st;

namespace hb {

struct SslCtxFree
{
    void operator()(ssl_ctx_st *ctx) const;
};
using TlsContextPtr = std::unique_ptr<ssl_ctx_st, SslCtxFree>;

// The client side of TLS as an endpoint's RedisTls asks for it: TLS 1.2 at least,
// partial writes, what it trusts (nothing when insecure, the given CA file, else the
// system's store), the certificate it shows (both cert and key, or neither), and the
// callbacks that fill each session's TlsSessionState. Null with *why when a named
// file or OpenSSL refuses; every such reason is a TLS failure.
TlsContextPtr makeTlsContext(const RedisTls &tls, QString *why);

} // namespace hb

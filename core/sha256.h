#pragma once

#include <QString>
#include <cstddef>
#include <memory>

namespace hb {

// Incremental SHA-256 over OpenSSL's EVP (SHA-NI where the CPU has it: the
// digest must not be what bounds an export's speed).
class Sha256 final
{
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    void addData(const char *data, size_t size);
    // Lowercase hex of everything added; call once.
    QString hexDigest();

private:
    struct Ctx;
    std::unique_ptr<Ctx> m_ctx;
};

} // namespace hb

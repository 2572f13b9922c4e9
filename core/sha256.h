#pragma once

#include <QByteArray>
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

// SHA-256 computed on a thread of its own, so hashing overlaps the export's
// blocking sends instead of adding to them. add() takes a shared reference to the
// chunk (no copy) and waits only while maxQueued chunks are still unhashed.
class BackgroundSha256 final
{
public:
    explicit BackgroundSha256(int maxQueued = 4);
    ~BackgroundSha256();
    BackgroundSha256(const BackgroundSha256 &) = delete;
    BackgroundSha256 &operator=(const BackgroundSha256 &) = delete;

    void add(const QByteArray &chunk);
    // Waits for every chunk added, then the lowercase hex digest. Adding after
    // finish() is not allowed; finish() again gives the same digest.
    QString finish();

private:
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace hb

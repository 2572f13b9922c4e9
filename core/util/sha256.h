#pragma once

#include <QByteArray>
#include <QString>
#include <cstddef>
#include <functional>
#include <memory>

namespace hb {

// Incremental SHA-256 over OpenSSL's EVP (SHA-NI where the CPU has it: the
// digest must not be what bounds an export's speed). An EVP call that fails
// (out of memory, a FIPS provider refusing SHA-256) makes the object failed:
// hexDigest() then returns an empty string and errorString() says why.
class Sha256 final
{
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    void addData(const char *data, size_t size);
    // Lowercase hex of everything added, or empty when failed(); call once.
    QString hexDigest();
    bool failed() const { return !m_error.isEmpty(); }
    QString errorString() const { return m_error; }

private:
    struct Ctx;
    std::unique_ptr<Ctx> m_ctx;
    QString m_error;
};

// SHA-256 computed on a thread of its own, so hashing overlaps the export's
// blocking sends instead of adding to them. add() takes a shared reference to the
// chunk (no copy) and waits only while maxQueued chunks are still unhashed (more
// while a feed runs, see addFeed).
//
// Threads: the object starts one worker thread in its constructor and is that
// thread's only owner. The destructor stops it and joins it; the worker pops a
// chunk only after hashing it, and the destructor never touches a chunk the worker
// holds, so destroying the object mid-stream (cancel, failure) is always safe.
// add(), finish() and the destructor are for one caller thread (the export's).
class BackgroundSha256 final
{
public:
    explicit BackgroundSha256(int maxQueued = 4);
    ~BackgroundSha256();
    BackgroundSha256(const BackgroundSha256 &) = delete;
    BackgroundSha256 &operator=(const BackgroundSha256 &) = delete;

    void add(const QByteArray &chunk);
    // Bytes the worker reads itself, hashed before any chunk added after them (a
    // resumed export's prefix, read again from disk while the rest is sent): `read`
    // fills `buffer` with up to `size` bytes and returns how many, 0 at its end, or
    // -1 with *error set; it runs on the worker thread until `bytes` are hashed.
    // Fewer bytes than that, or an error, fail the hash (finish() empty, see
    // errorString()). Until it is done, add() queues up to feedSlackBytes of chunks
    // behind it instead of maxQueued, so that the sending goes on meanwhile.
    using Feed = std::function<qint64(char *buffer, qint64 size, QString *error)>;
    void addFeed(Feed read, qint64 bytes);
    static constexpr qint64 feedSlackBytes = 64 * 1024 * 1024;
    // Waits for every chunk added, then the lowercase hex digest (empty on an EVP
    // failure, see errorString()). Adding after finish() is not allowed; finish()
    // again gives the same digest.
    QString finish();
    QString errorString() const;

private:
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace hb

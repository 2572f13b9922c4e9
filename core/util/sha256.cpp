#include "sha256.h"

#include <QByteArray>

#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace hb {

namespace {

QString openSslError(const char *what)
{
    const unsigned long e = ERR_get_error();
    char buf[256] = {};
    if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
    return QStringLiteral("SHA-256: %1 failed%2")
        .arg(QLatin1String(what),
             e != 0 ? QStringLiteral(" (%1)").arg(QLatin1String(buf)) : QString());
}

} // namespace

struct Sha256::Ctx
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : m_ctx(std::make_unique<Ctx>())
{
    if (!m_ctx->md)
        m_error = openSslError("EVP_MD_CTX_new");
    else if (EVP_DigestInit_ex(m_ctx->md, EVP_sha256(), nullptr) != 1)
        m_error = openSslError("EVP_DigestInit_ex");
}

Sha256::~Sha256() = default;

void Sha256::addData(const char *data, size_t size)
{
    if (failed()) return;
    if (EVP_DigestUpdate(m_ctx->md, data, size) != 1) m_error = openSslError("EVP_DigestUpdate");
}

QString Sha256::hexDigest()
{
    if (failed()) return {};
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(m_ctx->md, out, &len) != 1) {
        m_error = openSslError("EVP_DigestFinal_ex");
        return {};
    }
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(out), int(len)).toHex());
}

struct BackgroundSha256::State
{
    const size_t maxQueued;
    std::mutex mutex;
    std::condition_variable changed;
    // Chunks not yet hashed. The worker hashes queue.front() with the lock released
    // and pops it afterwards: nobody else may remove an element while it works.
    std::deque<QByteArray> queue;
    bool stopping = false; // set by the destructor: hash nothing more, return
    Sha256 sha;
    QString digest; // set by the first finish()
    std::thread thread;

    explicit State(size_t max) : maxQueued(max) {}
    void loop()
    {
        std::unique_lock<std::mutex> lock(mutex);
        for (;;) {
            changed.wait(lock, [this] { return !queue.empty() || stopping; });
            if (stopping) return;
            const QByteArray chunk = queue.front(); // shared, not copied
            lock.unlock();
            sha.addData(chunk.constData(), size_t(chunk.size()));
            lock.lock();
            queue.pop_front();
            changed.notify_all();
        }
    }
};

BackgroundSha256::BackgroundSha256(int maxQueued)
    : m_state(std::make_unique<State>(size_t(std::max(1, maxQueued))))
{
    m_state->thread = std::thread([s = m_state.get()] { s->loop(); });
}

BackgroundSha256::~BackgroundSha256()
{
    {
        std::lock_guard<std::mutex> lock(m_state->mutex);
        m_state->stopping = true; // the worker finishes the chunk it holds, then returns
    }
    m_state->changed.notify_all();
    m_state->thread.join();
    // Only now, with the worker gone, are the remaining chunks released (by ~State).
}

void BackgroundSha256::add(const QByteArray &chunk)
{
    std::unique_lock<std::mutex> lock(m_state->mutex);
    m_state->changed.wait(lock, [this] { return m_state->queue.size() < m_state->maxQueued; });
    m_state->queue.push_back(chunk);
    m_state->changed.notify_all();
}

QString BackgroundSha256::finish()
{
    std::unique_lock<std::mutex> lock(m_state->mutex);
    m_state->changed.wait(lock, [this] { return m_state->queue.empty(); });
    if (m_state->digest.isEmpty()) m_state->digest = m_state->sha.hexDigest();
    return m_state->digest;
}

QString BackgroundSha256::errorString() const
{
    std::lock_guard<std::mutex> lock(m_state->mutex);
    return m_state->sha.errorString();
}

} // namespace hb

#include "sha256.h"

#include <QByteArray>

#include <algorithm>
#include <openssl/evp.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace hb {

struct Sha256::Ctx
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : m_ctx(std::make_unique<Ctx>())
{
    EVP_DigestInit_ex(m_ctx->md, EVP_sha256(), nullptr);
}

Sha256::~Sha256() = default;

void Sha256::addData(const char *data, size_t size)
{
    EVP_DigestUpdate(m_ctx->md, data, size);
}

QString Sha256::hexDigest()
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(m_ctx->md, out, &len);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(out), int(len)).toHex());
}

struct BackgroundSha256::State
{
    const size_t maxQueued;
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<QByteArray> queue;
    bool closing = false;
    Sha256 sha;
    QString digest; // set by the first finish()
    std::thread thread;

    explicit State(size_t max) : maxQueued(max) {}
    void loop()
    {
        std::unique_lock<std::mutex> lock(mutex);
        for (;;) {
            changed.wait(lock, [this] { return !queue.empty() || closing; });
            if (queue.empty())
                return;
            const QByteArray chunk = queue.front(); // shared, not copied
            lock.unlock();
            sha.addData(chunk.constData(), size_t(chunk.size()));
            lock.lock();
            queue.pop_front();
            changed.notify_all();
        }
    }
};

BackgroundSha256::BackgroundSha256(int maxQueued) : m_state(std::make_unique<State>(size_t(std::max(1, maxQueued))))
{
    m_state->thread = std::thread([s = m_state.get()] { s->loop(); });
}

BackgroundSha256::~BackgroundSha256()
{
    {
        std::lock_guard<std::mutex> lock(m_state->mutex);
        m_state->closing = true;
        m_state->queue.clear();
    }
    m_state->changed.notify_all();
    m_state->thread.join();
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
    {
        std::unique_lock<std::mutex> lock(m_state->mutex);
        m_state->changed.wait(lock, [this] { return m_state->queue.empty(); });
    }
    if (m_state->digest.isEmpty())
        m_state->digest = m_state->sha.hexDigest();
    return m_state->digest;
}

} // namespace hb

#include "sha256.h"

#include <QByteArray>

#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

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
    struct Entry
    {
        QByteArray chunk; // shared, not copied
        Feed feed;        // or bytes the worker reads itself
        qint64 feedBytes = 0;
    };
    const size_t maxQueued;
    std::mutex mutex;
    std::condition_variable changed;
    // Entries not yet hashed. The worker hashes queue.front() with the lock released
    // and pops it afterwards: nobody else may remove an element while it works.
    std::deque<Entry> queue;
    qint64 queuedBytes = 0; // of the chunks in the queue
    int feeds = 0;          // feeds in the queue
    // Set by the destructor: hash nothing more, return. Atomic: a running feed
    // looks at it between its reads, without the lock.
    std::atomic<bool> stopping{false};
    Sha256 sha;
    QString feedError; // a feed failed: no digest
    QString digest;    // set by the first finish()
    std::thread thread;

    explicit State(size_t max) : maxQueued(max) {}
    bool roomForChunk() const
    {
        return queue.size() < maxQueued || (feeds > 0 && queuedBytes < feedSlackBytes);
    }
    void loop()
    {
        std::unique_lock<std::mutex> lock(mutex);
        for (;;) {
            changed.wait(lock, [this] { return !queue.empty() || stopping; });
            if (stopping) return;
            const Entry &entry = queue.front();
            lock.unlock();
            const QString failed = entry.feed ? runFeed(entry.feed, entry.feedBytes) : QString();
            if (!entry.feed) sha.addData(entry.chunk.constData(), size_t(entry.chunk.size()));
            lock.lock();
            if (!failed.isEmpty() && feedError.isEmpty()) feedError = failed;
            if (queue.front().feed) --feeds;
            queuedBytes -= queue.front().chunk.size();
            queue.pop_front();
            changed.notify_all();
        }
    }
    // Without the lock: `read`'s bytes into the hash, a block at a time.
    QString runFeed(const Feed &read, qint64 bytes)
    {
        constexpr qint64 block = 4 * 1024 * 1024;
        std::vector<char> buffer(size_t(std::min(block, std::max<qint64>(bytes, 1))));
        qint64 done = 0;
        while (done < bytes) {
            if (stopping) return {};
            QString error;
            const qint64 n =
                read(buffer.data(), std::min<qint64>(qint64(buffer.size()), bytes - done), &error);
            if (n < 0)
                return error.isEmpty() ? QStringLiteral("the source could not be read") : error;
            if (n == 0)
                return QStringLiteral("the source ended at %1 bytes, before the %2 already "
                                      "exported")
                    .arg(done)
                    .arg(bytes);
            sha.addData(buffer.data(), size_t(n));
            done += n;
        }
        return {};
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
    m_state->changed.wait(lock, [this] { return m_state->roomForChunk(); });
    m_state->queue.push_back({chunk, {}, 0});
    m_state->queuedBytes += chunk.size();
    m_state->changed.notify_all();
}

void BackgroundSha256::addFeed(Feed read, qint64 bytes)
{
    std::unique_lock<std::mutex> lock(m_state->mutex);
    m_state->changed.wait(lock, [this] { return m_state->queue.size() < m_state->maxQueued; });
    m_state->queue.push_back({{}, std::move(read), bytes});
    ++m_state->feeds;
    m_state->changed.notify_all();
}

QString BackgroundSha256::finish()
{
    std::unique_lock<std::mutex> lock(m_state->mutex);
    m_state->changed.wait(lock, [this] { return m_state->queue.empty(); });
    if (!m_state->feedError.isEmpty()) return {};
    if (m_state->digest.isEmpty()) m_state->digest = m_state->sha.hexDigest();
    return m_state->digest;
}

QString BackgroundSha256::errorString() const
{
    std::lock_guard<std::mutex> lock(m_state->mutex);
    return m_state->feedError.isEmpty() ? m_state->sha.errorString() : m_state->feedError;
}

} // namespace hb

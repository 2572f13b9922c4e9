#pragma once

#include <QByteArray>
#include <QString>
#include <QUrl>
#include <atomic>
#include <memory>
#include <thread>

namespace hb::test {

// A small HTTP/1.1 server on 127.0.0.1 (port chosen by the system) running on a
// thread of its own, so a test's blocking waits do not stall it. Every answer
// closes the connection afterwards. Routes:
//   /file            the content, with Content-Length
//   /nolength        the content, no Content-Length (ends when the connection closes)
//   /slow            like /file, throttled to rate() bytes per second
//   /slow-nolength   like /nolength, throttled
//   /cut             announces the full length, sends half, then closes
//   /missing         404 Not Found
//   /redirect        302 to /file;  /redirect-loop  302 to itself
//   /ranged          like /slow, with an ETag, honouring "Range: bytes=N-" (206)
//   /norange         like /slow, with an ETag, ignoring Range (always 200)
// Anything is written only as the client takes it (at most 64 KiB queued), so
// bytesSent() shows what the client really drew.
class HttpTestServer final
{
public:
    HttpTestServer();
    ~HttpTestServer();
    HttpTestServer(const HttpTestServer &) = delete;
    HttpTestServer &operator=(const HttpTestServer &) = delete;

    bool start();
    quint16 port() const { return m_port; }
    QUrl url(const QString &path) const;

    // Set before requests are made.
    void setContent(QByteArray content) { m_content = std::move(content); }
    void setRate(qint64 bytesPerSecond) { m_rate = bytesPerSecond; }

    qint64 bytesSent() const { return m_stats->bytesSent.load(); }
    int openConnections() const { return m_stats->open.load(); }
    int requests() const { return m_stats->requests.load(); }

    struct Stats
    {
        std::atomic<qint64> bytesSent{0};
        std::atomic<int> open{0};
        std::atomic<int> requests{0};
    };

private:
    QByteArray m_content;
    qint64 m_rate = 256 * 1024;
    quint16 m_port = 0;
    std::shared_ptr<Stats> m_stats = std::make_shared<Stats>();
    // The server's own thread, running an event loop; its objects are made and
    // destroyed there. A std::thread: its join is visible to ThreadSanitizer.
    std::thread m_thread;
    std::atomic<QObject *> m_loop{nullptr}; // the thread's QEventLoop, to quit it
};

} // namespace hb::test

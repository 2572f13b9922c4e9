#include "httptestserver.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QHostAddress>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <future>

namespace hb::test {

namespace {

constexpr qint64 maxQueued = 64 * 1024;

class Connection final : public QObject
{
public:
    Connection(QTcpSocket *socket, const QByteArray *content, qint64 rate,
               HttpTestServer::Stats *stats)
        : QObject(socket), m_socket(socket), m_content(content), m_rate(rate), m_stats(stats)
    {
        connect(socket, &QTcpSocket::readyRead, this, [this] { onReadyRead(); });
        connect(socket, &QTcpSocket::bytesWritten, this, [this](qint64 n) {
            m_stats->bytesSent += n;
            pump();
        });
        connect(&m_timer, &QTimer::timeout, this, [this] { pump(); });
        m_timer.setInterval(20);
    }

private:
    // A request header's value (name in lower case), empty when absent.
    QByteArray header(const QByteArray &name) const
    {
        for (const QByteArray &line : m_request.split('\n')) {
            const int colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().toLower() == name)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    }

    void onReadyRead()
    {
        if (m_started) return;
        m_request += m_socket->readAll();
        if (!m_request.contains("\r\n\r\n")) return;
        m_started = true;
        ++m_stats->requests;
        const QList<QByteArray> line = m_request.left(m_request.indexOf("\r\n")).split(' ');
        const QByteArray path = line.size() > 1 ? line[1] : QByteArray("/");
        QByteArray head;
        m_end = m_content->size();
        if (path == "/file" || path == "/slow" || path == "/cut") {
            head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                   QByteArray::number(m_content->size()) + "\r\nConnection: close\r\n\r\n";
            m_throttled = path == "/slow";
            if (path == "/cut") m_end = m_content->size() / 2;
        } else if (path == "/ranged" || path == "/norange") {
            // Throttled, with a validator; /ranged honours "Range: bytes=N-" (with an
            // If-Range that still matches), /norange ignores it (HTTP 200, all of it).
            const QByteArray etag = "\"hb-v1\"";
            const QByteArray range = header("range");
            const QByteArray ifRange = header("if-range");
            qint64 from = 0;
            if (path == "/ranged" && range.startsWith("bytes=") && range.endsWith('-') &&
                (ifRange.isEmpty() || ifRange == etag))
                from = range.mid(6, range.size() - 7).toLongLong();
            if (from > 0 && from < m_content->size()) {
                head = "HTTP/1.1 206 Partial Content\r\nContent-Type: application/octet-stream"
                       "\r\nContent-Range: bytes " +
                       QByteArray::number(from) + '-' + QByteArray::number(m_content->size() - 1) +
                       '/' + QByteArray::number(m_content->size()) +
                       "\r\nContent-Length: " + QByteArray::number(m_content->size() - from);
                m_sent = m_base = from;
            } else {
                head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                       "Content-Length: " +
                       QByteArray::number(m_content->size());
            }
            head += "\r\nETag: " + etag +
                    "\r\nAccept-Ranges: " + (path == "/ranged" ? "bytes" : "none") +
                    "\r\nConnection: close\r\n\r\n";
            m_throttled = true;
        } else if (path == "/nolength" || path == "/slow-nolength") {
            head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: "
                   "close\r\n\r\n";
            m_throttled = path == "/slow-nolength";
        } else if (path == "/redirect" || path == "/redirect-loop") {
            const QByteArray to = path == "/redirect" ? "/file" : "/redirect-loop";
            head = "HTTP/1.1 302 Found\r\nLocation: " + to +
                   "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            m_end = 0;
        } else {
            head =
                "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found";
            m_end = 0;
        }
        m_socket->write(head);
        m_clock.start();
        if (m_throttled) m_timer.start();
        pump();
    }

    void pump()
    {
        if (!m_started || m_done) return;
        if (m_sent >= m_end) {
            if (m_socket->bytesToWrite() == 0) {
                m_done = true;
                m_timer.stop();
                m_socket->disconnectFromHost();
            }
            return;
        }
        qint64 allowed = m_end - m_sent;
        if (m_throttled)
            allowed = std::min(allowed,
                               m_rate * m_clock.elapsed() / 1000 + m_rate / 50 - (m_sent - m_base));
        allowed = std::min(allowed, maxQueued - m_socket->bytesToWrite());
        if (allowed <= 0) return;
        m_socket->write(m_content->constData() + m_sent, allowed);
        m_sent += allowed;
    }

    QTcpSocket *m_socket;
    const QByteArray *m_content;
    qint64 m_rate;
    HttpTestServer::Stats *m_stats;
    QByteArray m_request;
    bool m_started = false;
    bool m_done = false;
    bool m_throttled = false;
    qint64 m_sent = 0;
    qint64 m_base = 0; // where the body starts (a range)
    qint64 m_end = 0;
    QElapsedTimer m_clock;
    QTimer m_timer;
};

} // namespace

HttpTestServer::HttpTestServer() = default;

HttpTestServer::~HttpTestServer()
{
    if (!m_thread.joinable()) return;
    QMetaObject::invokeMethod(m_loop.load(), "quit", Qt::QueuedConnection);
    m_thread.join();
}

bool HttpTestServer::start()
{
    std::promise<quint16> listening; // 0: listen() failed
    std::future<quint16> port = listening.get_future();
    const QByteArray *content = &m_content;
    const qint64 rate = m_rate;
    Stats *stats = m_stats.get();
    m_thread = std::thread([this, content, rate, stats, &listening] {
        QEventLoop loop;
        QTcpServer server;
        QObject::connect(
            &server, &QTcpServer::newConnection, &server, [&server, content, rate, stats] {
                while (QTcpSocket *socket = server.nextPendingConnection()) {
                    ++stats->open;
                    QObject::connect(socket, &QTcpSocket::disconnected, socket, [socket, stats] {
                        --stats->open;
                        socket->deleteLater();
                    });
                    new Connection(socket, content, rate, stats);
                }
            });
        const bool ok = server.listen(QHostAddress::LocalHost, 0);
        m_loop.store(&loop);
        listening.set_value(ok ? server.serverPort() : 0);
        if (ok) loop.exec();
        // Sockets still open are children of the server: destroyed with it, here.
    });
    m_port = port.get();
    if (m_port == 0) {
        m_thread.join();
        return false;
    }
    return true;
}

QUrl HttpTestServer::url(const QString &path) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path));
}

} // namespace hb::test

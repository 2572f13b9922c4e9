#pragma once

#include "exportsource.h"

#include <QByteArray>
#include <QString>
#include <QUrl>
#include <memory>

class QNetworkAccessManager;
class QNetworkReply;

namespace hb {

// An http(s) URL, streamed with Qt Network and never held whole: the reply's read
// buffer is bounded, so a slow reader back-pressures the download.
//
// Created, opened, read and closed on one thread (the export job's). That thread
// needs no running event loop: open() and read() spin a local one, bounded by their
// timeouts. open() waits for the response headers so an HTTP error or a refused
// connection is reported before anything is written to Redis. Messages name the
// URL without credentials.
class HttpSource final : public ExportSource
{
public:
    struct Options
    {
        int maxRedirects = 5;
        int headerTimeoutMs = 30000;
        // No bytes for this long while the body is still coming: give up.
        int stallTimeoutMs = 60000;
        qint64 readBufferSize = 1024 * 1024;
    };

    explicit HttpSource(QUrl url);
    HttpSource(QUrl url, Options options);
    ~HttpSource() override;
    HttpSource(const HttpSource &) = delete;
    HttpSource &operator=(const HttpSource &) = delete;

    bool open() override;
    // Reads again from `offset` (a resumed export, issue 22): the same URL asked for
    // `Range: bytes=offset-` with `If-Range` (the ETag, else Last-Modified, of the
    // response opened before). Anything but 206 Partial Content for exactly that
    // range (a server that ignores ranges, or content that changed) fails, saying so.
    bool seek(qint64 offset) override;
    qint64 size() const override { return m_size; }
    QString displayName() const override;
    qint64 read(char *buffer, qint64 maxBytes, int waitMs) override;
    bool atEnd() const override;
    bool verifyUnchanged() override;
    void close() override;
    QString errorString() const override { return m_error; }

    qint64 bytesReceived() const { return m_received; }
    // The response's ETag or Last-Modified and its length; kind None when it has
    // neither validator.
    SourceFingerprint fingerprint() const override { return m_fingerprint; }

    // The URL as shown to people and stored in Redis: without user info.
    static QString publicUrl(const QUrl &url);

private:
    // Runs the local event loop until something happens on the reply or waitMs pass.
    void waitForActivity(int waitMs);
    // Sets m_error from the reply's error or HTTP status; true when there is one.
    bool takeReplyError();
    bool bodyCutShort() const;
    // open() with m_from: the reply is 206 for exactly that range; sets the size
    // and the position. Else m_error says what came instead.
    bool takeRange(int status);
    QString failMessage(const QString &why) const;

    QUrl m_url;
    Options m_options;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    QNetworkReply *m_reply = nullptr; // owned by m_nam's children until close()
    qint64 m_size = -1;
    qint64 m_received = 0;
    bool m_failed = false;
    QString m_error;
    SourceFingerprint m_fingerprint;
    qint64 m_from = 0; // open(): ask for the bytes from here on
    QString m_ifRange; // open() with m_from: the validator they must still match
};

} // namespace hb

#include "respstream.h"

#include <hiredis/hiredis.h>

namespace hb {

void RespStream::ReaderFree::operator()(redisReader *r) const
{
    if (r) redisReaderFree(r);
}

void RespStream::ReplyFree::operator()(void *reply) const
{
    if (reply) freeReplyObject(reply);
}

RespStream::RespStream(RedisSocket &socket) : m_socket(socket) {}

RespStream::~RespStream() = default;

void RespStream::open()
{
    m_reader.reset(redisReaderCreate());
    if (m_readBuffer.empty()) m_readBuffer.resize(64 * 1024);
}

void RespStream::close()
{
    m_reader.reset();
}

RedisSocket::Outcome RespStream::write(const QList<QByteArray> &args,
                                       const QDeadlineTimer &deadline)
{
    QByteArray framing;
    framing.reserve(64 + 32 * args.size());
    struct Piece
    {
        const char *data; // nullptr: a range of framing
        qsizetype from;
        qsizetype len;
    };
    std::vector<Piece> pieces;
    pieces.reserve(size_t(args.size()) + 2);
    qsizetype textFrom = 0;
    framing += '*' + QByteArray::number(args.size()) + "\r\n";
    for (const QByteArray &a : args) {
        framing += '$' + QByteArray::number(a.size()) + "\r\n";
        if (a.size() <= inlineArgumentMax) {
            framing += a;
        } else {
            pieces.push_back({nullptr, textFrom, framing.size() - textFrom});
            pieces.push_back({a.constData(), 0, a.size()});
            textFrom = framing.size();
        }
        framing += "\r\n";
    }
    pieces.push_back({nullptr, textFrom, framing.size() - textFrom});

    std::vector<iovec> iov;
    iov.reserve(pieces.size());
    for (const Piece &p : pieces) {
        if (p.len > 0)
            iov.push_back({const_cast<char *>(p.data ? p.data : framing.constData() + p.from),
                           size_t(p.len)});
    }
    return m_socket.writeAll(iov.data(), iov.size(), deadline);
}

RespStream::Parsed RespStream::read(const QDeadlineTimer &deadline, ReadFailure *failure)
{
    for (;;) {
        void *raw = nullptr;
        if (redisReaderGetReply(m_reader.get(), &raw) != REDIS_OK) {
            failure->malformed = true;
            failure->parserError = QString::fromLocal8Bit(m_reader->errstr);
            return nullptr;
        }
        if (raw) return Parsed(raw);
        size_t got = 0;
        const RedisSocket::Outcome o =
            m_socket.readSome(m_readBuffer.data(), m_readBuffer.size(), &got, deadline);
        if (!o.ok()) {
            failure->socket = o;
            return nullptr;
        }
        if (redisReaderFeed(m_reader.get(), m_readBuffer.data(), got) != REDIS_OK) {
            failure->malformed = true;
            failure->parserError = QString::fromLocal8Bit(m_reader->errstr);
            return nullptr;
        }
    }
}

} // namespace hb

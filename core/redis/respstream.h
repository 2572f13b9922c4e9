#pragma once

#include "redissocket.h"

#include <QByteArray>
#include <QDeadlineTimer>
#include <QList>
#include <QString>
#include <memory>
#include <vector>

struct redisReader;

namespace hb {

// RESP over a RedisSocket: frames commands and parses the replies (hiredis's reader,
// which is all of hiredis the connection uses). Arguments up to inlineArgumentMax
// are copied into the command's framing; larger ones (an export's chunk) go from the
// caller's buffer to the socket as pieces of their own, never copied.
class RespStream final
{
public:
    static constexpr qsizetype inlineArgumentMax = 4096;

    struct ReplyFree
    {
        void operator()(void *reply) const;
    };
    using Parsed = std::unique_ptr<void, ReplyFree>; // a hiredis redisReply

    // How a read ended when it brought no reply: the socket's outcome (Timeout,
    // Closed, Failed), or bytes that are not RESP.
    struct ReadFailure
    {
        RedisSocket::Outcome socket;
        bool malformed = false;
        QString parserError; // when malformed
    };

    explicit RespStream(RedisSocket &socket);
    ~RespStream();
    RespStream(const RespStream &) = delete;
    RespStream &operator=(const RespStream &) = delete;

    // A fresh parser for a new connection (nothing of an earlier one left over).
    void open();
    void close();

    // Writes one command, every byte before the deadline.
    RedisSocket::Outcome write(const QList<QByteArray> &args, const QDeadlineTimer &deadline);
    // The next complete reply, reading from the socket until the deadline; null with
    // *failure otherwise.
    Parsed read(const QDeadlineTimer &deadline, ReadFailure *failure);

private:
    struct ReaderFree
    {
        void operator()(redisReader *r) const;
    };
    RedisSocket &m_socket;
    std::unique_ptr<redisReader, ReaderFree> m_reader;
    std::vector<char> m_readBuffer;
};

} // namespace hb

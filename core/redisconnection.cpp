#include "redisconnection.h"

#include <QDeadlineTimer>

#include "clusterclient.h"
#include "logging.h"
#include "sentinel.h"

#include <QThread>

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <poll.h>
#include <pthread.h>
#include <vector>

#include <sys/socket.h>
#include <sys/uio.h>

namespace hb {

namespace {

timeval toTimeval(int ms)
{
    timeval tv;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    return tv;
}

struct ReplyDeleter
{
    void operator()(redisReply *r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

RedisReply convert(const redisReply *r, const QString &server)
{
    RedisReply out;
    switch (r->type) {
    case REDIS_REPLY_STRING:
        out.type = RedisReply::Type::String;
        out.string = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_STATUS:
        out.type = RedisReply::Type::Status;
        out.string = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_INTEGER:
        out.type = RedisReply::Type::Integer;
        out.integer = r->integer;
        break;
    case REDIS_REPLY_ARRAY:
        out.type = RedisReply::Type::Array;
        out.elements.reserve(qsizetype(r->elements));
        for (size_t i = 0; i < r->elements; ++i)
            out.elements.append(convert(r->element[i], server));
        break;
    case REDIS_REPLY_ERROR:
        out.type = RedisReply::Type::Error;
        out.string = QByteArray(r->str, qsizetype(r->len));
        out.error = RedisConnection::classifyReplyError(out.string, server);
        break;
    case REDIS_REPLY_NIL:
    default:
        out.type = RedisReply::Type::Nil;
        break;
    }
    return out;
}

} // namespace

RedisReply RedisReply::fromError(RedisError e)
{
    RedisReply r;
    r.type = Type::Error;
    r.string = e.message.toUtf8();
    r.error = std::move(e);
    return r;
}

void RedisConnection::ContextDeleter::operator()(redisContext *c) const
{
    if (c) redisFree(c);
}

RedisConnection::RedisConnection(RedisEndpoint endpoint, RedisTimeouts timeouts)
    : m_endpoint(std::move(endpoint)), m_server(m_endpoint), m_timeouts(timeouts)
{
}

RedisConnection::~RedisConnection() = default;

void RedisConnection::disconnect()
{
    if (m_cluster) m_cluster->disconnect();
    m_ctxHolder.reset();
    m_ctx = nullptr;
    m_pending = 0;
}

RedisError RedisConnection::classifyReplyError(const QByteArray &text, const QString &server)
{
    RedisError e;
    const QString reason = QString::fromUtf8(text);
    if (text.startsWith("NOPERM") || text.contains("can't run this command")) {
        e.kind = RedisError::Kind::NoPermission;
        e.message = QStringLiteral("permission denied by Redis %1: %2").arg(server, reason);
    } else if (text.startsWith("WRONGPASS") || text.startsWith("NOAUTH") ||
               text.contains("invalid password") || text.contains("invalid username")) {
        e.kind = RedisError::Kind::AuthFailed;
        e.message = QStringLiteral("Redis %1 refused the login: %2").arg(server, reason);
    } else if (text.startsWith("READONLY")) {
        // A master turned replica in a failover: the master is elsewhere now.
        e.kind = RedisError::Kind::ReadOnly;
        e.message = QStringLiteral("Redis %1 is a read-only replica now: %2").arg(server, reason);
    } else if (text.startsWith("MOVED ")) {
        e.kind = RedisError::Kind::Moved;
        e.message = QStringLiteral("Redis %1 redirected (the slot moved): %2").arg(server, reason);
    } else if (text.startsWith("ASK ")) {
        e.kind = RedisError::Kind::Ask;
        e.message =
            QStringLiteral("Redis %1 redirected (the slot is migrating): %2").arg(server, reason);
    } else if (text.startsWith("TRYAGAIN")) {
        e.kind = RedisError::Kind::TryAgain;
        e.message = QStringLiteral("Redis %1 asked to try again (the slot is migrating): %2")
                        .arg(server, reason);
    } else if (text.startsWith("CLUSTERDOWN")) {
        e.kind = RedisError::Kind::ClusterDown;
        e.message = QStringLiteral("the Redis cluster is down (%1): %2").arg(server, reason);
    } else if (text.startsWith("OOM")) {
        e.kind = RedisError::Kind::OutOfMemory;
        e.message = QStringLiteral("Redis is out of memory (%1): %2").arg(server, reason);
    } else {
        e.kind = RedisError::Kind::ServerError;
        e.message = QStringLiteral("Redis %1 answered: %2").arg(server, reason);
    }
    return e;
}

RedisReply RedisConnection::transportError(RedisError::Kind kind, const QString &reason)
{
    disconnect();
    m_lastError.kind = kind;
    m_lastError.message = QStringLiteral("Redis %1: %2").arg(serverName(), reason);
    qCWarning(lcRedis).noquote() << m_lastError.message;
    return RedisReply::fromError(m_lastError);
}

RedisReply RedisConnection::takeContextError()
{
    const int err = m_ctx ? m_ctx->err : REDIS_ERR_OTHER;
    const QString text =
        m_ctx ? QString::fromLocal8Bit(m_ctx->errstr) : QStringLiteral("not connected");
    // hiredis copied strerror(errno) into errstr when the I/O failed; errno itself
    // may have moved on since. A socket timeout reads as EAGAIN.
    const bool timedOut = text == QString::fromLocal8Bit(strerror(EAGAIN)) ||
                          text == QString::fromLocal8Bit(strerror(ETIMEDOUT)) ||
                          text.contains(QLatin1String("timed out"), Qt::CaseInsensitive);
    if (err == REDIS_ERR_IO && timedOut)
        return transportError(
            RedisError::Kind::Timeout,
            QStringLiteral("timed out after %1 ms waiting for a reply").arg(m_timeouts.commandMs));
    if (err == REDIS_ERR_PROTOCOL) return transportError(RedisError::Kind::Protocol, text);
    if (err == REDIS_ERR_EOF)
        return transportError(RedisError::Kind::ConnectionLost,
                              QStringLiteral("connection closed by the server"));
    return transportError(RedisError::Kind::ConnectionLost, text);
}

bool RedisConnection::ensureConnected()
{
    if (m_cluster) return m_cluster->ensureConnected();
    if (m_ctx) return true;
    if (m_endpoint.kind == RedisEndpoint::Kind::Sentinel) return connectViaSentinels();
    if (m_endpoint.kind == RedisEndpoint::Kind::Tcp && m_clusterProbe == ClusterProbe::Unknown)
        return discoverCluster();
    return connectTo(m_endpoint);
}

bool RedisConnection::masterMoved() const
{
    if (m_endpoint.kind != RedisEndpoint::Kind::Sentinel || !m_ctx) return false;
    RedisError ignored;
    const std::optional<RedisHost> master = SentinelResolver::askForMaster(
        m_endpoint, RedisTimeouts{std::min(m_timeouts.connectMs, 1000), 1000}, &ignored);
    return master && !(master->host == m_server.host && master->port == m_server.port);
}

bool RedisConnection::connectViaSentinels()
{
    // Right after a failover the sentinels may still name the old master, or the
    // new one may not have taken the role yet: ask again within the connect timeout.
    QDeadlineTimer deadline(m_timeouts.connectMs);
    RedisError last;
    while (true) {
        RedisError asked;
        const std::optional<RedisHost> master =
            SentinelResolver::askForMaster(m_endpoint, m_timeouts, &asked);
        if (!master) {
            last = asked;
            if (asked.kind == RedisError::Kind::AuthFailed ||
                asked.kind == RedisError::Kind::NoPermission)
                break;
        } else if (!connectTo(m_endpoint.atAddress(master->host, master->port))) {
            last = m_lastError;
            if (last.kind == RedisError::Kind::AuthFailed ||
                last.kind == RedisError::Kind::NoPermission)
                break;
        } else {
            const RedisReply role = command({QByteArrayLiteral("ROLE")});
            // An ACL that forbids ROLE leaves the sentinels' word for it.
            if (role.isError() && role.error.kind == RedisError::Kind::NoPermission) return true;
            const QByteArray name = role.type == RedisReply::Type::Array && !role.elements.isEmpty()
                                        ? role.elements.first().string
                                        : QByteArray();
            if (name == "master") return true;
            last.kind = RedisError::Kind::Unreachable;
            last.message = role.isError()
                               ? role.error.message
                               : QStringLiteral("Redis %1: the sentinels of %2 name it master, "
                                                "but its role is %3")
                                     .arg(serverName(), m_endpoint.displayName(),
                                          QString::fromUtf8(name.isEmpty() ? "unknown" : name));
            disconnect();
        }
        if (deadline.remainingTime() < 250) break;
        QThread::msleep(200);
    }
    m_lastError = last;
    qCWarning(lcRedis).noquote() << last.message;
    return false;
}

bool RedisConnection::discoverCluster()
{
    QList<RedisHost> seeds = m_endpoint.hosts();
    for (const RedisHost &h : ClusterClient::rememberedNodes(m_endpoint))
        if (!seeds.contains(h)) seeds.append(h);
    RedisError last;
    for (qsizetype i = 0; i < seeds.size(); ++i) {
        const RedisHost &seed = seeds[i];
        RedisEndpoint probe = i == 0 ? m_endpoint : m_endpoint.atAddress(seed.host, seed.port);
        probe.moreHosts.clear();
        probe.db = 0; // SELECT comes after the question: a cluster refuses it
        if (!connectTo(probe)) {
            if (!m_lastError.isTransport()) return false; // a refused login is final
            last = m_lastError;
            continue;
        }
        const RedisReply slotsReply = command({"CLUSTER", "SLOTS"});
        if (slotsReply.isError() && slotsReply.error.isTransport()) {
            last = slotsReply.error;
            continue;
        }
        if (slotsReply.type == RedisReply::Type::Array) {
            disconnect();
            if (m_endpoint.db != 0) {
                m_lastError = {RedisError::Kind::Misconfigured,
                               QStringLiteral("%1 is a Redis Cluster node: a cluster has only "
                                              "database 0, and the URL names database %2")
                                   .arg(m_server.displayName())
                                   .arg(m_endpoint.db)};
                return false;
            }
            cluster::SlotMap map;
            QString why;
            if (!map.parse(slotsReply, seed.host, &why)) {
                last = {RedisError::Kind::Protocol,
                        QStringLiteral("Redis %1: %2").arg(m_server.displayName(), why)};
                continue;
            }
            qCDebug(lcRedis).noquote() << m_server.displayName() << "is a Redis Cluster node";
            m_cluster =
                std::make_unique<ClusterClient>(m_endpoint, m_timeouts, std::move(map), seed);
            m_cluster->setRoutingKey(m_routingKey);
            m_cluster->setFollowMoved(m_followMoved);
            return m_cluster->ensureConnected();
        }
        // Not a cluster (cluster support disabled, or CLUSTER refused by an ACL):
        // this server, as before.
        m_clusterProbe = ClusterProbe::Off;
        if (m_endpoint.db != 0) {
            const RedisReply selected =
                command({QByteArrayLiteral("SELECT"), QByteArray::number(m_endpoint.db)});
            if (selected.isError()) {
                m_lastError = selected.error;
                disconnect();
                return false;
            }
            m_server.db = m_endpoint.db;
        }
        m_lastError = {};
        return true;
    }
    m_lastError = last;
    if (seeds.size() > 1)
        m_lastError.message = QStringLiteral("no Redis of %1 answered (%2 tried); last: %3")
                                  .arg(m_endpoint.displayName())
                                  .arg(seeds.size())
                                  .arg(last.message);
    return false;
}

bool RedisConnection::isConnected() const
{
    return m_cluster ? m_cluster->isConnected() : m_ctx != nullptr;
}

int RedisConnection::pending() const
{
    return m_cluster ? m_cluster->pending() : m_pending;
}

const RedisError &RedisConnection::lastError() const
{
    return m_cluster ? m_cluster->lastError() : m_lastError;
}

const RedisEndpoint &RedisConnection::server() const
{
    return m_cluster ? m_cluster->server() : m_server;
}

void RedisConnection::setRoutingKey(const QByteArray &key)
{
    m_routingKey = key;
    if (m_cluster) m_cluster->setRoutingKey(key);
}

void RedisConnection::setFollowMoved(bool follow)
{
    m_followMoved = follow;
    if (m_cluster) m_cluster->setFollowMoved(follow);
}

void RedisConnection::setKeylessNode(const std::optional<RedisHost> &node)
{
    if (m_cluster) m_cluster->setKeylessNode(node);
}

QList<RedisHost> RedisConnection::clusterMasters()
{
    if (!m_cluster && !ensureConnected()) return {};
    return m_cluster ? m_cluster->masters() : QList<RedisHost>();
}

bool RedisConnection::connectTo(const RedisEndpoint &server)
{
    disconnect();
    m_server = server;
    if (server.tls.enabled) {
        transportError(RedisError::Kind::Unreachable,
                       QStringLiteral("TLS connections are not built yet"));
        return false;
    }
    const timeval tv = toTimeval(m_timeouts.connectMs);
    redisContext *c = nullptr;
    if (server.kind == RedisEndpoint::Kind::Unix)
        c = redisConnectUnixWithTimeout(server.socketPath.toLocal8Bit().constData(), tv);
    else
        c = redisConnectWithTimeout(server.host.toUtf8().constData(), server.port, tv);
    if (!c) {
        transportError(RedisError::Kind::Unreachable,
                       QStringLiteral("cannot allocate a connection"));
        return false;
    }
    m_ctxHolder.reset(c);
    if (c->err) {
        const QString reason = QString::fromLocal8Bit(c->errstr);
        const bool timedOut = reason.contains(QLatin1String("timed out"), Qt::CaseInsensitive) ||
                              errno == ETIMEDOUT || errno == EINPROGRESS;
        m_ctx = c; // let transportError() dispose of it
        transportError(timedOut ? RedisError::Kind::Timeout : RedisError::Kind::Unreachable,
                       QStringLiteral("cannot connect: %1").arg(reason));
        return false;
    }
    m_ctx = c;
    redisSetTimeout(c, toTimeval(m_timeouts.commandMs));
    if (server.kind == RedisEndpoint::Kind::Tcp)
        redisEnableKeepAlive(c); // not on unix sockets: EOPNOTSUPP poisons the context
    m_pending = 0;
    qCDebug(lcRedis).noquote() << "connected to" << serverName();

    auto handshake = [&](const QList<QByteArray> &args) {
        RedisReply r = command(args);
        if (r.isError()) {
            m_lastError = r.error;
            disconnect();
            return false;
        }
        return true;
    };
    if (const QList<QByteArray> auth = server.authCommand(); !auth.isEmpty()) {
        if (!handshake(auth)) {
            // Whatever Redis said to a failed AUTH, it is a login problem.
            if (m_lastError.kind == RedisError::Kind::ServerError)
                m_lastError.kind = RedisError::Kind::AuthFailed;
            return false;
        }
    }
    if (server.db != 0 && !handshake({QByteArrayLiteral("SELECT"), QByteArray::number(server.db)}))
        return false;
    m_lastError = {};
    return true;
}

namespace {

// hiredis writes with write(2): a server that hangs up mid-command would raise
// SIGPIPE and kill the process (or trip a test framework's crash handler). Block
// it on this thread while writing, and swallow the one our write raised.
class SigpipeGuard final
{
public:
    SigpipeGuard()
    {
        sigemptyset(&m_pipe);
        sigaddset(&m_pipe, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &m_pipe, &m_old);
    }
    ~SigpipeGuard()
    {
        if (errno == EPIPE) {
            const timespec zero{0, 0};
            while (sigtimedwait(&m_pipe, nullptr, &zero) == SIGPIPE) {
            }
        }
        pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
    }
    SigpipeGuard(const SigpipeGuard &) = delete;
    SigpipeGuard &operator=(const SigpipeGuard &) = delete;

private:
    sigset_t m_pipe;
    sigset_t m_old;
};

} // namespace

bool RedisConnection::flush()
{
    const SigpipeGuard guard;
    int done = 0;
    while (!done) {
        if (redisBufferWrite(m_ctx, &done) == REDIS_ERR) return false;
    }
    return true;
}

// Commands carrying a large argument (an export's chunk) skip hiredis's output
// buffer: redisAppendCommandArgv would copy the payload twice (formatting, then
// into obuf), each into a freshly allocated megabyte. Here the RESP framing is
// built around it and the payload goes straight from the caller's buffer to the
// socket with sendmsg(). Only when hiredis has nothing buffered, so the order of
// commands on the wire is kept; replies are read by hiredis as usual.
bool RedisConnection::appendDirect(const QList<QByteArray> &args)
{
    constexpr qsizetype inlineMax = 4096; // smaller arguments are copied into the framing
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
        if (a.size() <= inlineMax) {
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
    size_t first = 0;
    // SO_SNDTIMEO bounds each sendmsg(), which returns a partial count when it
    // lapses: the whole command gets one command timeout, not one per piece.
    QDeadlineTimer deadline(m_timeouts.commandMs);
    while (first < iov.size()) {
        if (deadline.hasExpired()) {
            transportError(RedisError::Kind::Timeout,
                           QStringLiteral("timed out after %1 ms sending a command")
                               .arg(m_timeouts.commandMs));
            return false;
        }
        msghdr msg{};
        msg.msg_iov = iov.data() + first;
        msg.msg_iovlen = std::min<size_t>(iov.size() - first, IOV_MAX);
        // MSG_NOSIGNAL: a server that hangs up is an error here, not a SIGPIPE.
        const ssize_t n = ::sendmsg(m_ctx->fd, &msg, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                transportError(RedisError::Kind::Timeout,
                               QStringLiteral("timed out after %1 ms sending a command")
                                   .arg(m_timeouts.commandMs));
            } else {
                transportError(RedisError::Kind::ConnectionLost,
                               QString::fromLocal8Bit(std::strerror(errno)));
            }
            return false;
        }
        size_t left = size_t(n);
        while (first < iov.size() && left >= iov[first].iov_len)
            left -= iov[first++].iov_len;
        if (left > 0) {
            iov[first].iov_base = static_cast<char *>(iov[first].iov_base) + left;
            iov[first].iov_len -= left;
        }
    }
    ++m_pending;
    return true;
}

bool RedisConnection::append(const QList<QByteArray> &args)
{
    if (m_cluster) return m_cluster->append(args);
    if (!ensureConnected()) return false;
    if (m_cluster) return m_cluster->append(args); // just found to be a cluster
    qsizetype payload = 0;
    for (const QByteArray &a : args)
        payload = std::max(payload, a.size());
    if (payload >= directWriteMin && sdslen(m_ctx->obuf) == 0) return appendDirect(args);
    std::vector<const char *> argv;
    std::vector<size_t> lens;
    argv.reserve(size_t(args.size()));
    lens.reserve(size_t(args.size()));
    for (const QByteArray &a : args) {
        argv.push_back(a.constData());
        lens.push_back(size_t(a.size()));
    }
    if (redisAppendCommandArgv(m_ctx, int(argv.size()), argv.data(), lens.data()) != REDIS_OK) {
        takeContextError();
        return false;
    }
    ++m_pending;
    // Push the bytes out now so the server works while we prepare the next chunk.
    if (!flush()) {
        takeContextError();
        return false;
    }
    return true;
}

RedisReply RedisConnection::readReply()
{
    if (m_cluster) return m_cluster->readReply();
    if (!m_ctx)
        return RedisReply::fromError(
            m_lastError.kind == RedisError::Kind::None
                ? RedisError{RedisError::Kind::ConnectionLost,
                             QStringLiteral("Redis %1: not connected").arg(serverName())}
                : m_lastError);
    void *raw = nullptr;
    if (redisGetReply(m_ctx, &raw) != REDIS_OK || !raw) return takeContextError();
    ReplyPtr reply(static_cast<redisReply *>(raw));
    --m_pending;
    RedisReply out = convert(reply.get(), serverName());
    if (out.isError()) m_lastError = out.error;
    return out;
}

RedisReply RedisConnection::readPushed(int waitMs, bool *nothing)
{
    if (m_cluster) return m_cluster->readPushed(waitMs, nothing);
    *nothing = false;
    if (!m_ctx) return readReply(); // the "not connected" error
    void *raw = nullptr;
    if (redisGetReplyFromReader(m_ctx, &raw) != REDIS_OK) return takeContextError();
    if (!raw) {
        pollfd p{m_ctx->fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, std::max(0, waitMs));
        if (ready < 0 && errno != EINTR)
            return transportError(RedisError::Kind::ConnectionLost, QStringLiteral("poll failed"));
        if (ready <= 0) {
            *nothing = true;
            return {};
        }
        if (redisBufferRead(m_ctx) != REDIS_OK || redisGetReplyFromReader(m_ctx, &raw) != REDIS_OK)
            return takeContextError();
        if (!raw) {
            *nothing = true;
            return {};
        }
    }
    ReplyPtr reply(static_cast<redisReply *>(raw));
    if (m_pending > 0) --m_pending; // a reply to a command of ours (SUBSCRIBE's confirmation)
    return convert(reply.get(), serverName());
}

RedisReply RedisConnection::command(const QList<QByteArray> &args)
{
    if (!m_cluster && !m_ctx && !ensureConnected()) return RedisReply::fromError(m_lastError);
    if (m_cluster) return m_cluster->command(args);
    if (m_pending != 0) {
        // A pipelined caller must drain before mixing in a blocking command.
        return transportError(
            RedisError::Kind::Protocol,
            QStringLiteral("internal: command() with %1 replies pending").arg(m_pending));
    }
    if (!append(args)) return RedisReply::fromError(m_lastError);
    return readReply();
}

QHash<QByteArray, QByteArray> parseInfo(const QByteArray &info)
{
    QHash<QByteArray, QByteArray> fields;
    for (const QByteArray &line : info.split('\n')) {
        const QByteArray l = line.trimmed();
        const int colon = l.indexOf(':');
        if (l.isEmpty() || l.startsWith('#') || colon <= 0) continue;
        fields.insert(l.left(colon), l.mid(colon + 1));
    }
    return fields;
}

} // namespace hb

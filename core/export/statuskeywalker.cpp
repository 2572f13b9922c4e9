#include "statuskeywalker.h"

namespace hb {

namespace {
constexpr int kPipelineBatch = 512; // replies read before the next batch is sent

// One MGET's reply of `n` values, appended; false (with *failure) on anything else.
bool takeMget(RedisReply &r, qsizetype n, QList<QByteArray> *values, QList<bool> *missing,
              Failure *failure)
{
    if (r.isError() || r.type != RedisReply::Type::Array || r.elements.size() != n) {
        *failure = r.isError()
                       ? Failure::fromRedis(r.error)
                       : Failure{ErrorCode::Redis, QStringLiteral("unexpected reply to MGET")};
        return false;
    }
    for (RedisReply &v : r.elements) {
        const bool gone = v.type != RedisReply::Type::String;
        values->append(gone ? QByteArray() : std::move(v.string));
        missing->append(gone);
    }
    return true;
}

// One GET's reply, appended; false (with *failure) only on a transport error.
bool takeGet(RedisReply &r, QList<QByteArray> *values, QList<bool> *missing, Failure *failure)
{
    if (r.isError() && r.error.isTransport()) {
        *failure = Failure::fromRedis(r.error);
        return false;
    }
    const bool gone = r.isNil() || r.isError(); // an error: a key of another type
    values->append(gone ? QByteArray() : std::move(r.string));
    missing->append(gone);
    return true;
}

} // namespace

StatusKeyWalker::StatusKeyWalker(RedisConnection &conn, KeyLayout keys)
    : m_conn(conn), m_keys(std::move(keys))
{
}

bool StatusKeyWalker::restart(Failure *failure)
{
    m_walks.clear();
    m_next = 0;
    if (!m_conn.ensureConnected()) {
        *failure = Failure::fromRedis(m_conn.lastError());
        return false;
    }
    const QList<RedisHost> masters = m_conn.clusterMasters();
    if (masters.isEmpty()) {
        m_walks.append(Walk{});
        return true;
    }
    for (const RedisHost &m : masters) {
        Walk w;
        w.node = m;
        m_walks.append(w);
    }
    return true;
}

bool StatusKeyWalker::atEnd() const
{
    for (const Walk &w : m_walks)
        if (!w.done) return false;
    return true;
}

QList<QByteArray> StatusKeyWalker::scanArgs(const Walk &w, int count) const
{
    // No TYPE filter: the pattern already leaves data keys out, and TYPE costs Redis a
    // lookup per key; a key of another type reads as gone (MGET nil, GET an error).
    return {"SCAN",  w.cursor,
            "MATCH", m_keys.statusKeyPattern(),
            "COUNT", QByteArray::number(std::max(count, 10))};
}

bool StatusKeyWalker::takeReply(const RedisReply &r, Walk &w, QList<QByteArray> *keys,
                                Failure *failure)
{
    if (r.isError() || r.type != RedisReply::Type::Array || r.elements.size() != 2) {
        *failure = r.isError()
                       ? Failure::fromRedis(r.error)
                       : Failure{ErrorCode::Redis, QStringLiteral("unexpected reply to SCAN")};
        return false;
    }
    w.cursor = r.elements[0].string;
    w.done = w.cursor == "0";
    keys->reserve(keys->size() + r.elements[1].elements.size());
    for (const RedisReply &k : r.elements[1].elements)
        keys->append(k.string);
    return true;
}

bool StatusKeyWalker::stepWalk(Walk &w, int count, QList<QByteArray> *keys, Failure *failure)
{
    m_conn.setKeylessNode(w.node);
    const RedisReply r = m_conn.command(scanArgs(w, count));
    m_conn.setKeylessNode(std::nullopt);
    return takeReply(r, w, keys, failure);
}

bool StatusKeyWalker::step(int count, QList<QByteArray> *keys, Failure *failure)
{
    for (Walk &w : m_walks)
        if (!w.done && !stepWalk(w, count, keys, failure)) return false;
    return true;
}

bool StatusKeyWalker::stepNext(int count, QList<QByteArray> *keys, Failure *failure)
{
    for (qsizetype tried = 0; tried < m_walks.size(); ++tried) {
        Walk &w = m_walks[m_next];
        m_next = (m_next + 1) % m_walks.size();
        if (!w.done) return stepWalk(w, count, keys, failure);
    }
    return true;
}

bool StatusKeyWalker::sendStep(int count)
{
    Q_ASSERT(m_walks.size() == 1 && !m_walks.first().node);
    return m_walks.first().done || m_conn.append(scanArgs(m_walks.first(), count));
}

bool StatusKeyWalker::readStep(QList<QByteArray> *keys, Failure *failure)
{
    Walk &w = m_walks.first();
    if (w.done) return true;
    return takeReply(m_conn.readReply(), w, keys, failure);
}

qint64 StatusKeyWalker::keyspaceSize(Failure *failure)
{
    qint64 total = 0;
    for (const Walk &w : m_walks) {
        m_conn.setKeylessNode(w.node);
        const RedisReply r = m_conn.command({"DBSIZE"});
        m_conn.setKeylessNode(std::nullopt);
        if (r.isError()) {
            // An ACL without DBSIZE: the size is unknown and the pass paced by
            // scanCount alone; only a lost connection is a failure.
            if (r.error.isTransport()) *failure = Failure::fromRedis(r.error);
            return r.error.isTransport() ? -1 : 0;
        }
        total += r.integer;
    }
    return total;
}

bool fetchValues(RedisConnection &conn, const QList<QByteArray> &keys, QList<QByteArray> *values,
                 QList<bool> *missing, Failure *failure)
{
    values->clear();
    missing->clear();
    values->reserve(keys.size());
    missing->reserve(keys.size());
    if (!conn.isCluster()) {
        // One server: MGET, a batch a command (Redis counts and dispatches one
        // command, not 500). A cluster's keys of one MGET must share a slot; there
        // the GETs are pipelined, each routed to its master.
        for (qsizetype start = 0; start < keys.size(); start += kPipelineBatch) {
            const qsizetype end = std::min<qsizetype>(start + kPipelineBatch, keys.size());
            QList<QByteArray> args{"MGET"};
            args.append(keys.mid(start, end - start));
            RedisReply r = conn.command(args);
            if (r.isError() && r.error.kind == RedisError::Kind::NoPermission)
                break; // an ACL with GET but not MGET (the README's): the GETs below
            if (!takeMget(r, end - start, values, missing, failure)) return false;
        }
        if (values->size() == keys.size()) return true;
    }
    for (qsizetype start = values->size(); start < keys.size(); start += kPipelineBatch) {
        const qsizetype end = std::min<qsizetype>(start + kPipelineBatch, keys.size());
        for (qsizetype i = start; i < end; ++i)
            conn.append({"GET", keys[i]});
        for (qsizetype i = start; i < end; ++i) {
            RedisReply r = conn.readReply();
            if (!takeGet(r, values, missing, failure)) return false;
        }
    }
    return true;
}

bool PipelinedValues::send(const QList<QByteArray> &keys)
{
    for (qsizetype at = 0; at < keys.size(); at += kPipelineBatch) {
        if (!m_useMget) {
            for (qsizetype i = at; i < std::min<qsizetype>(at + kPipelineBatch, keys.size()); ++i)
                m_conn.append({"GET", keys[i]});
            continue;
        }
        QList<QByteArray> args{"MGET"};
        args.append(keys.mid(at, kPipelineBatch));
        m_conn.append(args);
    }
    return m_useMget;
}

bool PipelinedValues::receive(const QList<QByteArray> &keys, bool mget, QList<QByteArray> *values,
                              QList<bool> *missing, Failure *failure)
{
    values->clear();
    missing->clear();
    values->reserve(keys.size());
    missing->reserve(keys.size());
    m_refused.clear();
    for (qsizetype at = 0; at < keys.size(); at += kPipelineBatch) {
        const qsizetype n = std::min<qsizetype>(kPipelineBatch, keys.size() - at);
        if (!mget) {
            for (qsizetype i = 0; i < n; ++i) {
                RedisReply r = m_conn.readReply();
                if (!takeGet(r, values, missing, failure)) return false;
            }
            continue;
        }
        RedisReply r = m_conn.readReply();
        if (r.isError() && r.error.kind == RedisError::Kind::NoPermission) {
            m_useMget = false; // an ACL with GET but not MGET: GETs from now on
            m_refused.append(at);
            for (qsizetype i = 0; i < n; ++i) {
                values->append(QByteArray());
                missing->append(true);
            }
            continue;
        }
        if (!takeMget(r, n, values, missing, failure)) return false;
    }
    return true;
}

bool PipelinedValues::readRefused(const QList<QByteArray> &keys, QList<QByteArray> *values,
                                  QList<bool> *missing, Failure *failure)
{
    for (const qsizetype at : std::as_const(m_refused)) {
        QList<QByteArray> v;
        QList<bool> m;
        if (!fetchValues(m_conn, keys.mid(at, kPipelineBatch), &v, &m, failure)) return false;
        for (qsizetype i = 0; i < v.size(); ++i) {
            (*values)[at + i] = std::move(v[i]);
            (*missing)[at + i] = m[i];
        }
    }
    m_refused.clear();
    return true;
}

bool pipelinedIntegers(RedisConnection &conn, const QByteArray &cmd, const QList<QByteArray> &keys,
                       QList<qint64> *out, Failure *failure)
{
    out->clear();
    for (qsizetype start = 0; start < keys.size(); start += kPipelineBatch) {
        const qsizetype end = std::min<qsizetype>(start + kPipelineBatch, keys.size());
        for (qsizetype i = start; i < end; ++i)
            conn.append({cmd, keys[i]});
        for (qsizetype i = start; i < end; ++i) {
            const RedisReply r = conn.readReply();
            if (r.isError()) {
                if (r.error.isTransport()) {
                    *failure = Failure::fromRedis(r.error);
                    return false;
                }
                out->append(-2); // refused for this key: read as gone
                continue;
            }
            out->append(r.integer);
        }
    }
    return true;
}

} // namespace hb

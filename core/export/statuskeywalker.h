#pragma once

#include "exportconfig.h"
#include "exporterror.h"
#include "redisconnection.h"

#include <QByteArray>
#include <QList>

namespace hb {

// Walks the status keys of every master (SCAN … MATCH <status key pattern>, so data
// segments are never returned), a step at a time: the monitor's paced resync and the
// streaming lister share it. A step advances every master whose walk is not
// finished by one SCAN with the count given (stepNext: the next one of them); a key
// seen twice (mid-migration, or SCAN's own repeats) may be returned twice, callers
// are idempotent. Uses the connection's keyless node; resets it after each step.
class StatusKeyWalker final
{
public:
    StatusKeyWalker(RedisConnection &conn, KeyLayout keys);

    // Starts a new walk from cursor 0 on every master (the slot map asked again).
    // False (failure set) when the server cannot be reached.
    bool restart(Failure *failure);
    // One SCAN per unfinished master; the keys found are appended to `keys`.
    bool step(int count, QList<QByteArray> *keys, Failure *failure);
    // One SCAN on the next unfinished master, the masters in turn: a paced walk whose
    // pace is the whole cluster's, not each master's (steps sized from keyspaceSize()).
    bool stepNext(int count, QList<QByteArray> *keys, Failure *failure);
    bool atEnd() const;
    // The same step split in two, for one server (not a cluster): sendStep() sends
    // the SCAN, readStep() reads its reply; other commands pipelined in between are
    // answered in order. Lets a caller have Redis scan on while it works.
    bool sendStep(int count);
    bool readStep(QList<QByteArray> *keys, Failure *failure);
    // DBSIZE summed over the masters (status and data keys): sizes the steps.
    qint64 keyspaceSize(Failure *failure);

private:
    struct Walk
    {
        std::optional<RedisHost> node; // nullopt: not a cluster
        QByteArray cursor = "0";
        bool done = false;
    };
    QList<QByteArray> scanArgs(const Walk &w, int count) const;
    bool takeReply(const RedisReply &r, Walk &w, QList<QByteArray> *keys, Failure *failure);
    bool stepWalk(Walk &w, int count, QList<QByteArray> *keys, Failure *failure);

    RedisConnection &m_conn;
    const KeyLayout m_keys;
    QList<Walk> m_walks;
    qsizetype m_next = 0; // the walk stepNext() tries first
};

// Reads `keys` batch by batch (MGET on one server, pipelined GETs on a cluster); values[i] is nil
// (empty, missing[i] true) when the key is gone. False on a transport error.
bool fetchValues(RedisConnection &conn, const QList<QByteArray> &keys, QList<QByteArray> *values,
                 QList<bool> *missing, Failure *failure);
// The values of status keys asked for ahead, pipelined with other commands (the
// streaming lister's SCAN of the next step): one MGET per batch, until an ACL
// refuses MGET, then one GET a key. One server only (a cluster: fetchValues).
class PipelinedValues final
{
public:
    explicit PipelinedValues(RedisConnection &conn) : m_conn(conn) {}
    // Appends the commands that ask for `keys`; true when they are MGETs.
    bool send(const QList<QByteArray> &keys);
    // Reads the replies of a send(keys) that returned `mget`, values[i] nil (empty,
    // missing[i] true) when the key is gone. The batches an ACL refused are left
    // missing for readRefused(), called once the replies pipelined after these are
    // read. False on a transport error or an unexpected reply.
    bool receive(const QList<QByteArray> &keys, bool mget, QList<QByteArray> *values,
                 QList<bool> *missing, Failure *failure);
    bool readRefused(const QList<QByteArray> &keys, QList<QByteArray> *values, QList<bool> *missing,
                     Failure *failure);

private:
    RedisConnection &m_conn;
    bool m_useMget = true;
    QList<qsizetype> m_refused; // offsets of the batches of the last receive() refused
};

// Pipelined `cmd key` for each key, the integer replies in order.
bool pipelinedIntegers(RedisConnection &conn, const QByteArray &cmd, const QList<QByteArray> &keys,
                       QList<qint64> *out, Failure *failure);

} // namespace hb

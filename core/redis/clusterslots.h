#pragma once

#include "redisendpoint.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <optional>
#include <vector>

namespace hb {

struct RedisReply;

// What a Redis Cluster client needs to know about keys and slots (the Redis
// Cluster specification, "Keys distribution model"): no I/O here.
namespace cluster {

constexpr int slotCount = 16384;

// CRC16-CCITT in its XMODEM variant (polynomial 0x1021, initial value 0), the
// checksum Redis Cluster hashes keys with.
quint16 crc16(const char *data, qsizetype length);

// The hash slot of a key: of its hash tag (the bytes between the first '{' and the
// first '}' after it, when not empty), else of the whole key.
int keySlot(const QByteArray &key);

// The key a command is routed by, empty for a command that names no key (SCAN,
// INFO, PING, SUBSCRIBE, WAIT…). Knows the commands the exporter sends: the first
// argument for plain key commands, the first declared key for EVAL/EVALSHA/FCALL.
QByteArray routingKeyOf(const QList<QByteArray> &args);

// A MOVED or ASK error reply ("MOVED 3999 127.0.0.1:6381").
struct Redirect
{
    enum class Kind { Moved, Ask };
    Kind kind = Kind::Moved;
    int slot = 0;
    RedisHost to;
};
std::optional<Redirect> parseRedirect(const QByteArray &errorText);

// Which master serves each slot, and every node the map names (masters and
// replicas), from CLUSTER SLOTS.
class SlotMap final
{
public:
    // Parses a CLUSTER SLOTS reply. A node announced without an address ("" or
    // "?") is the one asked, `askedHost`. False (with *why) when the reply is not
    // one.
    bool parse(const RedisReply &reply, const QString &askedHost, QString *why = nullptr);

    bool isEmpty() const { return m_masters.isEmpty(); }
    std::optional<RedisHost> masterOf(int slot) const;
    // Records a MOVED: the slot's master is now `to`.
    void assign(int slot, const RedisHost &to);
    // The masters serving at least one slot, in the order CLUSTER SLOTS named them;
    // every node named (masters and replicas).
    QList<RedisHost> masters() const;
    QList<RedisHost> nodes() const { return m_nodes; }
    // Slots with no master (a cluster that lost coverage).
    int uncovered() const;

private:
    int indexOf(const RedisHost &master);
    QList<RedisHost> m_masters;
    QList<RedisHost> m_nodes;
    std::vector<qint16> m_slotMaster = std::vector<qint16>(slotCount, -1);
};

} // namespace cluster
} // namespace hb

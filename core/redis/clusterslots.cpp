#include "clusterslots.h"

#include "redisconnection.h"

#include <QSet>

namespace hb::cluster {

quint16 crc16(const char *data, qsizetype length)
{
    quint16 crc = 0;
    for (qsizetype i = 0; i < length; ++i) {
        crc ^= quint16(quint8(data[i])) << 8;
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc & 0x8000) ? quint16((crc << 1) ^ 0x1021) : quint16(crc << 1);
    }
    return crc;
}

int keySlot(const QByteArray &key)
{
    const qsizetype open = key.indexOf('{');
    if (open >= 0) {
        const qsizetype close = key.indexOf('}', open + 1);
        if (close > open + 1)
            return crc16(key.constData() + open + 1, close - open - 1) & (slotCount - 1);
    }
    return crc16(key.constData(), key.size()) & (slotCount - 1);
}

QByteArray routingKeyOf(const QList<QByteArray> &args)
{
    if (args.size() < 2) return {};
    const QByteArray name = args.first().toUpper();
    if (name == "EVAL" || name == "EVALSHA" || name == "FCALL") {
        bool ok = false;
        const int numKeys = args.size() > 2 ? args[2].toInt(&ok) : 0;
        return ok && numKeys > 0 && args.size() > 3 ? args[3] : QByteArray();
    }
    // The commands of the exporter whose first argument is a key; anything else is
    // routed as keyless (to the routing key's node, or any node).
    static const QSet<QByteArray> firstArgIsKey = {
        "GET",    "SET",  "SETRANGE", "GETRANGE", "APPEND", "STRLEN", "EXISTS",
        "UNLINK", "DEL",  "EXPIRE",   "PEXPIRE",  "TTL",    "PTTL",   "PERSIST",
        "RENAME", "TYPE", "GETDEL",   "INCR",     "DUMP",   "RESTORE"};
    return firstArgIsKey.contains(name) ? args[1] : QByteArray();
}

std::optional<Redirect> parseRedirect(const QByteArray &errorText)
{
    // "MOVED <slot> <host>:<port>" or "ASK <slot> <host>:<port>" (IPv6 hosts
    // contain colons: the port is after the last one).
    const QList<QByteArray> parts = errorText.trimmed().split(' ');
    if (parts.size() != 3) return std::nullopt;
    Redirect r;
    if (parts[0] == "MOVED")
        r.kind = Redirect::Kind::Moved;
    else if (parts[0] == "ASK")
        r.kind = Redirect::Kind::Ask;
    else
        return std::nullopt;
    bool ok = false;
    r.slot = parts[1].toInt(&ok);
    if (!ok || r.slot < 0 || r.slot >= slotCount) return std::nullopt;
    const qsizetype colon = parts[2].lastIndexOf(':');
    if (colon <= 0) return std::nullopt;
    r.to.host = QString::fromLatin1(parts[2].left(colon));
    if (r.to.host.startsWith(QLatin1Char('[')) && r.to.host.endsWith(QLatin1Char(']')))
        r.to.host = r.to.host.mid(1, r.to.host.size() - 2);
    r.to.port = parts[2].mid(colon + 1).toInt(&ok);
    if (!ok || r.to.port <= 0 || r.to.port > 65535) return std::nullopt;
    return r;
}

bool SlotMap::parse(const RedisReply &reply, const QString &askedHost, QString *why)
{
    auto refuse = [why](const QString &text) {
        if (why) *why = text;
        return false;
    };
    if (reply.type != RedisReply::Type::Array)
        return refuse(QStringLiteral("CLUSTER SLOTS did not answer an array"));
    SlotMap map;
    auto nodeOf = [&](const RedisReply &n, RedisHost *out) {
        if (n.type != RedisReply::Type::Array || n.elements.size() < 2 ||
            n.elements[1].type != RedisReply::Type::Integer)
            return false;
        QString host = QString::fromUtf8(n.elements[0].string);
        if (host.isEmpty() || host == QLatin1String("?")) host = askedHost;
        *out = RedisHost{host, int(n.elements[1].integer)};
        return out->port > 0;
    };
    for (const RedisReply &range : reply.elements) {
        if (range.type != RedisReply::Type::Array || range.elements.size() < 3 ||
            range.elements[0].type != RedisReply::Type::Integer ||
            range.elements[1].type != RedisReply::Type::Integer)
            return refuse(QStringLiteral("CLUSTER SLOTS answered a malformed slot range"));
        const qint64 from = range.elements[0].integer;
        const qint64 to = range.elements[1].integer;
        if (from < 0 || to >= slotCount || from > to)
            return refuse(QStringLiteral("CLUSTER SLOTS answered slots %1-%2").arg(from).arg(to));
        RedisHost master;
        if (!nodeOf(range.elements[2], &master))
            return refuse(QStringLiteral("CLUSTER SLOTS answered a malformed node"));
        const int index = map.indexOf(master);
        for (qint64 s = from; s <= to; ++s)
            map.m_slotMaster[size_t(s)] = qint16(index);
        for (qsizetype i = 3; i < range.elements.size(); ++i) {
            RedisHost replica;
            if (nodeOf(range.elements[i], &replica) && !map.m_nodes.contains(replica))
                map.m_nodes.append(replica);
        }
    }
    *this = std::move(map);
    return true;
}

int SlotMap::indexOf(const RedisHost &master)
{
    qsizetype i = m_masters.indexOf(master);
    if (i < 0) {
        m_masters.append(master);
        i = m_masters.size() - 1;
    }
    if (!m_nodes.contains(master)) m_nodes.append(master);
    return int(i);
}

std::optional<RedisHost> SlotMap::masterOf(int slot) const
{
    if (slot < 0 || slot >= slotCount) return std::nullopt;
    const int i = m_slotMaster[size_t(slot)];
    if (i < 0) return std::nullopt;
    return m_masters[i];
}

void SlotMap::assign(int slot, const RedisHost &to)
{
    if (slot < 0 || slot >= slotCount) return;
    m_slotMaster[size_t(slot)] = qint16(indexOf(to));
}

QList<RedisHost> SlotMap::masters() const
{
    std::vector<bool> serving(size_t(m_masters.size()), false);
    for (const qint16 i : m_slotMaster)
        if (i >= 0) serving[size_t(i)] = true;
    QList<RedisHost> out;
    for (qsizetype i = 0; i < m_masters.size(); ++i)
        if (serving[size_t(i)]) out.append(m_masters[i]);
    return out;
}

int SlotMap::uncovered() const
{
    int n = 0;
    for (const qint16 i : m_slotMaster)
        n += i < 0 ? 1 : 0;
    return n;
}

} // namespace hb::cluster

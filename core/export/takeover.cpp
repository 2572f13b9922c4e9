#include "takeover.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace hb {

namespace {

// KEYS: status. ARGV: the ownerToken read ('' for none), the updatedAt read (the
// stored string), the claimed status JSON, ttl, events channel.
// Replies {1} when applied, {0, current} ('' when the key is missing) otherwise.
const QByteArray takeoverScript = QByteArrayLiteral(R"lua(
local cur = redis.call('GET', KEYS[1])
if not cur then return {0, ''} end
local ok, obj = pcall(cjson.decode, cur)
if not ok or type(obj) ~= 'table' then return {0, cur} end
local st = obj['status']
if st ~= 'CREATED' and st ~= 'PENDING' then return {0, cur} end
local token = obj['ownerToken']
if type(token) ~= 'string' then token = '' end
if token ~= ARGV[1] or obj['updatedAt'] ~= ARGV[2] then return {0, cur} end
redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[3])
return {1}
)lua");

QString ownerName(const ExportStatus &s)
{
    if (s.host.isEmpty()) return QStringLiteral("an unknown host");
    return s.pid > 0 ? QStringLiteral("%1/%2").arg(s.host).arg(s.pid) : s.host;
}

} // namespace

Takeover::Takeover(KeyLayout keys, QByteArray readJson, int ttlSeconds)
    : m_keys(std::move(keys)), m_readJson(std::move(readJson)), m_ttl(ttlSeconds)
{
    QString error;
    auto status = ExportStatus::fromJson(m_readJson, &error);
    if (!status) {
        m_reason = error;
        return;
    }
    if (status->state != ExportState::Created && status->state != ExportState::Pending) {
        m_reason =
            QStringLiteral("the export is %1, not CREATED or PENDING").arg(status->stateText());
        return;
    }
    // What the script compares: the stored text, not our re-rendering of a parsed time.
    m_readUpdatedAt =
        QJsonDocument::fromJson(m_readJson).object().value(QLatin1String("updatedAt")).toString();
    m_read = std::move(status);
}

ExportStatus Takeover::claimed(const ProcessFacts &me, const QString &ownerToken,
                               const QDateTime &now) const
{
    ExportStatus s = m_read.value_or(ExportStatus{});
    s.ownerToken = ownerToken;
    s.host = me.hostName;
    s.pid = me.pid;
    s.bootId = me.bootId;
    s.pidStart = me.pidStart;
    s.resumedAt = now;
    s.resumes = s.resumes + 1;
    s.updatedAt = now;
    if (m_ttl > 0) s.ttl = m_ttl;
    return s;
}

QList<QByteArray> Takeover::command(const ExportStatus &claimed) const
{
    const QString readToken = m_read ? m_read->ownerToken : QString();
    return {QByteArrayLiteral("EVAL"),
            takeoverScript,
            "1",
            m_keys.statusKey(claimed.id),
            readToken.toUtf8(),
            m_readUpdatedAt.toUtf8(),
            claimed.toJson(),
            QByteArray::number(m_ttl > 0 ? m_ttl : std::max(1, claimed.ttl)),
            m_keys.eventsChannel()};
}

Takeover::Result Takeover::parseReply(const RedisReply &reply, const ExportStatus &claimed) const
{
    Result r;
    r.readOwnerToken = m_read ? m_read->ownerToken : QString();
    if (reply.isError()) {
        r.error = reply.error;
        return r;
    }
    if (reply.type != RedisReply::Type::Array || reply.elements.isEmpty() ||
        reply.elements[0].type != RedisReply::Type::Integer) {
        r.error = {RedisError::Kind::Protocol,
                   QStringLiteral("unexpected reply to the takeover script")};
        return r;
    }
    if (reply.elements[0].integer == 1) {
        r.outcome = Result::Outcome::Won;
        r.status = claimed;
        return r;
    }
    r.outcome = Result::Outcome::Lost;
    if (reply.elements.size() > 1) r.currentJson = reply.elements[1].string;
    if (!r.currentJson.isEmpty()) r.current = ExportStatus::fromJson(r.currentJson);
    return r;
}

Takeover::Result Takeover::run(RedisConnection &conn, const QDateTime &now) const
{
    if (!m_read) {
        Result r;
        r.error = {RedisError::Kind::Protocol, m_reason};
        return r;
    }
    const ExportStatus next = claimed(ProcessFacts::self(), newOwnerToken(), now);
    return parseReply(conn.command(command(next)), next);
}

QString Takeover::Result::lossText() const
{
    if (outcome != Outcome::Lost) return QString();
    if (currentJson.isEmpty()) return QStringLiteral("the export no longer exists");
    if (!current) return QStringLiteral("its status is not readable");
    const ExportStatus &s = *current;
    if (isTerminal(s.state)) return QStringLiteral("it is already %1").arg(s.stateText());
    if (s.state != ExportState::Created && s.state != ExportState::Pending)
        return QStringLiteral("its status is %1").arg(s.stateText());
    // Another token than the one read: someone else took it over first.
    if (s.ownerToken != readOwnerToken)
        return s.resumedAt.isValid() ? QStringLiteral("taken over by %1 at %2")
                                           .arg(ownerName(s), isoTime(s.resumedAt))
                                     : QStringLiteral("taken over by %1").arg(ownerName(s));
    return QStringLiteral("%1 wrote its status meanwhile: it is alive").arg(ownerName(s));
}

} // namespace hb

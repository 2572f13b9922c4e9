#include "statusscripts.h"

namespace hb::StatusScripts {

namespace {

// KEYS: status. ARGV: expected JSON ('' = missing), next JSON, ttl, channel, next
// status word.
const QByteArray updateScript = QByteArrayLiteral(R"lua(
local cur = redis.call('GET', KEYS[1]) or ''
if cur ~= ARGV[1] then return {0, cur} end
if cur ~= '' then
  local ok, obj = pcall(cjson.decode, cur)
  local st = ok and type(obj) == 'table' and obj['status'] or nil
  if (st == 'COMPLETED' or st == 'CANCELLED' or st == 'FAILED') and st ~= ARGV[5] then
    return {0, cur}
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[2])
return {1}
)lua");

} // namespace

QList<QByteArray> updateCommand(const KeyLayout &keys, const QByteArray &expected,
                                const ExportStatus &next, int ttl)
{
    return {QByteArrayLiteral("EVAL"),
            updateScript,
            "1",
            keys.statusKey(next.id),
            expected,
            next.toJson(),
            QByteArray::number(ttl),
            keys.eventsChannel(),
            next.stateText().toUtf8()};
}

UpdateResult parseUpdateReply(const RedisReply &reply)
{
    UpdateResult r;
    if (reply.isError()) {
        r.error = reply.error;
        return r;
    }
    if (reply.type != RedisReply::Type::Array || reply.elements.isEmpty() ||
        reply.elements[0].type != RedisReply::Type::Integer) {
        r.error = {RedisError::Kind::Protocol,
                   QStringLiteral("unexpected reply to the status script")};
        return r;
    }
    switch (reply.elements[0].integer) {
    case 1:
        r.outcome = UpdateResult::Outcome::Applied;
        break;
    case 0:
        r.outcome = UpdateResult::Outcome::Conflict;
        if (reply.elements.size() > 1) r.current = reply.elements[1].string;
        break;
    default:
        r.error = {RedisError::Kind::Protocol,
                   QStringLiteral("unexpected reply to the status script")};
    }
    return r;
}

} // namespace hb::StatusScripts

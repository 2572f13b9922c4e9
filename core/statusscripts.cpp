#include "statusscripts.h"

namespace hb::StatusScripts {

namespace {

const QByteArray createScript = QByteArrayLiteral(R"lua(
if redis.call('EXISTS', KEYS[1]) + redis.call('EXISTS', KEYS[2]) > 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('SET', KEYS[2], '', 'EX', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[1])
return 1
)lua");

// KEYS: status, data. ARGV: expected JSON ('' = missing), next JSON, ttl, channel,
// data check, byte count, next status word.
const QByteArray updateScript = QByteArrayLiteral(R"lua(
local cur = redis.call('GET', KEYS[1]) or ''
if cur ~= ARGV[1] then return {0, cur} end
if cur ~= '' then
  local ok, obj = pcall(cjson.decode, cur)
  local st = ok and type(obj) == 'table' and obj['status'] or nil
  if (st == 'COMPLETED' or st == 'CANCELLED' or st == 'FAILED') and st ~= ARGV[7] then
    return {0, cur}
  end
end
local ttl = tonumber(ARGV[3])
local check = ARGV[5]
local n = tonumber(ARGV[6])
local dttl = redis.call('TTL', KEYS[2])
if check == 'alive' or check == 'complete' then
  if dttl == -1 then redis.call('DEL', KEYS[2]) end
  if dttl < 0 then return {2, 'data key vanished'} end
  if check == 'complete' and redis.call('STRLEN', KEYS[2]) ~= n then
    return {2, 'data key has the wrong length'}
  end
elseif check == 'truncate' then
  if dttl == -1 then
    redis.call('DEL', KEYS[2])
  elseif dttl >= 0 and redis.call('STRLEN', KEYS[2]) > n then
    if n == 0 then
      redis.call('SET', KEYS[2], '', 'KEEPTTL')
    else
      redis.call('SET', KEYS[2], redis.call('GETRANGE', KEYS[2], 0, n - 1), 'KEEPTTL')
    end
  end
elseif check == 'discard' then
  redis.call('DEL', KEYS[2])
  redis.call('SET', KEYS[2], '', 'EX', ttl)
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ttl)
if redis.call('TTL', KEYS[2]) >= -1 then redis.call('EXPIRE', KEYS[2], ttl) end
redis.call('PUBLISH', ARGV[4], ARGV[2])
return {1}
)lua");

QByteArray checkName(DataCheck c)
{
    switch (c) {
    case DataCheck::None: return "none";
    case DataCheck::Alive: return "alive";
    case DataCheck::Complete: return "complete";
    case DataCheck::Truncate: return "truncate";
    case DataCheck::Discard: return "discard";
    }
    return "none";
}

} // namespace

QList<QByteArray> createCommand(const KeyLayout &keys, const ExportStatus &status, int ttl)
{
    return {QByteArrayLiteral("EVAL"), createScript, "2", keys.statusKey(status.id),
            keys.dataKey(status.id), status.toJson(), QByteArray::number(ttl), keys.eventsChannel()};
}

QList<QByteArray> updateCommand(const KeyLayout &keys, const QByteArray &expected,
                                const ExportStatus &next, DataCheck check, qint64 byteCount, int ttl)
{
    return {QByteArrayLiteral("EVAL"),
            updateScript,
            "2",
            keys.statusKey(next.id),
            keys.dataKey(next.id),
            expected,
            next.toJson(),
            QByteArray::number(ttl),
            keys.eventsChannel(),
            checkName(check),
            QByteArray::number(byteCount),
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
        r.error = {RedisError::Kind::Protocol, QStringLiteral("unexpected reply to the status script")};
        return r;
    }
    switch (reply.elements[0].integer) {
    case 1:
        r.outcome = UpdateResult::Outcome::Applied;
        break;
    case 0:
        r.outcome = UpdateResult::Outcome::Conflict;
        if (reply.elements.size() > 1)
            r.current = reply.elements[1].string;
        break;
    case 2:
        r.outcome = UpdateResult::Outcome::DataVanished;
        r.reason = reply.elements.size() > 1 ? QString::fromUtf8(reply.elements[1].string)
                                             : QStringLiteral("data key vanished");
        break;
    default:
        r.error = {RedisError::Kind::Protocol, QStringLiteral("unexpected reply to the status script")};
    }
    return r;
}

} // namespace hb::StatusScripts

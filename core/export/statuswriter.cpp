#include "statuswriter.h"

#include "statusscripts.h"

namespace hb {

StatusWriter::StatusWriter(RedisConnection &conn, KeyLayout keys, int ttlSeconds)
    : m_conn(conn), m_keys(std::move(keys)), m_ttl(ttlSeconds)
{
}

StatusWriter::Result StatusWriter::create(const ExportStatus &status)
{
    return run(QByteArray(), status);
}

StatusWriter::Result StatusWriter::write(const ExportStatus &next)
{
    return run(m_expected, next);
}

StatusWriter::Result StatusWriter::run(const QByteArray &expected, const ExportStatus &next)
{
    using Outcome = StatusScripts::UpdateResult::Outcome;
    const QByteArray json = next.toJson();
    const auto reply = StatusScripts::parseUpdateReply(
        m_conn.command(StatusScripts::updateCommand(m_keys, expected, next, m_ttl)));
    Result out;
    switch (reply.outcome) {
    case Outcome::Applied:
        out.outcome = Result::Outcome::Applied;
        m_expected = json;
        break;
    case Outcome::Conflict:
        out = conflict(reply.current, next.id,
                       QStringLiteral("the status key vanished (expired, evicted, deleted or "
                                      "lost in a failover)"));
        break;
    case Outcome::Error:
        out.error = reply.error;
        break;
    }
    return out;
}

StatusWriter::Result StatusWriter::compareStored(const QString &id, const QString &vanished)
{
    const RedisReply stored = m_conn.command({"GET", m_keys.statusKey(id)});
    if (stored.isError()) {
        Result out;
        out.error = stored.error;
        return out;
    }
    const QByteArray json = stored.isNil() ? QByteArray() : stored.string;
    if (json != m_expected) return conflict(json, id, vanished);
    Result same;
    same.outcome = Result::Outcome::Applied;
    return same;
}

StatusWriter::Result StatusWriter::conflict(const QByteArray &currentJson, const QString &id,
                                            const QString &vanished)
{
    Result out;
    out.outcome = Result::Outcome::Conflict;
    out.currentJson = currentJson;
    if (currentJson.isEmpty()) {
        out.problem = vanished;
        return out;
    }
    QString unreadable;
    out.current = ExportStatus::fromJson(currentJson, &unreadable);
    if (!out.current) {
        out.problem =
            QStringLiteral("the status key was overwritten with something unreadable (%1)")
                .arg(unreadable);
    } else if (out.current->id != id) {
        out.current.reset();
        out.problem = QStringLiteral("the status key was overwritten with another export's");
    }
    return out;
}

} // namespace hb

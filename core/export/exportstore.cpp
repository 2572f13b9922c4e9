#include "exportstore.h"

#include "actinguser.h"
#include "humanformat.h"
#include "logging.h"
#include "segmentdata.h"
#include "sha256.h"
#include "statuswriter.h"
#include "textescape.h"

#include <QDeadlineTimer>
#include <QSet>
#include <QThread>

namespace hb {

QString printableForMessage(const QString &text)
{
    return escapeUntrusted(text, 80); // one escaping rule for untrusted text
}

ExportStore::ExportStore(RedisEndpoint endpoint, KeyLayout keys, RedisTimeouts timeouts)
    : m_conn(std::move(endpoint), timeouts), m_keys(std::move(keys))
{
}

ExportStore::Lookup ExportStore::fetchStatus(const QString &id)
{
    Lookup out;
    if (!isValidExportId(id)) {
        out.failure = {ErrorCode::Usage,
                       QStringLiteral("not an export id: %1 (expected a lowercase UUID)")
                           .arg(printableForMessage(id))};
        return out;
    }
    const RedisReply r = m_conn.command({"GET", m_keys.statusKey(id)});
    if (r.isError()) {
        out.failure = Failure::fromRedis(r.error);
        return out;
    }
    if (r.isNil()) {
        out.failure = {ErrorCode::NotFound, QStringLiteral("no export found for id: %1").arg(id)};
        return out;
    }
    out.json = r.string;
    QString problem;
    out.status = ExportStatus::fromJson(r.string, &problem);
    if (!out.status)
        out.failure = {ErrorCode::Failed, QStringLiteral("export %1 has a %2").arg(id, problem)};
    else if (out.status->id != id)
        out.failure = {ErrorCode::Failed,
                       QStringLiteral("export %1 has a status naming another id").arg(id)};
    return out;
}

bool ExportStore::settle(QByteArray &expected, ExportStatus &status)
{
    // On a silent owner's behalf: first the data (nothing beyond bytesWritten),
    // then the status says so. An owner that wakes up later finds this settled
    // status and cuts whatever it wrote since back to the same bytesWritten.
    const int ttl = status.ttl > 0 ? status.ttl : 3600;
    const SegmentData::Result data = SegmentData::settle(
        m_conn, m_keys, status.id, status.segmentBytes, status.bytesWritten, ttl);
    ExportStatus next = status;
    next.settled = true;
    next.segments = data.segments;
    next.updatedAt = QDateTime::currentDateTimeUtc();
    StatusWriter writer(m_conn, m_keys, ttl);
    writer.adopt(expected);
    if (!writer.write(next).applied()) return false;
    expected = writer.expected();
    status = next;
    return true;
}

namespace {

// A user who may not cancel owner's export: what they lack.
Failure cancelNotPermitted(const QString &user, const QString &owner)
{
    return {ErrorCode::PermissionDenied,
            owner == user ? permissionDeniedMessage(user, Permission::Export)
                          : permissionDeniedMessage(user, Permission::CancelAny) +
                                QStringLiteral(" to cancel an export of %1").arg(owner)};
}

// An export whose state takes no cancel: already finished (too late), or a state
// this version does not know (not touched). Empty when a cancel may go ahead.
Failure cancelRefusedIn(const QString &id, const ExportStatus &cur)
{
    if (cur.state == ExportState::Completed)
        return {ErrorCode::TooLate,
                QStringLiteral("export %1 already COMPLETED; nothing was cancelled").arg(id)};
    if (cur.state == ExportState::Failed)
        return {ErrorCode::TooLate,
                QStringLiteral("export %1 already FAILED; nothing was cancelled").arg(id)};
    if (cur.state == ExportState::Unknown)
        return {ErrorCode::Failed,
                QStringLiteral("export %1 has an unknown status \"%2\"; not touching it")
                    .arg(id, cur.rawState)};
    return {};
}

} // namespace

ExportStore::CancelResult ExportStore::cancel(const QString &id, const QString &user,
                                              const PermissionsService &perms, int ownerWaitMs)
{
    CancelResult out;
    for (int attempt = 0; attempt < 20; ++attempt) {
        Lookup found = fetchStatus(id);
        if (found.failure) {
            out.failure = found.failure;
            return out;
        }
        ExportStatus cur = *found.status;
        if (!perms.mayCancel(user, cur.owner)) {
            out.failure = cancelNotPermitted(user, cur.owner);
            return out;
        }
        out.status = cur;
        if (const Failure refused = cancelRefusedIn(id, cur)) {
            out.failure = refused;
            return out;
        }
        QByteArray expected = found.json;
        if (cur.state != ExportState::Cancelled) {
            // The status script publishes; a user without the channel is told so
            // before anything is written (checked once).
            if (attempt == 0) {
                if (const Failure refused = checkMayPublish(m_conn, m_keys.eventsChannel())) {
                    out.failure = refused;
                    return out;
                }
            }
            ExportStatus next = cur;
            next.state = ExportState::Cancelled;
            next.cancelledBy = user;
            next.settled = false;
            next.updatedAt = QDateTime::currentDateTimeUtc();
            StatusWriter writer(m_conn, m_keys, cur.ttl > 0 ? cur.ttl : 3600);
            writer.adopt(expected);
            const StatusWriter::Result res = writer.write(next);
            if (res.outcome == StatusWriter::Result::Outcome::Error) {
                out.failure = Failure::fromRedis(res.error);
                return out;
            }
            if (res.outcome == StatusWriter::Result::Outcome::Conflict)
                continue; // changed under us (progress, completion): look again
            out.changed = true;
            expected = writer.expected();
            cur = next;
            qCInfo(lcExport).noquote() << "cancel requested for" << id << "by" << user;
        }
        out.status = cur;
        if (cur.settled) {
            out.ownerSettled = true;
            return out;
        }
        awaitOwner(id, expected, ownerWaitMs, &out);
        return out;
    }
    out.failure = {
        ErrorCode::Redis,
        QStringLiteral("export %1 kept changing; cancel gave up after 20 attempts").arg(id)};
    return out;
}

void ExportStore::awaitOwner(const QString &id, QByteArray expected, int ownerWaitMs,
                             CancelResult *out)
{
    // Wait for the owner's stop sequence; it answers within its heartbeat.
    QDeadlineTimer deadline(ownerWaitMs);
    while (!deadline.hasExpired()) {
        Lookup again = fetchStatus(id);
        if (again.failure) {
            out->failure = again.failure;
            return;
        }
        if (again.status->settled || again.json != expected) {
            out->status = *again.status;
            out->ownerSettled = again.status->settled;
            if (out->ownerSettled) return;
            expected = again.json;
        }
        QThread::msleep(20);
    }
    // The owner is silent: nothing more will arrive from it; settle for it.
    ExportStatus silent = out->status;
    if (settle(expected, silent)) {
        qCWarning(lcExport).noquote()
            << "owner of" << id << "did not answer the cancel; settled it on its behalf";
        out->status = silent;
    }
}

QList<ExportStore::Entry> ExportStore::list(Failure *failure, int maxEntries)
{
    QList<Entry> out;
    QList<QByteArray> keys;
    // On a cluster, every master holds its own share: SCAN each and merge (a key
    // seen twice, mid-migration, counts once). The GETs below route by key.
    const QList<RedisHost> masters = m_conn.clusterMasters();
    if (masters.isEmpty() && !m_conn.isConnected()) { // unreachable: say so once
        *failure = Failure::fromRedis(m_conn.lastError());
        return out;
    }
    QSet<QByteArray> seen;
    for (qsizetype m = 0; m < std::max<qsizetype>(1, masters.size()); ++m) {
        if (!masters.isEmpty()) m_conn.setKeylessNode(masters[m]);
        QByteArray cursor = "0";
        do {
            const RedisReply r = m_conn.command({"SCAN", cursor, "MATCH", m_keys.statusKeyPattern(),
                                                 "COUNT", "1000", "TYPE", "string"});
            if (r.isError() || r.type != RedisReply::Type::Array || r.elements.size() != 2) {
                m_conn.setKeylessNode(std::nullopt);
                *failure = r.isError() ? Failure::fromRedis(r.error)
                                       : Failure{ErrorCode::Redis,
                                                 QStringLiteral("unexpected reply to SCAN")};
                return out;
            }
            cursor = r.elements[0].string;
            for (const RedisReply &k : r.elements[1].elements)
                if (!seen.contains(k.string)) {
                    seen.insert(k.string);
                    keys.append(k.string);
                }
        } while (cursor != "0" && keys.size() < maxEntries);
    }
    m_conn.setKeylessNode(std::nullopt);

    // Pipeline the GETs and TTLs: one round trip per batch, not per key.
    constexpr int batch = 256;
    for (int start = 0; start < keys.size(); start += batch) {
        const int end = std::min<int>(start + batch, keys.size());
        for (int i = start; i < end; ++i) {
            m_conn.append({"GET", keys[i]});
            m_conn.append({"TTL", keys[i]});
        }
        for (int i = start; i < end; ++i) {
            const RedisReply value = m_conn.readReply();
            const RedisReply ttl = m_conn.readReply();
            if (value.isError() && value.error.isTransport()) {
                *failure = Failure::fromRedis(value.error);
                return out;
            }
            if (value.isNil()) continue; // expired between SCAN and GET
            Entry e;
            e.id = m_keys.idFromStatusKey(keys[i]);
            e.json = value.string;
            e.ttl = ttl.integer;
            QString problem;
            e.status = ExportStatus::fromJson(value.string, &problem);
            if (!e.status)
                e.problem = problem;
            else if (!isValidExportId(e.id))
                e.problem = QStringLiteral("key is not named by a valid export id");
            out.append(e);
        }
    }
    return out;
}

qint64 ExportStore::fetchData(const QString &id, QIODevice *out, Failure *failure,
                              const std::function<void(qint64, qint64)> &progress)
{
    Lookup found = fetchStatus(id);
    if (found.failure) {
        *failure = found.failure;
        return 0;
    }
    const ExportStatus &st = *found.status;
    // The reading recipe of CONTRACT §2: the single key when the export fits one
    // segment, else `:0` … `:k-1`; each read in slices of at most 4 MiB, a few in
    // flight, so memory stays bounded whatever the segment size.
    const qint64 total = st.bytesWritten;
    const SegmentLayout layout = SegmentLayout::forReading(m_keys, id, st.segmentBytes, total);
    const qint64 count = layout.countFor(total);
    if (count > 0) {
        const RedisReply first = m_conn.command({"EXISTS", layout.key(0)});
        if (first.isError()) {
            *failure = Failure::fromRedis(first.error);
            return 0;
        }
        if (first.integer == 0) {
            *failure = {ErrorCode::NotFound,
                        QStringLiteral("export %1 has no data (expired or vanished)").arg(id)};
            return 0;
        }
    }
    struct Slice
    {
        QByteArray key;
        qint64 from;
        qint64 length;
    };
    QList<Slice> slices;
    constexpr qint64 sliceMax = 4 * 1024 * 1024;
    for (qint64 k = 0; k < count; ++k) {
        const qint64 start = layout.isSingle() ? 0 : layout.startOf(k);
        const qint64 length =
            std::min(layout.isSingle() ? total : layout.segmentBytes(), total - start);
        for (qint64 from = 0; from < length; from += sliceMax)
            slices.append({layout.key(k), from, std::min(sliceMax, length - from)});
    }
    Sha256 sha; // OpenSSL (SHA-NI here): Qt's portable SHA-256 was most of fetch's CPU
    constexpr int inFlight = 4;
    qint64 done = 0;
    qsizetype next = 0;
    int pending = 0;
    for (qsizetype i = 0; i < slices.size(); ++i) {
        while (next < slices.size() && pending < inFlight) {
            const Slice &s = slices[next++];
            if (!m_conn.append({"GETRANGE", s.key, QByteArray::number(s.from),
                                QByteArray::number(s.from + s.length - 1)})) {
                *failure = Failure::fromRedis(m_conn.lastError());
                return done;
            }
            ++pending;
        }
        const RedisReply part = m_conn.readReply();
        --pending;
        if (part.isError()) {
            *failure = Failure::fromRedis(part.error);
            m_conn.disconnect(); // replies of the slices still in flight are not wanted
            return done;
        }
        if (part.string.size() != slices[i].length) {
            *failure = {ErrorCode::Failed,
                        QStringLiteral("export %1: data segment %2 holds fewer bytes than recorded "
                                       "(expired, evicted or cut while reading)")
                            .arg(id, QString::fromLatin1(slices[i].key))};
            m_conn.disconnect();
            return done;
        }
        if (out->write(part.string) != part.string.size()) {
            *failure = {ErrorCode::Source,
                        QStringLiteral("cannot write output: %1").arg(out->errorString())};
            m_conn.disconnect();
            return done;
        }
        sha.addData(part.string.constData(), size_t(part.string.size()));
        done += part.string.size();
        if (progress) progress(done, total);
    }
    if (st.state == ExportState::Completed && !st.sha256.isEmpty()) {
        const QString got = sha.hexDigest();
        if (got != st.sha256) {
            *failure = {ErrorCode::Failed,
                        QStringLiteral("export %1: data does not match its sha256 "
                                       "(recorded %2, read %3)")
                            .arg(id, st.sha256, got)};
            return done;
        }
    } else if (st.state != ExportState::Completed) {
        *failure = {
            ErrorCode::Failed,
            QStringLiteral("export %1 is %2: wrote its %3 bytes, but it is not a complete copy")
                .arg(id, st.stateText())
                .arg(done)};
    }
    return done;
}

std::optional<ExportStore::ServerInfo> ExportStore::serverInfo(Failure *failure)
{
    const RedisReply r = m_conn.command({"INFO"});
    if (r.isError()) {
        *failure = Failure::fromRedis(r.error);
        return std::nullopt;
    }
    const auto fields = parseInfo(r.string);
    ServerInfo info;
    info.version = QString::fromLatin1(fields.value("redis_version"));
    info.usedMemory = QString::fromLatin1(fields.value("used_memory_human"));
    info.usedMemoryBytes = fields.value("used_memory").toLongLong();
    info.maxMemoryBytes = fields.value("maxmemory").toLongLong();
    return info;
}

Failure checkServerAccepts(RedisConnection &conn, const QString &source, qint64 size,
                           qint64 segmentBytes)
{
    // One segment is the largest value ever sent: it must fit proto-max-bulk-len.
    qint64 limit = 512LL * 1024 * 1024;
    const RedisReply r = conn.command({"CONFIG", "GET", "proto-max-bulk-len"});
    if (r.isError() && r.error.isTransport()) return {ErrorCode::Redis, r.error.message};
    if (!r.isError() && r.type == RedisReply::Type::Array && r.elements.size() == 2)
        limit = std::max<qint64>(1, r.elements[1].string.toLongLong());
    if (segmentBytes > limit)
        return {ErrorCode::Usage,
                QStringLiteral("segment size %1 bytes is larger than the server accepts "
                               "in one value (proto-max-bulk-len %2 bytes)")
                    .arg(segmentBytes)
                    .arg(limit)};
    if (size <= 0) return {};
    const RedisReply info = conn.command({"INFO", "memory"});
    if (info.isError()) {
        if (info.error.isTransport()) return {ErrorCode::Redis, info.error.message};
        return {}; // INFO refused by an ACL: nothing more to learn
    }
    const auto fields = parseInfo(info.string);
    const qint64 used = fields.value("used_memory").toLongLong();
    const qint64 maxmemory = fields.value("maxmemory").toLongLong();
    const QByteArray policy = fields.value("maxmemory_policy");
    if (maxmemory <= 0) return {};
    if (size > maxmemory || (policy == "noeviction" && used + size > maxmemory))
        return {ErrorCode::Source,
                QStringLiteral("cannot export %1: %2 does not fit in Redis's memory (%3 used of "
                               "maxmemory %4, policy %5)")
                    .arg(source, formatBytes(size), formatBytes(used), formatBytes(maxmemory),
                         QString::fromLatin1(policy))};
    return {};
}

} // namespace hb

#include "exportlister.h"

#include "statuskeywalker.h"

#include <QDateTime>
#include <algorithm>
#include <unordered_set>

namespace hb {

ExportLister::ExportLister(ExportStore &store, int scanCount)
    : m_store(store), m_scanCount(std::max(1000, scanCount))
{
}

bool ExportLister::matches(const Filter &filter, const ExportStore::Entry &e, qint64 nowMs)
{
    const bool filtered =
        !filter.states.isEmpty() || !filter.owner.isEmpty() || filter.sinceMs >= 0;
    if (!e.status) return !filtered;
    const ExportStatus &s = *e.status;
    if (!filter.states.isEmpty() && !filter.states.contains(s.state)) return false;
    if (!filter.owner.isEmpty() && s.owner != filter.owner) return false;
    if (filter.sinceMs >= 0 &&
        (!s.createdAt.isValid() || s.createdAt.toMSecsSinceEpoch() < nowMs - filter.sinceMs))
        return false;
    return true;
}

Failure ExportLister::stream(const Filter &filter, const Batch &batch)
{
    m_keysScanned = 0;
    m_rowsPassed = 0;
    m_steps = 0;
    RedisConnection &conn = m_store.connection();
    const KeyLayout &keys = m_store.keys();
    StatusKeyWalker walker(conn, keys);
    Failure failure;
    if (!walker.restart(&failure)) return failure;
    std::unordered_set<size_t> seen;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    while (!walker.atEnd()) {
        QList<QByteArray> found;
        if (!walker.step(m_scanCount, &found, &failure)) return failure;
        ++m_steps;
        m_keysScanned += found.size();
        if (filter.skipRepeats) {
            QList<QByteArray> fresh;
            fresh.reserve(found.size());
            for (const QByteArray &k : std::as_const(found))
                if (seen.insert(qHash(k)).second) fresh.append(k);
            found.swap(fresh);
        }
        if (found.isEmpty()) continue;
        QList<QByteArray> values;
        QList<bool> missing;
        if (!fetchValues(conn, found, &values, &missing, &failure)) return failure;
        QList<ExportStore::Entry> rows;
        for (qsizetype i = 0; i < found.size(); ++i) {
            if (missing[i]) continue; // expired between SCAN and GET
            ExportStore::Entry e;
            e.id = keys.idFromStatusKey(found[i]);
            e.json = std::move(values[i]);
            QString problem;
            e.status = ExportStatus::fromJson(e.json, &problem);
            if (!e.status)
                e.problem = problem;
            else if (!isValidExportId(e.id))
                e.problem = QStringLiteral("key is not named by a valid export id");
            if (!matches(filter, e, now)) continue;
            rows.append(std::move(e));
            if (filter.limit >= 0 && m_rowsPassed + rows.size() >= filter.limit) break;
        }
        m_rowsPassed += rows.size();
        if (!rows.isEmpty() && !batch(rows)) return {};
        if (filter.limit >= 0 && m_rowsPassed >= filter.limit) return {};
    }
    return {};
}

QList<ExportStore::Entry> ExportLister::collectSorted(const Filter &filter, Failure *failure)
{
    QList<ExportStore::Entry> all;
    // A limit applies to the sorted rows: collect everything, cut after sorting.
    Filter unlimited = filter;
    unlimited.limit = -1;
    *failure = stream(unlimited, [&](const QList<ExportStore::Entry> &rows) {
        all.append(rows);
        return true;
    });
    std::stable_sort(all.begin(), all.end(), [](const auto &a, const auto &b) {
        const bool ha = a.status && a.status->createdAt.isValid();
        const bool hb = b.status && b.status->createdAt.isValid();
        if (ha != hb) return ha;
        return ha && a.status->createdAt < b.status->createdAt;
    });
    if (filter.limit >= 0 && all.size() > filter.limit) all.resize(filter.limit);
    return all;
}

} // namespace hb

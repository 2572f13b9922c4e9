#include "exportlister.h"

#include "statuskeywalker.h"

#include <QDateTime>
#include <algorithm>
#include <limits>
#include <vector>

namespace hb {

ExportLister::ExportLister(ExportStore &store, int scanCount)
    : m_store(store), m_scanCount(std::max(1000, scanCount))
{
}

bool ExportLister::matches(const Filter &filter, const Row &e, qint64 nowMs)
{
    const bool filtered =
        !filter.states.isEmpty() || !filter.owner.isEmpty() || filter.sinceMs >= 0;
    if (!e.status) return !filtered;
    const ListedStatus &s = *e.status;
    if (!filter.states.isEmpty() && !filter.states.contains(s.state())) return false;
    if (!filter.owner.isEmpty() && s.owner() != filter.owner) return false;
    if (filter.sinceMs >= 0) {
        const QDateTime created = s.createdAt();
        if (!created.isValid() || created.toMSecsSinceEpoch() < nowMs - filter.sinceMs)
            return false;
    }
    return true;
}

namespace {

// The keys seen so far, as 64-bit hashes in one open-addressed table: 8 to 16 bytes
// a key (a node-based set takes 40 and more).
class SeenKeys final
{
public:
    // True the first time `key` is met.
    bool insert(const QByteArray &key)
    {
        quint64 h = quint64(qHash(key, 0x9e3779b97f4a7c15ULL));
        if (h == 0) h = 1; // 0 marks an empty slot
        if ((m_used + 1) * 2 > m_slots.size()) grow();
        const size_t mask = m_slots.size() - 1;
        for (size_t i = size_t(h) & mask;; i = (i + 1) & mask) {
            if (m_slots[i] == h) return false;
            if (m_slots[i] == 0) {
                m_slots[i] = h;
                ++m_used;
                return true;
            }
        }
    }

private:
    void grow()
    {
        std::vector<quint64> old(std::max<size_t>(1024, m_slots.size() * 2), 0);
        old.swap(m_slots);
        const size_t mask = m_slots.size() - 1;
        for (const quint64 h : old) {
            if (h == 0) continue;
            size_t i = size_t(h) & mask;
            while (m_slots[i] != 0)
                i = (i + 1) & mask;
            m_slots[i] = h;
        }
    }

    std::vector<quint64> m_slots;
    size_t m_used = 0;
};

} // namespace

// One stream(): what is seen, filtered and handed on.
struct ExportLister::Run
{
    Run(ExportLister &l, const Filter &f, const Batch &b, const KeyLayout &k)
        : lister(l), filter(f), batch(b), keys(k)
    {
    }

    ExportLister &lister;
    const Filter &filter;
    const Batch &batch;
    const KeyLayout &keys;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    SeenKeys seen;

    // A SCAN step's keys, repeats dropped.
    void took(QList<QByteArray> *found)
    {
        ++lister.m_steps;
        lister.m_keysScanned += found->size();
        if (!filter.skipRepeats) return;
        qsizetype kept = 0;
        for (qsizetype i = 0; i < found->size(); ++i)
            if (seen.insert((*found)[i])) (*found)[kept++] = std::move((*found)[i]);
        found->resize(kept);
    }

    // The rows of one step, filtered and handed on. False: stop (limit, or the caller).
    bool hand(const QList<QByteArray> &found, QList<QByteArray> &values, const QList<bool> &missing)
    {
        QList<Row> rows;
        rows.reserve(found.size());
        for (qsizetype i = 0; i < found.size(); ++i) {
            if (missing[i]) continue; // expired between SCAN and GET
            Row e;
            e.id = keys.idFromStatusKey(found[i]);
            e.json = std::move(values[i]);
            QString problem;
            e.status = ListedStatus::fromJson(e.json, &problem);
            if (!e.status)
                e.problem = problem;
            else if (!isValidExportId(e.id))
                e.problem = QStringLiteral("key is not named by a valid export id");
            if (!matches(filter, e, now)) continue;
            rows.append(std::move(e));
            if (filter.limit >= 0 && lister.m_rowsPassed + rows.size() >= filter.limit) break;
        }
        lister.m_rowsPassed += rows.size();
        if (!rows.isEmpty() && !batch(rows)) return false;
        return filter.limit < 0 || lister.m_rowsPassed < filter.limit;
    }
};

Failure ExportLister::stream(const Filter &filter, const Batch &batch)
{
    m_keysScanned = 0;
    m_rowsPassed = 0;
    m_steps = 0;
    RedisConnection &conn = m_store.connection();
    StatusKeyWalker walker(conn, m_store.keys());
    Failure failure;
    if (!walker.restart(&failure)) return failure;
    Run run(*this, filter, batch, m_store.keys());
    if (!conn.isCluster()) return streamPipelined(run, walker);
    // A cluster: a step is a SCAN on every master, its keys' GETs routed to theirs.
    while (!walker.atEnd()) {
        QList<QByteArray> found;
        if (!walker.step(m_scanCount, &found, &failure)) return failure;
        run.took(&found);
        if (found.isEmpty()) continue;
        QList<QByteArray> values;
        QList<bool> missing;
        if (!fetchValues(conn, found, &values, &missing, &failure)) return failure;
        if (!run.hand(found, values, missing)) return {};
    }
    return {};
}

Failure ExportLister::streamPipelined(Run &run, StatusKeyWalker &walker)
{
    // One server: step k's MGETs and step k+1's SCAN go out together, and before
    // step k's rows are read and printed, step k+1's MGETs and step k+2's SCAN are
    // sent, so that Redis works while we do (the two take about as long).
    PipelinedValues fetch(m_store.connection());
    Failure failure;
    struct InFlight
    {
        QList<QByteArray> keys; // whose values are asked for
        bool mget = true;       // as MGETs
        bool scan = false;      // the next SCAN follows them
    };
    auto send = [&](QList<QByteArray> keys) {
        InFlight f;
        f.keys = std::move(keys);
        f.mget = fetch.send(f.keys);
        f.scan = !walker.atEnd();
        if (f.scan) walker.sendStep(m_scanCount);
        return f;
    };
    // Reads what `f` asked for: its values, and the next step's keys into `next`.
    auto receive = [&](const InFlight &f, QList<QByteArray> *values, QList<bool> *missing,
                       QList<QByteArray> *next) {
        return fetch.receive(f.keys, f.mget, values, missing, &failure) &&
               (!f.scan || walker.readStep(next, &failure)) &&
               fetch.readRefused(f.keys, values, missing, &failure);
    };

    QList<QByteArray> found;
    if (!walker.step(m_scanCount, &found, &failure)) return failure;
    run.took(&found);
    InFlight inFlight = send(std::move(found));
    while (!inFlight.keys.isEmpty() || inFlight.scan) {
        QList<QByteArray> values, next;
        QList<bool> missing;
        if (!receive(inFlight, &values, &missing, &next)) return failure;
        if (inFlight.scan) run.took(&next);
        const QList<QByteArray> current = std::move(inFlight.keys);
        inFlight = send(std::move(next));
        if (current.isEmpty()) continue;
        if (!run.hand(current, values, missing)) {
            // Stopped early: the replies asked for are read, so that the connection
            // stays usable (its next command gets its own reply).
            QList<QByteArray> ignored;
            if (!receive(inFlight, &values, &missing, &ignored)) return failure;
            return {};
        }
    }
    return {};
}

QList<ExportLister::Row> ExportLister::collectSorted(const Filter &filter, Failure *failure)
{
    // A row and its createdAt, read once (not at every comparison).
    std::vector<std::pair<qint64, Row>> all;
    // A limit applies to the sorted rows: collect everything, cut after sorting.
    Filter unlimited = filter;
    unlimited.limit = -1;
    *failure = stream(unlimited, [&](const QList<Row> &rows) {
        for (const Row &r : rows) {
            const QDateTime created = r.status ? r.status->createdAt() : QDateTime();
            // Unparsable and timeless rows last.
            all.emplace_back(created.isValid() ? created.toMSecsSinceEpoch()
                                               : std::numeric_limits<qint64>::max(),
                             r);
        }
        return true;
    });
    std::stable_sort(all.begin(), all.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    if (filter.limit >= 0 && qint64(all.size()) > filter.limit) all.resize(size_t(filter.limit));
    QList<Row> sorted;
    sorted.reserve(qsizetype(all.size()));
    for (auto &p : all)
        sorted.append(std::move(p.second));
    return sorted;
}

} // namespace hb

#pragma once

#include "exportconfig.h"
#include "exporterror.h"
#include "exportstatus.h"
#include "exportstore.h"
#include "listedstatus.h"

#include <QList>
#include <QSet>
#include <QString>
#include <functional>

namespace hb {

class StatusKeyWalker;

// Every export on the server, streamed (issue 21, item 4): the status keys of every
// master are walked with SCAN (COUNT ≥ 1000, matching status keys only), each step's
// statuses fetched in MGET batches, the filters applied, and the rows that pass
// handed to a callback before the next step: memory is bounded by a
// batch, not by the number of exports (but for the optional duplicate check, 8
// bytes a key). `limit` stops the walk once that many rows passed. Only
// collectSorted() holds every row, because sorting needs them all. A row's status
// is read only as far as a filter or the caller asks (ListedStatus): 100,000 rows
// printed as stored cost a scan of their bytes, not a JSON document each.
// Blocking, over the store's connection; not thread-safe.
class ExportLister final
{
public:
    struct Filter
    {
        QSet<ExportState> states; // empty: any; a status that does not parse never matches
        QString owner;            // empty: any
        qint64 limit = -1;        // rows; -1: all
        qint64 sinceMs = -1;      // created within this many ms before now; -1: any
        // SCAN may return a key twice (a table resize, a slot migrating): skip repeats.
        bool skipRepeats = true;
    };
    // A status key found and read: its status read lazily (ListedStatus), or why not.
    struct Row
    {
        QString id; // from the key
        QByteArray json;
        std::optional<ListedStatus> status;
        QString problem; // why status is empty, or why the key is suspect
    };
    using Batch = std::function<bool(const QList<Row> &rows)>; // false: stop

    explicit ExportLister(ExportStore &store, int scanCount = 1000);

    // Streams the rows that pass `filter`, a batch per SCAN step (empty batches are
    // not handed on). Failure on a Redis error; rows handed on before it stay valid.
    Failure stream(const Filter &filter, const Batch &batch);
    // The rows that pass, sorted by createdAt (oldest first; unparsable last).
    QList<Row> collectSorted(const Filter &filter, Failure *failure);

    // What the last stream() did, for benchmarks and tests.
    qint64 keysScanned() const { return m_keysScanned; }
    qint64 rowsPassed() const { return m_rowsPassed; }
    int scanSteps() const { return m_steps; }

    static bool matches(const Filter &filter, const Row &row, qint64 nowMs);

private:
    struct Run;
    Failure streamPipelined(Run &run, StatusKeyWalker &walker);

    ExportStore &m_store;
    const int m_scanCount;
    qint64 m_keysScanned = 0;
    qint64 m_rowsPassed = 0;
    int m_steps = 0;
};

} // namespace hb

#pragma once

#include "exportconfig.h"
#include "exporterror.h"
#include "exportstatus.h"
#include "exportstore.h"

#include <QList>
#include <QSet>
#include <QString>
#include <functional>

namespace hb {

// Every export on the server, streamed (issue 21, item 4): the status keys of every
// master are walked with SCAN (COUNT ≥ 1000, matching status keys only), each step's
// statuses fetched in one pipelined batch of GETs, the filters applied, and the rows
// that pass handed to a callback before the next step: memory is bounded by a
// batch, not by the number of exports (but for the optional duplicate check, 8
// bytes a key). `limit` stops the walk once that many rows passed. Only
// collectSorted() holds every row, because sorting needs them all.
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
    using Batch = std::function<bool(const QList<ExportStore::Entry> &rows)>; // false: stop

    explicit ExportLister(ExportStore &store, int scanCount = 1000);

    // Streams the rows that pass `filter`, a batch per SCAN step (empty batches are
    // not handed on). Failure on a Redis error; rows handed on before it stay valid.
    Failure stream(const Filter &filter, const Batch &batch);
    // The rows that pass, sorted by createdAt (oldest first; unparsable last).
    QList<ExportStore::Entry> collectSorted(const Filter &filter, Failure *failure);

    // What the last stream() did, for benchmarks and tests.
    qint64 keysScanned() const { return m_keysScanned; }
    qint64 rowsPassed() const { return m_rowsPassed; }
    int scanSteps() const { return m_steps; }

    static bool matches(const Filter &filter, const ExportStore::Entry &entry, qint64 nowMs);

private:
    ExportStore &m_store;
    const int m_scanCount;
    qint64 m_keysScanned = 0;
    qint64 m_rowsPassed = 0;
    int m_steps = 0;
};

} // namespace hb

#pragma once

#include <QHash>
#include <QList>
#include <QString>
#include <functional>
#include <queue>
#include <utility>
#include <vector>

namespace hb {

// One deadline per export (when its status key expires, as its status says:
// `updatedAt` + `ttl`), all in one min-heap that the monitor's single timer asks
// for the due ones, so that only those are checked with Redis. Setting a new
// deadline leaves the old heap entry behind, skipped when it surfaces (and the
// heap rebuilt when such leftovers outnumber the live ones).
class ExpiryDeadlines final
{
public:
    void set(const QString &id, qint64 deadlineMs);
    void remove(const QString &id);
    void clear();
    // Removes and returns the ids due at nowMs.
    QList<QString> takeDue(qint64 nowMs);
    // The earliest deadline, or -1 when none.
    qint64 next();
    qsizetype size() const { return m_current.size(); }

private:
    using Entry = std::pair<qint64, QString>;
    void dropStale();
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> m_heap;
    QHash<QString, qint64> m_current;
};

} // namespace hb

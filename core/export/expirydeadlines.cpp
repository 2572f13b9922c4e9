#include "expirydeadlines.h"

namespace hb {

void ExpiryDeadlines::set(const QString &id, qint64 deadlineMs)
{
    const auto it = m_current.find(id);
    if (it != m_current.end() && it.value() == deadlineMs) return;
    m_current.insert(id, deadlineMs);
    m_heap.emplace(deadlineMs, id);
    if (m_heap.size() > 2 * size_t(m_current.size()) + 1024) {
        // Progress events move a running export's deadline 4 times a second.
        std::vector<Entry> live;
        live.reserve(size_t(m_current.size()));
        for (auto c = m_current.cbegin(); c != m_current.cend(); ++c)
            live.emplace_back(c.value(), c.key());
        m_heap = decltype(m_heap)(std::greater<Entry>(), std::move(live));
    }
}

void ExpiryDeadlines::remove(const QString &id)
{
    m_current.remove(id);
}

void ExpiryDeadlines::clear()
{
    m_current.clear();
    m_heap = {};
}

void ExpiryDeadlines::dropStale()
{
    while (!m_heap.empty()) {
        const auto it = m_current.constFind(m_heap.top().second);
        if (it != m_current.cend() && it.value() == m_heap.top().first) return;
        m_heap.pop();
    }
}

qint64 ExpiryDeadlines::next()
{
    dropStale();
    return m_heap.empty() ? -1 : m_heap.top().first;
}

QList<QString> ExpiryDeadlines::takeDue(qint64 nowMs)
{
    QList<QString> due;
    while (true) {
        dropStale();
        if (m_heap.empty() || m_heap.top().first > nowMs) break;
        due.append(m_heap.top().second);
        m_current.remove(m_heap.top().second);
        m_heap.pop();
    }
    return due;
}

} // namespace hb

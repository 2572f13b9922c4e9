#include "listedstatus.h"

#include <algorithm>
#include <climits>
#include <cstring>

namespace hb {

namespace {

// Beyond these the quick reading steps aside (ExportStatus::fromJson decides).
constexpr int kMaxDepth = 32;
constexpr qsizetype kMaxQuickSize = 64 * 1024;
constexpr int kMaxIntegerDigits = 15; // exact in a double, as Qt's reader holds numbers
constexpr int kMaxFractionDigits = 20;

constexpr QLatin1String kNames[ListedStatus::Count] = {
    QLatin1String("id"),           QLatin1String("status"),        QLatin1String("owner"),
    QLatin1String("source"),       QLatin1String("host"),          QLatin1String("bytesTotal"),
    QLatin1String("bytesWritten"), QLatin1String("ownerVerified"), QLatin1String("createdAt")};

bool allPrintable(const QByteArray &json)
{
    for (const char ch : json) {
        const auto b = uchar(ch);
        if (b < 0x20 || b >= 0x7F) return false;
    }
    return true;
}

// A strict JSON reader over printable ASCII that records where the top-level
// members of kNames lie. It refuses (false) anything outside the plain subset:
// escapes, exponents, long numbers, deep nesting, a repeated member it records, so
// that what it accepts Qt's reader accepts too and reads the same.
class QuickScan final
{
public:
    explicit QuickScan(const QByteArray &json)
        : m_begin(json.constData()), m_p(m_begin), m_end(m_begin + json.size())
    {
    }

    bool run(ListedStatus::Span *spans)
    {
        skipSpace();
        if (!at('{') || !object(spans, 1)) return false;
        skipSpace();
        return m_p == m_end;
    }

private:
    bool at(char c) const { return m_p < m_end && *m_p == c; }
    void skipSpace()
    {
        while (m_p < m_end && *m_p == ' ')
            ++m_p;
    }
    bool digit() const { return m_p < m_end && *m_p >= '0' && *m_p <= '9'; }

    bool string(ListedStatus::Span *out)
    {
        const char *s = ++m_p;
        while (m_p < m_end) {
            if (*m_p == '"') {
                *out = {int(s - m_begin), int(m_p - s), '"'};
                ++m_p;
                return true;
            }
            if (*m_p == '\\') return false;
            ++m_p;
        }
        return false;
    }

    bool literal(const char *word, ListedStatus::Span *out)
    {
        const size_t n = std::strlen(word);
        if (size_t(m_end - m_p) < n || std::memcmp(m_p, word, n) != 0) return false;
        *out = {int(m_p - m_begin), int(n), word[0]};
        m_p += n;
        return true;
    }

    bool number(ListedStatus::Span *out)
    {
        const char *s = m_p;
        if (at('-')) ++m_p;
        int digits = 0;
        if (at('0')) {
            ++m_p;
            digits = 1;
        } else {
            for (; digit(); ++m_p)
                ++digits;
            if (digits == 0) return false;
        }
        if (digits > kMaxIntegerDigits) return false;
        char kind = '0';
        if (at('.')) {
            ++m_p;
            int fraction = 0;
            for (; digit(); ++m_p)
                ++fraction;
            if (fraction == 0 || fraction > kMaxFractionDigits) return false;
            kind = '.';
        }
        if (at('e') || at('E')) return false;
        *out = {int(s - m_begin), int(m_p - s), kind};
        return true;
    }

    bool value(int depth, ListedStatus::Span *out)
    {
        if (m_p >= m_end) return false;
        switch (*m_p) {
        case '{':
            *out = {int(m_p - m_begin), 0, '{'};
            return object(nullptr, depth + 1);
        case '[':
            *out = {int(m_p - m_begin), 0, '['};
            return array(depth + 1);
        case '"':
            return string(out);
        case 't':
            return literal("true", out);
        case 'f':
            return literal("false", out);
        case 'n':
            return literal("null", out);
        default:
            return number(out);
        }
    }

    // At '{'. With spans (the top level): the members of kNames are recorded.
    bool object(ListedStatus::Span *spans, int depth)
    {
        if (depth > kMaxDepth) return false;
        ++m_p;
        skipSpace();
        if (at('}')) {
            ++m_p;
            return true;
        }
        for (;;) {
            ListedStatus::Span key;
            if (!at('"') || !string(&key)) return false;
            skipSpace();
            if (!at(':')) return false;
            ++m_p;
            skipSpace();
            ListedStatus::Span v;
            if (!value(depth, &v)) return false;
            if (spans) {
                for (int m = 0; m < ListedStatus::Count; ++m) {
                    if (kNames[m].size() != key.size ||
                        std::memcmp(m_begin + key.begin, kNames[m].data(), size_t(key.size)) != 0)
                        continue;
                    if (spans[m].begin >= 0) return false; // repeated: Qt's reader decides
                    spans[m] = v;
                    break;
                }
            }
            skipSpace();
            if (at(',')) {
                ++m_p;
                skipSpace();
                continue;
            }
            if (!at('}')) return false;
            ++m_p;
            return true;
        }
    }

    bool array(int depth)
    {
        if (depth > kMaxDepth) return false;
        ++m_p;
        skipSpace();
        if (at(']')) {
            ++m_p;
            return true;
        }
        for (;;) {
            ListedStatus::Span v;
            if (!value(depth, &v)) return false;
            skipSpace();
            if (at(',')) {
                ++m_p;
                skipSpace();
                continue;
            }
            if (!at(']')) return false;
            ++m_p;
            return true;
        }
    }

    const char *const m_begin;
    const char *m_p;
    const char *const m_end;
};

ExportState stateOf(const char *text, int size)
{
    for (ExportState s : {ExportState::Created, ExportState::Pending, ExportState::Completed,
                          ExportState::Cancelled, ExportState::Failed}) {
        const QString name = stateName(s);
        if (name.size() == size && QLatin1String(text, size) == name) return s;
    }
    return ExportState::Unknown;
}

} // namespace

std::optional<ListedStatus> ListedStatus::fromJson(const QByteArray &json, QString *error)
{
    ListedStatus s;
    s.m_json = json;
    s.m_plain = allPrintable(json);
    if (s.m_plain && json.size() <= kMaxQuickSize && QuickScan(json).run(s.m_spans) &&
        s.m_spans[Id].kind == '"' && s.m_spans[Status].kind == '"') {
        s.m_state = stateOf(json.constData() + s.m_spans[Status].begin, s.m_spans[Status].size);
        return s;
    }
    auto full = ExportStatus::fromJson(json, error);
    if (!full) return std::nullopt;
    s.m_state = full->state;
    s.m_full = std::make_shared<const ExportStatus>(std::move(*full));
    return s;
}

QString ListedStatus::text(Member m, int maxSize) const
{
    const Span &span = m_spans[m];
    if (span.kind != '"') return {};
    // Printable ASCII: a byte is a character, as Qt would decode it.
    return QString::fromLatin1(m_json.constData() + span.begin, std::min(span.size, maxSize));
}

qint64 ListedStatus::integer(Member m, qint64 fallback) const
{
    const Span &span = m_spans[m];
    double d = 0;
    if (span.kind == '0') {
        // At most 15 digits: exact, as Qt's reader gives it.
        const char *p = m_json.constData() + span.begin;
        const char *end = p + span.size;
        const bool negative = *p == '-';
        qint64 v = 0;
        for (p += negative ? 1 : 0; p < end; ++p)
            v = v * 10 + (*p - '0');
        d = double(negative ? -v : v);
    } else if (span.kind == '.') {
        d = QByteArray::fromRawData(m_json.constData() + span.begin, span.size).toDouble();
    } else {
        return fallback;
    }
    if (!(d >= -1.0 && d <= 9.0e15)) return fallback; // as ExportStatus::fromJson
    return qint64(d);
}

QString ListedStatus::id() const
{
    return m_full ? m_full->id : text(Id, INT_MAX);
}

QString ListedStatus::stateText() const
{
    if (m_full) return m_full->stateText();
    return m_state == ExportState::Unknown ? text(Status, 64) : stateName(m_state);
}

QString ListedStatus::owner() const
{
    return m_full ? m_full->owner : text(Owner, 4096);
}

QString ListedStatus::source() const
{
    return m_full ? m_full->source : text(Source, 4096);
}

QString ListedStatus::host() const
{
    return m_full ? m_full->host : text(Host, 4096);
}

qint64 ListedStatus::bytesTotal() const
{
    return m_full ? m_full->bytesTotal : integer(BytesTotal, -1);
}

qint64 ListedStatus::bytesWritten() const
{
    return m_full ? m_full->bytesWritten : std::max<qint64>(0, integer(BytesWritten, 0));
}

bool ListedStatus::ownerVerified() const
{
    return m_full ? m_full->ownerVerified : m_spans[Verified].kind == 't';
}

QDateTime ListedStatus::createdAt() const
{
    if (m_full) return m_full->createdAt;
    return m_spans[Created].kind == '"' ? statusTimeFromText(text(Created, INT_MAX)) : QDateTime();
}

} // namespace hb

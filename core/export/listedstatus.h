#pragma once

#include "exportstatus.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <memory>
#include <optional>

namespace hb {

// The fields of a status JSON a listing shows or filters by, read lazily (issue 21:
// `list --json` of 100,000 in ≤ 1 s). fromJson() checks the JSON and finds where
// the listing's members are without building a QJsonDocument; an accessor decodes
// its member only when asked, so a row printed as its stored bytes costs one pass.
// The quick reading takes only plain statuses (printable ASCII, strings without
// escapes, integers without exponent: what our writers produce for ASCII names);
// anything else is read by ExportStatus::fromJson, so that every status reads, and
// fails, exactly as there.
class ListedStatus final
{
public:
    // nullopt and the reason (ExportStatus::fromJson's) when it is not a status.
    static std::optional<ListedStatus> fromJson(const QByteArray &json, QString *error = nullptr);

    const QByteArray &json() const { return m_json; }
    // True when every byte is printable ASCII: escapeUntrustedJson(json()) == json().
    bool isPlain() const { return m_plain; }

    QString id() const;
    ExportState state() const { return m_state; }
    QString stateText() const; // ExportStatus::stateText()
    QString owner() const;
    QString source() const;
    QString host() const;
    qint64 bytesTotal() const;
    qint64 bytesWritten() const;
    bool ownerVerified() const;
    QDateTime createdAt() const; // parsed at each call

    // Where a member's value lies in m_json; begin < 0: absent.
    struct Span
    {
        int begin = -1;
        int size = 0;
        char kind = 0; // '"' a string (the quotes excluded), '0' an integer, 't', 'f', other
    };
    enum Member {
        Id,
        Status,
        Owner,
        Source,
        Host,
        BytesTotal,
        BytesWritten,
        Verified,
        Created,
        Count
    };

private:
    ListedStatus() = default;
    QString text(Member m, int maxSize) const;
    qint64 integer(Member m, qint64 fallback) const;

    QByteArray m_json;
    Span m_spans[Count];
    ExportState m_state = ExportState::Unknown;
    bool m_plain = false;
    // A status the quick reading did not take, read whole.
    std::shared_ptr<const ExportStatus> m_full;
};

} // namespace hb

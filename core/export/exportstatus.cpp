#include "exportstatus.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QUuid>

#include <algorithm>
#include <cstdio>

namespace hb {

QString stateName(ExportState s)
{
    switch (s) {
    case ExportState::Queued:
        return QStringLiteral("QUEUED");
    case ExportState::Created:
        return QStringLiteral("CREATED");
    case ExportState::Pending:
        return QStringLiteral("PENDING");
    case ExportState::Completed:
        return QStringLiteral("COMPLETED");
    case ExportState::Cancelled:
        return QStringLiteral("CANCELLED");
    case ExportState::Failed:
        return QStringLiteral("FAILED");
    case ExportState::Unknown:
        break;
    }
    return QStringLiteral("UNKNOWN");
}

ExportState stateFromName(const QString &name)
{
    for (ExportState s : {ExportState::Created, ExportState::Pending, ExportState::Completed,
                          ExportState::Cancelled, ExportState::Failed}) {
        if (name == stateName(s)) return s;
    }
    return ExportState::Unknown;
}

bool isTerminal(ExportState s)
{
    return s == ExportState::Completed || s == ExportState::Cancelled || s == ExportState::Failed;
}

QString isoTime(const QDateTime &t)
{
    return t.toUTC().toString(Qt::ISODateWithMs);
}

namespace {

void appendString(QByteArray &out, const QString &s)
{
    out += '"';
    const QByteArray utf8 = s.toUtf8();
    for (char ch : utf8) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += char(c);
            }
        }
    }
    out += '"';
}

void appendNullable(QByteArray &out, const QString &s)
{
    if (s.isEmpty())
        out += "null";
    else
        appendString(out, s);
}

QDateTime parseTime(const QJsonValue &v)
{
    return statusTimeFromText(v.toString());
}

} // namespace

QDateTime statusTimeFromText(const QString &text)
{
    QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!t.isValid()) t = QDateTime::fromString(text, Qt::ISODate);
    return t;
}

QByteArray ExportStatus::toJson() const
{
    QByteArray out;
    out.reserve(512);
    out += "{\"id\":";
    appendString(out, id);
    out += ",\"status\":";
    appendString(out, stateText());
    out += ",\"owner\":";
    appendString(out, owner);
    out += ",\"source\":";
    appendString(out, source);
    out += ",\"bytesTotal\":" + QByteArray::number(bytesTotal);
    out += ",\"bytesWritten\":" + QByteArray::number(bytesWritten);
    out += ",\"createdAt\":";
    appendString(out, isoTime(createdAt));
    out += ",\"updatedAt\":";
    appendString(out, isoTime(updatedAt));
    out += ",\"sha256\":";
    appendNullable(out, sha256);
    out += ",\"error\":";
    appendNullable(out, error);
    out += ",\"cancelledBy\":";
    appendNullable(out, cancelledBy);
    if (segmentBytes > 0) out += ",\"segmentBytes\":" + QByteArray::number(segmentBytes);
    if (segments >= 0) out += ",\"segments\":" + QByteArray::number(segments);
    out += ",\"ttl\":" + QByteArray::number(ttl);
    out += ",\"settled\":";
    out += settled ? "true" : "false";
    out += ",\"host\":";
    appendString(out, host);
    out += ",\"pid\":" + QByteArray::number(pid);
    out += ",\"ownerVerified\":";
    out += ownerVerified ? "true" : "false";
    if (fingerprint.isValid())
        out += ",\"fingerprint\":" +
               QJsonDocument(fingerprint.toJson()).toJson(QJsonDocument::Compact);
    if (!ownerToken.isEmpty()) {
        out += ",\"ownerToken\":";
        appendString(out, ownerToken);
    }
    if (!bootId.isEmpty()) {
        out += ",\"bootId\":";
        appendString(out, bootId);
    }
    if (pidStart > 0) out += ",\"pidStart\":" + QByteArray::number(pidStart);
    if (resumedAt.isValid()) {
        out += ",\"resumedAt\":";
        appendString(out, isoTime(resumedAt));
    }
    if (resumes > 0) out += ",\"resumes\":" + QByteArray::number(resumes);
    out += '}';
    return out;
}

std::optional<ExportStatus> ExportStatus::fromJson(const QByteArray &json, QString *error)
{
    auto fail = [&](const QString &why) -> std::optional<ExportStatus> {
        if (error) *error = why;
        return std::nullopt;
    };
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &perr);
    if (perr.error != QJsonParseError::NoError)
        return fail(QStringLiteral("malformed status JSON: %1 at offset %2")
                        .arg(perr.errorString())
                        .arg(perr.offset));
    if (!doc.isObject()) return fail(QStringLiteral("malformed status JSON: not an object"));
    const QJsonObject o = doc.object();
    if (!o.value(QLatin1String("id")).isString())
        return fail(QStringLiteral("malformed status JSON: \"id\" is missing or not a string"));
    if (!o.value(QLatin1String("status")).isString())
        return fail(QStringLiteral("malformed status JSON: \"status\" is missing or not a string"));

    ExportStatus s;
    s.id = o.value(QLatin1String("id")).toString();
    s.rawState = o.value(QLatin1String("status")).toString().left(64);
    s.state = stateFromName(s.rawState);
    auto str = [&](const char *key) {
        const QJsonValue v = o.value(QLatin1String(key));
        return v.isString() ? v.toString().left(4096) : QString();
    };
    auto num = [&](const char *key, qint64 fallback) {
        const QJsonValue v = o.value(QLatin1String(key));
        if (!v.isDouble()) return fallback;
        const double d = v.toDouble();
        if (!(d >= -1.0 && d <= 9.0e15)) // rejects NaN and absurd values
            return fallback;
        return qint64(d);
    };
    s.owner = str("owner");
    s.source = str("source");
    s.bytesTotal = num("bytesTotal", -1);
    s.bytesWritten = std::max<qint64>(0, num("bytesWritten", 0));
    s.createdAt = parseTime(o.value(QLatin1String("createdAt")));
    s.updatedAt = parseTime(o.value(QLatin1String("updatedAt")));
    s.sha256 = str("sha256");
    s.error = str("error");
    s.cancelledBy = str("cancelledBy");
    s.segmentBytes = std::max<qint64>(0, num("segmentBytes", 0));
    s.segments = num("segments", -1);
    s.ttl = int(std::clamp<qint64>(num("ttl", 0), 0, (1LL << 31) - 1));
    s.settled = o.value(QLatin1String("settled")).toBool(false);
    s.host = str("host");
    s.pid = num("pid", 0);
    s.ownerVerified = o.value(QLatin1String("ownerVerified")).toBool(false); // absent: unverified
    const QJsonValue fingerprint = o.value(QLatin1String("fingerprint"));
    if (fingerprint.isObject()) {
        // One that does not parse is as good as none: such an export is not resumable.
        if (auto f = SourceFingerprint::fromJson(fingerprint.toObject())) s.fingerprint = *f;
    }
    s.ownerToken = str("ownerToken").left(128);
    s.bootId = str("bootId").left(128);
    s.pidStart = std::max<qint64>(0, num("pidStart", 0));
    s.resumedAt = parseTime(o.value(QLatin1String("resumedAt")));
    s.resumes = int(std::clamp<qint64>(num("resumes", 0), 0, (1LL << 31) - 1));
    return s;
}

bool isValidExportId(const QString &id)
{
    // 8-4-4-4-12 lowercase hex digits; by hand, not a regular expression: the lister
    // and the monitor ask this of every key at 100,000 exports.
    if (id.size() != 36) return false;
    for (qsizetype i = 0; i < 36; ++i) {
        const char16_t c = id[i].unicode();
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != u'-') return false;
        } else if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f'))) {
            return false;
        }
    }
    return true;
}

QString newExportId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces).toLower();
}

QString newOwnerToken()
{
    return QUuid::createUuid().toString(QUuid::Id128);
}

} // namespace hb

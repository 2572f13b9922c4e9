#include "textescape.h"

#include <QList>

namespace hb {

namespace {

bool isBidiControl(char32_t c)
{
    return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069);
}

bool isUnsafe(char32_t c)
{
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || isBidiControl(c) || c == 0x2028 || c == 0x2029;
}

QString hex(char32_t c, int width)
{
    return QStringLiteral("%1").arg(uint(c), width, 16, QLatin1Char('0'));
}

QString escaped(char32_t c)
{
    switch (c) {
    case '\n':
        return QStringLiteral("\\n");
    case '\r':
        return QStringLiteral("\\r");
    case '\t':
        return QStringLiteral("\\t");
    case 0x1B:
        return QStringLiteral("\\e");
    default:
        break;
    }
    if (c < 0x20 || c == 0x7F) return QStringLiteral("\\x") + hex(c, 2);
    return QStringLiteral("\\u") + hex(c, 4);
}

} // namespace

bool needsEscaping(const QString &text)
{
    for (const char32_t c : text.toUcs4())
        if (isUnsafe(c)) return true;
    return false;
}

QString escapeUntrusted(const QString &text, int maxChars)
{
    QString out;
    out.reserve(text.size());
    for (const char32_t c : text.toUcs4()) {
        if (isUnsafe(c))
            out += escaped(c);
        else
            out += QString::fromUcs4(&c, 1);
    }
    if (maxChars > 0 && out.size() > maxChars) {
        out.truncate(maxChars > 1 ? maxChars - 1 : 0);
        // Never leave half a surrogate pair behind.
        if (!out.isEmpty() && out.back().isHighSurrogate()) out.chop(1);
        out += QChar(0x2026);
    }
    return out;
}

QByteArray escapeUntrustedJson(const QByteArray &json)
{
    bool clean = true;
    for (const char ch : json) {
        const auto b = uchar(ch);
        if (b < 0x20 || b >= 0x7F) {
            clean = false;
            break;
        }
    }
    if (clean) return json;

    const QString text = QString::fromUtf8(json);
    QString out;
    out.reserve(text.size());
    bool inString = false;
    bool backslash = false;
    for (const char32_t c : text.toUcs4()) {
        if (inString) {
            if (backslash)
                backslash = false;
            else if (c == '\\')
                backslash = true;
            else if (c == '"')
                inString = false;
            if (isUnsafe(c)) {
                out += QStringLiteral("\\u") + hex(c, 4);
                continue;
            }
        } else if (c == '"') {
            inString = true;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            out += QLatin1Char(' ');
            continue;
        } else if (isUnsafe(c)) {
            // Not JSON at all outside a string; keep it visible but inert.
            out += escaped(c);
            continue;
        }
        out += QString::fromUcs4(&c, 1);
    }
    return out.toUtf8();
}

} // namespace hb

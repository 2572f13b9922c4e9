#pragma once

#include <QByteArray>
#include <QString>

namespace hb {

// Text from other machines (file names, owners, hosts, error messages read from a
// status key) is untrusted: shown raw, an escape sequence in it can recolour or
// retitle a terminal, a newline can forge a line of a table, a bidi override can
// make a name read backwards. This turns every such character into a visible
// escape, so the result is one line of plain, inert text:
//   \n \r \t, \e (ESC), \xNN for the other C0 controls and DEL, \u0080–\u009f for
//   the C1 controls, \u202e etc. for bidi embeddings, overrides, isolates and
//   marks, \u2028 \u2029 for the line and paragraph separators.
// Everything else (accents, CJK, emoji) is kept. With maxChars > 0, a longer
// result is cut there and ends with "…".
QString escapeUntrusted(const QString &text, int maxChars = 0);

// Whether escapeUntrusted would change text (other than cutting it).
bool needsEscaping(const QString &text);

// A JSON document read from Redis, made safe for a terminal and kept valid JSON
// with its bytes and field order unchanged where nothing needed escaping: inside
// strings, the characters above become \uXXXX escapes; outside strings, line
// breaks and tabs become spaces (one line). Invalid UTF-8 is replaced (U+FFFD).
QByteArray escapeUntrustedJson(const QByteArray &json);

} // namespace hb

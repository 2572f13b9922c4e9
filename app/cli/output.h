#pragma once

#include "exporterror.h"
#include "exportstatus.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>

#include <cstdio>
#include <optional>

// What every command writes, and how. Every line that can hold someone else's
// text goes through escapeUntrusted (CONTRACT §6: errors are one line; issue 13
// item 14).
namespace hb::cli {

// Through stdio, flushed at once: stdout and stderr lines stay in the order written.
void writeAll(FILE *f, const QByteArray &bytes);
// Straight to the file descriptor, across EINTR: `watch`'s frames, written while
// its signals (which do not restart system calls) may arrive.
void writeFd(int fd, const QByteArray &bytes);
// One line on stderr, escaped.
void errLine(const QString &message);
// One line on stdout, as given (the caller escaped what needed it).
void outLine(const QByteArray &line);
// The failure's one line on stderr; its exit code.
int fail(const Failure &f);

// "2026-12-07 09:10:11 UTC", or "?" for a time not recorded.
QString formatTime(const QDateTime &t);

// `status` and `cancel`: one field a line, "expires  in N s" with a TTL.
QString statusText(const ExportStatus &s, std::optional<qint64> ttl = std::nullopt);

} // namespace hb::cli

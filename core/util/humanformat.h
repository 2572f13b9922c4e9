#pragma once

#include <QString>

namespace hb {

// Numbers for people, in one place: sizes, speeds, durations, percentages and a
// text cut to a width. The CLI and the window spell some of them differently
// (fixed "976.56 KiB" on a terminal and in messages, the user's locale in the
// window); both spellings live here, next to each other.

// "0 B", "976.56 KiB", "1.5 GiB": two decimals under 10, one above; "?" below 0.
// Locale-independent: the CLI's output, Redis error messages, logs.
QString formatBytes(qint64 bytes);
// "976.6 KiB" in the user's locale (QLocale's IEC units): the window.
QString sizeText(qint64 bytes);
// formatBytes per second: "1.50 MiB/s".
QString formatSpeed(qint64 bytesPerSecond);

// Parses "1048576", "64K", "1.5M", "2G", "64KiB" (powers of 1024). -1 when malformed.
qint64 parseByteSize(const QString &text);

// Whole seconds in the two largest units, the same steps in either spelling:
//   Words   (the window): "35 s", "4 min 12 s", "2 h 5 min", "3 d 4 h"
//   Compact (`watch`'s narrow column): "35s", "4m12s", "2h05m", "3d4h"
// A negative duration is 0 s.
enum class DurationStyle { Words, Compact };
QString formatDuration(qint64 ms, DurationStyle style = DurationStyle::Words);

// part * 100 / whole, rounded down; -1 when whole is not positive (an unknown total).
qint64 percentOf(qint64 part, qint64 whole);

// text when it fits in width characters, else its first width - 1 and "…".
QString elide(const QString &text, int width);

} // namespace hb

#pragma once

#include "exportstatus.h"

#include <QByteArray>
#include <QString>

namespace hb {

// A size for people, in the user's locale: "976.6 KiB" (QLocale's IEC units).
QString sizeText(qint64 bytes);

// A status JSON laid out for people: indented, one field a line.
QString prettyStatusJson(const QByteArray &json);
// A few lines that say what an export is doing, for the lookup and details dialogs.
QString statusSummary(const ExportStatus &status);

// "35 s", "4 min 12 s", "2 h 5 min", "3 d 4 h": ages, ETAs, durations, everywhere
// the window shows one.
QString formatDuration(qint64 ms);

} // namespace hb

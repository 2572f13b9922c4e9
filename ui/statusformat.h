#pragma once

#include "exportstatus.h"
#include "humanformat.h" // sizeText, formatDuration: the window's spellings, beside the CLI's

#include <QByteArray>
#include <QString>

namespace hb {

// A status JSON laid out for people: indented, one field a line.
QString prettyStatusJson(const QByteArray &json);
// A few lines that say what an export is doing, for the lookup and details dialogs.
QString statusSummary(const ExportStatus &status);

} // namespace hb

// Any bytes a status key may hold: parsing never crashes, and what parses
// serialises back to JSON that parses to the same status.
#include "exportstatus.h"

#include <QByteArray>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    QString error;
    const auto status = hb::ExportStatus::fromJson(input, &error);
    if (!status) {
        if (error.isEmpty()) abort(); // a refusal always says why
        return 0;
    }
    const QByteArray again = status->toJson();
    const auto reparsed = hb::ExportStatus::fromJson(again);
    if (!reparsed || reparsed->toJson() != again) abort(); // our own output must round-trip
    (void)hb::isValidExportId(status->id);
    return 0;
}

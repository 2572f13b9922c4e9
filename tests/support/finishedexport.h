#pragma once

#include "exportstatus.h"

#include <QSignalSpy>
#include <QString>

namespace hb::test {

// The arguments of one Exporter::exportFinished signal.
struct FinishedExport
{
    QString id;
    ExportStatus status;
    int code = -1; // an hb::ErrorCode
    QString message;
};

// Takes the oldest exportFinished recorded by spy (which must not be empty).
inline FinishedExport takeFinished(QSignalSpy &spy)
{
    const QList<QVariant> a = spy.takeFirst();
    return {a[0].toString(), a[1].value<ExportStatus>(), a[2].toInt(), a[3].toString()};
}

} // namespace hb::test

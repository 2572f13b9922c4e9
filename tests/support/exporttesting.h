#pragma once

#include "exportconfig.h"
#include "exporter.h"
#include "exportstatus.h"
#include "testredis.h"

#include <QSignalSpy>
#include <QString>
#include <QTest>
#include <memory>

namespace hb::test {

// The arguments of one Exporter::exportFinished signal.
struct FinishedExport
{
    QString id;
    ExportStatus status;
    ErrorCode code = ErrorCode::None;
    QString message;
};

// Takes the oldest exportFinished recorded by spy (which must not be empty).
inline FinishedExport takeFinished(QSignalSpy &spy)
{
    const QList<QVariant> a = spy.takeFirst();
    return {a[0].toString(), a[1].value<ExportStatus>(), a[2].value<ErrorCode>(), a[3].toString()};
}

// An export under way: started, and already writing when returned (started).
struct WritingExport
{
    std::unique_ptr<Exporter> exporter;
    std::unique_ptr<QSignalSpy> finished; // exportFinished
    QString id;
    bool started = false;
};

// Starts an export of path (throttle it through cfg) and waits, at most 30 s,
// until its status in redis records some bytes written.
inline WritingExport startWriting(TestRedisServer &redis, const ExporterConfig &cfg,
                                  const QString &path)
{
    WritingExport w;
    w.exporter = std::make_unique<Exporter>(cfg, nullptr);
    w.finished = std::make_unique<QSignalSpy>(w.exporter.get(), &Exporter::exportFinished);
    w.id = w.exporter->startExport(path);
    const QByteArray key = cfg.keys.statusKey(w.id);
    w.started = QTest::qWaitFor(
        [&] {
            const auto s = ExportStatus::fromJson(redis.command({"GET", key}).string);
            return s && s->bytesWritten > 0;
        },
        30000);
    return w;
}

} // namespace hb::test

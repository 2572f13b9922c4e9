#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QPromise>
#include <QThreadPool>
#include <memory>
#include <type_traits>
#include <utility>

namespace hb {

// Runs `work` on Qt's global thread pool and hands its result to `done` on
// `context`'s thread, once the work has finished. When `context` is destroyed
// first, `done` is never called (the work still runs to its end: it must own
// everything it touches, e.g. an ExportStore built inside it).
//
// The one home of the "QFutureWatcher + run on a thread + ExportStore" pattern the
// window needs for every blocking Redis call (lookup, fetch, server info, checks).
// Qt Core only: the core does not link Qt Concurrent.
template <typename Work, typename Done> void runInBackground(QObject *context, Work work, Done done)
{
    using Result = std::invoke_result_t<Work &>;
    auto promise = std::make_shared<QPromise<Result>>();
    auto *watcher = new QFutureWatcher<Result>(context);
    QObject::connect(watcher, &QFutureWatcher<Result>::finished, context,
                     [watcher, done = std::move(done)]() mutable {
                         watcher->deleteLater();
                         if (watcher->future().resultCount() > 0) done(watcher->result());
                     });
    watcher->setFuture(promise->future());
    promise->start();
    QThreadPool::globalInstance()->start([promise, work = std::move(work)]() mutable {
        promise->addResult(work());
        promise->finish();
    });
}

} // namespace hb

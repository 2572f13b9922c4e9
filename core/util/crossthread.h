#pragma once

#include <QObject>

#include <functional>

namespace hb {

// Runs `call` on `receiver`'s thread, later (a queued call): how the core's own
// threads (export jobs' helpers, the queue, the monitor) hand results back. The one
// place that does so, on purpose: Debian's Qt is not built with ThreadSanitizer, so
// the hand-over of the queued call object between the two threads happens under locks
// TSan cannot see. tests/sanitizers/tsan.supp names this function for that hand-over
// alone; it holds no logic of its own. Dropped if the receiver is destroyed first.
void postToThreadOf(QObject *receiver, std::function<void()> call);

} // namespace hb

#include "crossthread.h"

#include <QMetaObject>

namespace hb {

void postToThreadOf(QObject *receiver, std::function<void()> call)
{
    QMetaObject::invokeMethod(receiver, std::move(call), Qt::QueuedConnection);
}

} // namespace hb

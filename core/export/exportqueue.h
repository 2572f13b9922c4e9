#pragma once

#include "exportconfig.h"
#include "exporterror.h"
#include "exportjob.h"
#include "exportstatus.h"
#include "permissions.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QString>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace hb {

class RedisConnection;

// The waiting room of an Exporter (CONTRACT §3, §4, §5). Every export passes its
// permission and source checks here and gets its status key, CREATED, before it
// waits for a running slot: so a queued export is listed everywhere, has its id
// printed, and can be cancelled from anywhere. While it waits, this object refreshes
// its status TTL and watches for a cancel written by another process, which it
// settles at once (CANCELLED, bytesWritten 0: the export never starts).
//
// Threads: one, started by the constructor and stopped and joined by the
// destructor, which first cancels every export still waiting here (the stop
// sequence of an export that never started). Requests are queued to that thread;
// results come back as queued calls on the receiver's thread, in order.
class ExportQueue final
{
public:
    struct Handlers
    {
        // The status key exists (CREATED): the export waits for release().
        std::function<void(const PreparedExport &)> prepared;
        // An export that will never run: refused before anything was written (no
        // status key), or cancelled or lost while it waited.
        std::function<void(const QString &id, const ExportStatus &, ErrorCode, const QString &)>
            ended;
        // release() took effect: the export is the caller's now.
        std::function<void(const PreparedExport &)> released;
    };
    ExportQueue(QObject *receiver, Handlers handlers);
    ~ExportQueue();
    ExportQueue(const ExportQueue &) = delete;
    ExportQueue &operator=(const ExportQueue &) = delete;

    void prepare(const QString &id, const QString &source, const ExporterConfig &config,
                 std::shared_ptr<const PermissionsService> permissions);
    // Takes over export `id` whose owner is gone (ResumeCheck) and queues it like a
    // prepared one (prepared, then released), or ends it: refused, nothing written;
    // already COMPLETED (code None).
    void resume(const QString &id, const QString &source, const ExporterConfig &config,
                std::shared_ptr<const PermissionsService> permissions);
    // Cancels an export not yet released: before its key exists nothing is
    // written; after, it is compare-and-set to CANCELLED by `user`.
    void cancel(const QString &id, const QString &user);
    // Hands a prepared export over (released, unless it ended meanwhile).
    void release(const QString &id);

private:
    struct Request;
    struct Waiting;
    void push(Request request);
    void loop();
    void handle(const Request &r);
    void doPrepare(const Request &r);
    void doResume(const Request &r);
    void wait(const PreparedExport &prepared, const ExporterConfig &config);
    void cancelWaiting(Waiting &w, const QString &user, const QString &message);
    void poll();
    RedisConnection &connectionFor(const RedisEndpoint &endpoint);
    void post(std::function<void()> call);

    QObject *const m_receiver; // outlives this object: it owns it
    Handlers m_handlers;
    std::thread m_thread; // a std::thread: its join is visible to ThreadSanitizer

    std::mutex m_mutex; // guards m_requests and m_stopping
    std::condition_variable m_wake;
    std::deque<Request> m_requests;
    bool m_stopping = false;

    // Only on the queue's thread:
    QHash<QString, std::shared_ptr<Waiting>> m_waiting;
    QHash<QString, QString> m_cancelledEarly; // id -> user, cancelled before prepared
    std::vector<std::pair<RedisEndpoint, std::unique_ptr<RedisConnection>>> m_connections;
};

} // namespace hb

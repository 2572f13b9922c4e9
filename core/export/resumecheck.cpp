#include "resumecheck.h"

#include "exportsource.h"
#include "filesource.h"
#include "httpsource.h"
#include "ownerliveness.h"
#include "sourcefingerprint.h"
#include "takeover.h"

#include <QUrl>

namespace hb {

namespace {

using Outcome = ResumeCheck::Outcome;

Outcome refused(ErrorCode code, const QString &message, const ExportStatus &status = {})
{
    Outcome o;
    o.kind = Outcome::Kind::Refused;
    o.code = code;
    o.message = message;
    o.status = status;
    return o;
}

// The source as it is now, or a refusal (Source) saying why it cannot be read.
SourceFingerprint fingerprintNow(const QString &source, QString *why)
{
    if (isUrlSource(source)) {
        HttpSource probe{QUrl(source)};
        if (!probe.open()) {
            *why = probe.errorString();
            return {};
        }
        const SourceFingerprint fp = probe.fingerprint();
        if (!fp.isValid()) {
            *why = QStringLiteral("%1 sends neither ETag nor Last-Modified now")
                       .arg(HttpSource::publicUrl(QUrl(source)));
            return fp;
        }
        // The rest is asked for with Range: a server that ignores it is found now,
        // before the takeover writes anything.
        if (fp.size > 1 && !probe.seek(1)) {
            *why = QStringLiteral("%1 ignores Range requests (%2)")
                       .arg(HttpSource::publicUrl(QUrl(source)), probe.errorString());
            return {};
        }
        probe.close();
        return fp;
    }
    return SourceFingerprint::ofPath(source, why);
}

} // namespace

QString ResumeCheck::cannot(const QString &id, const QString &why)
{
    return QStringLiteral("cannot resume %1: %2").arg(id, why);
}

ResumeCheck::Outcome ResumeCheck::run(RedisConnection &conn, const ExporterConfig &config,
                                      const QString &id, const QString &source,
                                      const QString &actingUser,
                                      const PermissionsService &permissions)
{
    const KeyLayout &keys = config.keys;
    const RedisReply got = conn.command({"GET", keys.statusKey(id)});
    if (got.isError()) {
        const Failure f = Failure::fromRedis(got.error);
        return refused(f.code, got.error.message);
    }
    if (got.isNil())
        return refused(ErrorCode::NotFound, QStringLiteral("no export found for id: %1").arg(id));
    QString problem;
    const auto stored = ExportStatus::fromJson(got.string, &problem);
    if (!stored) return refused(ErrorCode::Failed, cannot(id, problem));
    const ExportStatus &s = *stored;
    if (s.state == ExportState::Completed) {
        Outcome o;
        o.kind = Outcome::Kind::Completed;
        o.code = ErrorCode::None;
        o.message = QStringLiteral("export %1 is already COMPLETED: nothing to do").arg(id);
        o.status = s;
        return o;
    }
    if (s.state != ExportState::Created && s.state != ExportState::Pending)
        return refused(ErrorCode::Failed, cannot(id, QStringLiteral("it is %1").arg(s.stateText())),
                       s);

    if (!permissions.mayExport(actingUser))
        return refused(ErrorCode::PermissionDenied,
                       permissionDeniedMessage(actingUser, Permission::Export), s);
    if (s.owner != actingUser && !permissions.holds(actingUser, Permission::CancelAny))
        return refused(ErrorCode::PermissionDenied,
                       QStringLiteral("permission denied: export %1 belongs to %2 (resuming "
                                      "another user's export needs \"%3\")")
                           .arg(id, s.owner, Permission::CancelAny),
                       s);

    if (!s.fingerprint.isValid()) {
        const bool stdinSource = s.source == QLatin1String("-");
        return refused(ErrorCode::Source,
                       cannot(id, stdinSource ? QStringLiteral("it was exported from standard "
                                                               "input, which cannot be read again")
                                              : QStringLiteral("%1 was a stream (a pipe or "
                                                               "device), which cannot be read "
                                                               "again")
                                                    .arg(s.source)),
                       s);
    }
    if (source.isEmpty())
        return refused(ErrorCode::Usage,
                       QStringLiteral("no source known for export %1 on this host: name it, "
                                      "hbexporter-cli resume %1 SOURCE")
                           .arg(id),
                       s);
    if (FileSource::isStandardInput(source))
        return refused(ErrorCode::Source,
                       cannot(id, QStringLiteral("standard input cannot continue an export")), s);
    QString why;
    const SourceFingerprint now = fingerprintNow(source, &why);
    if (!now.isValid()) return refused(ErrorCode::Source, cannot(id, why), s);
    if (const QString changed = s.fingerprint.differenceFrom(now); !changed.isEmpty())
        return refused(ErrorCode::Source, changed, s);

    const ProcessFacts &me = ProcessFacts::self();
    const OwnerLiveness owner = OwnerLiveness::assess(s, me, QDateTime::currentDateTimeUtc());
    if (!owner.isGone()) return refused(ErrorCode::Failed, cannot(id, owner.ownerText()), s);

    // The export keeps its own expiry (the TTL it was started with).
    const Takeover takeover(keys, got.string, s.ttl > 0 ? s.ttl : config.ttlSeconds);
    if (!takeover.isValid()) return refused(ErrorCode::Failed, cannot(id, takeover.reason()), s);
    const Takeover::Result r = takeover.run(conn);
    if (r.outcome == Takeover::Result::Outcome::Error) {
        const Failure f = Failure::fromRedis(r.error);
        return refused(f.code, cannot(id, r.error.message), s);
    }
    if (!r.won())
        return refused(ErrorCode::Failed, cannot(id, r.lossText()), r.current.value_or(s));
    Outcome o;
    o.kind = Outcome::Kind::Won;
    o.code = ErrorCode::None;
    o.status = r.status;
    o.storedJson = r.status.toJson();
    o.message = owner.reason;
    return o;
}

} // namespace hb

#pragma once

#include "exporterror.h"

#include <QByteArray>
#include <QString>

namespace hb {

class RedisConnection;

// Who acts (CONTRACT §8), decided in this one place for the CLI and the window.
//
// Where the connection logs in as a Redis ACL user other than `default`, the server
// vouches for that user: the acting user is whoever `ACL WHOAMI` names (or, where the
// ACL forbids WHOAMI, the login name the server accepted), and a request to act as
// anyone else is refused. Otherwise the acting user is the one requested (--user,
// the window's setting) or the login name of this process, and nobody vouches for it.
struct ActingUser
{
    QString name;
    bool verified = false; // the Redis ACL user the connection logged in as

    // user: the requested acting user (--user or the window's setting, else the
    // login name); named: whether it was named explicitly rather than defaulted.
    // With an ACL login this connects `conn` (when not connected) and asks ACL
    // WHOAMI; otherwise it sends nothing and `user` acts, unverified. On failure
    // returns an empty user and sets *failure: PermissionDenied when a named user
    // is someone else than the ACL user, Redis when the server cannot be asked.
    static ActingUser resolve(RedisConnection &conn, const QString &user, bool named,
                              Failure *failure);

    // The Redis ACL user the endpoint logs in as, or empty when none or `default`
    // (the server then vouches for nobody in particular).
    static QString aclLogin(const RedisConnection &conn);

    // "alice", or "bob (unverified)": how readable output marks an owner that no
    // server vouched for. The name is escaped (escapeUntrusted).
    static QString displayOwner(const QString &owner, bool verified, int maxChars = 0);
};

// Whether the user `conn` is logged in as may PUBLISH to `channel`, found out
// without publishing anything: PUBLISH is queued inside MULTI, where Redis checks
// the ACL (command and channel) as it queues, and the transaction is DISCARDed.
// Redis 7 gives new ACL users no channels (acl-pubsub-default resetchannels), and
// every status write PUBLISHes to the events channel from inside a Lua script,
// which cannot be undone half-way: this finds it out before anything is written.
// A refusal is PermissionDenied with the ACL rule to add; where MULTI itself is
// refused, nothing can be learnt without publishing and it reports no failure.
Failure checkMayPublish(RedisConnection &conn, const QByteArray &channel);

} // namespace hb

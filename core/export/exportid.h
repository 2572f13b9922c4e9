#pragma once

#include "exportconfig.h"
#include "exporterror.h"
#include "redisconnection.h"

#include <QString>
#include <QStringList>

namespace hb {

// What a person types for an export id (CONTRACT §6): the full id, or any unique
// prefix of it of at least minPrefixDigits hex digits, in either case, as `watch`
// and the window show them.
struct ExportIdResolution
{
    // None with id set; Usage (not an id, or an ambiguous prefix: matches lists
    // them), NotFound, or Redis (SCAN failed).
    Failure failure;
    QString id;          // the full lowercase id
    QStringList matches; // every id the prefix matched, sorted, when ambiguous
};

constexpr int minPrefixDigits = 8;

// The text lowercased when it is a full id or a prefix of one (hex digits and the
// dashes of a UUID where they belong) with at least minPrefixDigits hex digits;
// empty otherwise.
QString normalizedIdPrefix(const QString &text);

// A full id is taken as it is (lowercased; whether it exists is the caller's
// lookup). A shorter prefix is looked up with SCAN MATCH on the status keys.
ExportIdResolution resolveExportId(RedisConnection &conn, const KeyLayout &keys,
                                   const QString &text);

} // namespace hb

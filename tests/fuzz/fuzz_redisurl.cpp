// Any text a user may pass as --redis: parsing never crashes, a refusal says why
// and never echoes the password, and what parses round-trips through toUrl().
#include "redisendpoint.h"

#include <QByteArray>
#include <QString>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const QString input = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    QString error;
    const auto ep = hb::RedisEndpoint::parse(input, &error);
    if (!ep) {
        if (error.isEmpty()) abort();
        return 0;
    }
    if (!ep->password.isEmpty()) {
        // The display name masks the password (it may still appear in a path).
        const auto shown = hb::RedisEndpoint::parse(ep->displayName());
        if (!shown || shown->password != QLatin1String("***")) abort();
    }
    const auto again = hb::RedisEndpoint::parse(ep->toUrl());
    if (!again || !(*again == *ep)) abort(); // toUrl() must give back the same endpoint
    return 0;
}

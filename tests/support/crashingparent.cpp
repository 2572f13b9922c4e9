// hb_crashingparent: starts a TestRedisServer, prints its pid on stdout, then
// crashes (abort()) without any cleanup. tst_redisconnection runs it to show that
// the server does not outlive a crashed test.
#include "testredis.h"

#include <QCoreApplication>

#include <cstdio>
#include <cstdlib>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    // Heap-allocated and never destroyed: the destructor that would kill the server
    // must not run, exactly as in a crash.
    auto *server = new hb::test::TestRedisServer;
    QString error;
    if (!server->start(&error)) {
        std::fprintf(stderr, "crashingparent: %s\n", qPrintable(error));
        return 2;
    }
    std::printf("%lld\n", static_cast<long long>(server->pid()));
    std::fflush(stdout);
    std::abort();
}

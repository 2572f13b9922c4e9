// Runs runWatch() as the CLI will, for tst_watch: watchprobe REDIS_URL [PREFIX]
#include "cli_watch.h"

#include <QCoreApplication>
#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: watchprobe REDIS_URL [PREFIX]\n");
        return 2;
    }
    QString error;
    const auto endpoint = hb::RedisEndpoint::parse(QString::fromLocal8Bit(argv[1]), &error);
    if (!endpoint) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 2;
    }
    hb::KeyLayout keys;
    if (argc > 2)
        keys.prefix = argv[2];
    return runWatch(*endpoint, keys, 200);
}

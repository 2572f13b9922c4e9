// Load: many files in one command, several exporter processes at once, and memory
// that stays flat whatever the file's size.
#include "exportconfig.h"
#include "exportdata.h"
#include "exportstatus.h"
#include "testredis.h"

#include <QProcess>
#include <QRegularExpression>
#include <QtTest>

using namespace hb;
using namespace hb::test;

class TstLoad : public QObject
{
    Q_OBJECT

    TestRedisServer m_redis;
    QTemporaryDir m_files;
    QString m_cli;

    QProcess *startCli(const QStringList &args, QObject *parent)
    {
        auto *p = new QProcess(parent);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HBEXPORTER_REDIS_URL"), m_redis.url());
        p->setProcessEnvironment(env);
        p->start(m_cli, args);
        return p;
    }
    void verifyExact(const QString &id, const QString &path)
    {
        const auto s =
            ExportStatus::fromJson(m_redis.command({"GET", KeyLayout().statusKey(id)}).string);
        QVERIFY(s);
        QCOMPARE(s->state, ExportState::Completed);
        QCOMPARE(sha256Of(readExportData(m_redis, id)), sha256OfFile(path));
        QCOMPARE(s->source, QFileInfo(path).fileName());
    }
    qint64 peakRssKiB(const QString &path)
    {
        QObject owner;
        QProcess *p =
            startCli({QStringLiteral("export"), path, QStringLiteral("--verbose")}, &owner);
        if (!p->waitForFinished(300000) || p->exitCode() != 0) return -1;
        const QString err = QString::fromUtf8(p->readAllStandardError());
        const auto m =
            QRegularExpression(QStringLiteral("peak memory \\(max RSS\\): (\\d+) KiB")).match(err);
        m_redis.command({"FLUSHALL"});
        return m.hasMatch() ? m.captured(1).toLongLong() : -1;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString err;
        QVERIFY2(m_redis.start(&err), qPrintable(err));
        m_cli = builtExecutable(QStringLiteral("hbexporter-cli"));
    }
    void init() { m_redis.command({"FLUSHALL"}); }

    void thirtyTwoFilesInOneCommand_allByteExact()
    {
        QStringList paths;
        for (int i = 0; i < 32; ++i)
            paths << makeRandomFile(m_files.path(), QStringLiteral("many-%1.bin").arg(i),
                                    512 * 1024 + i * 977, quint32(100 + i));
        QObject owner;
        QProcess *p = startCli(QStringList{QStringLiteral("export")} + paths, &owner);
        QVERIFY(p->waitForFinished(300000));
        QVERIFY2(p->exitCode() == 0, p->readAllStandardError().constData());
        const QList<QByteArray> ids = p->readAllStandardOutput().trimmed().split('\n');
        QCOMPARE(ids.size(), 32);
        QHash<QString, QString> bySource;
        for (const QString &path : std::as_const(paths))
            bySource.insert(QFileInfo(path).fileName(), path);
        for (const QByteArray &id : ids) {
            const auto s = ExportStatus::fromJson(
                m_redis.command({"GET", KeyLayout().statusKey(QString::fromLatin1(id))}).string);
            QVERIFY(s);
            verifyExact(s->id, bySource.value(s->source));
        }
    }

    void sixProcessesAtOnce_allByteExact()
    {
        QObject owner;
        QList<QProcess *> procs;
        QList<QStringList> files;
        for (int p = 0; p < 6; ++p) {
            QStringList mine;
            for (int i = 0; i < 3; ++i)
                mine << makeRandomFile(m_files.path(),
                                       QStringLiteral("proc%1-%2.bin").arg(p).arg(i),
                                       3 * 1024 * 1024 + p * 1000 + i, quint32(p * 10 + i));
            files << mine;
            procs << startCli(QStringList{QStringLiteral("export"), QStringLiteral("--chunk-size"),
                                          QStringLiteral("256K")} +
                                  mine,
                              &owner);
        }
        for (int p = 0; p < 6; ++p) {
            QVERIFY(procs[p]->waitForFinished(300000));
            QVERIFY2(procs[p]->exitCode() == 0, procs[p]->readAllStandardError().constData());
            const QList<QByteArray> ids = procs[p]->readAllStandardOutput().trimmed().split('\n');
            QCOMPARE(ids.size(), 3);
            for (const QByteArray &id : ids) {
                const auto s = ExportStatus::fromJson(
                    m_redis.command({"GET", KeyLayout().statusKey(QString::fromLatin1(id))})
                        .string);
                QVERIFY(s);
                const QString path = m_files.path() + QLatin1Char('/') + s->source;
                QVERIFY(files[p].contains(path));
                verifyExact(s->id, path);
            }
        }
    }

    void memory_flatFrom64To400MiB()
    {
        if (sanitizerBuild())
            QSKIP("ASan's quarantine holds freed memory: RSS measures the sanitizer here");
        const QString small =
            makeRandomFile(m_files.path(), QStringLiteral("64.bin"), 64LL * 1024 * 1024, 1);
        const QString large =
            makeRandomFile(m_files.path(), QStringLiteral("400.bin"), 400LL * 1024 * 1024, 2);
        const qint64 rssSmall = peakRssKiB(small);
        const qint64 rssLarge = peakRssKiB(large);
        QFile::remove(small);
        QFile::remove(large);
        qInfo("peak RSS: 64 MiB file %lld KiB, 400 MiB file %lld KiB", rssSmall, rssLarge);
        QVERIFY(rssSmall > 0 && rssLarge > 0);
        QVERIFY2(std::abs(rssLarge - rssSmall) < 4 * 1024, "peak memory grows with the file");
        QVERIFY2(rssLarge < 64 * 1024, "peak memory above 64 MiB");
    }
};

QTEST_GUILESS_MAIN(TstLoad)
#include "tst_load.moc"

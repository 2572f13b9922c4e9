// `hbexporter-cli resume` end to end (issue 22, docs/RESUME.md §5, §6): real CLI
// processes killed with SIGKILL or stopped with SIGSTOP, against a real
// redis-server; each refusal with its exit code and message, the data exact.
#include "clirun.h"
#include "exportconfig.h"
#include "exportstatus.h"
#include "httptestserver.h"
#include "testredis.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

#include <csignal>

using namespace hb;
using namespace hb::test;

class TstResumeCli : public QObject
{
    Q_OBJECT

    TestRedisServer m_redis;
    QTemporaryDir m_files;
    QTemporaryDir m_state; // this suite's journals (XDG_STATE_HOME)
    QString m_cli;

    QProcessEnvironment env() const
    {
        QProcessEnvironment e = cliEnvironment(m_redis.url());
        e.insert(QStringLiteral("XDG_STATE_HOME"), m_state.path());
        return e;
    }
    CliRun run(const QStringList &args, int timeoutMs = 120000)
    {
        return runCli(m_cli, args, env(), timeoutMs);
    }
    QByteArray get(const QByteArray &key) { return m_redis.command({"GET", key}).string; }
    ExportStatus stored(const QString &id)
    {
        auto s = ExportStatus::fromJson(get(KeyLayout().statusKey(id)));
        return s ? *s : ExportStatus{};
    }
    QString file(const QString &name, qint64 size)
    {
        return makeRandomFile(m_files.path(), name, size, quint32(size));
    }
    qint64 netInput()
    {
        const QByteArray info = m_redis.command({"INFO", "stats"}).string;
        for (const QByteArray &line : info.split('\n'))
            if (line.startsWith("total_net_input_bytes:"))
                return line.mid(int(qstrlen("total_net_input_bytes:"))).trimmed().toLongLong();
        return -1;
    }

    // A CLI export of `path` (throttled, so that it is caught half-way), its id read
    // from its first stdout line.
    struct Running
    {
        std::unique_ptr<QProcess> process;
        QString id;
    };
    Running startExport(const QString &path, const QString &bwlimit,
                        const QByteArray *input = nullptr)
    {
        Running r;
        r.process = std::make_unique<QProcess>();
        r.process->setProcessEnvironment(env());
        QStringList args{QStringLiteral("export"), path, QStringLiteral("--bwlimit"), bwlimit};
        r.process->start(m_cli, args);
        if (input) {
            r.process->waitForStarted(scaledMs(10000));
            r.process->write(*input);
        }
        QDeadlineTimer deadline(scaledMs(20000));
        while (!r.process->canReadLine() && !deadline.hasExpired())
            r.process->waitForReadyRead(100);
        r.id = QString::fromLatin1(r.process->readLine().trimmed());
        return r;
    }
    // Polls until the export has `fraction` of its bytes acknowledged.
    bool waitForProgress(const QString &id, double fraction, int timeoutMs = 60000)
    {
        QDeadlineTimer deadline(scaledMs(timeoutMs));
        while (!deadline.hasExpired()) {
            const ExportStatus s = stored(id);
            if (s.bytesTotal > 0 && double(s.bytesWritten) >= fraction * double(s.bytesTotal))
                return true;
            QTest::qWait(20);
        }
        return false;
    }
    static void killNine(Running &r)
    {
        signalProcess(*r.process, SIGKILL);
        r.process->waitForFinished(scaledMs(10000));
    }
    // The export, as `fetch` checks and writes it.
    QByteArray fetchSha(const QString &id)
    {
        const QString out = m_files.filePath(QStringLiteral("fetched-%1").arg(id));
        const CliRun f = run({QStringLiteral("fetch"), id, out});
        if (f.code != 0) return QByteArray("fetch failed: ") + f.err;
        return sha256OfFile(out);
    }
    void verifyEveryKeyExpires()
    {
        const RedisReply keys = m_redis.command({"KEYS", "*"});
        for (const RedisReply &k : keys.elements) {
            const qint64 ttl = m_redis.command({"PTTL", k.string}).integer;
            QVERIFY2(ttl > 0, k.string.constData());
        }
    }
    // An export killed with SIGKILL at about half: its id.
    QString killedAtHalf(const QString &path, const QString &bwlimit = QStringLiteral("40M"))
    {
        Running r = startExport(path, bwlimit);
        if (r.id.isEmpty()) return {};
        const bool half = waitForProgress(r.id, 0.5);
        killNine(r);
        return half ? r.id : QString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_redis.start(&error), qPrintable(error));
        m_cli = builtExecutable(QStringLiteral("hbexporter-cli"));
        QVERIFY(QFile::exists(m_cli));
    }
    void init() { m_redis.command({"FLUSHALL"}); }

    // The figure: kill -9 at half of a 600 MiB export (120 MiB in sanitizer
    // builds), then `resume ID` with no SOURCE (the journal names it): COMPLETED,
    // byte-exact, every key expiring, and Redis received at most the remainder plus a
    // tenth of the file.
    void killNine_atHalf_thenResume_completesSendingOnlyTheRest()
    {
        const qint64 size = (timeScale() > 1 ? 120 : 600) * qint64(1024 * 1024);
        const QString path = file(QStringLiteral("big.bin"), size);
        const QString id = killedAtHalf(path, QStringLiteral("300M"));
        QVERIFY(!id.isEmpty());
        const ExportStatus atKill = stored(id);
        QCOMPARE(atKill.state, ExportState::Pending);

        // status says how to pick it up.
        const CliRun status = run({QStringLiteral("status"), id});
        QCOMPARE(status.code, 0);
        QVERIFY2(
            status.out.contains("resumable with: hbexporter-cli resume " + id.left(8).toLatin1()),
            status.out.constData());

        const qint64 before = netInput();
        const CliRun resumed = run({QStringLiteral("resume"), id.left(8)});
        const qint64 received = netInput() - before;
        QVERIFY2(resumed.code == 0, resumed.err.constData());
        QCOMPARE(resumed.out.trimmed(), id.toLatin1());
        const ExportStatus done = stored(id);
        QCOMPARE(done.state, ExportState::Completed);
        QCOMPARE(done.resumes, 1);
        QVERIFY(done.resumedAt.isValid());
        QCOMPARE(done.sha256.toLatin1(), sha256OfFile(path));
        QCOMPARE(fetchSha(id), sha256OfFile(path));
        verifyEveryKeyExpires();
        const qint64 remainder = size - atKill.bytesWritten;
        qInfo("resume of %lld bytes killed at %lld: Redis received %lld bytes (remainder %lld, "
              "limit %lld)",
              size, atKill.bytesWritten, received, remainder, remainder + size / 10);
        QVERIFY2(received <= remainder + size / 10, qPrintable(QString::number(received)));
        // Nothing left to do now.
        const CliRun again = run({QStringLiteral("resume"), id});
        QCOMPARE(again.code, 0);
        QVERIFY2(again.err.contains("is already COMPLETED: nothing to do"), again.err.constData());
    }

    // A URL resumes with Range and If-Range: the rest is downloaded, not the whole
    // again, and the prefix is hashed from what Redis holds. A server that ignores
    // Range is refused before anything is written (exit 6).
    void url_resumesWithRange_andAServerIgnoringRangeIsRefused()
    {
        HttpTestServer http;
        const QByteArray content = randomBytes(8 * 1024 * 1024, 31);
        http.setContent(content);
        http.setRate(2 * 1024 * 1024);
        QVERIFY(http.start());
        const QByteArray want = sha256Of(content);

        Running r =
            startExport(http.url(QStringLiteral("/ranged")).toString(), QStringLiteral("100M"));
        QVERIFY(!r.id.isEmpty());
        QVERIFY(waitForProgress(r.id, 0.4));
        killNine(r);
        const qint64 held = stored(r.id).bytesWritten;
        const qint64 sentBefore = http.bytesSent();
        const CliRun resumed = run({QStringLiteral("resume"), r.id});
        QVERIFY2(resumed.code == 0, resumed.err.constData());
        const qint64 downloaded = http.bytesSent() - sentBefore;
        const ExportStatus done = stored(r.id);
        QCOMPARE(done.state, ExportState::Completed);
        QCOMPARE(done.sha256.toLatin1(), want);
        QCOMPARE(fetchSha(r.id), want);
        qInfo("URL resume: %lld of %lld bytes held, %lld downloaded again", held,
              qint64(content.size()), downloaded);
        QVERIFY2(downloaded <= content.size() - held + content.size() / 10,
                 qPrintable(QString::number(downloaded)));

        Running n =
            startExport(http.url(QStringLiteral("/norange")).toString(), QStringLiteral("100M"));
        QVERIFY(!n.id.isEmpty());
        QVERIFY(waitForProgress(n.id, 0.3));
        killNine(n);
        const QByteArray before = get(KeyLayout().statusKey(n.id));
        const CliRun refused = run({QStringLiteral("resume"), n.id});
        QCOMPARE(refused.code, 6);
        QVERIFY2(refused.err.contains("cannot resume " + n.id.toLatin1() + ": ") &&
                     refused.err.contains("ignores Range requests"),
                 refused.err.constData());
        QCOMPARE(get(KeyLayout().statusKey(n.id)), before);
    }

    void changedSource_isRefused_exit6_nothingWritten()
    {
        const QString path = file(QStringLiteral("changes.bin"), 64 * 1024 * 1024);
        const QString id = killedAtHalf(path);
        QVERIFY(!id.isEmpty());
        QFile f(path);
        QVERIFY(f.open(QIODevice::Append));
        f.write("x", 1);
        f.close();
        const QByteArray before = get(KeyLayout().statusKey(id));
        const CliRun r = run({QStringLiteral("resume"), id});
        QCOMPARE(r.code, 6);
        QVERIFY2(r.err.contains("changes.bin changed since the export began: size 67108864 → "
                                "67108865"),
                 r.err.constData());
        QCOMPARE(get(KeyLayout().statusKey(id)), before);
    }

    void standardInput_cannotBeResumed_exit6()
    {
        const QByteArray input = randomBytes(48 * 1024 * 1024, 7);
        Running r = startExport(QStringLiteral("-"), QStringLiteral("20M"), &input);
        QVERIFY(!r.id.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(stored(r.id).bytesWritten > 0, scaledMs(20000));
        killNine(r);
        const QByteArray before = get(KeyLayout().statusKey(r.id));
        const CliRun res = run({QStringLiteral("resume"), r.id});
        QCOMPARE(res.code, 6);
        QVERIFY2(res.err.contains("cannot resume " + r.id.toLatin1() +
                                  ": it was exported from standard input, which cannot be read "
                                  "again"),
                 res.err.constData());
        QCOMPARE(get(KeyLayout().statusKey(r.id)), before);
    }

    void liveOwner_isRefused_exit1_namingIt_andFinishesItself()
    {
        const QString path = file(QStringLiteral("alive.bin"), 16 * 1024 * 1024);
        Running owner = startExport(path, QStringLiteral("4M"));
        QVERIFY(!owner.id.isEmpty());
        QVERIFY(waitForProgress(owner.id, 0.1));
        const CliRun r = run({QStringLiteral("resume"), owner.id});
        QCOMPARE(r.code, 1);
        const QByteArray who = QStringLiteral("cannot resume %1: owned by %2/%3, last written")
                                   .arg(owner.id, QSysInfo::machineHostName())
                                   .arg(owner.process->processId())
                                   .toUtf8();
        QVERIFY2(r.err.contains(who), r.err.constData());
        QVERIFY(owner.process->waitForFinished(scaledMs(60000)));
        QCOMPARE(owner.process->exitCode(), 0);
        QCOMPARE(stored(owner.id).resumes, 0);
        QCOMPARE(fetchSha(owner.id), sha256OfFile(path));
    }

    void terminalAndUnknown_exitCodes()
    {
        const QString path = file(QStringLiteral("small.bin"), 100 * 1024);
        const CliRun exported = run({QStringLiteral("export"), path});
        QCOMPARE(exported.code, 0);
        const QString done = QString::fromLatin1(exported.out.trimmed());
        const CliRun completed = run({QStringLiteral("resume"), done});
        QCOMPARE(completed.code, 0);
        QVERIFY2(
            completed.err.contains(
                QStringLiteral("export %1 is already COMPLETED: nothing to do").arg(done).toUtf8()),
            completed.err.constData());
        QVERIFY(completed.out.isEmpty());

        const QString big = file(QStringLiteral("cancelled.bin"), 32 * 1024 * 1024);
        const QString id = killedAtHalf(big);
        QVERIFY(!id.isEmpty());
        QCOMPARE(run({QStringLiteral("cancel"), id}).code, 0);
        QCOMPARE(stored(id).state, ExportState::Cancelled);
        const CliRun cancelled = run({QStringLiteral("resume"), id});
        QCOMPARE(cancelled.code, 1);
        QVERIFY2(cancelled.err.contains(
                     QStringLiteral("cannot resume %1: it is CANCELLED").arg(id).toUtf8()),
                 cancelled.err.constData());
        QCOMPARE(stored(id).state, ExportState::Cancelled);

        const CliRun unknown = run({QStringLiteral("resume"), QStringLiteral("0123abcd")});
        QCOMPARE(unknown.code, 3);
        QVERIFY2(unknown.err.contains("0123abcd"), unknown.err.constData());
    }

    void noSourceKnown_isAUsageError_thenTheSourceArgumentResumes()
    {
        const QString path = file(QStringLiteral("moved.bin"), 32 * 1024 * 1024);
        const QString id = killedAtHalf(path);
        QVERIFY(!id.isEmpty());
        // Another host, or a lost journal: nothing names the source.
        QVERIFY(QDir(m_state.path() + QStringLiteral("/hbexporter")).removeRecursively());
        const CliRun none = run({QStringLiteral("resume"), id});
        QCOMPARE(none.code, 2);
        QVERIFY2(none.err.contains(QStringLiteral("no source known for export %1 on this host: "
                                                  "name it, hbexporter-cli resume %1 SOURCE")
                                       .arg(id)
                                       .toUtf8()),
                 none.err.constData());
        QCOMPARE(stored(id).resumes, 0);
        const CliRun named = run({QStringLiteral("resume"), id, path});
        QVERIFY2(named.code == 0, named.err.constData());
        QCOMPARE(fetchSha(id), sha256OfFile(path));
    }

    // Of two resumers at once exactly one takes it over; the other exits 1 saying
    // who has it.
    void twoResumersAtOnce_exactlyOneWins()
    {
        const QString path = file(QStringLiteral("race.bin"), 48 * 1024 * 1024);
        const QString id = killedAtHalf(path);
        QVERIFY(!id.isEmpty());
        QProcess a, b;
        for (QProcess *p : {&a, &b}) {
            p->setProcessEnvironment(env());
            p->start(m_cli, {QStringLiteral("resume"), id, QStringLiteral("--bwlimit"),
                             QStringLiteral("8M")});
        }
        for (QProcess *p : {&a, &b})
            QVERIFY(p->waitForFinished(scaledMs(120000)));
        const int codes[] = {a.exitCode(), b.exitCode()};
        QProcess *loser = codes[0] == 0 ? &b : &a;
        QVERIFY2((codes[0] == 0) != (codes[1] == 0),
                 qPrintable(QStringLiteral("exits %1 and %2").arg(codes[0]).arg(codes[1])));
        QCOMPARE(loser->exitCode(), 1);
        const QByteArray err = loser->readAllStandardError();
        QVERIFY2(err.contains("cannot resume " + id.toLatin1() + ": taken over by") ||
                     err.contains("cannot resume " + id.toLatin1() + ": owned by"),
                 err.constData());
        QCOMPARE(stored(id).resumes, 1);
        QCOMPARE(fetchSha(id), sha256OfFile(path));
    }

    // An owner stopped (SIGSTOP) for longer than the silence limit is taken over;
    // woken, it finds at its next status write that it lost the export, sends
    // nothing more and exits 1; the resumer finishes it exactly.
    void stoppedOwner_takenOver_thenWoken_stopsAndTheDataIsExact()
    {
        const QString path = file(QStringLiteral("stopped.bin"), 48 * 1024 * 1024);
        Running owner = startExport(path, QStringLiteral("16M"));
        QVERIFY(!owner.id.isEmpty());
        QVERIFY(waitForProgress(owner.id, 0.3));
        QVERIFY(signalProcess(*owner.process, SIGSTOP));
        // Silent for the limit (10 s) before anyone may take it over.
        const CliRun early = run({QStringLiteral("resume"), owner.id});
        QCOMPARE(early.code, 1);
        QVERIFY2(early.err.contains("owned by"), early.err.constData());
        QProcess resumer;
        resumer.setProcessEnvironment(env());
        QDeadlineTimer deadline(scaledMs(30000));
        bool won = false;
        while (!won && !deadline.hasExpired()) {
            QTest::qWait(500);
            resumer.start(m_cli, {QStringLiteral("resume"), owner.id, QStringLiteral("--bwlimit"),
                                  QStringLiteral("16M")});
            QVERIFY(resumer.waitForStarted());
            QTRY_VERIFY_WITH_TIMEOUT(stored(owner.id).resumes == 1 ||
                                         resumer.state() == QProcess::NotRunning,
                                     scaledMs(10000));
            won = stored(owner.id).resumes == 1;
            if (!won) resumer.waitForFinished();
        }
        QVERIFY(won);
        QVERIFY(signalProcess(*owner.process, SIGCONT));
        QVERIFY(owner.process->waitForFinished(scaledMs(30000)));
        QCOMPARE(owner.process->exitCode(), 1);
        const QByteArray ownerErr = owner.process->readAllStandardError();
        QVERIFY2(ownerErr.contains("was taken over by " + QSysInfo::machineHostName().toUtf8()),
                 ownerErr.constData());
        QVERIFY(resumer.waitForFinished(scaledMs(120000)));
        QVERIFY2(resumer.exitCode() == 0, resumer.readAllStandardError().constData());
        QCOMPARE(stored(owner.id).state, ExportState::Completed);
        QCOMPARE(fetchSha(owner.id), sha256OfFile(path));
        verifyEveryKeyExpires();
    }

    // A torn last line and garbage: the CLI says once what it could not read and
    // goes on, the entries it can read still name their sources.
    void tornJournal_isReportedOnce_andResumeStillFindsTheSource()
    {
        const QString path = file(QStringLiteral("torn.bin"), 32 * 1024 * 1024);
        const QString id = killedAtHalf(path);
        QVERIFY(!id.isEmpty());
        const QString journal = m_state.path() + QStringLiteral("/hbexporter/journal.jsonl");
        QFile f(journal);
        QVERIFY(f.open(QIODevice::Append));
        f.write("garbage that is not json\n{\"v\":1,\"id\":\"torn-in-the-midd");
        f.close();
        const CliRun r = run({QStringLiteral("resume"), id});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(r.err.count("warning: the local journal"), 1);
        QCOMPARE(fetchSha(id), sha256OfFile(path));
    }

    // A journal folder that cannot be created: export still works, saying so once.
    void unwritableJournal_exportStillCompletes()
    {
        QTemporaryDir state;
        QFile blocker(state.path() + QStringLiteral("/hbexporter"));
        QVERIFY(blocker.open(QIODevice::WriteOnly)); // a file where the folder should be
        blocker.close();
        QProcessEnvironment e = env();
        e.insert(QStringLiteral("XDG_STATE_HOME"), state.path());
        const QString path = file(QStringLiteral("nojournal.bin"), 1024 * 1024);
        const CliRun r = runCli(m_cli, {QStringLiteral("export"), path}, e);
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(r.err.count("warning: the local journal"), 1);
        QCOMPARE(stored(QString::fromLatin1(r.out.trimmed())).state, ExportState::Completed);
    }

    void resumeFlags_thatCannotChange_areUsageErrors()
    {
        const CliRun r = run({QStringLiteral("resume"), QStringLiteral("0123abcd"),
                              QStringLiteral("--ttl"), QStringLiteral("60")});
        QCOMPARE(r.code, 2);
        QVERIFY2(
            r.err.contains(
                "--ttl does not apply to resume: the export keeps the one it was started with"),
            r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TstResumeCli)
#include "tst_resumecli.moc"

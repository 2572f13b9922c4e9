// The desktop window (issue #3) against a real redis-server: exports started through
// the same slots as the dialog, the drop and the command line; progress, cancel,
// permissions, filters, lookup, settings. Offscreen platform, no sleeps: every wait
// is a condition with a generous deadline (a loaded 2-core box).
#include "allexportsmodel.h"
#include "allexportsview.h"
#include "embeddedserver.h"
#include "exportdetailsdialog.h"
#include "exporter.h"
#include "exportlistdelegate.h"
#include "exportlistmodel.h"
#include "exportlistwidget.h"
#include "exportmonitor.h"
#include "exportsortmodel.h"
#include "httptestserver.h"
#include "journal.h"
#include "logging.h"
#include "logpanel.h"
#include "lookupdialog.h"
#include "mainwindow.h"
#include "savedataflow.h"
#include "session.h"
#include "settingsdialog.h"
#include "singleinstance.h"
#include "speedmeter.h"
#include "statusfill.h"
#include "testredis.h"
#include "textrecorder.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QRadioButton>
#include <QScopeGuard>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolBar>
#include <QTreeView>
#include <QUrl>
#include <QUrlQuery>

#include <csignal>
#include <sys/types.h>

using namespace hb;

namespace {
const int Deadline = test::scaledMs(120000);

// Clicks the button of a message box that has this role, as a user would.
void clickButton(QMessageBox *box, QMessageBox::ButtonRole role)
{
    QVERIFY(box);
    for (QAbstractButton *b : box->buttons()) {
        if (box->buttonRole(b) == role) {
            QTest::mouseClick(b, Qt::LeftButton);
            return;
        }
    }
    QFAIL("no button with that role");
}
} // namespace

class TestGui final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void exportFromAddFiles_progressReaches100_completedAndRedisAgrees();
    void cancelButton_onThrottledExport_endsCancelledAndRedisAgrees();
    void permissionDenied_showsInRow_andWritesNothing();
    void droppedDirectoryAndMissingFile_giveClearRowErrors();
    void lookupDialog_foundAndNotFound();
    void settings_surviveRestartOfWindow();
    void filters_byStatusAndName();
    void model_batchesUpdates_oneSignalPerChangedRow();
    void model_etaSaysStalledAfterFiveSecondsWithoutBytes();
    void myExportsRows_speedEtaStalled_fromSpeedMeter();  // issue 10
    void allExportsRows_speedAndStalled_fromSpeedMeter(); // issue 10
    void unreachableRedis_windowOpensAndSaysSo();
    void allExportsTab_showsAnotherProcessExportLive_andCancelsIt();
    void myExportsMonitor_followsItsOwnRowsOnly_untilAllExportsOpens(); // issue 21 §5
    void addUrl_exportsWhatTheServerServes_withoutCredentials();

    // Issue 13.
    void secondWindow_handsItsFilesToTheRunningOne_andExits();            // item 1
    void embeddedServerKilled_windowStartsItAgain_newExportsComplete();   // item 2
    void vanishedKeys_rowsSayGoneOrExpired_saveFailureShowsDialog();      // item 3
    void saveData_proposesNewNameInSensibleFolder_neverTheSource();       // item 3
    void proposeSavePath_namesTheExport_numbersOnWhileTaken();            // issue 20
    void failedRow_keepsItsLastProgress();                                // item 4
    void failureReason_readsInFullInTheRow_at800px();                     // item 5
    void progressBarText_meetsWcagAaContrast_inEveryState();              // item 6
    void cancelAll_asksFirst();                                           // item 7
    void close_withExportsRunning_asksWithoutBlocking_closesOnlyOnYes();  // issue 20
    void logPanel_followsUnlessScrolledUp_andFoldsRepeats();              // item 8
    void contextMenuOnCompletedRow_disablesCancel_neverHidesIt();         // item 9
    void settings_labelsSayWhatTheyMean_segmentSize_chunkAtMostSegment(); // item 10
    void serverStatusLine_namesTheServerOnce_andFitsAt800px();            // item 10
    void refusedSource_rowShowsNoExportId();                              // issue 9
    void windowVersion_isTheProjectVersion();                             // item 17
    // Issue 11.
    void settingsTls_savedAsRedissUrlParameters_andReadBack();
    void settingsPassword_neverInSettingsFile_keptForSessionWithoutKeychain();
    // Issue 10: rows are laid out without measuring text; columns still fit it.
    void exportList_columnFitsItsTextOnRequest_rowsOfOneHeight();
    // Issue 22: the window keeps its list; what it owned resumes by itself.
    void journal_nextWindowRestoresTheRows_removeForgetsThem();
    void windowKilledMidExport_nextStartResumesItByItself();
    void cliInterruptedExport_rowSaysInterrupted_resumeFinishesIt();
    void tornJournal_windowStartsSaysSoOnce_andRestoresWhatItCanRead();

private:
    std::unique_ptr<MainWindow> makeWindow(const QString &permissionsFile = {});
    // `file` exported in a window of its own, closed once the export COMPLETED (the
    // journal then holds it): its id, empty when it did not complete in time.
    QString completedInAWindowThatCloses(const QString &file);
    GuiSettings settingsWith(qint64 bandwidthLimit);
    std::optional<ExportStatus> redisStatus(const QString &id);
    // The export's data as stored, whichever layout (CONTRACT §1): one key or segments.
    QByteArray redisData(const QString &id);
    static QString cell(MainWindow &w, const QString &id, int column, int role = Qt::DisplayRole);

    QString w_logText();
    QString m_logText; // every log line of the suite, as the window's log would show it

    std::unique_ptr<test::TestRedisServer> m_redis;
    QTemporaryDir m_dir;
    QString m_settingsFile;
    int m_case = 0;
};

void TestGui::initTestCase()
{
    Q_INIT_RESOURCE(resources);
    LogHub::install(false, true);
    QLoggingCategory::setFilterRules(
        QStringLiteral("hbexporter.*.debug=false\nhbexporter.*.info=true"));
    QVERIFY(m_dir.isValid());
    connect(LogHub::instance(), &LogHub::messageLogged, this,
            [this](const QDateTime &, int, const QString &, const QString &text) {
                m_logText += text + QLatin1Char('\n');
            });
    m_redis = std::make_unique<test::TestRedisServer>();
    QString error;
    QVERIFY2(m_redis->start(&error), qPrintable(error));
}

void TestGui::init()
{
    // A fresh database and a settings file of this case's own.
    QCOMPARE(m_redis->command({"FLUSHALL"}).isError(), false);
    m_settingsFile = m_dir.filePath(QStringLiteral("settings-%1.ini").arg(++m_case));
    // And a local journal of its own (issue 22): a window restores the rows of the
    // exports started before it, and no case should see another's.
    qputenv("XDG_STATE_HOME", m_dir.filePath(QStringLiteral("state-%1").arg(m_case)).toLocal8Bit());
}

std::unique_ptr<MainWindow> TestGui::makeWindow(const QString &permissionsFile)
{
    MainWindowOptions options;
    options.settingsFile = m_settingsFile;
    options.redisUrl = m_redis->url();
    options.permissionsFile = permissionsFile;
    options.serverPollMs = 500;
    auto w = std::make_unique<MainWindow>(options);
    w->show();
    return w;
}

QString TestGui::completedInAWindowThatCloses(const QString &file)
{
    auto w = makeWindow();
    const QString id = w->addFiles({file}).value(0);
    const bool done = QTest::qWaitFor(
        [&] { return cell(*w, id, ExportListModel::Status) == QLatin1String("COMPLETED"); },
        Deadline);
    return done ? id : QString();
}

GuiSettings TestGui::settingsWith(qint64 bandwidthLimit)
{
    GuiSettings s;
    s.bandwidthLimit = bandwidthLimit;
    s.chunkSize = 256 * 1024;
    s.ttlSeconds = 600;
    return s;
}

std::optional<ExportStatus> TestGui::redisStatus(const QString &id)
{
    const RedisReply r = m_redis->command({"GET", KeyLayout{}.statusKey(id)});
    if (r.type != RedisReply::Type::String) return std::nullopt;
    return ExportStatus::fromJson(r.string);
}

QByteArray TestGui::redisData(const QString &id)
{
    const KeyLayout keys;
    const RedisReply single = m_redis->command({"GET", keys.dataKey(id)});
    if (single.type == RedisReply::Type::String) return single.string;
    QByteArray data;
    for (qint64 k = 0;; ++k) {
        const RedisReply r = m_redis->command({"GET", keys.segmentKey(id, k)});
        if (r.type != RedisReply::Type::String) return data;
        data += r.string;
    }
}

QString TestGui::cell(MainWindow &w, const QString &id, int column, int role)
{
    const int row = w.model()->rowOf(id);
    if (row < 0) return {};
    return w.model()->index(row, column).data(role).toString();
}

void TestGui::exportFromAddFiles_progressReaches100_completedAndRedisAgrees()
{
    const qint64 size = 24 * 1024 * 1024;
    const QString file =
        test::makeRandomFile(m_dir.path(), QStringLiteral("scan-0042.bin"), size, 42);
    auto w = makeWindow();
    w->applySettings(settingsWith(16 * 1024 * 1024)); // about 1.5 s: the bar is seen moving

    // Every value the progress bar is painted from, and every repaint request.
    QList<double> fractions;
    int dataChangedCount = 0;
    connect(w->model(), &QAbstractItemModel::dataChanged, this,
            [&](const QModelIndex &tl, const QModelIndex &br) {
                ++dataChangedCount;
                for (int r = tl.row(); r <= br.row(); ++r)
                    fractions.append(w->model()
                                         ->index(r, ExportListModel::Progress)
                                         .data(ExportListModel::UnderlyingDataRole)
                                         .toDouble());
            });
    QSignalSpy progressSpy(w->exporter(), &Exporter::progress);
    QElapsedTimer clock;
    clock.start();

    const QStringList ids = w->addFiles({file});
    QCOMPARE(ids.size(), 1);
    const QString id = ids.first();
    QCOMPARE(w->model()->rowCount(), 1);
    QCOMPARE(cell(*w, id, ExportListModel::Name), QStringLiteral("scan-0042.bin"));

    QTRY_VERIFY_WITH_TIMEOUT(w->model()->find(id)->finished, Deadline);
    w->model()->refresh();
    const qint64 elapsed = clock.elapsed();
    QCOMPARE(cell(*w, id, ExportListModel::Status), QStringLiteral("COMPLETED"));
    QCOMPARE(cell(*w, id, ExportListModel::Progress), QStringLiteral("100%"));
    QCOMPARE(w->model()
                 ->index(0, ExportListModel::Progress)
                 .data(ExportListModel::UnderlyingDataRole)
                 .toDouble(),
             1.0);
    QVERIFY2(
        std::any_of(fractions.cbegin(), fractions.cend(), [](double f) { return f > 0 && f < 1; }),
        "the bar never showed a value between 0 and 100%");
    QVERIFY(std::is_sorted(fractions.cbegin(), fractions.cend()));
    // Batched: about one repaint per refresh tick, never one per progress signal.
    QVERIFY2(
        dataChangedCount <= elapsed / 250 + 6,
        qPrintable(QStringLiteral("%1 dataChanged in %2 ms").arg(dataChangedCount).arg(elapsed)));
    qInfo() << progressSpy.count() << "progress signals," << dataChangedCount << "dataChanged in"
            << elapsed << "ms";

    // Redis agrees: the status key and the data.
    const std::optional<ExportStatus> s = redisStatus(id);
    QVERIFY(s);
    QCOMPARE(s->state, ExportState::Completed);
    QCOMPARE(s->bytesWritten, size);
    QCOMPARE(s->sha256.toLatin1(), test::sha256OfFile(file));
    QCOMPARE(test::sha256Of(redisData(id)), test::sha256OfFile(file));
    QVERIFY(!w->listWidget()->cancelAction()->isEnabled() ||
            w->listWidget()->cancellableSelection().isEmpty());

    // Details, redis-cli command, Save data as…, Retry: the context menu's actions.
    ExportDetailsDialog *details = w->showDetails(id);
    QVERIFY(details);
    QVERIFY(details->text().contains(QStringLiteral("COMPLETED")));
    QVERIFY(details->text().contains(s->sha256));
    QVERIFY(details->text().contains(QStringLiteral("PENDING")));
    const QString command = w->listWidget()->redisCliCommand(id);
    QVERIFY2(command.startsWith(QStringLiteral("redis-cli -s '%1' --raw GET 'export:{%2}-data'")
                                    .arg(m_redis->socketPath(), id)),
             qPrintable(command));

    QSignalSpy saved(w.get(), &MainWindow::dataSaved);
    const QString copy = m_dir.filePath(QStringLiteral("copy.bin"));
    w->saveDataTo(id, copy);
    QVERIFY(saved.wait(Deadline));
    QVERIFY2(saved.first().at(2).toBool(), qPrintable(saved.first().at(3).toString()));
    QCOMPARE(test::sha256OfFile(copy), test::sha256OfFile(file));

    w->listWidget()->selectIds({id});
    QVERIFY(w->listWidget()->retryAction()->isEnabled());
    w->listWidget()->retryAction()->trigger();
    QCOMPARE(w->model()->rowCount(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->activeCount(), 0, Deadline);
    w->listWidget()->selectIds({id});
    w->listWidget()->removeAction()->trigger();
    QCOMPARE(w->model()->rowCount(), 1);
    QCOMPARE(w->model()->rowOf(id), -1);
}

void TestGui::cancelButton_onThrottledExport_endsCancelledAndRedisAgrees()
{
    const QString file =
        test::makeRandomFile(m_dir.path(), QStringLiteral("slow.bin"), 16 * 1024 * 1024, 7);
    auto w = makeWindow();
    w->applySettings(settingsWith(256 * 1024));
    const QString id = w->addFiles({file}).value(0);
    QVERIFY(!id.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(w->model()->find(id)->written > 0, Deadline);
    QVERIFY(!w->model()->find(id)->finished);

    bool sawCancelling = false;
    connect(w->model(), &QAbstractItemModel::dataChanged, this, [&] {
        if (cell(*w, id, ExportListModel::Status) == QStringLiteral("Cancelling…"))
            sawCancelling = true;
    });
    w->listWidget()->selectIds({id});
    QVERIFY(w->listWidget()->cancelAction()->isEnabled());
    w->listWidget()->cancelAction()->trigger(); // the toolbar button, the Del key, the menu
    QTRY_VERIFY_WITH_TIMEOUT(w->model()->find(id)->finished, Deadline);
    w->model()->refresh();
    QVERIFY(sawCancelling || w->model()->find(id)->transitions.size() >= 3);
    QCOMPARE(cell(*w, id, ExportListModel::Status), QStringLiteral("CANCELLED"));
    QVERIFY(!w->listWidget()->cancelAction()->isEnabled()); // a finished row offers no cancel

    const std::optional<ExportStatus> s = redisStatus(id);
    QVERIFY(s);
    QCOMPARE(s->state, ExportState::Cancelled);
    const qint64 length = m_redis->command({"STRLEN", KeyLayout{}.dataKey(id)}).integer;
    QCOMPARE(length, s->bytesWritten);
    QCOMPARE(w->model()->find(id)->written, s->bytesWritten);
    QVERIFY(s->bytesWritten < 16 * 1024 * 1024);
}

void TestGui::permissionDenied_showsInRow_andWritesNothing()
{
    const QString perms = m_dir.filePath(QStringLiteral("perms.json"));
    QFile f(perms);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({ "somebody-else": ["export", "export:read"] })");
    f.close();
    const QString file =
        test::makeRandomFile(m_dir.path(), QStringLiteral("secret.bin"), 64 * 1024, 3);
    auto w = makeWindow(perms);
    const QString id = w->addFiles({file}).value(0);
    QTRY_VERIFY_WITH_TIMEOUT(w->model()->find(id)->finished, Deadline);
    w->model()->refresh();
    const QString status = cell(*w, id, ExportListModel::Status);
    QCOMPARE(status, QStringLiteral("FAILED"));
    const QString reason = cell(*w, id, ExportListModel::Status, ExportListModel::ReasonRole);
    QVERIFY2(reason.contains(QStringLiteral("permission denied")), qPrintable(reason));
    QVERIFY(cell(*w, id, ExportListModel::Name, Qt::ToolTipRole)
                .contains(QStringLiteral("permission denied")));
    QTRY_VERIFY_WITH_TIMEOUT(w->logPanel()->text().contains(QStringLiteral("permission denied")),
                             Deadline);
    QCOMPARE(m_redis->command({"DBSIZE"}).integer, 0);
}

void TestGui::droppedDirectoryAndMissingFile_giveClearRowErrors()
{
    auto w = makeWindow();
    const QString folder = m_dir.filePath(QStringLiteral("a-folder"));
    QVERIFY(QDir().mkpath(folder));
    const QString missing = m_dir.filePath(QStringLiteral("no-such-file.bin"));

    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(folder), QUrl::fromLocalFile(missing)});
    const QPoint at = w->rect().center();
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(w.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(w.get(), &drop);
    QCOMPARE(w->model()->rowCount(), 2);

    QTRY_COMPARE_WITH_TIMEOUT(w->model()->activeCount(), 0, Deadline);
    w->model()->refresh();
    QCOMPARE(w->model()->index(0, ExportListModel::Status).data().toString(),
             QStringLiteral("FAILED"));
    QCOMPARE(w->model()->index(1, ExportListModel::Status).data().toString(),
             QStringLiteral("FAILED"));
    const QString dirStatus =
        w->model()->index(0, ExportListModel::Status).data(ExportListModel::ReasonRole).toString();
    const QString missingStatus =
        w->model()->index(1, ExportListModel::Status).data(ExportListModel::ReasonRole).toString();
    // The row names the file (its File column has the path's name; the path in
    // full is in the tooltip), so the reason itself has the room (issue 13, item 5).
    QVERIFY2(dirStatus.contains(QStringLiteral("directory")) &&
                 dirStatus.contains(QStringLiteral("a-folder")),
             qPrintable(dirStatus));
    QVERIFY2(missingStatus.contains(QStringLiteral("no-such-file.bin")) &&
                 missingStatus.contains(QStringLiteral("No such file")),
             qPrintable(missingStatus));
    QVERIFY(w->model()
                ->index(0, ExportListModel::Status)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(folder));
    QVERIFY(w->model()
                ->index(1, ExportListModel::Status)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(missing));
    QCOMPARE(m_redis->command({"DBSIZE"}).integer, 0);
}

void TestGui::lookupDialog_foundAndNotFound()
{
    const QString file = test::makeRandomFile(m_dir.path(), QStringLiteral("small.bin"), 100000, 9);
    auto w = makeWindow();
    const QString id = w->addFiles({file}).value(0);
    QTRY_VERIFY_WITH_TIMEOUT(w->model()->find(id)->finished, Deadline);

    LookupDialog *dialog = w->showLookupDialog();
    QVERIFY(dialog->isVisible());
    QSignalSpy finished(dialog, &LookupDialog::lookupFinished);
    dialog->lookup(id);
    QVERIFY(finished.wait(Deadline));
    QCOMPARE(finished.last().at(0).toBool(), true);
    QVERIFY(dialog->resultText().contains(QStringLiteral("COMPLETED")));
    QVERIFY(dialog->resultText().contains(QStringLiteral("small.bin")));

    const QString unknown = newExportId();
    dialog->lookup(unknown);
    QVERIFY(finished.wait(Deadline));
    QCOMPARE(finished.last().at(0).toBool(), false);
    QCOMPARE(dialog->messageText(), QStringLiteral("no export found for id: %1").arg(unknown));
    QCOMPARE(w->showLookupDialog(), dialog); // Ctrl+L again raises the same dialog
}

void TestGui::settings_surviveRestartOfWindow()
{
    GuiSettings values;
    values.ttlSeconds = 120;
    values.chunkSize = 256 * 1024;
    values.maxConcurrent = 2;
    values.bandwidthLimit = 1024 * 1024;
    values.user = QStringLiteral("tester");
    {
        auto w = makeWindow();
        SettingsDialog *dialog = w->showSettingsDialog();
        dialog->setValues(values);
        QCOMPARE(dialog->values().value(), values);
        QVERIFY(dialog->apply()); // what OK and Apply do
        QCOMPARE(w->settings(), values);
        // Applied without a restart.
        QCOMPARE(w->exporter()->config().chunkSize, 256 * 1024);
        QCOMPARE(w->exporter()->config().maxConcurrent, 2);
        QCOMPARE(w->exporter()->config().bandwidthLimit, 1024 * 1024);
        QCOMPARE(w->exporter()->config().user, QStringLiteral("tester"));
        w->listWidget()->header()->hideSection(ExportListModel::Id);
        w->resize(900, 500);
    }
    auto w = makeWindow();
    QCOMPARE(w->settings(), values);
    QCOMPARE(w->exporter()->config().ttlSeconds, 120);
    QCOMPARE(w->exporter()->config().user, QStringLiteral("tester"));
    QVERIFY(w->listWidget()->header()->isSectionHidden(ExportListModel::Id));
    QCOMPARE(w->size(), QSize(900, 500));

    // A bad value is refused and says why.
    SettingsDialog *dialog = w->showSettingsDialog();
    GuiSettings bad = values;
    bad.redisUrl = QStringLiteral("ftp://nowhere");
    dialog->setValues(bad);
    QString why;
    QVERIFY(!dialog->values(&why));
    QVERIFY(!why.isEmpty());
    QVERIFY(!dialog->apply());
}

void TestGui::filters_byStatusAndName()
{
    auto w = makeWindow();
    ExportListModel *m = w->model();
    auto finish = [m](const QString &id, ExportState state) {
        ExportStatus s;
        s.id = id;
        s.state = state;
        s.error = state == ExportState::Failed ? QStringLiteral("boom") : QString();
        m->finishExport(
            id, s, state == ExportState::Completed ? ErrorCode::None : ErrorCode::Failed, s.error);
    };
    m->addExport(QStringLiteral("a"), QStringLiteral("/data/alpha.bin"));
    m->addExport(QStringLiteral("b"), QStringLiteral("/data/beta.bin"));
    m->addExport(QStringLiteral("c"), QStringLiteral("/data/gamma.tiff"));
    m->addExport(QStringLiteral("d"), QStringLiteral("/data/delta.tiff"));
    finish(QStringLiteral("b"), ExportState::Completed);
    finish(QStringLiteral("c"), ExportState::Cancelled);
    finish(QStringLiteral("d"), ExportState::Failed);
    m->refresh();
    ExportSortModel *proxy = w->listWidget()->sortModel();
    auto showing = [proxy] {
        QStringList ids;
        for (int r = 0; r < proxy->rowCount(); ++r)
            ids << proxy->index(r, 0).data(ExportListModel::IdRole).toString();
        ids.sort();
        return ids.join(QLatin1Char(','));
    };
    QCOMPARE(showing(), QStringLiteral("a,b,c,d"));
    QComboBox *box = w->statusFilterBox();
    box->setCurrentIndex(1);
    QCOMPARE(showing(), QStringLiteral("a"));
    box->setCurrentIndex(2);
    QCOMPARE(showing(), QStringLiteral("b"));
    box->setCurrentIndex(3);
    QCOMPARE(showing(), QStringLiteral("c"));
    box->setCurrentIndex(4);
    QCOMPARE(showing(), QStringLiteral("d"));
    box->setCurrentIndex(0);
    w->nameFilterEdit()->setText(QStringLiteral("TIFF"));
    QCOMPARE(showing(), QStringLiteral("c,d"));
    box->setCurrentIndex(4);
    QCOMPARE(showing(), QStringLiteral("d"));
    w->nameFilterEdit()->clear();
    box->setCurrentIndex(0);

    // Sorting by the underlying data: Size as a number, not as text.
    m->updateStatus(QStringLiteral("a"), [] {
        ExportStatus s;
        s.id = QStringLiteral("a");
        s.state = ExportState::Pending;
        s.bytesTotal = 9;
        return s;
    }());
    m->refresh();
    proxy->sort(ExportListModel::Size, Qt::DescendingOrder);
    QCOMPARE(proxy->index(0, 0).data(ExportListModel::IdRole).toString(), QStringLiteral("a"));
}

void TestGui::model_batchesUpdates_oneSignalPerChangedRow()
{
    ExportListModel m;
    for (int i = 0; i < 1000; ++i) {
        const QString id = QStringLiteral("done-%1").arg(i);
        m.addExport(id, QStringLiteral("/f/%1").arg(i));
        ExportStatus s;
        s.id = id;
        s.state = ExportState::Completed;
        m.finishExport(id, s, ErrorCode::None, {});
    }
    for (int i = 0; i < 8; ++i)
        m.addExport(QStringLiteral("run-%1").arg(i), QStringLiteral("/f/run%1").arg(i));
    m.refresh();
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    for (int chunk = 1; chunk <= 100; ++chunk) {
        for (int i = 0; i < 8; ++i)
            m.updateProgress(QStringLiteral("run-%1").arg(i), chunk * 1024, 100 * 1024);
    }
    QCOMPARE(changed.count(), 0); // nothing until the refresh tick
    m.refresh();
    QCOMPARE(changed.count(), 8); // one per changed row, none for the 1,000 finished ones
    for (const QList<QVariant> &args : std::as_const(changed))
        QCOMPARE(args.at(0).toModelIndex().row(), args.at(1).toModelIndex().row());

    // More than half the rows changed: one signal for the whole range.
    ExportListModel small;
    for (int i = 0; i < 4; ++i)
        small.addExport(QString::number(i), QStringLiteral("/f"));
    small.refresh();
    QSignalSpy smallChanged(&small, &QAbstractItemModel::dataChanged);
    for (int i = 0; i < 3; ++i)
        small.updateProgress(QString::number(i), 10, 100);
    small.refresh();
    QCOMPARE(smallChanged.count(), 1);
    QCOMPARE(smallChanged.first().at(0).toModelIndex().row(), 0);
    QCOMPARE(smallChanged.first().at(1).toModelIndex().row(), 3);

    // Sorting 1,008 rows by every column stays quick.
    ExportSortModel proxy;
    proxy.setSourceModel(&m);
    QElapsedTimer clock;
    clock.start();
    for (int c = 0; c < ExportListModel::NB_COLUMNS; ++c)
        proxy.sort(c);
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
}

void TestGui::model_etaSaysStalledAfterFiveSecondsWithoutBytes()
{
    ExportListModel::Row row;
    row.state = ExportState::Pending;
    row.total = 1000;
    row.written = 100;
    row.meter.addSample(100, 0);
    QCOMPARE(row.etaText(1000), QStringLiteral("—"));
    QCOMPARE(row.etaText(4999), QStringLiteral("—"));
    QCOMPARE(row.etaText(5000), QStringLiteral("Stalled"));
    row.written = 200;
    row.meter.addSample(200, 1000); // 100 B/s: 800 bytes left
    QCOMPARE(row.etaText(1000), QStringLiteral("8 s"));
    row.finished = true;
    QCOMPARE(row.etaText(6000), QString());
}

namespace {
// 1 MB/s for 8 s, then 2 MB/s until 12 s, then nothing.
qint64 bytesAt(qint64 ms)
{
    if (ms <= 8000) return ms * 1000;
    return 8000000 + (std::min<qint64>(ms, 12000) - 8000) * 2000;
}
} // namespace

// Issue 10: both tabs read speed, ETA and "stalled" from the core's one rule
// (SpeedMeter: a 5 s average, stalled after 5 s without bytes), as the CLI does.
void TestGui::myExportsRows_speedEtaStalled_fromSpeedMeter()
{
    ExportListModel m;
    qint64 now = 0;
    m.setClock([&now] { return now; });
    const QString id = QStringLiteral("r");
    m.addExport(id, QStringLiteral("/data/r.bin"));
    ExportStatus s;
    s.id = id;
    s.state = ExportState::Pending;
    s.bytesTotal = 34000000;
    m.createExport(id, s);
    SpeedMeter reference;
    reference.addSample(0, 0);
    for (now = 250; now <= 12000; now += 250) {
        m.updateProgress(id, bytesAt(now), s.bytesTotal);
        m.refresh();
        reference.addSample(bytesAt(now), now);
    }
    const QModelIndex speed = m.index(0, ExportListModel::Speed);
    const QModelIndex eta = m.index(0, ExportListModel::Eta);
    // The last 5 s: 7 s → 12 s, 9 MB: 1.8 MB/s (a 10 s window would say 1.4).
    QCOMPARE(speed.data(ExportListModel::UnderlyingDataRole).toDouble(), 1800000.0);
    QCOMPARE(double(reference.bytesPerSecond()), 1800000.0);
    QCOMPARE(m.totalSpeed(), 1800000.0);
    // 18 MB left at 1.8 MB/s.
    QCOMPARE(eta.data().toString(), QStringLiteral("10 s"));
    QCOMPARE(eta.data(ExportListModel::UnderlyingDataRole).toLongLong(), 10);
    // No byte since 12 s: "Stalled" 5 s later, not before; the speed falls to 0.
    now = 16750;
    m.refresh();
    QVERIFY(eta.data().toString() != QStringLiteral("Stalled"));
    now = 17000;
    m.refresh();
    QCOMPARE(eta.data().toString(), QStringLiteral("Stalled"));
    QCOMPARE(speed.data(ExportListModel::UnderlyingDataRole).toDouble(), 0.0);
    QCOMPARE(speed.data().toString(), QString());
}

void TestGui::allExportsRows_speedAndStalled_fromSpeedMeter()
{
    AllExportsModel m;
    const QDateTime t0 = QDateTime::fromString(QStringLiteral("2026-11-27T19:00:00Z"), Qt::ISODate);
    QDateTime clock = t0;
    m.setClock([&clock] { return clock; });
    ExportStatus s;
    s.id = QStringLiteral("0123456789abcdef0123456789abcdef");
    s.state = ExportState::Pending;
    s.owner = QStringLiteral("alice");
    s.source = QStringLiteral("r.bin");
    s.bytesTotal = 34000000;
    s.createdAt = t0;
    for (qint64 ms = 0; ms <= 12000; ms += 500) {
        clock = t0.addMSecs(ms);
        s.updatedAt = clock;
        s.bytesWritten = bytesAt(ms);
        m.updateExport(s);
    }
    m.flush();
    // The same 5 s window as My exports and `watch`: 1.8 MB/s, not a 10 s average.
    QCOMPARE(m.speedAt(0), 1800000.0);
    QCOMPARE(m.index(0, AllExportsModel::Status).data().toString(), QStringLiteral("PENDING"));
    // Its owner goes silent: stalled after 5 s without bytes, as everywhere else.
    clock = t0.addMSecs(16900);
    m.flush();
    QCOMPARE(m.index(0, AllExportsModel::Status).data().toString(), QStringLiteral("PENDING"));
    QVERIFY(!m.isStalled(0));
    clock = t0.addMSecs(17000);
    m.flush();
    QCOMPARE(m.index(0, AllExportsModel::Status).data().toString(),
             QStringLiteral("Stalled (owner silent)"));
    QVERIFY(m.index(0, 0).data(AllExportsModel::StalledRole).toBool());
    QCOMPARE(m.speedAt(0), 0.0);
}

void TestGui::unreachableRedis_windowOpensAndSaysSo()
{
    MainWindowOptions options;
    options.settingsFile = m_settingsFile;
    options.redisUrl =
        QStringLiteral("unix://") + m_dir.filePath(QStringLiteral("nobody-here.sock"));
    options.serverPollMs = 300;
    MainWindow w(options);
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.serverStatusText().contains(QStringLiteral("unreachable")),
                             Deadline);
    const QString file = test::makeRandomFile(m_dir.path(), QStringLiteral("orphan.bin"), 1000, 5);
    const QString id = w.addFiles({file}).value(0);
    QTRY_VERIFY_WITH_TIMEOUT(w.model()->find(id)->finished, Deadline);
    w.model()->refresh();
    QVERIFY(cell(w, id, ExportListModel::Status).startsWith(QStringLiteral("FAILED")));
}

void TestGui::allExportsTab_showsAnotherProcessExportLive_andCancelsIt()
{
    // Another "machine": an Exporter of its own, user bob, throttled so it is still running.
    const QString path =
        test::makeRandomFile(m_dir.path(), QStringLiteral("bobs.bin"), 8 * 1024 * 1024, 9);
    ExporterConfig other;
    other.endpoint = m_redis->endpoint();
    other.user = QStringLiteral("bob");
    other.chunkSize = 64 * 1024;
    other.bandwidthLimit = 512 * 1024;
    Exporter bob(other, nullptr);
    QSignalSpy bobFinished(&bob, &Exporter::exportFinished);
    const QString id = bob.startExport(path);

    // Support staff: may cancel anyone's export.
    const QString perms = m_dir.filePath(QStringLiteral("support.json"));
    QFile f(perms);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QStringLiteral(R"({"%1":["export:read","export:cancel-any"]})")
                .arg(defaultUserName())
                .toUtf8());
    f.close();
    auto w = makeWindow(perms);
    QCOMPARE(w->tabs()->count(), 2);
    QCOMPARE(w->tabs()->tabText(1), QStringLiteral("All exports"));
    AllExportsView *view = w->allExportsView();
    QVERIFY(view);
    w->tabs()->setCurrentWidget(view); // opened: from now on it watches every export
    QVERIFY(w->session()->isWatchingAll());
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->rowOf(id) >= 0, Deadline);
    const int row = view->model()->rowOf(id);
    QCOMPARE(view->model()->index(row, AllExportsModel::Owner).data().toString(),
             QStringLiteral("bob"));
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->statusAt(view->model()->rowOf(id))->bytesWritten > 0,
                             Deadline);
    QVERIFY(view->selectExport(id));
    QVERIFY(view->cancelAction()->isEnabled());
    view->cancelAction()->trigger();
    // Someone else's export: the view asks first (issue 13, item 7).
    QTRY_VERIFY_WITH_TIMEOUT(
        view->pendingConfirmation() && view->pendingConfirmation()->isVisible(), Deadline);
    QVERIFY(view->pendingConfirmation()->text().contains(QStringLiteral("bob")));
    clickButton(view->pendingConfirmation(), QMessageBox::AcceptRole);
    QVERIFY(bobFinished.wait(Deadline));
    QCOMPARE(bobFinished.first().at(1).value<ExportStatus>().state, ExportState::Cancelled);
    const auto s = redisStatus(id);
    QVERIFY(s);
    QCOMPARE(s->state, ExportState::Cancelled);
    QCOMPARE(s->cancelledBy, defaultUserName());
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->statusAt(view->model()->rowOf(id))->state ==
                                 ExportState::Cancelled,
                             Deadline);
}

void TestGui::myExportsMonitor_followsItsOwnRowsOnly_untilAllExportsOpens()
{
    // A server holding others' exports.
    constexpr qint64 others = 3000;
    QString error;
    auto conn = m_redis->connect();
    QVERIFY2(test::fillExports(
                 *conn, KeyLayout(), 0, others,
                 [](qint64 i) {
                     return test::madeStatus(test::numberedExportId(i), ExportState::Completed,
                                             QDateTime::currentDateTimeUtc());
                 },
                 QByteArray(16, 'd'), 600000, &error),
             qPrintable(error));
    m_redis->command({"CONFIG", "RESETSTAT"});
    auto w = makeWindow(); // no permissions file: everyone may export and read
    QTRY_VERIFY_WITH_TIMEOUT(w->isServerReady(), Deadline);
    QVERIFY(!w->session()->isWatchingAll());
    ExportMonitor *monitor = w->session()->monitor();
    QVERIFY(monitor);
    QSignalSpy updates(monitor, &ExportMonitor::exportUpdated);

    // Its own rows still update through it: the export started here is followed.
    const QString file = test::makeRandomFile(m_dir.path(), QStringLiteral("mine.bin"), 300000, 5);
    const QString id = w->addFiles({file}).value(0);
    QVERIFY(!id.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(w->model()->find(id) && w->model()->find(id)->finished, Deadline);
    QVERIFY(w->session()->followedIds().contains(id));
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(updates.cbegin(), updates.cend(),
                                         [&](const QList<QVariant> &a) {
                                             const auto s = a.at(0).value<ExportStatus>();
                                             return s.id == id && s.state == ExportState::Completed;
                                         }),
                             Deadline);
    for (const QList<QVariant> &a : std::as_const(updates))
        QCOMPARE(a.at(0).value<ExportStatus>().id, id); // never one of the others
    // …and it never asked for the whole server: no SCAN, no read of the others.
    QByteArray detail;
    test::commandCalls(*conn, {}, &detail);
    QVERIFY2(!(' ' + detail).contains(" scan="), detail.constData());

    // Opening All exports: a monitor of every export, SCAN and all.
    w->tabs()->setCurrentWidget(w->allExportsView());
    QVERIFY(w->session()->isWatchingAll());
    QVERIFY(w->session()->monitor());
    AllExportsView *view = w->allExportsView();
    QTRY_COMPARE_WITH_TIMEOUT(view->model()->rowCount(), int(others + 1), Deadline);
    detail.clear();
    test::commandCalls(*conn, {}, &detail);
    QVERIFY2((' ' + detail).contains(" scan="), detail.constData());
}

void TestGui::addUrl_exportsWhatTheServerServes_withoutCredentials()
{
    test::HttpTestServer http;
    QByteArray body(3 * 1024 * 1024 + 5, Qt::Uninitialized);
    for (int i = 0; i < body.size(); ++i)
        body[i] = char((i * 131) ^ (i >> 7));
    http.setContent(body);
    QVERIFY(http.start());
    QUrl url = http.url(QStringLiteral("/file"));
    url.setUserName(QStringLiteral("alice"));
    url.setPassword(QStringLiteral("s3cret"));
    auto w = makeWindow();
    QTRY_VERIFY_WITH_TIMEOUT(w->isServerReady(), Deadline);
    const QStringList ids = w->addFiles({url.toString()});
    QCOMPARE(ids.size(), 1);
    const QString id = ids.first();
    QTRY_COMPARE_WITH_TIMEOUT(cell(*w, id, ExportListModel::Status), QStringLiteral("COMPLETED"),
                              Deadline);
    QCOMPARE(redisData(id), body);
    const auto s = redisStatus(id);
    QVERIFY(s);
    QVERIFY2(!s->source.contains(QLatin1String("s3cret")), qPrintable(s->source));
    for (int column = 0; column < ExportListModel::NB_COLUMNS; ++column) {
        QVERIFY(!cell(*w, id, column).contains(QLatin1String("s3cret")));
        QVERIFY(!cell(*w, id, column, Qt::ToolTipRole).contains(QLatin1String("s3cret")));
    }
}

void TestGui::secondWindow_handsItsFilesToTheRunningOne_andExits()
{
    const QString socket = m_dir.filePath(QStringLiteral("window-%1.sock").arg(m_case));
    auto w = makeWindow();
    SingleInstance instance(socket);
    QVERIFY(instance.listen());
    connect(&instance, &SingleInstance::filesReceived, w.get(),
            [&w](const QStringList &files) { w->addFiles(files); });

    const QString file =
        test::makeRandomFile(m_dir.path(), QStringLiteral("handed.bin"), 70000, 11);
    QProcess second;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HBEXPORTER_INSTANCE_SOCKET"), socket);
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("HBEXPORTER_REDIS_URL"), m_redis->url());
    second.setProcessEnvironment(env);
    second.setWorkingDirectory(m_dir.path());
    // A relative name: the running window must get it made absolute.
    second.start(test::builtExecutable(QStringLiteral("hbexporter")),
                 {QStringLiteral("handed.bin")});
    QVERIFY2(second.waitForStarted(Deadline), qPrintable(second.errorString()));
    // The event loop keeps running while we wait: this window answers the second one.
    const bool exited = QTest::qWaitFor([&] { return second.state() == QProcess::NotRunning; },
                                        test::scaledMs(20000));
    if (!exited) {
        second.kill();
        second.waitForFinished(Deadline);
    }
    QVERIFY2(exited,
             "the second hbexporter opened a window of its own instead of handing its file over");
    QCOMPARE(second.exitCode(), 0);
    QCOMPARE(w->model()->rowCount(), 1);
    const QString id = w->model()->rowAt(0).id;
    QCOMPARE(w->model()->rowAt(0).sourcePath, file);
    QTRY_COMPARE_WITH_TIMEOUT(cell(*w, id, ExportListModel::Status), QStringLiteral("COMPLETED"),
                              Deadline);

    // A socket left behind by a window that crashed is taken over, not obeyed.
    SingleInstance stale(m_dir.filePath(QStringLiteral("nobody-%1.sock").arg(m_case)));
    QFile leftover(stale.name());
    QVERIFY(leftover.open(QIODevice::WriteOnly));
    leftover.close();
    QVERIFY(!SingleInstance::handOff(stale.name(), {file}, 1000));
    QVERIFY(stale.listen());
}

void TestGui::embeddedServerKilled_windowStartsItAgain_newExportsComplete()
{
    QTemporaryDir runtime(QDir::tempPath() + QStringLiteral("/hbrt-XXXXXX"));
    QVERIFY(runtime.isValid());
    QFile::setPermissions(runtime.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    const QByteArray oldRuntime = qgetenv("XDG_RUNTIME_DIR");
    qputenv("XDG_RUNTIME_DIR", runtime.path().toLocal8Bit());
    const QByteArray oldUrl = qgetenv("HBEXPORTER_REDIS_URL");
    qunsetenv("HBEXPORTER_REDIS_URL");
    auto restore = qScopeGuard([&] {
        QString ignored;
        EmbeddedServer::stop(&ignored);
        qputenv("XDG_RUNTIME_DIR", oldRuntime);
        qputenv("HBEXPORTER_REDIS_URL", oldUrl);
    });
    const int logStart = int(w_logText().size());

    MainWindowOptions options;
    options.settingsFile = m_settingsFile;
    options.serverPollMs = 300;
    MainWindow w(options);
    w.show();
    QVERIFY(w.session()->isEmbedded());
    QTRY_VERIFY_WITH_TIMEOUT(w.session()->serverState() == Session::ServerState::Reachable,
                             Deadline);
    const QString first =
        test::makeRandomFile(m_dir.path(), QStringLiteral("before.bin"), 50000, 21);
    const QString id1 = w.addFiles({first}).value(0);
    QTRY_COMPARE_WITH_TIMEOUT(cell(w, id1, ExportListModel::Status), QStringLiteral("COMPLETED"),
                              Deadline);

    // Kill it as a crash or an OOM killer would.
    QFile pidFile(EmbeddedServer::directory() + QStringLiteral("/redis.pid"));
    QVERIFY(pidFile.open(QIODevice::ReadOnly));
    const qint64 pid = pidFile.readAll().trimmed().toLongLong();
    QVERIFY(pid > 0);
    QSignalSpy restarted(w.session(), &Session::embeddedServerRestarted);
    QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
    QVERIFY(restarted.wait(Deadline));
    QCOMPARE(restarted.first().at(0).toBool(), true);
    QTRY_VERIFY_WITH_TIMEOUT(w.session()->serverState() == Session::ServerState::Reachable,
                             Deadline);
    QTRY_VERIFY_WITH_TIMEOUT(w.logPanel()->text().contains(QStringLiteral("started again")),
                             Deadline);

    const QString second =
        test::makeRandomFile(m_dir.path(), QStringLiteral("after.bin"), 50000, 22);
    const QString id2 = w.addFiles({second}).value(0);
    QTRY_COMPARE_WITH_TIMEOUT(cell(w, id2, ExportListModel::Status), QStringLiteral("COMPLETED"),
                              Deadline);
    // The row of the export the dead server held says its keys are gone.
    QTRY_VERIFY_WITH_TIMEOUT(cell(w, id1, ExportListModel::Status).contains(QStringLiteral("gone")),
                             Deadline);
    // Never a word about a server nobody configured (the old watcher asked 127.0.0.1:6379).
    const QString log = w_logText().mid(logStart);
    QVERIFY2(!log.contains(QStringLiteral("6379")), qPrintable(log));
}

void TestGui::vanishedKeys_rowsSayGoneOrExpired_saveFailureShowsDialog()
{
    const QString file =
        test::makeRandomFile(m_dir.path(), QStringLiteral("short-lived.bin"), 40000, 5);
    const QString other =
        test::makeRandomFile(m_dir.path(), QStringLiteral("deleted.bin"), 40000, 6);
    MainWindowOptions options;
    options.settingsFile = m_settingsFile;
    options.redisUrl = m_redis->url();
    options.serverPollMs = 300;
    MainWindow w(options);
    w.show();
    GuiSettings s = settingsWith(0);
    s.ttlSeconds = 1;
    w.applySettings(s);
    const QString expiring = w.addFiles({file}).value(0);
    s.ttlSeconds = 600;
    w.applySettings(s);
    const QString deleted = w.addFiles({other}).value(0);
    QTRY_COMPARE_WITH_TIMEOUT(w.model()->activeCount(), 0, Deadline);
    QTRY_VERIFY_WITH_TIMEOUT(
        cell(w, expiring, ExportListModel::Status).endsWith(QStringLiteral("expired")), Deadline);
    QVERIFY(cell(w, deleted, ExportListModel::Status) == QStringLiteral("COMPLETED"));

    // Saving a row whose keys were deleted a moment ago: a dialog, not just a log line.
    m_redis->command({"DEL", KeyLayout{}.statusKey(deleted), KeyLayout{}.dataKey(deleted)});
    QSignalSpy saved(&w, &MainWindow::dataSaved);
    const QString target = m_dir.filePath(QStringLiteral("never-written.bin"));
    w.saveDataTo(deleted, target);
    QVERIFY(saved.wait(Deadline));
    QCOMPARE(saved.first().at(2).toBool(), false);
    QTRY_VERIFY_WITH_TIMEOUT(
        w.findChild<QMessageBox *>(QStringLiteral("problemDialog")) &&
            w.findChild<QMessageBox *>(QStringLiteral("problemDialog"))->isVisible(),
        Deadline);
    QMessageBox *box = w.findChild<QMessageBox *>(QStringLiteral("problemDialog"));
    QVERIFY2(box->text().contains(QStringLiteral("no export found")), qPrintable(box->text()));
    QVERIFY(!QFile::exists(target));
    box->close();
    QTRY_VERIFY_WITH_TIMEOUT(
        cell(w, deleted, ExportListModel::Status).endsWith(QStringLiteral("gone")), Deadline);
    w.listWidget()->selectIds({deleted});
    QVERIFY(!w.listWidget()->saveDataAction()->isEnabled());
    QVERIFY(cell(w, deleted, ExportListModel::Status, Qt::ToolTipRole)
                .contains(QStringLiteral("gone from Redis")));
}

void TestGui::saveData_proposesNewNameInSensibleFolder_neverTheSource()
{
    const QString file =
        test::makeRandomFile(m_dir.path(), QStringLiteral("scan-0042.tiff"), 30000, 8);
    auto w = makeWindow();
    const QString id = w->addFiles({file}).value(0);
    QTRY_COMPARE_WITH_TIMEOUT(cell(*w, id, ExportListModel::Status), QStringLiteral("COMPLETED"),
                              Deadline);
    const QString proposed = w->defaultSavePath(id);
    QVERIFY2(QFileInfo(proposed).fileName() ==
                 QStringLiteral("scan-0042 (%1).tiff").arg(id.left(8)),
             qPrintable(proposed));
    QVERIFY(QFileInfo(proposed).absoluteFilePath() != QFileInfo(file).absoluteFilePath());
    QVERIFY(QFileInfo(QFileInfo(proposed).absolutePath()).isDir());

    // Saved once into the source's own folder: the next proposal is that folder,
    // with a name that is still not the source's.
    QSignalSpy saved(w.get(), &MainWindow::dataSaved);
    w->saveDataTo(id, proposed);
    QVERIFY(saved.wait(Deadline));
    QVERIFY(saved.last().at(2).toBool());
    w->saveDataTo(id, m_dir.filePath(QStringLiteral("copy-of-scan.tiff")));
    QVERIFY(saved.wait(Deadline));
    const QString next = w->defaultSavePath(id);
    QCOMPARE(QFileInfo(next).absolutePath(), QFileInfo(file).absolutePath());
    QVERIFY(next != file);
    QVERIFY(!QFileInfo::exists(next));

    // Choosing the source itself is refused, and the source is untouched.
    const QByteArray before = test::sha256OfFile(file);
    const int answers = int(saved.count());
    w->saveDataTo(id, file);
    QTRY_COMPARE_WITH_TIMEOUT(int(saved.count()), answers + 1, Deadline);
    QCOMPARE(saved.last().at(2).toBool(), false);
    QTRY_VERIFY_WITH_TIMEOUT(w->findChild<QMessageBox *>(QStringLiteral("problemDialog")),
                             Deadline);
    QCOMPARE(test::sha256OfFile(file), before);
}

void TestGui::proposeSavePath_namesTheExport_numbersOnWhileTaken()
{
    const QString id = QStringLiteral("3f2a0c1e9b7d4a55");
    const auto none = [](const QString &) { return false; };
    QCOMPARE(
        proposeSavePath(QStringLiteral("/data/out"), QStringLiteral("scan-0042.tiff"), id, none),
        QStringLiteral("/data/out/scan-0042 (3f2a0c1e).tiff"));
    // The last suffix stays the suffix; a name without one, or only one, gets none.
    QCOMPARE(proposeSavePath(QStringLiteral("/d"), QStringLiteral("archive.tar.gz"), id, none),
             QStringLiteral("/d/archive.tar (3f2a0c1e).gz"));
    QCOMPARE(proposeSavePath(QStringLiteral("/d"), QStringLiteral("README"), id, none),
             QStringLiteral("/d/README (3f2a0c1e)"));
    QCOMPARE(proposeSavePath(QStringLiteral("/d"), QStringLiteral(".bashrc"), id, none),
             QStringLiteral("/d/.bashrc (3f2a0c1e)"));
    QCOMPARE(proposeSavePath(QStringLiteral("/d"), QString(), id, none),
             QStringLiteral("/d/export (3f2a0c1e)"));
    // Taken names (an existing file, the source) are passed over, each asked once.
    const QStringList taken{QStringLiteral("/d/scan (3f2a0c1e).tiff"),
                            QStringLiteral("/d/scan (3f2a0c1e) 2.tiff")};
    QStringList asked;
    QCOMPARE(proposeSavePath(QStringLiteral("/d"), QStringLiteral("scan.tiff"), id,
                             [&](const QString &path) {
                                 asked.append(path);
                                 return taken.contains(path);
                             }),
             QStringLiteral("/d/scan (3f2a0c1e) 3.tiff"));
    QCOMPARE(asked, taken + QStringList{QStringLiteral("/d/scan (3f2a0c1e) 3.tiff")});
}

void TestGui::failedRow_keepsItsLastProgress()
{
    ExportListModel m;
    m.addExport(QStringLiteral("x"), QStringLiteral("/data/big.bin"));
    ExportStatus created;
    created.id = QStringLiteral("x");
    created.state = ExportState::Pending;
    created.bytesTotal = 1000;
    m.createExport(QStringLiteral("x"), created);
    m.updateProgress(QStringLiteral("x"), 420, 1000);
    ExportStatus failed; // what a failure the core could not write to Redis carries
    failed.id = QStringLiteral("x");
    failed.state = ExportState::Failed;
    failed.bytesTotal = 1000;
    failed.error = QStringLiteral("connection lost");
    m.finishExport(QStringLiteral("x"), failed, ErrorCode::Redis, failed.error);
    m.refresh();
    QCOMPARE(m.index(0, ExportListModel::Progress).data().toString(), QStringLiteral("42%"));
    QCOMPARE(
        m.index(0, ExportListModel::Progress).data(ExportListDelegate::FractionRole).toDouble(),
        0.42);
    QCOMPARE(m.index(0, ExportListModel::Progress).data(ExportListDelegate::BarStateRole).toInt(),
             int(ExportListDelegate::BarState::Failed));
}

void TestGui::failureReason_readsInFullInTheRow_at800px()
{
    auto w = makeWindow();
    w->resize(800, 500);
    QVERIFY(QTest::qWaitForWindowExposed(w.get()));
    const QString socket = m_dir.filePath(QStringLiteral("hbexporter-session.sock"));
    ExportListModel *m = w->model();
    m->addExport(QStringLiteral("f"), socket);
    ExportStatus s;
    s.id = QStringLiteral("f");
    s.state = ExportState::Failed;
    s.error = QStringLiteral("cannot export %1: not a regular file, a socket").arg(socket);
    m->finishExport(QStringLiteral("f"), s, ErrorCode::Source, s.error);
    m->refresh();
    // The row names the file in its File column, so the reason says its name, not
    // its path; the tooltip has the whole path.
    const QString reason =
        QStringLiteral("cannot export hbexporter-session.sock: not a regular file, a socket");
    QVERIFY(m->index(0, ExportListModel::Status).data(Qt::ToolTipRole).toString().contains(socket));

    // What the view paints, as a person would read it: every piece of text drawn in
    // the row, in reading order. The reason is there whole (not elided: the file name
    // may be, in the middle, as the File column does), and every piece lies inside the
    // 800 px window.
    ExportListWidget *list = w->listWidget();
    QTRY_VERIFY_WITH_TIMEOUT(list->visualRect(list->model()->index(0, 0)).isValid(), Deadline);
    QCoreApplication::processEvents();
    const QRect row = list->visualRect(list->model()->index(0, 0));
    QWidget *viewport = list->viewport();
    test::TextRecorder painted(viewport);
    viewport->render(&painted);
    QList<test::TextRecorder::Item> inRow;
    for (const auto &item : std::as_const(painted.items)) {
        if (item.pos.y() >= row.top() && item.pos.y() <= row.bottom() + 1) inRow.append(item);
    }
    std::sort(inRow.begin(), inRow.end(), [](const auto &a, const auto &b) {
        return std::pair(a.pos.y(), a.pos.x()) < std::pair(b.pos.y(), b.pos.x());
    });
    QString text;
    const QFontMetricsF fm(list->font());
    for (const auto &item : std::as_const(inRow)) {
        text += item.text + QLatin1Char(' ');
        QVERIFY2(item.pos.x() + fm.horizontalAdvance(item.text) <= viewport->width() + 1,
                 qPrintable(item.text));
    }
    text = text.simplified();
    QVERIFY2(text.contains(QStringLiteral("FAILED")), qPrintable(text));
    QString joined = text;
    joined.remove(QLatin1Char(' '));
    QString wanted = reason;
    wanted.remove(QLatin1Char(' '));
    QVERIFY2(joined.contains(wanted), qPrintable(QStringLiteral("painted: ") + text));

    // The Status column has the room the window has, not "Started".
    QHeaderView *h = list->header();
    const int narrow = h->sectionSize(ExportListModel::Status);
    const int startedNarrow = h->sectionSize(ExportListModel::Started);
    w->resize(1280, 800);
    QTRY_VERIFY_WITH_TIMEOUT(h->sectionSize(ExportListModel::Status) > narrow + 300, Deadline);
    QCOMPARE(h->sectionSize(ExportListModel::Started), startedNarrow);
}

void TestGui::progressBarText_meetsWcagAaContrast_inEveryState()
{
    using B = ExportListDelegate::BarState;
    ExportListModel m;
    QTreeView view;
    view.setModel(&m);
    ExportListDelegate delegate(ExportListModel::Progress);
    struct Case
    {
        const char *name;
        ExportState state;
        bool cancelling;
        qint64 written;
    };
    const QList<Case> cases{{"queued", ExportState::Queued, false, 0},
                            {"running", ExportState::Pending, false, 500},
                            {"cancelling", ExportState::Pending, true, 500},
                            {"completed", ExportState::Completed, false, 1000},
                            {"cancelled", ExportState::Cancelled, false, 500},
                            {"failed", ExportState::Failed, false, 500},
                            {"cancelled at 3%", ExportState::Cancelled, false, 30},
                            {"failed at 97%", ExportState::Failed, false, 970}};
    for (const Case &c : cases) {
        const QString id = QString::fromLatin1(c.name);
        m.addExport(id, QStringLiteral("/f"));
        ExportStatus s;
        s.id = id;
        s.state = c.state == ExportState::Queued ? ExportState::Created : ExportState::Pending;
        s.bytesTotal = 1000;
        m.createExport(id, s);
        m.updateProgress(id, c.written, 1000);
        if (c.cancelling) m.markCancelling(id);
        if (isTerminal(c.state)) {
            s.state = c.state;
            s.bytesWritten = c.written;
            m.finishExport(
                id, s, c.state == ExportState::Completed ? ErrorCode::None : ErrorCode::Failed, {});
        }
    }
    m.refresh();
    for (int r = 0; r < m.rowCount(); ++r) {
        const QModelIndex index = m.index(r, ExportListModel::Progress);
        QStyleOptionViewItem option;
        option.rect = QRect(0, 0, 160, 26);
        option.font = view.font();
        option.widget = &view;
        option.palette = view.palette();
        // The cell with its text and without: the pixels that differ are the text's.
        QImage with(option.rect.size(), QImage::Format_RGB32);
        QImage without(option.rect.size(), QImage::Format_RGB32);
        for (auto [image, text] : {std::pair{&with, true}, std::pair{&without, false}}) {
            image->fill(Qt::white);
            QPainter p(image);
            delegate.setBarTextVisible(text);
            delegate.paint(&p, option, index);
        }
        // The bar's done part ends here; the text over each part is measured apart:
        // its strongest pixels (glyph cores, not their anti-aliased edges) against
        // the background under them.
        const double fraction = index.data(ExportListDelegate::FractionRole).toDouble();
        const int split = 3 + int((option.rect.width() - 6) * fraction + 0.5);
        double best[2] = {0, 0};
        int pixels[2] = {0, 0};
        int textPixels = 0;
        for (int x = 0; x < with.width(); ++x) {
            for (int y = 0; y < with.height(); ++y) {
                const QColor a = with.pixelColor(x, y);
                const QColor b = without.pixelColor(x, y);
                if (a == b) continue;
                const int side = x < split ? 0 : 1;
                ++pixels[side];
                ++textPixels;
                best[side] = std::max(best[side], ExportListDelegate::contrastRatio(a, b));
            }
        }
        double worst = 21;
        for (int side = 0; side < 2; ++side) {
            if (pixels[side] >= 12) // enough of a glyph to have a core
                worst = std::min(worst, best[side]);
        }
        const QString what = m.rowAt(r).id;
        QVERIFY2(textPixels > 20, qPrintable(what + QStringLiteral(": no text drawn")));
        QVERIFY2(worst >= 4.5,
                 qPrintable(QStringLiteral("%1: contrast %2:1").arg(what).arg(worst, 0, 'f', 2)));
    }
    for (B b : {B::Waiting, B::Running, B::Completed, B::Cancelling, B::Cancelled, B::Failed}) {
        const auto c = ExportListDelegate::colorsFor(b);
        QVERIFY(ExportListDelegate::contrastRatio(c.textOnFill, c.fill) >= 4.5);
        QVERIFY(ExportListDelegate::contrastRatio(c.textOnTrack, c.track) >= 4.5);
    }
}

void TestGui::cancelAll_asksFirst()
{
    const QString file =
        test::makeRandomFile(m_dir.path(), QStringLiteral("slow-all.bin"), 8 * 1024 * 1024, 12);
    auto w = makeWindow();
    w->applySettings(settingsWith(256 * 1024));
    const QString id = w->addFiles({file}).value(0);
    QTRY_VERIFY_WITH_TIMEOUT(w->model()->find(id)->written > 0, Deadline);
    QVERIFY(w->listWidget()->cancelAllAction()->isEnabled());
    w->listWidget()->cancelAllAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(w->pendingConfirmation() && w->pendingConfirmation()->isVisible(),
                             Deadline);
    QVERIFY(!w->model()->find(id)->cancelling && !w->model()->find(id)->finished);
    clickButton(w->pendingConfirmation(), QMessageBox::RejectRole); // "Keep them"
    QTRY_VERIFY_WITH_TIMEOUT(!w->pendingConfirmation(), Deadline);
    QVERIFY(!w->model()->find(id)->cancelling && !w->model()->find(id)->finished);
    w->listWidget()->cancelAllAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(w->pendingConfirmation() && w->pendingConfirmation()->isVisible(),
                             Deadline);
    clickButton(w->pendingConfirmation(), QMessageBox::AcceptRole);
    QTRY_VERIFY_WITH_TIMEOUT(w->model()->find(id)->finished, Deadline);
    QCOMPARE(w->model()->find(id)->state, ExportState::Cancelled);
}

void TestGui::close_withExportsRunning_asksWithoutBlocking_closesOnlyOnYes()
{
    // Nothing running: the window closes at once, without a question.
    {
        auto idle = makeWindow();
        QVERIFY(idle->close());
        QVERIFY(!idle->pendingQuitQuestion());
    }
    const QString file =
        test::makeRandomFile(m_dir.path(), QStringLiteral("slow-close.bin"), 8 * 1024 * 1024, 13);
    m_settingsFile = m_dir.filePath(QStringLiteral("settings-%1-close.ini").arg(m_case));
    auto w = makeWindow();
    w->applySettings(settingsWith(256 * 1024));
    const QString id = w->addFiles({file}).value(0);
    QTRY_VERIFY_WITH_TIMEOUT(w->model()->find(id)->written > 0, Deadline);

    // close() returns at once (the question does not block) and the window stays.
    QVERIFY(!w->close());
    QVERIFY(w->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(w->pendingQuitQuestion() && w->pendingQuitQuestion()->isVisible(),
                             Deadline);
    QMessageBox *question = w->pendingQuitQuestion();
    QCOMPARE(question->windowModality(), Qt::WindowModal);
    QVERIFY2(question->text().contains(QStringLiteral("1 export is still running")),
             qPrintable(question->text()));
    QCOMPARE(question->defaultButton(), question->button(QMessageBox::No));
    // Asked again while it is open: the same question, not a second one.
    QVERIFY(!w->close());
    QCOMPARE(w->findChildren<QMessageBox *>(QStringLiteral("confirmQuit")).size(), 1);

    // No: the window stays and the export runs on.
    clickButton(question, QMessageBox::NoRole);
    QTRY_VERIFY_WITH_TIMEOUT(!w->pendingQuitQuestion(), Deadline);
    QVERIFY(w->isVisible());
    QVERIFY(!w->model()->find(id)->finished && !w->model()->find(id)->cancelling);

    // Yes: the close is issued again and goes through; the window's state is saved.
    QVERIFY(!QSettings(m_settingsFile, QSettings::IniFormat)
                 .contains(QStringLiteral("window/geometry")));
    QVERIFY(!w->close());
    QTRY_VERIFY_WITH_TIMEOUT(w->pendingQuitQuestion() && w->pendingQuitQuestion()->isVisible(),
                             Deadline);
    clickButton(w->pendingQuitQuestion(), QMessageBox::YesRole);
    QTRY_VERIFY_WITH_TIMEOUT(!w->isVisible(), Deadline);
    QVERIFY(!w->pendingQuitQuestion() || !w->pendingQuitQuestion()->isVisible());
    QSettings saved(m_settingsFile, QSettings::IniFormat);
    QVERIFY(saved.contains(QStringLiteral("window/geometry")));
}

void TestGui::logPanel_followsUnlessScrolledUp_andFoldsRepeats()
{
    LogPanel panel;
    panel.resize(500, 160);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    const QDateTime t = QDateTime::currentDateTime();
    for (int i = 0; i < 60; ++i)
        panel.appendLine(t, QtInfoMsg, QStringLiteral("hbexporter.core"),
                         QStringLiteral("line %1").arg(i));
    QScrollBar *bar = panel.view()->verticalScrollBar();
    QVERIFY(bar->maximum() > 0);
    QCOMPARE(bar->value(), bar->maximum());
    // A line long enough to bring the horizontal scroll bar: still following.
    panel.appendLine(t, QtInfoMsg, QStringLiteral("hbexporter.core"),
                     QString(400, QLatin1Char('x')));
    panel.appendLine(t, QtInfoMsg, QStringLiteral("hbexporter.core"),
                     QStringLiteral("after the long line"));
    QCoreApplication::processEvents();
    QCOMPARE(bar->value(), bar->maximum());
    QVERIFY(panel.isFollowing());

    // Repeats fold into one line with a count.
    for (int i = 0; i < 12; ++i)
        panel.appendLine(t, QtWarningMsg, QStringLiteral("hbexporter.core"),
                         QStringLiteral("cannot connect"));
    const QStringList lines = panel.text().split(QLatin1Char('\n'));
    QCOMPARE(lines.filter(QStringLiteral("cannot connect")).size(), 1);
    QVERIFY2(lines.last().endsWith(QStringLiteral("cannot connect … ×12")),
             qPrintable(lines.last()));
    QCOMPARE(bar->value(), bar->maximum());

    // The user scrolls up to read: new lines do not pull them away.
    bar->setValue(bar->maximum() / 2);
    const int reading = bar->value();
    QVERIFY(!panel.isFollowing());
    for (int i = 0; i < 20; ++i)
        panel.appendLine(t, QtInfoMsg, QStringLiteral("hbexporter.core"),
                         QStringLiteral("more %1").arg(i));
    QCoreApplication::processEvents();
    QCOMPARE(bar->value(), reading);
    // Back at the end: following again.
    bar->setValue(bar->maximum());
    panel.appendLine(t, QtInfoMsg, QStringLiteral("hbexporter.core"), QStringLiteral("last"));
    QCoreApplication::processEvents();
    QCOMPARE(bar->value(), bar->maximum());
}

void TestGui::contextMenuOnCompletedRow_disablesCancel_neverHidesIt()
{
    auto w = makeWindow();
    ExportListModel *m = w->model();
    m->addExport(QStringLiteral("done"), QStringLiteral("/data/done.bin"));
    ExportStatus s;
    s.id = QStringLiteral("done");
    s.state = ExportState::Completed;
    m->createExport(s.id, s);
    m->finishExport(s.id, s, ErrorCode::None, {});
    m->refresh();
    w->listWidget()->selectIds({QStringLiteral("done")});
    QToolBar *toolbar = w->findChild<QToolBar *>(QStringLiteral("mainToolbar"));
    QVERIFY(toolbar);
    QWidget *cancelButton = toolbar->widgetForAction(w->listWidget()->cancelAction());
    QVERIFY(cancelButton);
    const QPoint buttonAt = cancelButton->pos();
    bool visibleDuringMenu = false;
    bool enabledInMenu = true;
    bool inMenu = false;
    QPoint buttonAtDuringMenu;
    QTimer::singleShot(0, this, [&] {
        if (auto *menu = qobject_cast<QMenu *>(QApplication::activePopupWidget())) {
            inMenu = menu->actions().contains(w->listWidget()->cancelAction());
            enabledInMenu = w->listWidget()->cancelAction()->isEnabled();
            visibleDuringMenu = cancelButton->isVisible();
            buttonAtDuringMenu = cancelButton->pos();
            menu->close();
        }
    });
    const QModelIndex cell = w->listWidget()->model()->index(0, 0);
    const QPoint at = w->listWidget()->visualRect(cell).center();
    QContextMenuEvent event(QContextMenuEvent::Mouse, at,
                            w->listWidget()->viewport()->mapToGlobal(at));
    QApplication::sendEvent(w->listWidget()->viewport(), &event);
    QVERIFY(inMenu);
    QVERIFY(!enabledInMenu);
    QVERIFY(visibleDuringMenu);
    QCOMPARE(buttonAtDuringMenu, buttonAt);
}

void TestGui::settings_labelsSayWhatTheyMean_segmentSize_chunkAtMostSegment()
{
    auto w = makeWindow();
    SettingsDialog *dialog = w->showSettingsDialog();
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    const QList<QLabel *> labels = dialog->findChildren<QLabel *>();
    QStringList texts;
    for (QLabel *l : labels) {
        texts << l->text();
        // A label showing "&" literally is one without a buddy.
        if (l->text().contains(QLatin1Char('&'))) QVERIFY2(l->buddy(), qPrintable(l->text()));
    }
    QVERIFY2(texts.contains(QStringLiteral("for all exports together, 0 = unlimited")),
             qPrintable(texts.join(QLatin1String(" | "))));
    QVERIFY(texts.contains(QStringLiteral("Se&gment size:")));

    // The defaults are a valid form (the 1M chunk once exceeded the 1 MiB - 16 B segment),
    // and so is a settings file saved before segments existed.
    dialog->setValues(GuiSettings{});
    QString defaultsWhy;
    QVERIFY2(dialog->values(&defaultsWhy), qPrintable(defaultsWhy));
    {
        QSettings old(m_dir.filePath(QStringLiteral("old-%1.ini").arg(m_case)),
                      QSettings::IniFormat);
        old.setValue(QStringLiteral("export/chunkSize"), 1024 * 1024);
        const GuiSettings loaded = GuiSettings::load(old);
        QVERIFY(loaded.chunkSize <= loaded.segmentBytes);
    }

    GuiSettings v;
    v.chunkSize = 4 * 1024 * 1024;
    v.segmentBytes = 1024 * 1024;
    dialog->setValues(v);
    QString why;
    QVERIFY(!dialog->values(&why));
    QVERIFY2(why.contains(QStringLiteral("segment size")), qPrintable(why));
    v.chunkSize = 256 * 1024;
    v.segmentBytes = 2 * 1024 * 1024;
    v.bandwidthLimit = 512 * 1024;
    dialog->setValues(v);
    QVERIFY(dialog->apply());
    QCOMPARE(w->exporter()->config().segmentBytes, 2 * 1024 * 1024);
    QCOMPARE(w->exporter()->config().bandwidthLimit, 512 * 1024);
    // Saved like the chunk size: a new window reads it back.
    w.reset();
    auto again = makeWindow();
    QCOMPARE(again->settings().segmentBytes, 2 * 1024 * 1024);
    QCOMPARE(again->exporter()->config().segmentBytes, 2 * 1024 * 1024);

    // The form's red line does not repeat the URL the field already shows.
    SettingsDialog *d2 = again->showSettingsDialog();
    GuiSettings bad;
    bad.redisUrl = QStringLiteral("ftp://some.long.host.name.example.com:6379/0");
    d2->setValues(bad);
    QVERIFY(!d2->errorText().isEmpty());
    QVERIFY2(!d2->errorText().contains(bad.redisUrl), qPrintable(d2->errorText()));
}

void TestGui::serverStatusLine_namesTheServerOnce_andFitsAt800px()
{
    MainWindowOptions options;
    options.settingsFile = m_settingsFile;
    options.redisUrl =
        QStringLiteral("unix://") + m_dir.filePath(QStringLiteral("nobody-listens-here.sock"));
    options.serverPollMs = 300;
    MainWindow w(options);
    w.resize(800, 500);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QTRY_VERIFY_WITH_TIMEOUT(w.serverStatusText().contains(QStringLiteral("unreachable")),
                             Deadline);
    const QString text = w.serverStatusText();
    const QString name = w.config().endpoint.displayName();
    QVERIFY2(text.count(name) == 1, qPrintable(text));
    // The session gives the reason apart from the server's name.
    const Session::ServerProblem problem = w.session()->serverProblem();
    QCOMPARE(problem.kind, Session::ServerProblem::Kind::Connection);
    QVERIFY2(problem.reason.startsWith(QStringLiteral("cannot connect")),
             qPrintable(problem.reason));
    QVERIFY2(!problem.reason.contains(name), qPrintable(problem.reason));
    QVERIFY(text.contains(problem.reason));
    auto *label = w.findChild<QLabel *>(QStringLiteral("serverStatus"));
    QVERIFY(label);
    QCOMPARE(label->toolTip(), text);
    // Never wider than the window: the other status fields stay on screen.
    QVERIFY(label->geometry().right() < w.width());
    QVERIFY(label->fontMetrics().horizontalAdvance(label->text()) <= label->width());
}

void TestGui::refusedSource_rowShowsNoExportId()
{
    auto w = makeWindow();
    const QString missing = m_dir.filePath(QStringLiteral("not-there.bin"));
    const QString good = test::makeRandomFile(m_dir.path(), QStringLiteral("there.bin"), 1000, 3);
    const QString refused = w->addFiles({missing}).value(0);
    const QString created = w->addFiles({good}).value(0);
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->activeCount(), 0, Deadline);
    w->model()->refresh();
    QCOMPARE(cell(*w, refused, ExportListModel::Id), QString());
    QVERIFY(!w->model()->find(refused)->created);
    QVERIFY(cell(*w, refused, ExportListModel::Name, Qt::ToolTipRole)
                .contains(QStringLiteral("no export ID")));
    QVERIFY(!cell(*w, refused, ExportListModel::Name, Qt::ToolTipRole).contains(refused));
    w->listWidget()->selectIds({refused});
    QVERIFY(!w->listWidget()->copyIdAction()->isEnabled());
    QVERIFY(!w->listWidget()->copyCommandAction()->isEnabled());
    ExportDetailsDialog *details = w->showDetails(refused);
    QVERIFY(!details->text().contains(refused));
    details->close();
    // The export that reached Redis shows the id `watch` shows, and copies it whole.
    QCOMPARE(cell(*w, created, ExportListModel::Id), created.left(8));
    w->listWidget()->selectIds({created, refused});
    QVERIFY(w->listWidget()->copyIdAction()->isEnabled());
    w->listWidget()->copyIdAction()->trigger();
    QCOMPARE(QApplication::clipboard()->text(), created);
}

void TestGui::windowVersion_isTheProjectVersion()
{
    // HB_PROJECT_VERSION is CMake's PROJECT_VERSION, given to this suite by
    // tests/gui/CMakeLists.txt. A build configured with another version (e.g.
    // -DCMAKE_PROJECT_INCLUDE=file.cmake setting PROJECT_VERSION) must show that one:
    // a version written in code fails there.
    const QString version = QStringLiteral(HB_PROJECT_VERSION);
    QVERIFY(!version.isEmpty());

    // Help ▸ About, as a user opens it (modal or not: the poll answers it either way).
    auto w = makeWindow();
    QAction *about = nullptr;
    for (QAction *a : w->findChildren<QAction *>()) {
        if (a->text() == QStringLiteral("&About HB Exporter")) about = a;
    }
    QVERIFY(about);
    QString aboutText;
    QTimer poll;
    poll.setInterval(20);
    connect(&poll, &QTimer::timeout, this, [&aboutText] {
        for (QWidget *top : QApplication::topLevelWidgets()) {
            auto *box = qobject_cast<QMessageBox *>(top);
            if (box && box->isVisible()) {
                aboutText = box->text();
                box->accept();
            }
        }
    });
    poll.start();
    about->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!aboutText.isEmpty(), Deadline);
    poll.stop();
    QVERIFY2(aboutText.contains(QStringLiteral("HB Exporter %1<").arg(version)),
             qPrintable(aboutText));

    // And `hbexporter --version`.
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    p.setProcessEnvironment(env);
    p.start(test::builtExecutable(QStringLiteral("hbexporter")), {QStringLiteral("--version")});
    QVERIFY(p.waitForFinished(Deadline));
    QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()).trimmed(),
             QStringLiteral("hbexporter %1").arg(version));
}

void TestGui::settingsTls_savedAsRedissUrlParameters_andReadBack()
{
    // Files as people name them: a space, a '+', an '&' and a non-ASCII letter.
    const QString certDir = m_dir.filePath(QStringLiteral("tls-%1").arg(m_case));
    QVERIFY(QDir().mkpath(certDir));
    const QString ca = certDir + QStringLiteral("/My CA+1.pem");
    const QString cert = certDir + QStringLiteral("/client&co.crt");
    const QString key = certDir + QStringLiteral("/clé.key");
    for (const QString &path : {ca, cert, key}) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("-----BEGIN TEST-----\n");
    }
    {
        auto w = makeWindow();
        SettingsDialog *dialog = w->showSettingsDialog();
        QVERIFY(QTest::qWaitForWindowExposed(dialog));
        auto *custom = dialog->findChild<QRadioButton *>(QStringLiteral("customRedis"));
        auto *url = dialog->findChild<QLineEdit *>(QStringLiteral("redisUrl"));
        auto *tls = dialog->findChild<QCheckBox *>(QStringLiteral("tlsEnabled"));
        auto *caEdit = dialog->findChild<QLineEdit *>(QStringLiteral("tlsCaCert"));
        auto *certEdit = dialog->findChild<QLineEdit *>(QStringLiteral("tlsCert"));
        auto *keyEdit = dialog->findChild<QLineEdit *>(QStringLiteral("tlsKey"));
        auto *sni = dialog->findChild<QLineEdit *>(QStringLiteral("tlsSni"));
        auto *insecure = dialog->findChild<QCheckBox *>(QStringLiteral("tlsInsecure"));
        QVERIFY(custom && url && tls && caEdit && certEdit && keyEdit && sni && insecure);
        custom->click();
        url->setText(QStringLiteral("redis://cache.example.com:6380/2"));
        QVERIFY(!caEdit->isEnabled()); // TLS fields wait for "Use TLS"
        tls->click();
        QCOMPARE(url->text(), QStringLiteral("rediss://cache.example.com:6380/2"));
        QVERIFY(caEdit->isEnabled());
        // Each file field has its own Browse… button.
        int browse = 0;
        for (QPushButton *b : dialog->findChildren<QPushButton *>())
            browse += b->text() == QStringLiteral("Browse…") ? 1 : 0;
        QCOMPARE(browse, 3);
        caEdit->setText(ca);
        certEdit->setText(cert);
        keyEdit->setText(key);
        sni->setText(QStringLiteral("redis.internal"));
        insecure->click();
        auto *buttons = dialog->findChild<QDialogButtonBox *>();
        QVERIFY(buttons);
        QVERIFY2(buttons->button(QDialogButtonBox::Ok)->isEnabled(),
                 qPrintable(dialog->errorText()));
        QTest::mouseClick(buttons->button(QDialogButtonBox::Ok), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog || !dialog->isVisible(), Deadline);
    }
    // The settings file holds one URL, parameters percent-encoded (CONTRACT §6).
    const QString saved = QSettings(m_settingsFile, QSettings::IniFormat)
                              .value(QStringLiteral("redis/url"))
                              .toString();
    QCOMPARE(saved, QStringLiteral("rediss://cache.example.com:6380/2?cacert=%1/My%20CA%2B1.pem"
                                   "&cert=%1/client%26co.crt&key=%1/cl%C3%A9.key"
                                   "&sni=redis.internal&insecure=1")
                        .arg(certDir));
    const QUrlQuery query(QUrl(saved).query(QUrl::FullyEncoded));
    QCOMPARE(query.queryItemValue(QStringLiteral("cacert"), QUrl::FullyDecoded), ca);
    QCOMPARE(query.queryItemValue(QStringLiteral("cert"), QUrl::FullyDecoded), cert);
    QCOMPARE(query.queryItemValue(QStringLiteral("key"), QUrl::FullyDecoded), key);

    // A new window's Settings show the same values in their fields.
    auto w = makeWindow();
    SettingsDialog *dialog = w->showSettingsDialog();
    QCOMPARE(dialog->findChild<QLineEdit *>(QStringLiteral("redisUrl"))->text(),
             QStringLiteral("rediss://cache.example.com:6380/2"));
    QVERIFY(dialog->findChild<QCheckBox *>(QStringLiteral("tlsEnabled"))->isChecked());
    QCOMPARE(dialog->findChild<QLineEdit *>(QStringLiteral("tlsCaCert"))->text(), ca);
    QCOMPARE(dialog->findChild<QLineEdit *>(QStringLiteral("tlsCert"))->text(), cert);
    QCOMPARE(dialog->findChild<QLineEdit *>(QStringLiteral("tlsKey"))->text(), key);
    QCOMPARE(dialog->findChild<QLineEdit *>(QStringLiteral("tlsSni"))->text(),
             QStringLiteral("redis.internal"));
    QVERIFY(dialog->findChild<QCheckBox *>(QStringLiteral("tlsInsecure"))->isChecked());
    QCOMPARE(dialog->values().value().redisUrl, saved);
    // Turning TLS off leaves a plain URL, no TLS parameters.
    dialog->findChild<QCheckBox *>(QStringLiteral("tlsEnabled"))->click();
    QCOMPARE(dialog->values().value().redisUrl, QStringLiteral("redis://cache.example.com:6380/2"));
}

void TestGui::settingsPassword_neverInSettingsFile_keptForSessionWithoutKeychain()
{
    // An ACL user the server checks the password of; this machine runs no keychain
    // service (no D-Bus session, no Secret Service), as a headless box or CI.
    const QString password = QStringLiteral("s3cret:pa@ss");
    QCOMPARE(m_redis
                 ->command({"ACL", "SETUSER", "keyuser", "reset", "on", ">s3cret:pa@ss", "~*", "&*",
                            "+@all"})
                 .isError(),
             false);
    const auto cleanup = qScopeGuard([this] { m_redis->command({"ACL", "DELUSER", "keyuser"}); });
    const QString socket = QUrl(m_redis->url()).path();
    // The window reads its server from Settings (no --redis), the default user first.
    QSettings(m_settingsFile, QSettings::IniFormat)
        .setValue(QStringLiteral("redis/url"), m_redis->url());
    MainWindowOptions options;
    options.settingsFile = m_settingsFile;
    options.serverPollMs = 300;
    {
        MainWindow w(options);
        w.show();
        QTRY_VERIFY_WITH_TIMEOUT(w.isServerReady(), Deadline);
        SettingsDialog *dialog = w.showSettingsDialog();
        const auto noteText = [dialog] {
            auto *note = dialog->findChild<QLabel *>(QStringLiteral("passwordNote"));
            return note && note->isVisible() ? note->text() : QString();
        };
        GuiSettings v = dialog->values().value();
        v.redisUrl = QStringLiteral("unix://keyuser:%1@%2")
                         .arg(QString::fromLatin1(QUrl::toPercentEncoding(password)), socket);
        dialog->setValues(v);
        QVERIFY(dialog->apply());

        // The file: the URL without its password, no password key, not a trace of it.
        QSettings back(m_settingsFile, QSettings::IniFormat);
        QCOMPARE(back.value(QStringLiteral("redis/url")).toString(),
                 QStringLiteral("unix://keyuser@%1").arg(socket));
        QVERIFY(!back.contains(QStringLiteral("redis/password")));
        QFile raw(m_settingsFile);
        QVERIFY(raw.open(QIODevice::ReadOnly));
        const QByteArray text = raw.readAll();
        QVERIFY2(!text.contains("s3cret"), text.constData());

        // The dialog says where the password is kept.
        QTRY_COMPARE_WITH_TIMEOUT(noteText(),
                                  QStringLiteral("No keychain is available: the password is "
                                                 "kept only until HB Exporter closes."),
                                  Deadline);

        // The password still works for this session: the server accepts keyuser.
        QCOMPARE(w.config().endpoint.user, QStringLiteral("keyuser"));
        QCOMPARE(w.config().endpoint.password, password);
        const QString file =
            test::makeRandomFile(m_dir.path(), QStringLiteral("as-keyuser.bin"), 3000, 11);
        const QString id = w.addFiles({file}).value(0);
        QTRY_VERIFY_WITH_TIMEOUT(w.model()->find(id) && w.model()->find(id)->finished, Deadline);
        QCOMPARE(int(w.model()->find(id)->state), int(ExportState::Completed));
        QFile source(file);
        QVERIFY(source.open(QIODevice::ReadOnly));
        QCOMPARE(redisData(id), source.readAll());
        QVERIFY(noteText().contains(QStringLiteral("No keychain is available")));
    }
    // Closed and opened again: the password was kept nowhere, as the note said.
    MainWindow again(options);
    QCOMPARE(again.settings().redisUrl, QStringLiteral("unix://keyuser@%1").arg(socket));
    QVERIFY(again.settings().redisPassword.isEmpty());
    QVERIFY(again.config().endpoint.password.isEmpty());
}

void TestGui::exportList_columnFitsItsTextOnRequest_rowsOfOneHeight()
{
    ExportListModel model;
    const QString longName = QStringLiteral("a-rather-long-file-name-that-needs-room-%1.bin");
    for (int i = 0; i < 50; ++i)
        model.addExport(QStringLiteral("row-%1").arg(i),
                        QStringLiteral("/data/") + longName.arg(i));
    ExportListWidget view(&model);
    view.resize(800, 500);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    // Double-clicking a header divider: the File column grows to its longest name.
    view.resizeColumnToContents(ExportListModel::Name);
    const int needed = view.fontMetrics().horizontalAdvance(longName.arg(49));
    QVERIFY2(
        view.columnWidth(ExportListModel::Name) >= needed,
        qPrintable(
            QStringLiteral("%1 < %2").arg(view.columnWidth(ExportListModel::Name)).arg(needed)));
    // Every row without a reason has the same height, that of one line of text.
    const int first = view.visualRect(view.model()->index(0, 0)).height();
    QVERIFY(first >= view.fontMetrics().height());
    for (int r = 1; r < view.model()->rowCount(); ++r)
        QCOMPARE(view.visualRect(view.model()->index(r, 0)).height(), first);
}

QString TestGui::w_logText()
{
    return LogHub::instance() ? m_logText : QString();
}

void TestGui::journal_nextWindowRestoresTheRows_removeForgetsThem()
{
    const QString file = test::makeRandomFile(m_dir.path(), QStringLiteral("kept.bin"), 50000, 5);
    const QString id = completedInAWindowThatCloses(file);
    QVERIFY(!id.isEmpty());
    const QString folder = Journal::defaultFolder();
    QVERIFY(Journal(folder).entry(id).has_value());
    {
        auto w = makeWindow();
        QTRY_VERIFY_WITH_TIMEOUT(w->model()->find(id) != nullptr, Deadline);
        const ExportListModel::Row *row = w->model()->find(id);
        QCOMPARE(row->sourcePath, file);
        QCOMPARE(row->state, ExportState::Completed);
        QVERIFY(row->finished);
        QCOMPARE(cell(*w, id, ExportListModel::Status), QStringLiteral("COMPLETED"));
        // A finished row of the journal is not resumable.
        w->listWidget()->selectIds({id});
        QVERIFY(!w->listWidget()->resumeAction()->isEnabled());
        w->listWidget()->removeFinishedSelection();
        QVERIFY(w->model()->find(id) == nullptr);
    }
    QVERIFY(!Journal(folder).entry(id).has_value());
    auto w = makeWindow();
    QTRY_COMPARE_WITH_TIMEOUT(w->session()->serverState(), Session::ServerState::Reachable,
                              Deadline);
    QVERIFY(w->model()->find(id) == nullptr);
}

void TestGui::windowKilledMidExport_nextStartResumesItByItself()
{
    // A real window, in a process of its own, killed half-way (kill -9).
    const QString file =
        test::makeRandomFile(m_dir.path(), QStringLiteral("window-killed.bin"), 32 << 20, 22);
    const QString ini = m_dir.filePath(QStringLiteral("child-%1.ini").arg(m_case));
    {
        QSettings settings(ini, QSettings::IniFormat);
        settingsWith(8 * 1024 * 1024).save(settings);
    }
    QProcess window;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment(); // its XDG_STATE_HOME
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("HBEXPORTER_INSTANCE_SOCKET"),
               m_dir.filePath(QStringLiteral("killed-%1.sock").arg(m_case)));
    window.setProcessEnvironment(env);
    window.start(
        test::builtExecutable(QStringLiteral("hbexporter")),
        {QStringLiteral("--redis"), m_redis->url(), QStringLiteral("--settings"), ini, file});
    QVERIFY2(window.waitForStarted(Deadline), qPrintable(window.errorString()));
    const auto guard = qScopeGuard([&] {
        window.kill();
        window.waitForFinished(Deadline);
    });
    QString id;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const Journal journal(Journal::defaultFolder());
            for (const Journal::Entry &e : Journal(Journal::defaultFolder()).entries())
                if (e.source == file) id = e.id;
            if (id.isEmpty()) return false;
            const auto s = redisStatus(id);
            return s && s->bytesTotal > 0 && s->bytesWritten * 10 >= s->bytesTotal * 3;
        }(),
        Deadline);
    window.kill(); // SIGKILL: no stop sequence
    QVERIFY(window.waitForFinished(Deadline));
    QCOMPARE(redisStatus(id)->state, ExportState::Pending);

    auto w = makeWindow();
    QTRY_VERIFY_WITH_TIMEOUT(w->model()->find(id) != nullptr, Deadline);
    QTRY_COMPARE_WITH_TIMEOUT(cell(*w, id, ExportListModel::Status), QStringLiteral("COMPLETED"),
                              Deadline);
    const auto done = redisStatus(id);
    QVERIFY(done);
    QCOMPARE(done->state, ExportState::Completed);
    QCOMPARE(done->resumes, 1);
    QCOMPARE(done->sha256.toLatin1(), test::sha256OfFile(file));
    QCOMPARE(test::sha256Of(redisData(id)), test::sha256OfFile(file));
}

void TestGui::cliInterruptedExport_rowSaysInterrupted_resumeFinishesIt()
{
    // The CLI's exports are in the same journal; the window shows them, and resumes
    // them only when asked.
    const QString file =
        test::makeRandomFile(m_dir.path(), QStringLiteral("cli-killed.bin"), 16 << 20, 23);
    QProcess cli;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HBEXPORTER_REDIS_URL"), m_redis->url());
    cli.setProcessEnvironment(env);
    cli.start(test::builtExecutable(QStringLiteral("hbexporter-cli")),
              {QStringLiteral("export"), file, QStringLiteral("--bwlimit"), QStringLiteral("4M")});
    QVERIFY(cli.waitForStarted(Deadline));
    QTRY_VERIFY_WITH_TIMEOUT(cli.canReadLine(), Deadline);
    const QString id = QString::fromLatin1(cli.readLine().trimmed());
    QTRY_VERIFY_WITH_TIMEOUT(redisStatus(id) && redisStatus(id)->bytesWritten > (4 << 20),
                             Deadline);
    cli.kill();
    QVERIFY(cli.waitForFinished(Deadline));

    auto w = makeWindow();
    QTRY_VERIFY_WITH_TIMEOUT(w->model()->find(id) != nullptr, Deadline);
    QCOMPARE(cell(*w, id, ExportListModel::Status), QStringLiteral("Interrupted"));
    QCOMPARE(redisStatus(id)->resumes, 0); // not the window's: it waits
    w->listWidget()->selectIds({id});
    w->listWidget()->updateActions();
    QVERIFY(w->listWidget()->resumeAction()->isEnabled());
    w->listWidget()->resumeAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(cell(*w, id, ExportListModel::Status), QStringLiteral("COMPLETED"),
                              Deadline);
    QCOMPARE(redisStatus(id)->resumes, 1);
    QCOMPARE(test::sha256Of(redisData(id)), test::sha256OfFile(file));
}

void TestGui::tornJournal_windowStartsSaysSoOnce_andRestoresWhatItCanRead()
{
    const QString file = test::makeRandomFile(m_dir.path(), QStringLiteral("torn.bin"), 40000, 6);
    const QString id = completedInAWindowThatCloses(file);
    QVERIFY(!id.isEmpty());
    // Garbage, then a line cut short by a crash.
    QFile journal(Journal(Journal::defaultFolder()).filePath());
    QVERIFY(journal.open(QIODevice::Append));
    journal.write("\x01\x02 not json at all\n{\"v\":1,\"id\":\"cut-in-the-mid");
    journal.close();
    const qsizetype logBefore = m_logText.size();
    auto w = makeWindow();
    QTRY_VERIFY_WITH_TIMEOUT(w->model()->find(id) != nullptr, Deadline);
    QCOMPARE(cell(*w, id, ExportListModel::Status), QStringLiteral("COMPLETED"));
    const QString logged = m_logText.mid(logBefore);
    QCOMPARE(logged.count(QStringLiteral("the local journal")), 1);
    QVERIFY2(w->statusBar()->currentMessage().contains(QStringLiteral("journal")),
             qPrintable(w->statusBar()->currentMessage()));
    // And it goes on: a new export completes (and is recorded).
    const QString next = w->addFiles({file}).value(0);
    QTRY_COMPARE_WITH_TIMEOUT(cell(*w, next, ExportListModel::Status), QStringLiteral("COMPLETED"),
                              Deadline);
    QVERIFY(Journal(Journal::defaultFolder()).entry(next).has_value());
}

QTEST_MAIN(TestGui)
#include "tst_gui.moc"

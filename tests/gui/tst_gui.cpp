// The desktop window (issue #3) against a real redis-server: exports started through
// the same slots as the dialog, the drop and the command line; progress, cancel,
// permissions, filters, lookup, settings. Offscreen platform, no sleeps: every wait
// is a condition with a generous deadline (a loaded 2-core box).
#include "allexportsmodel.h"
#include "allexportsview.h"
#include "exporter.h"
#include "exportdetailsdialog.h"
#include "exportlistmodel.h"
#include "exportlistwidget.h"
#include "exportsortmodel.h"
#include "logging.h"
#include "logpanel.h"
#include "lookupdialog.h"
#include "mainwindow.h"
#include "settingsdialog.h"
#include "httptestserver.h"
#include "testredis.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFile>
#include <QHeaderView>
#include <QLineEdit>
#include <QMimeData>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace hb;

namespace {
constexpr int Deadline = 120000;
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
    void unreachableRedis_windowOpensAndSaysSo();
    void allExportsTab_showsAnotherProcessExportLive_andCancelsIt();
    void addUrl_exportsWhatTheServerServes_withoutCredentials();

private:
    std::unique_ptr<MainWindow> makeWindow(const QString &permissionsFile = {});
    GuiSettings settingsWith(qint64 bandwidthLimit);
    std::optional<ExportStatus> redisStatus(const QString &id);
    static QString cell(MainWindow &w, const QString &id, int column, int role = Qt::DisplayRole);

    std::unique_ptr<test::TestRedisServer> m_redis;
    QTemporaryDir m_dir;
    QString m_settingsFile;
    int m_case = 0;
};

void TestGui::initTestCase()
{
    Q_INIT_RESOURCE(resources);
    LogHub::install(false, true);
    QLoggingCategory::setFilterRules(QStringLiteral("hbexporter.*.debug=false\nhbexporter.*.info=true"));
    QVERIFY(m_dir.isValid());
    m_redis = std::make_unique<test::TestRedisServer>();
    QString error;
    QVERIFY2(m_redis->start(&error), qPrintable(error));
}

void TestGui::init()
{
    // A fresh database and a settings file of this case's own.
    QCOMPARE(m_redis->command({"FLUSHALL"}).isError(), false);
    m_settingsFile = m_dir.filePath(QStringLiteral("settings-%1.ini").arg(++m_case));
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
    if (r.type != RedisReply::Type::String)
        return std::nullopt;
    return ExportStatus::fromJson(r.string);
}

QString TestGui::cell(MainWindow &w, const QString &id, int column, int role)
{
    const int row = w.model()->rowOf(id);
    if (row < 0)
        return {};
    return w.model()->index(row, column).data(role).toString();
}

void TestGui::exportFromAddFiles_progressReaches100_completedAndRedisAgrees()
{
    const qint64 size = 24 * 1024 * 1024;
    const QString file = test::makeRandomFile(m_dir.path(), QStringLiteral("scan-0042.bin"), size, 42);
    auto w = makeWindow();
    w->applySettings(settingsWith(16 * 1024 * 1024)); // about 1.5 s: the bar is seen moving

    // Every value the progress bar is painted from, and every repaint request.
    QList<double> fractions;
    int dataChangedCount = 0;
    connect(w->model(), &QAbstractItemModel::dataChanged, this, [&](const QModelIndex &tl, const QModelIndex &br) {
        ++dataChangedCount;
        for (int r = tl.row(); r <= br.row(); ++r)
            fractions.append(w->model()->index(r, ExportListModel::Progress).data(ExportListModel::UnderlyingDataRole).toDouble());
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
    QCOMPARE(w->model()->index(0, ExportListModel::Progress).data(ExportListModel::UnderlyingDataRole).toDouble(), 1.0);
    QVERIFY2(std::any_of(fractions.cbegin(), fractions.cend(), [](double f) { return f > 0 && f < 1; }),
             "the bar never showed a value between 0 and 100%");
    QVERIFY(std::is_sorted(fractions.cbegin(), fractions.cend()));
    // Batched: about one repaint per refresh tick, never one per progress signal.
    QVERIFY2(dataChangedCount <= elapsed / 250 + 6,
             qPrintable(QStringLiteral("%1 dataChanged in %2 ms").arg(dataChangedCount).arg(elapsed)));
    qInfo() << progressSpy.count() << "progress signals," << dataChangedCount << "dataChanged in" << elapsed << "ms";

    // Redis agrees: the status key and the data.
    const std::optional<ExportStatus> s = redisStatus(id);
    QVERIFY(s);
    QCOMPARE(s->state, ExportState::Completed);
    QCOMPARE(s->bytesWritten, size);
    QCOMPARE(s->sha256.toLatin1(), test::sha256OfFile(file));
    const RedisReply data = m_redis->command({"GET", KeyLayout{}.dataKey(id)});
    QCOMPARE(test::sha256Of(data.string), test::sha256OfFile(file));
    QVERIFY(!w->listWidget()->cancelAction()->isEnabled() || w->listWidget()->cancellableSelection().isEmpty());

    // Details, redis-cli command, Save data as…, Retry: the context menu's actions.
    ExportDetailsDialog *details = w->showDetails(id);
    QVERIFY(details);
    QVERIFY(details->text().contains(QStringLiteral("COMPLETED")));
    QVERIFY(details->text().contains(s->sha256));
    QVERIFY(details->text().contains(QStringLiteral("PENDING")));
    const QString command = w->listWidget()->redisCliCommand(id);
    QVERIFY2(command.startsWith(QStringLiteral("redis-cli -s '%1' --raw GET 'export:{%2}-data'").arg(m_redis->socketPath(), id)),
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
    const QString file = test::makeRandomFile(m_dir.path(), QStringLiteral("slow.bin"), 16 * 1024 * 1024, 7);
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
    const QString file = test::makeRandomFile(m_dir.path(), QStringLiteral("secret.bin"), 64 * 1024, 3);
    auto w = makeWindow(perms);
    const QString id = w->addFiles({file}).value(0);
    QTRY_VERIFY_WITH_TIMEOUT(w->model()->find(id)->finished, Deadline);
    w->model()->refresh();
    const QString status = cell(*w, id, ExportListModel::Status);
    QVERIFY2(status.startsWith(QStringLiteral("FAILED")) && status.contains(QStringLiteral("permission denied")),
             qPrintable(status));
    QVERIFY(cell(*w, id, ExportListModel::Name, Qt::ToolTipRole).contains(QStringLiteral("permission denied")));
    QTRY_VERIFY_WITH_TIMEOUT(w->logPanel()->text().contains(QStringLiteral("permission denied")), Deadline);
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
    const QString dirStatus = w->model()->index(0, ExportListModel::Status).data().toString();
    const QString missingStatus = w->model()->index(1, ExportListModel::Status).data().toString();
    QVERIFY2(dirStatus.startsWith(QStringLiteral("FAILED")) && dirStatus.contains(QStringLiteral("directory")) &&
                 dirStatus.contains(folder),
             qPrintable(dirStatus));
    QVERIFY2(missingStatus.startsWith(QStringLiteral("FAILED")) && missingStatus.contains(missing) &&
                 missingStatus.contains(QStringLiteral("No such file")),
             qPrintable(missingStatus));
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
        m->finishExport(id, s, state == ExportState::Completed ? ErrorCode::None : ErrorCode::Failed, s.error);
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
    row.lastBytesMs = 0;
    row.speed = 0;
    QCOMPARE(ExportListModel::etaText(row, 1000), QStringLiteral("—"));
    QCOMPARE(ExportListModel::etaText(row, 6000), QStringLiteral("Stalled"));
    row.speed = 100;
    QCOMPARE(ExportListModel::etaText(row, 1000), QStringLiteral("9 s"));
    row.finished = true;
    QCOMPARE(ExportListModel::etaText(row, 6000), QString());
}

void TestGui::unreachableRedis_windowOpensAndSaysSo()
{
    MainWindowOptions options;
    options.settingsFile = m_settingsFile;
    options.redisUrl = QStringLiteral("unix://") + m_dir.filePath(QStringLiteral("nobody-here.sock"));
    options.serverPollMs = 300;
    MainWindow w(options);
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.serverStatusText().contains(QStringLiteral("unreachable")), Deadline);
    const QString file = test::makeRandomFile(m_dir.path(), QStringLiteral("orphan.bin"), 1000, 5);
    const QString id = w.addFiles({file}).value(0);
    QTRY_VERIFY_WITH_TIMEOUT(w.model()->find(id)->finished, Deadline);
    w.model()->refresh();
    QVERIFY(cell(w, id, ExportListModel::Status).startsWith(QStringLiteral("FAILED")));
}

void TestGui::allExportsTab_showsAnotherProcessExportLive_andCancelsIt()
{
    // Another "machine": an Exporter of its own, user bob, throttled so it is still running.
    const QString path = test::makeRandomFile(m_dir.path(), QStringLiteral("bobs.bin"), 8 * 1024 * 1024, 9);
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
    f.write(QStringLiteral(R"({"%1":["export:read","export:cancel-any"]})").arg(defaultUserName()).toUtf8());
    f.close();
    auto w = makeWindow(perms);
    QCOMPARE(w->tabs()->count(), 2);
    QCOMPARE(w->tabs()->tabText(1), QStringLiteral("All exports"));
    AllExportsView *view = w->allExportsView();
    QVERIFY(view);
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->rowOf(id) >= 0, Deadline);
    const int row = view->model()->rowOf(id);
    QCOMPARE(view->model()->index(row, AllExportsModel::Owner).data().toString(), QStringLiteral("bob"));
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->statusAt(view->model()->rowOf(id))->bytesWritten > 0, Deadline);
    QVERIFY(view->selectExport(id));
    QVERIFY(view->cancelAction()->isEnabled());
    view->cancelAction()->trigger();
    QVERIFY(bobFinished.wait(Deadline));
    QCOMPARE(bobFinished.first().at(1).value<ExportStatus>().state, ExportState::Cancelled);
    const auto s = redisStatus(id);
    QVERIFY(s);
    QCOMPARE(s->state, ExportState::Cancelled);
    QCOMPARE(s->cancelledBy, defaultUserName());
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->statusAt(view->model()->rowOf(id))->state == ExportState::Cancelled, Deadline);
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
    QTRY_COMPARE_WITH_TIMEOUT(cell(*w, id, ExportListModel::Status), QStringLiteral("COMPLETED"), Deadline);
    const RedisReply data = m_redis->command({"GET", KeyLayout{}.dataKey(id)});
    QCOMPARE(data.string, body);
    const auto s = redisStatus(id);
    QVERIFY(s);
    QVERIFY2(!s->source.contains(QLatin1String("s3cret")), qPrintable(s->source));
    for (int column = 0; column < ExportListModel::NB_COLUMNS; ++column) {
        QVERIFY(!cell(*w, id, column).contains(QLatin1String("s3cret")));
        QVERIFY(!cell(*w, id, column, Qt::ToolTipRole).contains(QLatin1String("s3cret")));
    }
}

QTEST_MAIN(TestGui)
#include "tst_gui.moc"

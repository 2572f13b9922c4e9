#pragma once

#include "exporterror.h"
#include "exportstatus.h"
#include "speedmeter.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QTimer>
#include <functional>

namespace hb {

// One row per export started from this window. Fed by the Exporter's signals;
// changes are collected and published on one refresh timer: one dataChanged per
// changed row (one for the whole range when more than half changed), never one
// per progress signal.
class ExportListModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportListModel)
public:
    enum Column { Name, Size, Status, Progress, Speed, Eta, Id, Started, NB_COLUMNS };
    enum Role {
        UnderlyingDataRole = Qt::UserRole, // raw value for sorting and painting
        IdRole,
        StateRole,      // int(hb::ExportState)
        CancellingRole, // the stop sequence runs
        SourcePathRole,
        CreatedRole,  // the export's status key was written: its id is real
        VanishedRole, // int(Vanished)
        // A failed row's reason, shown in full on lines of its own under the row
        // (the Status cell then says only FAILED); empty for every other row.
        ReasonRole,
    };

    // A finished export whose keys are no longer in Redis.
    enum class Vanished { No, Expired, Gone };

    struct Transition
    {
        QDateTime time;
        QString state;
    };

    struct Row
    {
        QString id;
        QString sourcePath;
        QString name;
        qint64 total = -1;
        qint64 written = 0;
        ExportState state = ExportState::Queued;
        bool cancelling = false;
        bool finished = false; // exportFinished seen: the row no longer changes
        // exportCreated seen: the status key exists, the id can be looked up. A
        // source refused before anything was written never gets there.
        bool created = false;
        Vanished vanished = Vanished::No;
        QString error;
        ExportStatus status; // the last status the core reported
        QDateTime started;
        QList<Transition> transitions;

        // Speed, ETA and "stalled": the core's one rule (SpeedMeter), fed with the
        // bytes written at each refresh tick on the model's clock.
        SpeedMeter meter;
        bool dirty = false;

        bool isActive() const { return !finished; }
        // Running, not yet at its size, and no byte for SpeedMeter::stallMs.
        bool isStalled(qint64 nowMs) const;
        double fraction() const;
        // Bytes per second over SpeedMeter's window; 0 once finished.
        double speed() const { return finished ? 0.0 : double(meter.bytesPerSecond()); }
    };

    explicit ExportListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // From the Exporter.
    void addExport(const QString &id, const QString &sourcePath);
    void createExport(const QString &id, const ExportStatus &status);
    void updateStatus(const QString &id, const ExportStatus &status);
    void updateProgress(const QString &id, qint64 written, qint64 total);
    void markCancelling(const QString &id);
    void finishExport(const QString &id, const ExportStatus &status, ErrorCode code,
                      const QString &message);
    void removeExports(const QStringList &ids);
    // From key checks: which finished exports' status keys still exist.
    void updateKeysExist(const QHash<QString, bool> &exists, const QDateTime &now);
    // Finished rows whose keys are worth checking (created, not known gone).
    QStringList idsToCheck() const;

    int rowOf(const QString &id) const;
    const Row *find(const QString &id) const;
    const Row &rowAt(int row) const { return m_rows.at(row); }

    int activeCount() const;
    double totalSpeed() const;  // bytes per second over the active rows
    int overallPercent() const; // of the active rows with a known size; -1 when none

    void setRefreshInterval(int ms) { m_timer.setInterval(ms); }
    // For tests: the monotonic clock (ms) speed, ETA and "stalled" are measured on.
    void setClock(std::function<qint64()> nowMs) { m_now = std::move(nowMs); }
    // Publishes collected changes now; the refresh timer calls it.
    void refresh();

    // The state with the reason of a failure (Details, tooltips, the log).
    static QString statusText(const Row &row);
    // The Status cell: the state alone, the reason going on the lines under the row.
    static QString statusCellText(const Row &row);
    // The reason of a failure as the row shows it: the source's full path (already
    // in the File column) shortened to its name, so the reason itself has the room.
    static QString shortReason(const Row &row);
    // The id as the row shows it: the first 8 hex digits (what `watch` shows and
    // every command accepts), empty until the id is real.
    static QString shortId(const Row &row);
    // "Stalled", the time left at the averaged speed, or "—" when that is unknown.
    static QString etaText(const Row &row, qint64 nowMs);
    static QString speedText(double bytesPerSecond);

Q_SIGNALS:
    // After each published batch: totals, title and status bar follow.
    void refreshed();

private:
    Row *findMutable(const QString &id);
    // The fields every status carries, copied into the row.
    static void adoptStatus(Row &row, const ExportStatus &status);
    void touch(Row &row);
    void recordTransition(Row &row, const QDateTime &time);
    QVariant displayData(const Row &row, int column) const;
    QVariant underlyingData(const Row &row, int column) const;
    qint64 nowMs() const { return m_now ? m_now() : m_clock.elapsed(); }

    QList<Row> m_rows;
    QHash<QString, int> m_index; // id -> row
    QTimer m_timer;
    QElapsedTimer m_clock;
    std::function<qint64()> m_now;
};

} // namespace hb

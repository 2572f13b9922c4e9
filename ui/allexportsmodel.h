#pragma once

#include "allexportsrow.h"
#include "exportstatus.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QSet>
#include <QStringList>
#include <QTimer>
#include <functional>

namespace hb {

// One row per export on the Redis server, whoever owns it: fed by ExportMonitor's
// exportsUpdated/exportsRemoved (a batch at a time: new rows inserted in one range,
// removed rows in contiguous ranges, the id→row index rebuilt once). Changes are
// published on one refresh timer (one dataChanged per run of consecutive changed
// rows, one for the whole range when more than half changed); on the same timer
// the time-dependent columns of the live (CREATED, PENDING) rows are refreshed:
// only theirs change meaning with time ("Stalled", speed). The age and last-update
// texts of finished rows are read when painted; the view repaints what is
// visible (AllExportsView), so 100,000 idle rows cost no signal. Speed and "stalled" follow the
// core's one rule (SpeedMeter: 5 s average, stalled after 5 s without bytes), measured as `watch`
// does on this process's clock from the updates it receives: another machine's clock is never
// compared with ours.
class AllExportsModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AllExportsModel)
public:
    // Id shows the first 8 hex digits (the whole in the tooltip and Copy ID), as
    // `watch` does; Host and Pid tell apart exports of the same file and owner.
    enum Column {
        Id,
        Owner,
        Source,
        Status,
        Progress,
        Speed,
        Age,
        LastUpdate,
        Host,
        Pid,
        NB_COLUMNS
    };
    enum Role {
        UnderlyingDataRole = Qt::UserRole, // raw value for sorting and painting
        IdRole,
        StateRole,   // int(hb::ExportState)
        StalledRole, // bool
        OwnerRole,
    };

    static constexpr int RefreshMs = 500;
    // More new rows than this in one updateExports(), or more than there were: a
    // model reset instead of an insertion.
    static constexpr int kResetAt = 5000;
    // More separate runs of rows than this in one removeExports(): a reset.
    static constexpr int kMaxRemovedRuns = 32;

    explicit AllExportsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void updateExport(const ExportStatus &status);
    void removeExport(const QString &id);
    void updateExports(const QList<ExportStatus> &statuses);
    void removeExports(const QStringList &ids);
    void clear();

    int rowOf(const QString &id) const { return m_rowOf.value(id, -1); }
    // Row `left` before row `right` by `column`'s underlying value, as
    // UnderlyingDataRole orders them, without a QVariant: what the view's sort
    // calls a couple of million times for 100,000 rows.
    bool lessThan(int left, int right, int column) const;
    const ExportStatus *statusAt(int row) const;
    // PENDING, and no byte written for SpeedMeter::stallMs.
    bool isStalled(int row) const;
    // Bytes per second over SpeedMeter's window; 0 unless PENDING and moving.
    double speedAt(int row) const;

    // For tests: the clock the time columns use.
    void setClock(std::function<QDateTime()> clock) { m_clock = std::move(clock); }
    // Publishes pending changes now instead of on the next timer tick.
    void flush();

private:
    using Row = AllExportsRow;
    QDateTime now() const { return m_clock ? m_clock() : QDateTime::currentDateTimeUtc(); }
    qint64 nowMs() const { return now().toMSecsSinceEpoch(); }
    void applyUpdate(int r, const ExportStatus &status);
    void markDirty(int r);
    void reindexFrom(int first);
    // Emits dataChanged for these rows (sorted), a run of consecutive rows at a time.
    void emitChanged(const QList<int> &rows, int firstColumn, int lastColumn);

    QList<Row> m_rows;
    QHash<QString, int> m_rowOf;
    QList<int> m_dirty;   // rows whose status changed since the last flush
    QSet<QString> m_live; // ids of rows not terminal: their time columns move
    QTimer m_refresh;
    std::function<QDateTime()> m_clock;
};

} // namespace hb

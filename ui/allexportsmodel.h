#pragma once

#include "exportstatus.h"
#include "speedmeter.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QTimer>
#include <functional>

namespace hb {

// One row per export on the Redis server, whoever owns it: fed by ExportMonitor's
// exportUpdated/exportRemoved. Changes are published on one refresh timer (one
// dataChanged per changed row, one for the whole range when more than half
// changed); the time columns (age, last update, "Stalled") are refreshed on the
// same timer. Speed and "stalled" follow the core's one rule (SpeedMeter: 5 s
// average, stalled after 5 s without bytes), measured as `watch` does on this
// process's clock from the updates it receives: another machine's clock is never
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

    explicit AllExportsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void updateExport(const ExportStatus &status);
    void removeExport(const QString &id);
    void clear();

    int rowOf(const QString &id) const { return m_rowOf.value(id, -1); }
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
    struct Row
    {
        ExportStatus status;
        SpeedMeter meter; // bytesWritten, sampled on our clock
        bool dirty = false;
    };
    QDateTime now() const { return m_clock ? m_clock() : QDateTime::currentDateTimeUtc(); }
    qint64 nowMs() const { return now().toMSecsSinceEpoch(); }
    bool isStalled(const Row &row) const;
    QString statusText(const Row &row) const;

    QList<Row> m_rows;
    QHash<QString, int> m_rowOf;
    QTimer m_refresh;
    std::function<QDateTime()> m_clock;
};

} // namespace hb

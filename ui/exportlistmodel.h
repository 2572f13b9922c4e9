#pragma once

#include "exporterror.h"
#include "exportrow.h"
#include "exportstatus.h"

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QHash>
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

    // A row and its text: ExportRow.
    using Row = ExportRow;
    using Vanished = ExportRow::Vanished;
    using Transition = ExportRow::Transition;

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
    // A row for an export this user started here before (the local journal, issue
    // 22): finished unless `interrupted` (not terminal, its process gone: it waits
    // for a resume). Nothing when the id has a row already.
    void restoreExport(const QString &id, const QString &sourcePath, const ExportStatus &status,
                       bool interrupted);
    // A resume of `id` was asked for: the row runs again ("Resuming…") until the
    // exporter ends it.
    void beginResume(const QString &id);
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

Q_SIGNALS:
    // Rows removed from the list (Remove from list).
    void exportsRemoved(const QStringList &ids);
    // After each published batch: totals, title and status bar follow.
    void refreshed();

private:
    void appendRow(Row row);
    Row *findMutable(const QString &id);
    // The fields every status carries, copied into the row.
    static void adoptStatus(Row &row, const ExportStatus &status);
    void touch(Row &row);
    void recordTransition(Row &row, const QDateTime &time);
    qint64 nowMs() const { return m_now ? m_now() : m_clock.elapsed(); }

    QList<Row> m_rows;
    QHash<QString, int> m_index; // id -> row
    QTimer m_timer;
    QElapsedTimer m_clock;
    std::function<qint64()> m_now;
};

} // namespace hb

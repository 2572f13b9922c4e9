#pragma once

#include "exportstatus.h"

#include <QObject>

class QMainWindow;
class QSystemTrayIcon;

namespace hb {

// Tells of exports that ended while the window is not the active one: a message
// from the tray icon where the desktop shows them, else the status bar. Clicking
// the tray icon brings the window back.
class Notifier final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Notifier)
public:
    explicit Notifier(QMainWindow *window);

    // `reason`: why a failed export failed, as its row says it.
    void exportFinished(const QString &name, const ExportStatus &status, const QString &reason);
    void notify(const QString &title, const QString &text, bool failure);

private:
    QMainWindow *m_window;
    QSystemTrayIcon *m_tray = nullptr;
};

} // namespace hb

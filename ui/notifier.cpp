#include "notifier.h"

#include "statusformat.h"

#include <QMainWindow>
#include <QStatusBar>
#include <QSystemTrayIcon>

namespace hb {

Notifier::Notifier(QMainWindow *window) : QObject(window), m_window(window)
{
    if (!QSystemTrayIcon::isSystemTrayAvailable()) return;
    m_tray = new QSystemTrayIcon(window->windowIcon(), this);
    m_tray->setToolTip(tr("HB Exporter"));
    m_tray->show();
    connect(m_tray, &QSystemTrayIcon::activated, this, [this] {
        m_window->showNormal();
        m_window->activateWindow();
    });
}

void Notifier::exportFinished(const QString &name, const ExportStatus &status,
                              const QString &reason)
{
    if (status.state == ExportState::Completed)
        notify(tr("Export completed"),
               tr("%1 is in Redis (%2).").arg(name, sizeText(status.bytesWritten)), false);
    else if (status.state == ExportState::Failed)
        notify(tr("Export failed"), tr("%1: %2").arg(name, reason), true);
}

void Notifier::notify(const QString &title, const QString &text, bool failure)
{
    if (m_window->isActiveWindow()) return;
    if (m_tray && QSystemTrayIcon::supportsMessages())
        m_tray->showMessage(
            title, text, failure ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information, 8000);
    else
        m_window->statusBar()->showMessage(title + QStringLiteral(": ") + text, 10000);
}

} // namespace hb

#pragma once

#include <QObject>
#include <QStringList>

class QLocalServer;

namespace hb {

// One window per user (as qBittorrent does it): the first `hbexporter` listens on a
// local socket in the user's runtime folder; a later one hands its files to it
// (handOff) and exits, so a second `hbexporter FILE…` or a click on a file in the
// desktop's file manager adds rows to the window already open.
//
// The protocol: one line of JSON, an array of absolute paths or URLs, answered by
// "ok\n" once the window took them (an empty array only raises the window).
class SingleInstance final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SingleInstance)
public:
    explicit SingleInstance(QString name, QObject *parent = nullptr);
    ~SingleInstance() override;

    // $HBEXPORTER_INSTANCE_SOCKET, else <runtime folder>/hbexporter-window.sock.
    static QString defaultName();

    // True when a running window took the files within timeoutMs.
    static bool handOff(const QString &name, const QStringList &files, int timeoutMs = 5000);

    // Listens; a socket left by a window that crashed is taken over. False when
    // another window answers on it (hand the files to it) or listening failed.
    bool listen(QString *error = nullptr);
    QString name() const { return m_name; }

Q_SIGNALS:
    void filesReceived(const QStringList &files);

private:
    void onConnection();

    QString m_name;
    QLocalServer *m_server;
};

} // namespace hb

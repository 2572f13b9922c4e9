#pragma once

#include <QObject>

class QLabel;
class QStatusBar;

namespace hb {

class ElidedLabel;
class ExportListModel;
class Session;

// The status bar's permanent fields: the server (a dot coloured by its state and a
// line elided to fit, in full in its tooltip), how many exports are active and
// their total speed. It follows the session and the model by itself; transient
// messages stay the status bar's own.
class ServerStatusBar final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServerStatusBar)
public:
    ServerStatusBar(Session *session, ExportListModel *model, QStatusBar *bar);

    // The server line, in full: the server is named once, its problem beside it.
    static QString serverText(const Session &session);
    QString serverText() const { return serverText(*m_session); }

    void updateServer();
    void updateSummary();

private:
    Session *m_session;
    ExportListModel *m_model;
    QLabel *m_serverDot;
    ElidedLabel *m_serverLabel;
    QLabel *m_activeLabel;
    QLabel *m_speedLabel;
};

} // namespace hb

#include "serverstatusbar.h"

#include "elidedlabel.h"
#include "exporter.h"
#include "exportlistmodel.h"
#include "session.h"
#include "statusformat.h"

#include <QLabel>
#include <QStatusBar>

namespace hb {

ServerStatusBar::ServerStatusBar(Session *session, ExportListModel *model, QStatusBar *bar)
    : QObject(bar), m_session(session), m_model(model),
      m_serverDot(new QLabel(QStringLiteral("●"), bar)), m_serverLabel(new ElidedLabel(bar)),
      m_activeLabel(new QLabel(bar)), m_speedLabel(new QLabel(bar))
{
    m_serverLabel->setObjectName(QStringLiteral("serverStatus"));
    m_speedLabel->setMinimumWidth(90);
    m_speedLabel->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    bar->addPermanentWidget(m_serverDot);
    bar->addPermanentWidget(m_serverLabel, 1);
    bar->addPermanentWidget(m_activeLabel);
    bar->addPermanentWidget(m_speedLabel);
    connect(m_session, &Session::serverStateChanged, this, &ServerStatusBar::updateServer);
    connect(m_session, &Session::configChanged, this, &ServerStatusBar::updateServer);
    connect(m_model, &ExportListModel::refreshed, this, &ServerStatusBar::updateSummary);
    updateServer();
    updateSummary();
}

QString ServerStatusBar::serverText(const Session &session)
{
    const QString name = session.config().endpoint.displayName() +
                         (session.isEmbedded() ? tr(" (embedded)") : QString());
    switch (session.serverState()) {
    case Session::ServerState::Starting:
        return tr("Starting the embedded Redis server at %1…").arg(name);
    case Session::ServerState::Connecting:
        return tr("Redis %1: connecting…").arg(name);
    case Session::ServerState::Unreachable:
        return tr("Redis unreachable: %1 — retrying (%2)")
            .arg(session.serverProblem().reason, name);
    case Session::ServerState::Reachable:
        break;
    }
    const ExportStore::ServerInfo &info = session.serverInfo();
    QString text = tr("Redis %1 — version %2 — %3 used")
                       .arg(name, info.version, sizeText(info.usedMemoryBytes));
    if (info.maxMemoryBytes > 0) text += tr(" of %1").arg(sizeText(info.maxMemoryBytes));
    return text;
}

void ServerStatusBar::updateServer()
{
    QString color = QStringLiteral("#5f6368");
    switch (m_session->serverState()) {
    case Session::ServerState::Reachable:
        color = QStringLiteral("#1e7d32");
        break;
    case Session::ServerState::Unreachable:
        color = QStringLiteral("#b3261e");
        break;
    default:
        break;
    }
    m_serverDot->setStyleSheet(QStringLiteral("color: %1").arg(color));
    m_serverLabel->setFullText(serverText());
}

void ServerStatusBar::updateSummary()
{
    const int active = m_model->activeCount();
    const int queued = m_session->exporter()->queuedCount();
    m_activeLabel->setText(active == 0  ? tr("No active exports")
                           : queued > 0 ? tr("%1 active (%2 queued)").arg(active).arg(queued)
                                        : tr("%1 active").arg(active));
    const double speed = m_model->totalSpeed();
    m_speedLabel->setText(speed >= 1 ? QStringLiteral("↑ ") + ExportRow::speedText(speed)
                                     : QString());
}

} // namespace hb

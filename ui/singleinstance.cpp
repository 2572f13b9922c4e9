#include "singleinstance.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalServer>
#include <QLocalSocket>
#include <QPointer>
#include <QStandardPaths>

namespace hb {

namespace {

constexpr qint64 MaxMessage = 4 * 1024 * 1024; // a few thousand paths

} // namespace

SingleInstance::SingleInstance(QString name, QObject *parent)
    : QObject(parent), m_name(std::move(name)), m_server(new QLocalServer(this))
{
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    connect(m_server, &QLocalServer::newConnection, this, &SingleInstance::onConnection);
}

SingleInstance::~SingleInstance() = default;

QString SingleInstance::defaultName()
{
    const QString env = qEnvironmentVariable("HBEXPORTER_INSTANCE_SOCKET");
    if (!env.isEmpty()) return env;
    QString dir = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
    if (dir.isEmpty()) dir = QDir::tempPath();
    return QDir(dir).filePath(QStringLiteral("hbexporter-window.sock"));
}

bool SingleInstance::handOff(const QString &name, const QStringList &files, int timeoutMs)
{
    QLocalSocket socket;
    socket.connectToServer(name);
    if (!socket.waitForConnected(timeoutMs)) return false;
    QJsonArray array;
    for (const QString &f : files)
        array.append(f);
    socket.write(QJsonDocument(array).toJson(QJsonDocument::Compact) + '\n');
    if (!socket.waitForBytesWritten(timeoutMs)) return false;
    QByteArray answer;
    while (!answer.contains('\n')) {
        if (!socket.waitForReadyRead(timeoutMs)) return false;
        answer += socket.readAll();
    }
    return answer.startsWith("ok");
}

bool SingleInstance::listen(QString *error)
{
    if (m_server->listen(m_name)) return true;
    if (m_server->serverError() == QAbstractSocket::AddressInUseError) {
        // Someone answers there: not ours to take.
        QLocalSocket probe;
        probe.connectToServer(m_name);
        if (probe.waitForConnected(1000)) {
            if (error) *error = QStringLiteral("another window listens on %1").arg(m_name);
            return false;
        }
        // Nobody: the socket of a window that crashed.
        QLocalServer::removeServer(m_name);
        if (m_server->listen(m_name)) return true;
    }
    if (error)
        *error = QStringLiteral("cannot listen on %1: %2").arg(m_name, m_server->errorString());
    return false;
}

void SingleInstance::onConnection()
{
    while (QLocalSocket *socket = m_server->nextPendingConnection()) {
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        auto buffer = std::make_shared<QByteArray>();
        connect(socket, &QLocalSocket::readyRead, this, [this, socket, buffer] {
            *buffer += socket->readAll();
            if (buffer->size() > MaxMessage) {
                socket->abort();
                return;
            }
            const int end = int(buffer->indexOf('\n'));
            if (end < 0) return;
            const QJsonDocument doc = QJsonDocument::fromJson(buffer->left(end));
            buffer->clear();
            QStringList files;
            for (const QJsonValue &v : doc.array()) {
                if (v.isString() && !v.toString().isEmpty()) files.append(v.toString());
            }
            socket->write(doc.isArray() ? "ok\n" : "error\n");
            socket->flush();
            if (doc.isArray()) Q_EMIT filesReceived(files);
        });
    }
}

} // namespace hb

#pragma once

#include <QObject>
#include <QSocketNotifier>

#include <csignal>
#include <functional>
#include <initializer_list>
#include <memory>
#include <vector>

// The CLI's one signal self-pipe: while a SignalPipe lives, the given signals
// (SIGINT, SIGTERM, ...) are written to a pipe by an async-signal-safe handler and
// handed to onSignal on the event loop, one call per signal delivered. The previous
// handlers come back on destruction. One at a time per process.
class SignalPipe final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SignalPipe)
public:
    SignalPipe(std::initializer_list<int> signalNumbers, std::function<void(int)> onSignal,
               QObject *parent = nullptr);
    ~SignalPipe() override;

    bool isInstalled() const { return m_installed; }

private:
    void drain();

    std::function<void(int)> m_onSignal;
    std::vector<int> m_signals;
    std::vector<struct sigaction> m_previous;
    std::unique_ptr<QSocketNotifier> m_notifier;
    bool m_installed = false;
};

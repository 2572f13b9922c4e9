#include "signalpipe.h"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace {

int g_pipe[2] = {-1, -1};

void onSignal(int signo)
{
    const int saved = errno;
    const auto c = static_cast<unsigned char>(signo);
    [[maybe_unused]] const ssize_t n = ::write(g_pipe[1], &c, 1);
    errno = saved;
}

} // namespace

SignalPipe::SignalPipe(std::initializer_list<int> signalNumbers, std::function<void(int)> onSignal_,
                       QObject *parent)
    : QObject(parent), m_onSignal(std::move(onSignal_)), m_signals(signalNumbers)
{
    if (g_pipe[0] >= 0 || ::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        g_pipe[0] = g_pipe[1] = -1;
        return;
    }
    m_notifier = std::make_unique<QSocketNotifier>(g_pipe[0], QSocketNotifier::Read);
    QObject::connect(m_notifier.get(), &QSocketNotifier::activated, this, [this] { drain(); });
    struct sigaction sa = {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    m_previous.resize(m_signals.size());
    for (size_t i = 0; i < m_signals.size(); ++i)
        ::sigaction(m_signals[i], &sa, &m_previous[i]);
    m_installed = true;
}

SignalPipe::~SignalPipe()
{
    if (!m_installed) return;
    for (size_t i = 0; i < m_signals.size(); ++i)
        ::sigaction(m_signals[i], &m_previous[i], nullptr);
    m_notifier.reset();
    ::close(g_pipe[0]);
    ::close(g_pipe[1]);
    g_pipe[0] = g_pipe[1] = -1;
}

void SignalPipe::drain()
{
    unsigned char buf[16];
    for (;;) {
        const ssize_t n = ::read(g_pipe[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        for (ssize_t i = 0; i < n; ++i)
            if (m_onSignal) m_onSignal(int(buf[i]));
    }
}

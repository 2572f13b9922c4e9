#pragma once

#include <QtGlobal>

#include <cstdlib>
#include <limits>

namespace hb::test {

// How much slower the suites run than a plain build: 1 normally, set through
// HBEXPORTER_TEST_TIME_SCALE by scripts/sanitize.sh (about 3 under ASan+UBSan,
// 5 under TSan). Values below 1, or that do not parse, count as 1.
inline double timeScale()
{
    static const double scale = [] {
        const char *text = std::getenv("HBEXPORTER_TEST_TIME_SCALE");
        if (!text || !*text) return 1.0;
        char *end = nullptr;
        const double value = std::strtod(text, &end);
        return (end && *end == '\0' && value >= 1.0 && value <= 100.0) ? value : 1.0;
    }();
    return scale;
}

// A test deadline (a wait for something that should happen), scaled for sanitizer
// builds. Never use it for a bound the product promises (e.g. "cancel is honoured
// within 1 s"): those are the contract and stay as they are.
inline int scaledMs(int ms)
{
    const double scaled = double(ms) * timeScale();
    return scaled >= double(std::numeric_limits<int>::max()) ? std::numeric_limits<int>::max()
                                                             : int(scaled);
}

// True in a sanitizer build (scripts/sanitize.sh). A test that measures memory or
// speed, not behaviour, skips itself there: ASan's quarantine and shadow memory make
// peak RSS grow with everything freed, and every sanitizer slows the code.
constexpr bool sanitizerBuild()
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return true;
#else
    return false;
#endif
}

// True in a ThreadSanitizer build. Debian's Qt is not instrumented, and Qt Network
// hands its objects between its own threads (QNetworkAccessManager's internal thread,
// moveToThread, queued events) under locks TSan cannot see: every URL-source test
// reports races inside libQt6Core/libQt6Network, none in our frames. Those tests skip
// themselves under TSan only; they run in the normal and the ASan+UBSan builds.
constexpr bool threadSanitizerBuild()
{
#if defined(__SANITIZE_THREAD__)
    return true;
#else
    return false;
#endif
}

} // namespace hb::test

#define HB_SKIP_QT_NETWORK_UNDER_TSAN()                                                            \
    do {                                                                                           \
        if (hb::test::threadSanitizerBuild())                                                      \
            QSKIP("Qt Network's internal thread hand-overs are invisible to TSan (testtime.h)");   \
    } while (false)

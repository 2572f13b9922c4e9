// Linked into every test executable and hbexporter-cli of a ThreadSanitizer build
// (tests/CMakeLists.txt). Not a suppression: it hides no report, it keeps TSan's
// bookkeeping correct.
//
// Why: QProcess (Qt 6.4, forkfd) starts every child with glibc's clone() and
// CLONE_VM|CLONE_VFORK: the child borrows the parent's memory, thread-local
// storage included, until it calls execve(). GCC 12's libtsan intercepts clone()
// and runs its fork hooks in that child as if it had its own copy of memory: it
// marks the whole process "forked while multi-threaded" and puts the calling
// thread's state into ignore mode, in the parent's memory. The parent's next
// pthread_create() then dies with "starting new threads after multi-threaded fork
// is not supported", and with die_after_fork=0 the parent's main thread would be
// silently ignored by TSan for the rest of the run: every race with it unseen.
//
// Here clone() calls that share the address space go straight to glibc, past the
// interceptor; anything else (a real fork-like clone) goes on to TSan as before.
// The vfork child only runs Qt's child setup (dup2, execve) while the parent is
// suspended, so TSan loses nothing by not knowing about it.
#include <dlfcn.h>
#include <sched.h>
#include <sys/types.h>

#include <cstdarg>

namespace {

using CloneFn = int (*)(int (*)(void *), void *, int, void *, ...);

__attribute__((no_sanitize("thread"))) CloneFn glibcClone()
{
    static CloneFn fn = [] {
        void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
        return libc ? reinterpret_cast<CloneFn>(dlsym(libc, "clone")) : nullptr;
    }();
    return fn;
}

__attribute__((no_sanitize("thread"))) CloneFn interceptedClone()
{
    static CloneFn fn = reinterpret_cast<CloneFn>(dlsym(RTLD_NEXT, "clone"));
    return fn;
}

} // namespace

extern "C" __attribute__((visibility("default"), no_sanitize("thread"))) int
clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    pid_t *parentTid = va_arg(ap, pid_t *);
    void *tls = va_arg(ap, void *);
    pid_t *childTid = va_arg(ap, pid_t *);
    va_end(ap);
    const CloneFn real = (flags & CLONE_VM) ? glibcClone() : interceptedClone();
    return (real ? real : glibcClone())(fn, stack, flags, arg, parentTid, tls, childTid);
}

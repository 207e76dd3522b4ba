#define _GNU_SOURCE
#include "CProcess.h"
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/fsuid.h>

int32_t cproc_setfsuid(uint32_t uid) { return setfsuid((uid_t)uid); }

static volatile sig_atomic_t sigint_seen;
static int sigint_tty;  // stderr is a terminal: the hint first clears a progress line

// Async-signal-safe: counts, says once how to quit at once, and on the second
// Ctrl-C gives SIGINT back its default action and raises it.
static void count_sigint(int signo) {
    if (sigint_seen >= 1) {
        signal(signo, SIG_DFL);
        raise(signo);
        return;
    }
    sigint_seen = 1;
    static const char tty[] = "\r\033[Kblkview: stopping (Ctrl-C again quits at once)\n";
    static const char plain[] = "blkview: stopping (Ctrl-C again quits at once)\n";
    ssize_t unused = sigint_tty ? write(2, tty, sizeof(tty) - 1) : write(2, plain, sizeof(plain) - 1);
    (void)unused;
}

void cproc_sigint_catch(void) {
    struct sigaction old;
    // A job started with SIGINT ignored (`cmd &` in a shell without job
    // control) keeps ignoring it: that Ctrl-C is meant for another job.
    if (sigaction(SIGINT, NULL, &old) == 0 && (old.sa_handler == SIG_IGN || old.sa_handler == count_sigint)) return;
    sigint_tty = isatty(2);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = count_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
}

uint64_t cproc_sigint_count(void) { return (uint64_t)__atomic_load_n(&sigint_seen, __ATOMIC_SEQ_CST); }

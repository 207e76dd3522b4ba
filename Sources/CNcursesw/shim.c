// ncursesw is used through the inline functions in include/CNcursesw.h.
// This file holds what must not be inline: the fatal-signal handler that
// gives the terminal back, and job control (Ctrl-Z).
#include "CNcursesw.h"
#include <errno.h>
#include <langinfo.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

// Everything the handler touches is prepared before it can run; the handler
// itself calls only write, tcsetattr, sigaction and raise (async-signal-safe).
static struct termios saved_termios;
static int saved_fd = -1;
static char reset_bytes[512];
static size_t reset_length;
static volatile sig_atomic_t curses_active;
static const int fatal_signals[] = { SIGSEGV, SIGILL, SIGBUS, SIGABRT, SIGFPE, SIGTERM, SIGHUP };
#define FATAL_COUNT (sizeof fatal_signals / sizeof fatal_signals[0])
static int installed;

int cnc_save_terminal(void) {
    saved_fd = isatty(STDOUT_FILENO) ? STDOUT_FILENO : (isatty(STDIN_FILENO) ? STDIN_FILENO : -1);
    if (saved_fd < 0) return 0;
    return tcgetattr(saved_fd, &saved_termios) == 0;
}

static void append_cap(const char *name) {
    char *s = tigetstr((char *)name);
    if (s == NULL || s == (char *)-1) return;
    size_t n = strlen(s);
    if (reset_length + n >= sizeof reset_bytes) return;
    memcpy(reset_bytes + reset_length, s, n);
    reset_length += n;
}

static void fatal_handler(int sig) {
    int saved_errno = errno;
    if (curses_active) {
        curses_active = 0;
        size_t done = 0;
        while (done < reset_length) {
            ssize_t w = write(STDOUT_FILENO, reset_bytes + done, reset_length - done);
            if (w > 0) done += (size_t)w;
            else if (w < 0 && errno == EINTR) continue;
            else break;
        }
        if (saved_fd >= 0) tcsetattr(saved_fd, TCSANOW, &saved_termios);
    }
    // The default action, raised again: the process dies of the same signal
    // (exit status 128+n, a core where enabled). Not the Swift runtime's
    // backtracer: on a terminal it waits for a key before it exits.
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    errno = saved_errno;
    raise(sig);
}

void cnc_install_fatal_handlers(void) {
    // After initscr: terminfo is loaded. Leave the alternate screen, show the
    // cursor, plain attributes, keypad and mouse reporting off.
    reset_length = 0;
    append_cap("sgr0");
    append_cap("cnorm");
    append_cap("rmkx");
    append_cap("rmcup");
    static const char mouse_off[] = "\033[?1000l\r\n";
    if (reset_length + sizeof mouse_off < sizeof reset_bytes) {
        memcpy(reset_bytes + reset_length, mouse_off, sizeof mouse_off - 1);
        reset_length += sizeof mouse_off - 1;
    }
    curses_active = 1;
    if (installed) return;
    installed = 1;
    for (size_t i = 0; i < FATAL_COUNT; i++) {
        struct sigaction old;
        if (sigaction(fatal_signals[i], NULL, &old) != 0) continue;
        // A signal the parent set to be ignored (nohup) stays ignored.
        if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_IGN) continue;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = fatal_handler;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_NODEFER;
        sigaction(fatal_signals[i], &sa, NULL);
    }
}

void cnc_set_curses_active(int active) { curses_active = active ? 1 : 0; }

int cnc_locale_is_utf8(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

void cnc_stop_self(void) {
    // Like less and hexedit: stop with SIGTSTP's default action (the shell
    // reports "Stopped"), whatever handler ncurses put there; return on SIGCONT.
    struct sigaction dfl, old;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTSTP, &dfl, &old);
    sigset_t set, oldset;
    sigemptyset(&set);
    sigaddset(&set, SIGTSTP);
    pthread_sigmask(SIG_UNBLOCK, &set, &oldset);
    raise(SIGTSTP);
    pthread_sigmask(SIG_SETMASK, &oldset, NULL);
    sigaction(SIGTSTP, &old, NULL);
}

// C boundary for ncursesw. Swift 6 rejects the mutable globals (stdscr) and
// cannot import function-like macros (getmaxyx, A_*, KEY_F), so the ones
// CursesUI uses are wrapped here as inline functions.
#ifndef CNCURSESW_H
#define CNCURSESW_H

#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <wchar.h>
#include <curses.h>

static inline WINDOW *cnc_stdscr(void) { return stdscr; }
static inline void cnc_getmaxyx(WINDOW *w, int *y, int *x) { int yy, xx; getmaxyx(w, yy, xx); *y = yy; *x = xx; }
static inline int cnc_setlocale_all(void) { return setlocale(LC_ALL, "") != 0; }

static inline attr_t cnc_A_NORMAL(void) { return A_NORMAL; }
static inline attr_t cnc_A_BOLD(void) { return A_BOLD; }
static inline attr_t cnc_A_DIM(void) { return A_DIM; }
static inline attr_t cnc_A_REVERSE(void) { return A_REVERSE; }

static inline int cnc_KEY_RESIZE(void) { return KEY_RESIZE; }
static inline int cnc_KEY_MOUSE(void) { return KEY_MOUSE; }
static inline int cnc_KEY_F(int n) { return KEY_F(n); }
static inline int cnc_ERR(void) { return ERR; }

/// Draws one cell: a single Unicode scalar with attributes and colour pair.
static inline int cnc_put_cell(WINDOW *w, int y, int x, wchar_t ch, attr_t attrs, short pair) {
    wchar_t s[2] = { ch, 0 };
    cchar_t c;
    setcchar(&c, s, attrs, pair, NULL);
    return mvwadd_wch(w, y, x, &c);
}

/// Mouse: wheel up/down as reported by getmouse(); 0 when neither.
static inline int cnc_mouse_wheel(void) {
    MEVENT ev;
    if (getmouse(&ev) != OK) return 0;
    if (ev.bstate & BUTTON4_PRESSED) return -1;
#ifdef BUTTON5_PRESSED
    if (ev.bstate & BUTTON5_PRESSED) return 1;
#endif
    return 0;
}

/// Mouse: -1 wheel up, 1 wheel down, 2 left button pressed at (*x, *y); 0 otherwise.
static inline int cnc_mouse_event(int *x, int *y) {
    MEVENT ev;
    if (getmouse(&ev) != OK) return 0;
    if (ev.bstate & BUTTON4_PRESSED) return -1;
#ifdef BUTTON5_PRESSED
    if (ev.bstate & BUTTON5_PRESSED) return 1;
#endif
    if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) {
        *x = ev.x;
        *y = ev.y;
        return 2;
    }
    return 0;
}

/// Reports the wheel and the left button (a press, at once: no click delay).
static inline void cnc_enable_wheel(void) {
#ifdef BUTTON5_PRESSED
    mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
#else
    mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED, NULL);
#endif
    mouseinterval(0);
}

/// Saves the terminal's modes (before initscr) for the fatal-signal handler.
int cnc_save_terminal(void);
/// Installs, once, handlers for SIGSEGV, SIGILL, SIGBUS, SIGABRT, SIGFPE,
/// SIGTERM and SIGHUP that reset the terminal (terminfo sgr0 cnorm rmkx
/// rmcup, saved termios) and re-raise with the default action. After initscr.
void cnc_install_fatal_handlers(void);
/// Whether the handler must reset the terminal (false after endwin).
void cnc_set_curses_active(int active);
/// Whether the current LC_CTYPE's codeset is UTF-8 (after setlocale).
int cnc_locale_is_utf8(void);
/// Stops the process with SIGTSTP's default action; returns after SIGCONT.
void cnc_stop_self(void);

#endif

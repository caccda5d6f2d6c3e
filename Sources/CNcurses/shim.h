#ifndef SWISSAGENT_CNCURSES_SHIM_H
#define SWISSAGENT_CNCURSES_SHIM_H

// SwiftPM drops pkg-config's -D_XOPEN_SOURCE, which hides the wide-character API; ask for it here.
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <stdio.h>
#include <wchar.h>
#include <ncursesw/curses.h>

// Function-like macros and mutable C globals (stdscr, stdin, LINES, COLORS...) do not import into
// Swift, or import as unsafe shared state: typed accessors instead.

// newterm rather than initscr: initscr exits the process when TERM is unknown; newterm returns NULL.
static inline SCREEN *cncurses_newterm(const char *term) { return newterm(term, stdout, stdin); }
static inline WINDOW *cncurses_stdscr(void) { return stdscr; }
static inline int cncurses_lines(void) { return LINES; }
static inline int cncurses_cols(void) { return COLS; }
static inline int cncurses_colors(void) { return COLORS; }
static inline int cncurses_color_pairs(void) { return COLOR_PAIRS; }
static inline int cncurses_key_f(int n) { return KEY_F(n); }
static inline attr_t cncurses_a_bold(void) { return A_BOLD; }
static inline attr_t cncurses_a_reverse(void) { return A_REVERSE; }
static inline attr_t cncurses_a_underline(void) { return A_UNDERLINE; }
static inline attr_t cncurses_a_dim(void) { return A_DIM; }
static inline attr_t cncurses_a_normal(void) { return A_NORMAL; }

// The calls the console makes, on stdscr, with plain argument types.
static inline int cncurses_read(wint_t *ch) { return wget_wch(stdscr, ch); }
static inline int cncurses_style(attr_t attrs, int pair) { return wattr_set(stdscr, attrs, (short)pair, NULL); }
static inline int cncurses_put(int y, int x, const wchar_t *text, int n) { return mvwaddnwstr(stdscr, y, x, text, n); }
static inline int cncurses_clear_to_eol(int y, int x) { wmove(stdscr, y, x); return wclrtoeol(stdscr); }
static inline int cncurses_refresh(void) { return wrefresh(stdscr); }
static inline int cncurses_timeout(int ms) { wtimeout(stdscr, ms); return 0; }
static inline int cncurses_keypad(int on) { return keypad(stdscr, on ? TRUE : FALSE); }
static inline int cncurses_clearok(void) { return clearok(stdscr, TRUE); }
static inline int cncurses_curs_set(int v) { return curs_set(v); }
static inline int cncurses_height(void) { return getmaxy(stdscr); }
static inline int cncurses_width(void) { return getmaxx(stdscr); }

#endif

/* The host terminal: raw while the guest runs, restored on every way out. */
#ifndef MINIVMM_VMM_CONSOLE_H
#define MINIVMM_VMM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Puts stdin in raw mode if it is a terminal, and arranges restoration at exit. Main thread. */
void console_enter_raw(void);

/* Restores the terminal; safe to call more than once and from a signal handler. */
void console_restore(void);

/* True when stdin is a terminal (the Ctrl-A escape is active then). */
bool console_is_tty(void);

/*
 * Filters typed input for the escape sequence Ctrl-A x (quit) and Ctrl-A
 * Ctrl-A (a literal Ctrl-A). Rewrites buf in place; returns the bytes left
 * for the guest, and sets *quit when the user asked to quit. Pure apart from
 * the escape state it keeps between calls.
 */
size_t console_filter_escape(uint8_t *buf, size_t len, bool *quit);

#endif

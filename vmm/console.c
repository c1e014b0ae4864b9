/* Terminal mode handling for the serial console. */
#include "vmm/console.h"

#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#define CTRL_A 0x01

static struct termios saved;
static volatile int raw_active;
static int escape_pending;

bool console_is_tty(void)
{
	return isatty(STDIN_FILENO);
}

void console_restore(void)
{
	if (raw_active) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		raw_active = 0;
	}
}

void console_enter_raw(void)
{
	struct termios raw;

	if (!console_is_tty() || tcgetattr(STDIN_FILENO, &saved) < 0)
		return;
	raw = saved;
	/* Every key goes to the guest (Ctrl-C included); the guest's tty does the echo. */
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
		return;
	raw_active = 1;
	atexit(console_restore);
}

size_t console_filter_escape(uint8_t *buf, size_t len, bool *quit)
{
	size_t out = 0;

	*quit = false;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = buf[i];

		if (escape_pending) {
			escape_pending = 0;
			if (c == 'x' || c == 'X') {
				*quit = true;
				return out;
			}
			if (c != CTRL_A)
				buf[out++] = CTRL_A;
			buf[out++] = c;
		} else if (c == CTRL_A) {
			escape_pending = 1;
		} else {
			buf[out++] = c;
		}
	}
	return out;
}

/* Trace output: one line per event on stderr, safe while the terminal is raw. */
#include "vmm/trace.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

unsigned int trace_mask;
const char trace_categories[] = "exit,pci,virtio,msix,blk";

static const struct {
	const char *name;
	unsigned int bit;
} cats[] = {
	{ "exit", TRACE_EXIT }, { "pci", TRACE_PCI }, { "virtio", TRACE_VIRTIO },
	{ "msix", TRACE_MSIX }, { "blk", TRACE_BLK }, { "all", TRACE_ALL },
};

int trace_parse(const char *spec, unsigned int *mask)
{
	const char *p = spec;

	*mask = 0;
	if (!spec || !*spec) {
		*mask = TRACE_ALL;
		return 0;
	}
	while (*p) {
		size_t n = strcspn(p, ",");
		unsigned int bit = 0;

		for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
			if (strlen(cats[i].name) == n && !strncmp(p, cats[i].name, n))
				bit = cats[i].bit;
		if (!bit)
			return -EINVAL;
		*mask |= bit;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

void trace_printf(const char *cat, const char *fmt, ...)
{
	struct timespec ts;
	char line[512];
	int n, m;
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = snprintf(line, sizeof(line), "[%5ld.%06ld] %-6s ", (long)ts.tv_sec % 100000,
		     ts.tv_nsec / 1000, cat);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - n - 2, fmt, ap);
	va_end(ap);
	n = (m < 0 || (size_t)(n + m) >= sizeof(line) - 2) ? (int)sizeof(line) - 3 : n + m;
	/* \r as well: the terminal may be raw, where \n alone does not return the carriage. */
	line[n++] = '\r';
	line[n++] = '\n';
	/* One write per line keeps lines from different threads whole. */
	if (write(STDERR_FILENO, line, n) < 0) {
	}
}

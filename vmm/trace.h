/*
 * --trace: readable lines about what the guest and minivmm do, by category.
 * Off by default, and then each trace point costs one predictable branch.
 */
#ifndef MINIVMM_VMM_TRACE_H
#define MINIVMM_VMM_TRACE_H

#include <stdbool.h>

enum trace_cat {
	TRACE_EXIT = 1 << 0,   /* vCPU exits to user space (first TRACE_EXIT_LIMIT) */
	TRACE_PCI = 1 << 1,    /* configuration writes, BAR placement and moves */
	TRACE_VIRTIO = 1 << 2, /* status, feature negotiation, queue set-up, resets */
	TRACE_MSIX = 1 << 3,   /* MSI-X table programming, masking, routes */
	TRACE_BLK = 1 << 4,    /* block requests (first TRACE_REQ_LIMIT) and errors */
	TRACE_ALL = (1 << 5) - 1,
};

#define TRACE_EXIT_LIMIT 500
#define TRACE_REQ_LIMIT  200

extern unsigned int trace_mask; /* written once before threads start */

/* "all", or a comma-separated list of exit,pci,virtio,msix,blk. -EINVAL names nothing known. */
int trace_parse(const char *spec, unsigned int *mask);

/* Names of the categories, for --help. */
extern const char trace_categories[];

void trace_printf(const char *cat, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define trace(cat, name, ...)                                          \
	do {                                                           \
		if (__builtin_expect(trace_mask & (cat), 0))           \
			trace_printf(name, __VA_ARGS__);               \
	} while (0)

#endif

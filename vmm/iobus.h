/* The I/O bus: port and MMIO address ranges mapped to device callbacks. */
#ifndef MINIVMM_VMM_IOBUS_H
#define MINIVMM_VMM_IOBUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define IOBUS_MAX_RANGES 64

/*
 * A device's handlers. offset is relative to the registered base; len is 1,
 * 2, 4 or 8. read must fill all len bytes of data. Called on vCPU threads,
 * possibly several at once: the device locks its own state. A device must
 * stay allocated until every vCPU thread has stopped.
 */
struct iobus_ops {
	void (*read)(void *opaque, uint64_t offset, void *data, uint32_t len);
	void (*write)(void *opaque, uint64_t offset, const void *data, uint32_t len);
};

struct iobus_range {
	uint64_t base, len;
	const struct iobus_ops *ops;
	void *opaque;
};

struct iobus {
	const char *name; /* "pio" or "mmio", for logs */
	pthread_rwlock_t lock; /* ranges may change at run time (BAR moves) */
	struct iobus_range ranges[IOBUS_MAX_RANGES];
	unsigned int nranges;
	bool debug;               /* log accesses nobody claims */
	uint64_t unclaimed;       /* count of accesses nobody claimed */
};

void iobus_init(struct iobus *bus, const char *name, bool debug);
void iobus_destroy(struct iobus *bus);

/* Claims [base, base + len) for a device; -EBUSY on overlap, -ENOSPC when full. Any thread. */
int iobus_register(struct iobus *bus, uint64_t base, uint64_t len, const struct iobus_ops *ops,
		   void *opaque);

/* Releases the range at base owned by opaque; -ENOENT if there is none. Any thread. */
int iobus_unregister(struct iobus *bus, uint64_t base, void *opaque);

/*
 * Routes one access. An access nobody claims reads as all ones and writes
 * are dropped (as on a PC bus with nothing behind it); returns false then.
 * An access that straddles the end of a range is treated as unclaimed.
 */
bool iobus_access(struct iobus *bus, uint64_t addr, void *data, uint32_t len, bool is_write);

#endif

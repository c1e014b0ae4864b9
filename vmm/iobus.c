/* I/O bus dispatch: a small array searched under a read lock; changes are rare. */
#include "vmm/iobus.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void iobus_init(struct iobus *bus, const char *name, bool debug)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
	bus->debug = debug;
	pthread_rwlock_init(&bus->lock, NULL);
}

void iobus_destroy(struct iobus *bus)
{
	pthread_rwlock_destroy(&bus->lock);
}

int iobus_register(struct iobus *bus, uint64_t base, uint64_t len, const struct iobus_ops *ops,
		   void *opaque)
{
	uint64_t end;
	int ret = 0;

	if (len == 0 || __builtin_add_overflow(base, len, &end))
		return -EINVAL;
	pthread_rwlock_wrlock(&bus->lock);
	for (unsigned int i = 0; i < bus->nranges; i++) {
		const struct iobus_range *r = &bus->ranges[i];

		if (base < r->base + r->len && r->base < end) {
			ret = -EBUSY;
			goto out;
		}
	}
	if (bus->nranges == IOBUS_MAX_RANGES) {
		ret = -ENOSPC;
		goto out;
	}
	bus->ranges[bus->nranges++] =
		(struct iobus_range){ .base = base, .len = len, .ops = ops, .opaque = opaque };
out:
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

int iobus_unregister(struct iobus *bus, uint64_t base, void *opaque)
{
	int ret = -ENOENT;

	pthread_rwlock_wrlock(&bus->lock);
	for (unsigned int i = 0; i < bus->nranges; i++) {
		if (bus->ranges[i].base == base && bus->ranges[i].opaque == opaque) {
			bus->ranges[i] = bus->ranges[--bus->nranges];
			ret = 0;
			break;
		}
	}
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

bool iobus_access(struct iobus *bus, uint64_t addr, void *data, uint32_t len, bool is_write)
{
	const struct iobus_range *hit = NULL;
	struct iobus_range r;

	pthread_rwlock_rdlock(&bus->lock);
	for (unsigned int i = 0; i < bus->nranges; i++) {
		const struct iobus_range *c = &bus->ranges[i];

		if (addr >= c->base && addr - c->base < c->len && len <= c->len - (addr - c->base)) {
			hit = c;
			break;
		}
	}
	if (hit)
		r = *hit;
	pthread_rwlock_unlock(&bus->lock);
	/*
	 * The handler runs without the lock so that it may itself move ranges
	 * (a BAR write through ECAM re-registers BARs on this bus). That is safe
	 * because devices are only freed after every vCPU thread has stopped.
	 */
	if (hit) {
		if (is_write)
			r.ops->write(r.opaque, addr - r.base, data, len);
		else
			r.ops->read(r.opaque, addr - r.base, data, len);
	}
	if (hit)
		return true;
	if (!is_write)
		memset(data, 0xff, len);
	__atomic_fetch_add(&bus->unclaimed, 1, __ATOMIC_RELAXED);
	if (bus->debug)
		fprintf(stderr, "minivmm: debug: unclaimed %s %s at 0x%" PRIx64 " len %u\n", bus->name,
			is_write ? "write" : "read", addr, len);
	return false;
}

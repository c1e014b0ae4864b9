/* Stand-ins for vmm/irq.c (see fuzz_stubs.h): the KVM ioctls are all that is replaced. */
#include "tests/fuzz/fuzz_stubs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fuzz_ioeventfd fuzz_ioeventfds[FUZZ_MAX_IOEVENTFDS];
unsigned int fuzz_nioeventfds;
unsigned long fuzz_msi_routes;

void fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz invariant broken: %s\n", what);
	abort();
}

void fuzz_stubs_reset(void)
{
	fuzz_nioeventfds = 0;
}

void irq_router_init(struct irq_router *r, int vm_fd)
{
	memset(r, 0, sizeof(*r));
	r->vm_fd = vm_fd;
	pthread_mutex_init(&r->lock, NULL);
}

int irq_alloc_msi_gsi(struct irq_router *r)
{
	return r->nmsi < IRQ_MAX_MSI ? (int)(IRQ_FIRST_MSI_GSI + r->nmsi++) : -ENOSPC;
}

int irq_set_msi_route(struct irq_router *r, unsigned int gsi, uint64_t addr, uint32_t data)
{
	unsigned int i = gsi - IRQ_FIRST_MSI_GSI;

	if (gsi < IRQ_FIRST_MSI_GSI || i >= r->nmsi)
		fuzz_fail("MSI route for a GSI that was never allocated");
	r->msi[i] = (struct irq_msi_route){ .addr = addr, .data = data, .valid = true };
	fuzz_msi_routes++;
	/*
	 * A refusal for messages outside the LAPIC window, standing in for KVM's
	 * own refusals (x2APIC format, no memory), so the caller's error path runs.
	 */
	return (addr >> 20) == 0xfee ? 0 : -EINVAL;
}

int irq_irqfd_assign(int vm_fd, int efd, unsigned int gsi)
{
	(void)vm_fd;
	(void)gsi;
	return efd >= 0 ? 0 : -EBADF;
}

int irq_ioeventfd(int vm_fd, int efd, uint64_t addr, uint32_t len, bool assign)
{
	unsigned int i;

	(void)vm_fd;
	for (i = 0; i < fuzz_nioeventfds; i++)
		if (fuzz_ioeventfds[i].addr == addr && fuzz_ioeventfds[i].len == len &&
		    fuzz_ioeventfds[i].efd == efd)
			break;
	/*
	 * KVM would answer EEXIST / ENOENT; the transport ignores both, so either
	 * means its bookkeeping of where the doorbells are is wrong: a finding.
	 */
	if (assign) {
		if (i < fuzz_nioeventfds)
			fuzz_fail("ioeventfd assigned twice at the same address");
		if (fuzz_nioeventfds == FUZZ_MAX_IOEVENTFDS)
			fuzz_fail("ioeventfds keep piling up (never deassigned?)");
		fuzz_ioeventfds[fuzz_nioeventfds++] = (struct fuzz_ioeventfd){ efd, addr, len };
		return 0;
	}
	if (i == fuzz_nioeventfds)
		fuzz_fail("deassigning an ioeventfd that was never assigned");
	fuzz_ioeventfds[i] = fuzz_ioeventfds[--fuzz_nioeventfds];
	return 0;
}

static uint8_t *dev_config_at(void *dev, uint32_t off, uint32_t len, const char *what)
{
	struct fuzz_dev_config *c = dev;

	if (len > 4 || off > c->size || len > c->size - off)
		fuzz_fail(what);
	return c->bytes + off;
}

void fuzz_dev_config_read(void *dev, uint32_t off, void *data, uint32_t len)
{
	memcpy(data, dev_config_at(dev, off, len, "config_read beyond the device's config space"),
	       len);
}

void fuzz_dev_config_write(void *dev, uint32_t off, const void *data, uint32_t len)
{
	memcpy(dev_config_at(dev, off, len, "config_write beyond the device's config space"), data,
	       len);
}

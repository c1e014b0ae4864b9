/*
 * Link-time stand-ins for vmm/irq.c in the PCI fuzz targets (fuzz_stubs.c):
 * no KVM, but the same contracts, checked. KVM refuses a duplicate ioeventfd
 * (EEXIST) or a deassign of one it does not hold (ENOENT); the transport
 * ignores both, so the stubs report either as a finding, and keep the table
 * so a target can check that doorbells follow BAR 0.
 * The targets link fuzz_stubs.c instead of vmm/irq.c; everything else is the
 * real code.
 */
#ifndef MINIVMM_TESTS_FUZZ_STUBS_H
#define MINIVMM_TESTS_FUZZ_STUBS_H

#include "vmm/irq.h"

#include <stdint.h>

#define FUZZ_MAX_IOEVENTFDS 64

struct fuzz_ioeventfd {
	int efd;
	uint64_t addr;
	uint32_t len;
};

/* The ioeventfds KVM would hold now. */
extern struct fuzz_ioeventfd fuzz_ioeventfds[FUZZ_MAX_IOEVENTFDS];
extern unsigned int fuzz_nioeventfds;

/* MSI routes pushed to "KVM" (irq_set_msi_route calls), for statistics and checks. */
extern unsigned long fuzz_msi_routes;

/*
 * A stand-in device's configuration space, for the transport's config_read and
 * config_write callbacks. It must be the first member of the target's stub
 * device, whose pointer the transport passes. An access the transport should
 * never make (past the size, wider than 4 bytes) is a finding.
 */
struct fuzz_dev_config {
	uint8_t bytes[0x1000];
	uint32_t size; /* at most sizeof(bytes) */
};

void fuzz_dev_config_read(void *dev, uint32_t off, void *data, uint32_t len);
void fuzz_dev_config_write(void *dev, uint32_t off, const void *data, uint32_t len);

/* Forgets the ioeventfds of the previous input. */
void fuzz_stubs_reset(void);

/* An invariant of the code under test broke: a finding, reported like an ASan one. */
__attribute__((noreturn)) void fuzz_fail(const char *what);

#endif

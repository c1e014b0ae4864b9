/* Puts a Linux kernel, its initrd and command line into guest memory, ready for the 64-bit entry. */
#ifndef MINIVMM_BOOT_LINUX_H
#define MINIVMM_BOOT_LINUX_H

#include "boot/bzimage.h"
#include "vmm/gmem.h"

#include <stddef.h>
#include <stdint.h>

struct boot_linux_args {
	const struct bzimage *kernel;
	uint64_t initrd_size;  /* 0: none */
	uint64_t initrd_addr;  /* out: where the caller must put the initrd's bytes */
	const char *cmdline;
	uint64_t rsdp_addr;    /* where the ACPI tables were put, 0 if none */
};

/*
 * Loads the kernel and command line, places the initrd (the caller reads it
 * straight into guest memory at a->initrd_addr, saving a copy) and writes the
 * zero page, GDT and page tables. Returns 0,
 * or -errno with err naming what did not fit. Before the first KVM_RUN.
 */
int boot_linux_load(const struct gmem *m, struct boot_linux_args *a, char *err, size_t errlen);

#endif

/* The zero page (struct boot_params), e820 map and initrd placement: pure functions. */
#ifndef MINIVMM_BOOT_ZEROPAGE_H
#define MINIVMM_BOOT_ZEROPAGE_H

#include "boot/bzimage.h"

#include <asm/bootparam.h>
#include <stdint.h>

/* RAM below the 32-bit PCI gap; the rest of ram_size lives from 4 GiB up. */
uint64_t boot_low_ram_top(uint64_t ram_size);

/*
 * The highest page-aligned start for size bytes ending at or below top and
 * starting at or above floor: 0 with *addr set, or -ENOSPC. Both boot paths
 * place the initrd with it.
 */
int boot_place_below(uint64_t top, uint64_t floor, uint64_t size, uint64_t *addr);

/* Fills tbl (at least 8 entries) with the guest's map; returns the entry count. */
unsigned int boot_build_e820(struct boot_e820_entry *tbl, uint64_t ram_size);

/*
 * Chooses where the initrd goes: as high as possible, page aligned, ending at
 * or below both the low RAM top and initrd_addr_max, and above the kernel's
 * decompression area. Returns 0 with *addr set, or -ENOSPC if it cannot fit.
 */
int boot_place_initrd(const struct setup_header *hdr, uint64_t kernel_end, uint64_t ram_size,
		      uint64_t initrd_size, uint64_t *addr);

struct boot_zeropage_args {
	uint64_t ram_size;
	uint64_t cmdline_addr, cmdline_size; /* size without the NUL */
	uint64_t initrd_addr, initrd_size;
	uint64_t rsdp_addr;
};

/* Builds the zero page from the image's setup header and the chosen layout. */
void boot_fill_zeropage(struct boot_params *bp, const struct bzimage *k,
			const struct boot_zeropage_args *a);

#endif

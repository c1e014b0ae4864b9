/*
 * The PVH boot: an ELF vmlinux entered at its XEN_ELFNOTE_PHYS32_ENTRY in
 * 32-bit protected mode with paging off and EBX pointing at a struct
 * hvm_start_info (layout from Xen's public arch-x86/hvm/start_info.h).
 */
#ifndef MINIVMM_BOOT_PVH_H
#define MINIVMM_BOOT_PVH_H

#include "boot/elf.h"
#include "vmm/gmem.h"

#include <stddef.h>
#include <stdint.h>

#define PVH_START_MAGIC	  0x336ec578 /* "xEn3" with the 0x80 bit of the "E" set */
#define PVH_START_VERSION 1	     /* version 1 adds the memory map Linux needs off Xen */
#define PVH_MEMMAP_MAX	  8
#define PVH_CMDLINE_MAX	  2047 /* Linux copies COMMAND_LINE_SIZE (2048) bytes, NUL included */

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags; /* SIF_*: none for us */
	uint32_t nr_modules;
	uint64_t
	    modlist_paddr; /* array of hvm_modlist_entry; Linux takes the first as its initrd */
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr; /* version 1: array of hvm_memmap_table_entry */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* the e820 types: 1 RAM, 2 reserved, ... */
	uint32_t reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info layout");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry layout");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry layout");

/* Where the pieces sit inside the block built by pvh_build_start_info(). */
#define PVH_MODLIST_OFFSET 64
#define PVH_MEMMAP_OFFSET  128
#define PVH_INFO_SIZE	   (PVH_MEMMAP_OFFSET + PVH_MEMMAP_MAX * 24)

struct pvh_info_args {
	uint64_t info_addr; /* guest-physical address the block will be copied to */
	uint64_t ram_size;
	uint64_t cmdline_addr;
	uint64_t rsdp_addr;
	uint64_t initrd_addr, initrd_size; /* size 0: no module */
};

/* Builds start_info, its module list and memory map in buf[0..PVH_INFO_SIZE). Pure. */
void pvh_build_start_info(uint8_t *buf, const struct pvh_info_args *a);

/*
 * Initrd placement for PVH: page aligned, as high as possible in RAM below
 * the 32-bit gap, above kernel_end. Returns 0 with *addr, or -ENOSPC.
 */
int pvh_place_initrd(uint64_t kernel_end, uint64_t ram_size, uint64_t initrd_size, uint64_t *addr);

struct boot_pvh_args {
	const uint8_t *image; /* the vmlinux file */
	/*
	 * Optional: copies len bytes at file offset off to dst, returning 0 or
	 * -errno (minivmm preads them, so the file is never mapped whole).
	 * NULL: memcpy from image.
	 */
	int (*copy)(void *ctx, void *dst, uint64_t off, uint64_t len);
	void *copy_ctx;
	const struct elf_kernel *kernel;
	uint64_t initrd_size; /* 0: none */
	uint64_t initrd_addr; /* out: where the caller must put the initrd's bytes */
	const char *cmdline;
	uint64_t rsdp_addr;
};

/*
 * Copies the segments' file bytes to their physical addresses (RAM must
 * still be zero there: the rest of each segment is not written), the command
 * line, the start info and the boot GDT; places the initrd. Returns 0, or
 * -errno with err naming what did not fit. Before the first KVM_RUN.
 */
int boot_pvh_load(const struct gmem *m, struct boot_pvh_args *a, char *err, size_t errlen);

#endif

/* ELF vmlinux parsing for the PVH entry (Xen's start_info.h, elfnote.h): checks, no side effects.
 */
#ifndef MINIVMM_BOOT_ELF_H
#define MINIVMM_BOOT_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_LOADS		 16 /* vmlinux has 4 or 5 PT_LOAD headers */
#define ELF_MAX_PHDRS		 64
#define XEN_ELFNOTE_PHYS32_ENTRY 18 /* 32-bit physical entry point of a PVH kernel */

struct elf_segment {
	uint64_t paddr;	 /* guest-physical load address (p_paddr) */
	uint64_t offset; /* bytes [offset, offset + filesz) of the file go there */
	uint64_t filesz;
	uint64_t memsz; /* >= filesz; the rest is zero */
};

struct elf_kernel {
	struct elf_segment seg[ELF_MAX_LOADS];
	unsigned int nseg;
	uint64_t start,
	    end; /* lowest and highest guest-physical byte the segments cover, end exclusive */
	uint32_t pvh_entry; /* from the XEN_ELFNOTE_PHYS32_ENTRY note */
};

/* True if data starts with the ELF magic: --kernel is then a vmlinux, not a bzImage. */
bool elf_is_elf(const uint8_t *data, size_t size);

/*
 * Checks a vmlinux in data[0..size) and fills k: a little-endian x86-64
 * ELF64 executable whose program headers lie inside the file, whose PT_LOAD
 * segments lie inside the file, do not overlap and fit in guest-physical
 * [min_addr, max_addr), and which has a PVH entry note pointing into an
 * executable segment's file bytes. Every field is treated as hostile.
 * Returns 0, or -ENOEXEC with err naming what is wrong.
 */
int elf_parse_pvh(const uint8_t *data, size_t size, uint64_t min_addr, uint64_t max_addr,
		  struct elf_kernel *k, char *err, size_t errlen);

#endif

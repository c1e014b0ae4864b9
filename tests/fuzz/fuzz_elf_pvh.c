/*
 * libFuzzer target: a hostile ELF vmlinux for the PVH entry (boot/elf.c),
 * then, when it is accepted, loading it the way vm_prepare_memory() does
 * (boot/pvh.c: segments, command line, hvm_start_info, GDT) into a small
 * guest RAM. The input is the file itself; the ELF header's padding bytes
 * (e_ident[9..15]), which the parser never reads, choose the rest:
 *
 *   bytes 9-12  initrd size (le32; 0: none)
 *   byte 13     command line length
 *   byte 14     guest RAM, 2 + byte % 15 MiB
 *
 * Checked besides ASan/UBSan: every accepted segment lies inside the file
 * and inside [BOOT_KERNEL_ADDR, top of low RAM), none overlap, start/end
 * cover exactly them, the entry is inside a segment's file bytes; after a
 * successful load every segment's bytes are in RAM unharmed by the boot
 * structures, the start info says what it should, and the initrd sits
 * page-aligned above the kernel, inside RAM.
 */
#include "boot/elf.h"
#include "boot/layout.h"
#include "boot/pvh.h"
#include "boot/zeropage.h"
#include "vmm/gmem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RAM (16u << 20)

static void fail(const char *what)
{
	fprintf(stderr, "fuzz invariant broken: %s\n", what);
	abort();
}

static void check_parsed(size_t size, uint64_t min, uint64_t max, const struct elf_kernel *k)
{
	uint64_t start = UINT64_MAX, end = 0;
	int entry_ok = 0;

	if (k->nseg == 0 || k->nseg > ELF_MAX_LOADS)
		fail("segment count out of range");
	for (unsigned int i = 0; i < k->nseg; i++) {
		const struct elf_segment *s = &k->seg[i];
		uint64_t fend, mend;

		if (s->filesz > s->memsz || __builtin_add_overflow(s->offset, s->filesz, &fend) ||
		    fend > size)
			fail("a segment's file bytes lie outside the file");
		if (__builtin_add_overflow(s->paddr, s->memsz, &mend) || s->paddr < min ||
		    mend > max)
			fail("a segment lies outside the RAM it was checked against");
		for (unsigned int j = 0; j < i; j++)
			if (s->paddr < k->seg[j].paddr + k->seg[j].memsz && k->seg[j].paddr < mend)
				fail("two accepted segments overlap");
		if (s->paddr < start)
			start = s->paddr;
		if (mend > end)
			end = mend;
		if (k->pvh_entry >= s->paddr && k->pvh_entry < s->paddr + s->filesz)
			entry_ok = 1;
	}
	if (k->start != start || k->end != end)
		fail("start/end do not cover exactly the segments");
	if (!entry_ok)
		fail("the PVH entry is not inside any segment's file bytes");
}

static void check_loaded(const struct gmem *m, const uint8_t *data, const struct boot_pvh_args *a,
			 size_t cmdline_len)
{
	const struct elf_kernel *k = a->kernel;
	const struct hvm_start_info *si = gmem_ptr(m, BOOT_PVH_INFO_ADDR, sizeof(*si));
	const char *cmdline = gmem_ptr(m, BOOT_CMDLINE_ADDR, cmdline_len + 1);

	for (unsigned int i = 0; i < k->nseg; i++) {
		const struct elf_segment *s = &k->seg[i];
		const uint8_t *ram = s->filesz ? gmem_ptr(m, s->paddr, s->filesz) : NULL;

		if (s->filesz && (!ram || memcmp(ram, data + s->offset, s->filesz)))
			fail("a segment's bytes in RAM are not the file's");
	}
	if (!si || !cmdline)
		fail("a load succeeded with its boot structures outside RAM");
	if (si->magic != PVH_START_MAGIC || si->version != PVH_START_VERSION ||
	    si->cmdline_paddr != BOOT_CMDLINE_ADDR || strlen(cmdline) != cmdline_len ||
	    si->memmap_entries == 0 || si->memmap_entries > PVH_MEMMAP_MAX)
		fail("the start info or command line is wrong");
	if (si->nr_modules != (a->initrd_size ? 1u : 0u))
		fail("the module count does not match the initrd");
	if (!a->initrd_size)
		return;
	if ((a->initrd_addr & 0xfff) || a->initrd_addr < k->end ||
	    a->initrd_addr + a->initrd_size > boot_low_ram_top(m->ram_size) ||
	    !gmem_ptr(m, a->initrd_addr, a->initrd_size))
		fail("the initrd is misaligned, over the kernel or outside RAM");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	static char cmdline[256];
	struct boot_pvh_args a = {.image = data, .cmdline = cmdline};
	struct gmem mem = {0};
	struct elf_kernel k;
	uint64_t ram_size, top;
	char err[256];
	size_t cmdline_len;

	if (size < 16)
		return 0;
	ram_size = (2 + data[14] % 15) << 20;
	top = boot_low_ram_top(ram_size);
	err[0] = 0;
	if (elf_parse_pvh(data, size, BOOT_KERNEL_ADDR, top, &k, err, sizeof(err)) < 0) {
		if (!err[0] || strnlen(err, sizeof(err)) == sizeof(err))
			fail("a refusal without a reason");
		return 0;
	}
	check_parsed(size, BOOT_KERNEL_ADDR, top, &k);

	if (!ram) {
		ram = calloc(1, MAX_RAM);
		if (!ram)
			abort();
	}
	cmdline_len = data[13];
	memset(cmdline, 'c', cmdline_len);
	cmdline[cmdline_len] = 0;
	a.kernel = &k;
	a.initrd_size = data[9] | data[10] << 8 | data[11] << 16 | (uint32_t)data[12] << 24;
	if (gmem_add_slot(&mem, 0, ram_size, ram) < 0)
		abort();
	if (boot_pvh_load(&mem, &a, err, sizeof(err)) == 0)
		check_loaded(&mem, data, &a, cmdline_len);
	/* The loader expects zeroed RAM (bss): undo what this run wrote. */
	for (unsigned int i = 0; i < k.nseg; i++)
		memset(ram + k.seg[i].paddr, 0, k.seg[i].filesz);
	return 0;
}

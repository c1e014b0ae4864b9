/*
 * libFuzzer target: a hostile bzImage (boot/bzimage.c; the ELF vmlinux for
 * PVH has its own target, fuzz_elf_pvh.c), then, when the header is
 * accepted, loading it the way vm_prepare_memory() does (boot/linux.c,
 * zeropage.c, cpu_state.c) into a small guest RAM. The input is the image
 * file itself. Its first bytes, which no loader reads (the legacy boot
 * sector), choose the rest of the load:
 *
 *   bytes 0-3   initrd size (le32; 0: none)
 *   byte 4      command line length
 *   byte 5      guest RAM, 1 + byte % 16 MiB
 *
 * Checked besides ASan/UBSan: an accepted image's kernel part and copied
 * header lie inside the file and match it, the fields the parser vouches for
 * hold, and a successful load put the kernel, command line, initrd and zero
 * page inside RAM where the boot protocol says.
 */
#include "boot/bzimage.h"
#include "boot/layout.h"
#include "boot/linux.h"
#include "boot/zeropage.h"
#include "vmm/gmem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETUP_HDR_OFFSET 0x1f1
#define MAX_RAM          (16u << 20)

static void fail(const char *what)
{
	fprintf(stderr, "fuzz invariant broken: %s\n", what);
	abort();
}

static void check_parsed(const uint8_t *data, size_t size, const struct bzimage *k)
{
	size_t setup = (size_t)((k->hdr.setup_sects ? k->hdr.setup_sects : 4) + 1) * 512;

	if (k->hdr_len > sizeof(k->hdr) || SETUP_HDR_OFFSET + k->hdr_len > size)
		fail("the setup header was copied from beyond the file");
	if (memcmp(&k->hdr, data + SETUP_HDR_OFFSET, k->hdr_len))
		fail("the copied setup header differs from the file");
	for (size_t i = k->hdr_len; i < sizeof(k->hdr); i++)
		if (((const uint8_t *)&k->hdr)[i])
			fail("setup header bytes the image does not define are not zero");
	if (k->kernel != data + setup || setup + k->kernel_size != size || !k->kernel_size)
		fail("the kernel part is not the file after the setup sectors");
	if ((uint64_t)k->hdr.syssize * 16 > k->kernel_size)
		fail("syssize claims more kernel than the file holds");
	if (k->hdr.version < BZIMAGE_MIN_PROTOCOL || !(k->hdr.xloadflags & XLF_KERNEL_64) ||
	    !(k->hdr.loadflags & LOADED_HIGH) || k->hdr.boot_flag != 0xaa55 ||
	    k->hdr.header != 0x53726448)
		fail("an image the parser should refuse was accepted");
	if (k->init_size < k->kernel_size || k->init_size < k->hdr.init_size)
		fail("init_size smaller than the kernel or the header's");
}

static void check_loaded(const struct gmem *m, const struct boot_linux_args *a, size_t cmdline_len)
{
	const struct bzimage *k = a->kernel;
	const struct boot_params *bp = gmem_ptr(m, BOOT_ZEROPAGE_ADDR, sizeof(*bp));
	const uint8_t *kernel = gmem_ptr(m, BOOT_KERNEL_ADDR, k->kernel_size);
	const char *cmdline = gmem_ptr(m, BOOT_CMDLINE_ADDR, cmdline_len + 1);
	uint64_t kernel_end = BOOT_KERNEL_ADDR + k->init_size;
	uint64_t initrd_max = k->hdr.initrd_addr_max ? (uint64_t)k->hdr.initrd_addr_max + 1
						     : 0x38000000;

	if (!bp || !kernel || !cmdline || !gmem_ptr(m, BOOT_KERNEL_ADDR, k->init_size))
		fail("a load succeeded with part of its layout outside RAM");
	if (memcmp(kernel, k->kernel, k->kernel_size))
		fail("the kernel in RAM is not the file's");
	if (cmdline_len > k->hdr.cmdline_size || strlen(cmdline) != cmdline_len)
		fail("the command line is longer than the kernel takes, or not terminated");
	if (bp->hdr.cmd_line_ptr != BOOT_CMDLINE_ADDR || bp->hdr.code32_start != BOOT_KERNEL_ADDR)
		fail("the zero page points elsewhere");
	if (!a->initrd_size)
		return;
	if ((a->initrd_addr & 0xfff) || a->initrd_addr < kernel_end ||
	    a->initrd_addr + a->initrd_size > boot_low_ram_top(m->ram_size) ||
	    a->initrd_addr + a->initrd_size > initrd_max ||
	    !gmem_ptr(m, a->initrd_addr, a->initrd_size))
		fail("the initrd is misaligned, over the kernel or outside RAM and its limit");
	if (bp->hdr.ramdisk_image != a->initrd_addr || bp->hdr.ramdisk_size != a->initrd_size)
		fail("the zero page names another initrd");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	static char cmdline[256];
	struct boot_linux_args a = { .cmdline = cmdline };
	struct gmem mem = { 0 };
	struct bzimage k;
	char err[256];
	size_t cmdline_len;

	err[0] = 0;
	if (bzimage_parse(data, size, &k, err, sizeof(err)) < 0) {
		if (!err[0] || strnlen(err, sizeof(err)) == sizeof(err))
			fail("a refusal without a reason");
		return 0;
	}
	check_parsed(data, size, &k);

	/* Accepted images are at least 0x250 bytes, so bytes 0-5 exist. */
	if (!ram) {
		ram = malloc(MAX_RAM);
		if (!ram)
			abort();
	}
	cmdline_len = data[4];
	memset(cmdline, 'c', cmdline_len);
	cmdline[cmdline_len] = 0;
	a.kernel = &k;
	a.initrd_size = data[0] | data[1] << 8 | data[2] << 16 | (uint32_t)data[3] << 24;
	if (gmem_add_slot(&mem, 0, (1 + data[5] % 16) << 20, ram) < 0)
		abort();
	if (boot_linux_load(&mem, &a, err, sizeof(err)) == 0)
		check_loaded(&mem, &a, cmdline_len);
	return 0;
}

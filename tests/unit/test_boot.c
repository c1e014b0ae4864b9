/* bzImage checks, e820 map, initrd placement and the zero page, on a synthetic image and RAM. */
#include "boot/bzimage.h"
#include "boot/layout.h"
#include "boot/linux.h"
#include "boot/zeropage.h"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IMG_SIZE (64 * 1024)

/* A minimal image that passes bzimage_parse: protocol 2.15, 64-bit, 4 setup sectors. */
static uint8_t *make_image(void)
{
	uint8_t *img = calloc(1, IMG_SIZE);
	struct setup_header h = { 0 };

	h.setup_sects = 4;
	h.boot_flag = 0xaa55;
	h.header = 0x53726448;
	h.version = 0x020f;
	h.loadflags = LOADED_HIGH;
	h.xloadflags = XLF_KERNEL_64;
	h.initrd_addr_max = 0x7fffffff;
	h.cmdline_size = 2047;
	h.syssize = (IMG_SIZE - 5 * 512) / 16;
	h.init_size = 0x800000;
	memcpy(img + 0x1f1, &h, sizeof(h));
	img[0x201] = 0x6a; /* jump: header runs to 0x26c */
	memset(img + 5 * 512, 0xcc, IMG_SIZE - 5 * 512);
	return img;
}

static void test_bzimage(void)
{
	uint8_t *img = make_image();
	struct bzimage k;
	char err[256];
	uint16_t v;

	CHECK(bzimage_parse(img, IMG_SIZE, &k, err, sizeof(err)) == 0);
	CHECK(k.kernel == img + 5 * 512);
	CHECK(k.kernel_size == IMG_SIZE - 5 * 512);
	CHECK(k.init_size == 0x800000);
	CHECK(k.hdr.version == 0x020f);

	CHECK(bzimage_parse(img, 100, &k, err, sizeof(err)) == -ENOEXEC);
	CHECK(strstr(err, "too small") != NULL);
	CHECK(bzimage_parse(img, 5 * 512, &k, err, sizeof(err)) == -ENOEXEC); /* no kernel part */
	CHECK(strstr(err, "truncated") != NULL);

	img[0x202] = 'X';
	CHECK(bzimage_parse(img, IMG_SIZE, &k, err, sizeof(err)) == -ENOEXEC);
	CHECK(strstr(err, "HdrS") != NULL);
	img[0x202] = 'H';

	v = 0x0206;
	memcpy(img + 0x206, &v, 2);
	CHECK(bzimage_parse(img, IMG_SIZE, &k, err, sizeof(err)) == -ENOEXEC);
	CHECK(strstr(err, "2.06") != NULL);
	v = 0x020f;
	memcpy(img + 0x206, &v, 2);

	img[0x236] = 0; /* xloadflags: no XLF_KERNEL_64 */
	CHECK(bzimage_parse(img, IMG_SIZE, &k, err, sizeof(err)) == -ENOEXEC);
	CHECK(strstr(err, "64-bit") != NULL);
	free(img);
}

/*
 * Found by fuzz_bzimage: a file just over the 0x250-byte minimum whose jump
 * byte declares the full 2.15 header (to 0x26c) made the parser copy the header
 * from past the end of the file. Kept in an exactly sized buffer so an
 * ASan build catches a regression by itself; any build sees the refusal.
 */
static void test_bzimage_short_header(void)
{
	const size_t size = 0x254;
	uint8_t *full = make_image(), *img = malloc(size);
	struct bzimage k;
	char err[256];

	memcpy(img, full, size);
	CHECK(bzimage_parse(img, size, &k, err, sizeof(err)) == -ENOEXEC);
	CHECK(strstr(err, "setup header") != NULL);
	/* A header declared to end at 0x24e, inside the file: refused later, for the setup size. */
	img[0x201] = 0x4c;
	CHECK(bzimage_parse(img, size, &k, err, sizeof(err)) == -ENOEXEC);
	CHECK(strstr(err, "setup of") != NULL);
	free(img);
	free(full);
}

static void test_e820(void)
{
	struct boot_e820_entry t[16];
	unsigned int n;
	uint64_t ram = 0;

	n = boot_build_e820(t, 512ull << 20);
	for (unsigned int i = 0; i < n; i++)
		if (t[i].type == 1)
			ram += t[i].size;
	CHECK(ram == (512ull << 20) - 0x100000 + BOOT_EBDA_ADDR); /* the 640K-1M hole */
	CHECK(t[0].addr == 0 && t[0].type == 1);

	/* 5 GiB: 3 GiB low, 2 GiB from 4 GiB up, nothing in the PCI gap. */
	n = boot_build_e820(t, 5ull << 30);
	ram = 0;
	for (unsigned int i = 0; i < n; i++) {
		if (t[i].type != 1)
			continue;
		ram += t[i].size;
		CHECK(t[i].addr + t[i].size <= MEM_32BIT_GAP_START || t[i].addr >= MEM_4G);
	}
	CHECK(t[n - 1].addr == MEM_4G && t[n - 1].size == (2ull << 30));
	/* entries are sorted and do not overlap */
	for (unsigned int i = 1; i < n; i++)
		CHECK(t[i].addr >= t[i - 1].addr + t[i - 1].size);
}

static void test_initrd_placement(void)
{
	struct setup_header h = { .version = 0x020f, .initrd_addr_max = 0x7fffffff };
	uint64_t addr;

	CHECK(boot_place_initrd(&h, 0x900000, 512ull << 20, 10000, &addr) == 0);
	CHECK(addr % 4096 == 0);
	CHECK(addr + 10000 <= (512ull << 20));
	CHECK(addr + 10000 > (512ull << 20) - 4096); /* as high as possible */

	/* initrd_addr_max caps it below the top of a large RAM */
	CHECK(boot_place_initrd(&h, 0x900000, 3ull << 30, 4096, &addr) == 0);
	CHECK(addr + 4096 <= 0x80000000ull);

	CHECK(boot_place_initrd(&h, 0x900000, 64ull << 20, 60ull << 20, &addr) == -ENOSPC);
	CHECK(boot_place_initrd(&h, 0x900000, 64ull << 20, 100ull << 20, &addr) == -ENOSPC);
}

static void test_load(void)
{
	const uint64_t ram_size = 64ull << 20;
	uint8_t *img = make_image(), *ram = calloc(1, ram_size);
	struct gmem m = { 0 };
	struct bzimage k;
	struct boot_linux_args a = { .kernel = &k, .cmdline = "console=ttyS0 quiet",
				     .initrd_size = 1 << 20, .rsdp_addr = BOOT_ACPI_ADDR };
	struct boot_params *bp = (struct boot_params *)(ram + BOOT_ZEROPAGE_ADDR);
	uint64_t *pml4 = (uint64_t *)(ram + BOOT_PML4_ADDR);
	char err[256];

	CHECK(gmem_add_slot(&m, 0, ram_size, ram) == 0);
	CHECK(bzimage_parse(img, IMG_SIZE, &k, err, sizeof(err)) == 0);
	CHECK(boot_linux_load(&m, &a, err, sizeof(err)) == 0);
	CHECK(ram[BOOT_KERNEL_ADDR] == 0xcc);
	CHECK(!strcmp((char *)ram + BOOT_CMDLINE_ADDR, "console=ttyS0 quiet"));
	CHECK(bp->hdr.cmd_line_ptr == BOOT_CMDLINE_ADDR);
	CHECK(bp->hdr.type_of_loader == 0xff);
	CHECK(bp->hdr.ramdisk_image == a.initrd_addr && bp->hdr.ramdisk_size == (1u << 20));
	CHECK(a.initrd_addr >= BOOT_KERNEL_ADDR + k.init_size);
	CHECK(bp->acpi_rsdp_addr == BOOT_ACPI_ADDR);
	CHECK(bp->e820_entries >= 4);
	CHECK(bp->hdr.boot_flag == 0xaa55 && bp->hdr.header == 0x53726448);
	CHECK((pml4[0] & ~0xfffull) == BOOT_PDPT_ADDR && (pml4[0] & 1));

	/* command line longer than the kernel takes */
	k.hdr.cmdline_size = 4;
	CHECK(boot_linux_load(&m, &a, err, sizeof(err)) == -E2BIG);
	k.hdr.cmdline_size = 2047;

	/* an initrd bigger than RAM */
	a.initrd_size = 100ull << 20;
	CHECK(boot_linux_load(&m, &a, err, sizeof(err)) == -ENOSPC);
	CHECK(strstr(err, "initrd") != NULL);

	/* a kernel whose init_size does not fit */
	a.initrd_size = 0;
	k.init_size = 128ull << 20;
	CHECK(boot_linux_load(&m, &a, err, sizeof(err)) == -ENOSPC);
	CHECK(strstr(err, "memory too small") != NULL);
	free(ram);
	free(img);
}

int main(void)
{
	test_bzimage();
	test_bzimage_short_header();
	test_e820();
	test_initrd_placement();
	test_load();
	return check_summary();
}

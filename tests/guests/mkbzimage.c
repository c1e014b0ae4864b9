// SPDX-License-Identifier: MIT
/*
 * mkbzimage: wraps a flat 64-bit guest binary in the smallest file that
 * minivmm (and the Linux boot protocol, Documentation/arch/x86/boot.rst)
 * accepts as a bzImage.
 *
 *   mkbzimage CODE.bin INIT_SIZE OUT.bzimage
 *
 * A bzImage is a real-mode "setup" area of (setup_sects + 1) * 512 bytes,
 * then the protected-mode kernel, which the loader copies to 0x100000. The
 * setup area holds struct setup_header at 0x1f1; a 64-bit loader never runs
 * the real-mode code, it only reads the header. So the setup area here is
 * two sectors of zeros with the header filled in, and CODE.bin is what lands
 * at 0x100000. minivmm enters it at 0x100000 + 0x200 (the 64-bit entry,
 * boot.rst "64-bit BOOT PROTOCOL"), which is why every guest's code starts
 * with 0x200 bytes of padding (see start.S and hello.S).
 */
#include <asm/bootparam.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETUP_SECTS 1 /* one sector of setup after the boot sector: room for the header */
#define SETUP_SIZE  ((SETUP_SECTS + 1) * 512)
#define HDR_OFFSET  offsetof(struct boot_params, hdr) /* 0x1f1 */
#define MAX_CODE    (1u << 20)

static unsigned char image[SETUP_SIZE + MAX_CODE];

int main(int argc, char **argv)
{
	struct setup_header *h = (struct setup_header *)(image + HDR_OFFSET);
	size_t code_size;
	unsigned long init_size;
	FILE *in, *out;

	if (argc != 4) {
		fprintf(stderr, "usage: mkbzimage CODE.bin INIT_SIZE OUT.bzimage\n");
		return 2;
	}
	init_size = strtoul(argv[2], NULL, 0);
	in = fopen(argv[1], "rb");
	if (!in) {
		fprintf(stderr, "mkbzimage: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	code_size = fread(image + SETUP_SIZE, 1, MAX_CODE, in);
	if (!feof(in) || code_size <= 0x200) {
		fprintf(stderr, "mkbzimage: %s: empty, shorter than the 0x200-byte head, or over 1 MiB\n",
			argv[1]);
		return 1;
	}
	fclose(in);
	if (init_size < code_size) {
		fprintf(stderr, "mkbzimage: INIT_SIZE 0x%lx is smaller than the code (0x%zx)\n",
			init_size, code_size);
		return 1;
	}

	/* syssize counts 16-byte paragraphs: pad the code (with zeros) to a whole one. */
	code_size = (code_size + 15) & ~(size_t)15;

	/* The fields a 64-bit loader reads (boot.rst "THE REAL-MODE KERNEL HEADER"). */
	h->setup_sects = SETUP_SECTS;
	h->boot_flag = 0xaa55;
	/*
	 * 0x200 holds a short jump over the header in a real kernel; its 8-bit
	 * offset at 0x201 is how a loader learns where the header ends (0x202 +
	 * offset). Ours ends at the end of struct setup_header.
	 */
	h->jump = 0xeb | ((HDR_OFFSET + sizeof(*h) - 0x202) << 8);
	h->header = 0x53726448;  /* "HdrS" */
	h->version = 0x020f;     /* protocol 2.15; minivmm wants >= 2.12 (64-bit entry, xloadflags) */
	h->loadflags = LOADED_HIGH;     /* the code goes to 0x100000, not 0x10000 */
	h->xloadflags = XLF_KERNEL_64;  /* has the 64-bit entry at load address + 0x200 */
	h->syssize = code_size / 16;
	h->code32_start = 0x100000;
	h->pref_address = 0x100000;
	h->kernel_alignment = 0x200000;
	h->init_size = init_size;  /* code + bss + stack: the loader checks it fits in RAM */
	h->cmdline_size = 255;     /* the longest --cmdline we accept */

	out = fopen(argv[3], "wb");
	if (!out || fwrite(image, 1, SETUP_SIZE + code_size, out) != SETUP_SIZE + code_size ||
	    fclose(out) != 0) {
		fprintf(stderr, "mkbzimage: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	return 0;
}

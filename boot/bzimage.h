/* Linux x86 bzImage parsing (Documentation/arch/x86/boot.rst): checks, no side effects. */
#ifndef MINIVMM_BOOT_BZIMAGE_H
#define MINIVMM_BOOT_BZIMAGE_H

#include <asm/bootparam.h>
#include <stddef.h>
#include <stdint.h>

#define BZIMAGE_MIN_PROTOCOL 0x020c /* 2.12: 64-bit entry and xloadflags */

struct bzimage {
	struct setup_header hdr;  /* copied out of the image */
	size_t hdr_len;           /* bytes of setup header the image defines */
	const uint8_t *kernel;    /* protected-mode kernel, inside the caller's buffer */
	size_t kernel_size;
	uint64_t init_size;       /* linear memory the kernel needs from its load address */
};

/*
 * Checks the image in data[0..size) and fills k. Returns 0, or -ENOEXEC with
 * err naming what is wrong (not a bzImage, too old, not 64-bit, truncated).
 */
int bzimage_parse(const uint8_t *data, size_t size, struct bzimage *k, char *err, size_t errlen);

#endif

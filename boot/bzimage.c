/* bzImage header checks; every field read from the file is bounded by the file size. */
#include "boot/bzimage.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SETUP_HDR_OFFSET 0x1f1
#define HDRS_MAGIC       0x53726448 /* "HdrS" */

int bzimage_parse(const uint8_t *data, size_t size, struct bzimage *k, char *err, size_t errlen)
{
	size_t setup_size;
	uint16_t boot_flag;
	uint32_t magic;

	memset(k, 0, sizeof(*k));
	if (size < 0x250) {
		snprintf(err, errlen, "file too small (%zu bytes) to be a Linux bzImage", size);
		return -ENOEXEC;
	}
	memcpy(&boot_flag, data + 0x1fe, 2);
	memcpy(&magic, data + 0x202, 4);
	if (boot_flag != 0xaa55 || magic != HDRS_MAGIC) {
		snprintf(err, errlen, "not a Linux bzImage (no 'HdrS' boot header)");
		return -ENOEXEC;
	}
	/* The header ends at 0x202 + the jump offset stored at 0x201 (boot.rst). */
	k->hdr_len = 0x202 + data[0x201] - SETUP_HDR_OFFSET;
	if (k->hdr_len > sizeof(k->hdr))
		k->hdr_len = sizeof(k->hdr);
	/* A file of 0x250 bytes passes the size check but may declare a header to 0x26c. */
	if (SETUP_HDR_OFFSET + k->hdr_len > size) {
		snprintf(err, errlen, "truncated kernel image (setup header runs to 0x%zx, file of %zu)",
			 SETUP_HDR_OFFSET + k->hdr_len, size);
		k->hdr_len = 0;
		return -ENOEXEC;
	}
	memcpy(&k->hdr, data + SETUP_HDR_OFFSET, k->hdr_len);
	if (k->hdr.version < BZIMAGE_MIN_PROTOCOL) {
		snprintf(err, errlen, "boot protocol %u.%02u is too old (minivmm needs 2.12 or newer)",
			 k->hdr.version >> 8, k->hdr.version & 0xff);
		return -ENOEXEC;
	}
	if (!(k->hdr.xloadflags & XLF_KERNEL_64)) {
		snprintf(err, errlen, "not a 64-bit kernel (no XLF_KERNEL_64 in xloadflags)");
		return -ENOEXEC;
	}
	if (!(k->hdr.loadflags & LOADED_HIGH)) {
		snprintf(err, errlen, "kernel is not a bzImage (zImage loaded low is not supported)");
		return -ENOEXEC;
	}
	/* setup_sects == 0 means 4, for historical reasons (boot.rst). */
	setup_size = ((size_t)(k->hdr.setup_sects ? k->hdr.setup_sects : 4) + 1) * 512;
	if (setup_size >= size) {
		snprintf(err, errlen, "truncated kernel image (setup of %zu bytes, file of %zu)",
			 setup_size, size);
		return -ENOEXEC;
	}
	if ((uint64_t)k->hdr.syssize * 16 > size - setup_size) {
		snprintf(err, errlen, "truncated kernel image (header says %u bytes of kernel, file has %zu)",
			 k->hdr.syssize * 16, size - setup_size);
		return -ENOEXEC;
	}
	k->kernel = data + setup_size;
	k->kernel_size = size - setup_size;
	k->init_size = k->hdr.init_size;
	if (k->init_size < k->kernel_size)
		k->init_size = k->kernel_size;
	return 0;
}

/* Loading a bzImage the way the 64-bit boot protocol describes (boot.rst). */
#include "boot/linux.h"
#include "boot/cpu_state.h"
#include "boot/layout.h"
#include "boot/zeropage.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int boot_linux_load(const struct gmem *m, struct boot_linux_args *a, char *err, size_t errlen)
{
	const struct bzimage *k = a->kernel;
	size_t cmdline_len = strlen(a->cmdline);
	struct boot_zeropage_args zp = {
		.ram_size = m->ram_size,
		.cmdline_addr = BOOT_CMDLINE_ADDR,
		.cmdline_size = cmdline_len,
		.rsdp_addr = a->rsdp_addr,
	};
	uint64_t kernel_end = BOOT_KERNEL_ADDR + k->init_size;
	struct boot_params *bp;
	void *dst;

	/* The kernel decompresses in place: it needs init_size bytes at its load address. */
	dst = gmem_ptr(m, BOOT_KERNEL_ADDR, k->init_size);
	if (!dst || kernel_end > boot_low_ram_top(m->ram_size)) {
		snprintf(err, errlen, "guest memory too small: the kernel needs %llu MiB from 1 MiB up",
			 (unsigned long long)(k->init_size >> 20) + 1);
		return -ENOSPC;
	}
	memcpy(dst, k->kernel, k->kernel_size);

	if (cmdline_len > k->hdr.cmdline_size) {
		snprintf(err, errlen, "--cmdline is %zu bytes; this kernel takes at most %u",
			 cmdline_len, k->hdr.cmdline_size);
		return -E2BIG;
	}
	if (!gmem_write(m, BOOT_CMDLINE_ADDR, a->cmdline, cmdline_len + 1))
		return -EFAULT;

	if (a->initrd_size) {
		if (boot_place_initrd(&k->hdr, kernel_end, m->ram_size, a->initrd_size,
				      &zp.initrd_addr) < 0) {
			snprintf(err, errlen,
				 "initrd (%llu bytes) does not fit in guest memory above the kernel; give more --memory",
				 (unsigned long long)a->initrd_size);
			return -ENOSPC;
		}
		zp.initrd_size = a->initrd_size;
		a->initrd_addr = zp.initrd_addr;
	}

	bp = gmem_ptr(m, BOOT_ZEROPAGE_ADDR, sizeof(*bp));
	if (!bp)
		return -EFAULT;
	boot_fill_zeropage(bp, k, &zp);
	if (boot_write_gdt_and_page_tables(m) < 0) {
		snprintf(err, errlen, "guest memory too small for the boot page tables");
		return -EFAULT;
	}
	return 0;
}

/* PVH boot: start info, memory map and loading (Xen start_info.h; Linux arch/x86/platform/pvh). */
#include "boot/pvh.h"
#include "boot/cpu_state.h"
#include "boot/layout.h"
#include "boot/zeropage.h"

#include <asm/bootparam.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PAGE_MASK (~0xfffull)

void pvh_build_start_info(uint8_t *buf, const struct pvh_info_args *a)
{
	struct boot_e820_entry e820[PVH_MEMMAP_MAX];
	struct hvm_start_info si = {
	    .magic = PVH_START_MAGIC,
	    .version = PVH_START_VERSION,
	    .cmdline_paddr = a->cmdline_addr,
	    .rsdp_paddr = a->rsdp_addr,
	    .memmap_paddr = a->info_addr + PVH_MEMMAP_OFFSET,
	};
	unsigned int n = boot_build_e820(e820, a->ram_size);

	memset(buf, 0, PVH_INFO_SIZE);
	if (a->initrd_size) {
		struct hvm_modlist_entry mod = {.paddr = a->initrd_addr, .size = a->initrd_size};

		si.nr_modules = 1;
		si.modlist_paddr = a->info_addr + PVH_MODLIST_OFFSET;
		memcpy(buf + PVH_MODLIST_OFFSET, &mod, sizeof(mod));
	}
	for (unsigned int i = 0; i < n; i++) {
		struct hvm_memmap_table_entry e = {
		    .addr = e820[i].addr, .size = e820[i].size, .type = e820[i].type};

		memcpy(buf + PVH_MEMMAP_OFFSET + i * sizeof(e), &e, sizeof(e));
	}
	si.memmap_entries = n;
	memcpy(buf, &si, sizeof(si));
}

int pvh_place_initrd(uint64_t kernel_end, uint64_t ram_size, uint64_t initrd_size, uint64_t *addr)
{
	return boot_place_below(boot_low_ram_top(ram_size), kernel_end, initrd_size, addr);
}

int boot_pvh_load(const struct gmem *m, struct boot_pvh_args *a, char *err, size_t errlen)
{
	const struct elf_kernel *k = a->kernel;
	size_t cmdline_len = strlen(a->cmdline);
	struct pvh_info_args info = {
	    .info_addr = BOOT_PVH_INFO_ADDR,
	    .ram_size = m->ram_size,
	    .cmdline_addr = BOOT_CMDLINE_ADDR,
	    .rsdp_addr = a->rsdp_addr,
	};
	uint8_t *dst;

	if (cmdline_len > PVH_CMDLINE_MAX) {
		snprintf(err, errlen, "--cmdline is %zu bytes; a PVH boot passes at most %d",
			 cmdline_len, PVH_CMDLINE_MAX);
		return -E2BIG;
	}
	/* elf_parse_pvh() checked each segment against RAM; gmem_ptr checks again. */
	for (unsigned int i = 0; i < k->nseg; i++) {
		const struct elf_segment *s = &k->seg[i];

		if (!s->filesz)
			continue;
		dst = gmem_ptr(m, s->paddr, s->filesz);
		if (!dst) {
			snprintf(err, errlen,
				 "guest memory too small: the kernel needs RAM up to %llu MiB",
				 (unsigned long long)(k->end >> 20) + 1);
			return -ENOSPC;
		}
		/* Fresh anonymous RAM is zero: the part beyond filesz (bss) is left untouched. */
		if (!a->copy) {
			memcpy(dst, a->image + s->offset, s->filesz);
		} else if (a->copy(a->copy_ctx, dst, s->offset, s->filesz) < 0) {
			snprintf(err, errlen, "cannot read the kernel's segment at 0x%llx",
				 (unsigned long long)s->paddr);
			return -EIO;
		}
	}
	if (!gmem_write(m, BOOT_CMDLINE_ADDR, a->cmdline, cmdline_len + 1))
		return -EFAULT;
	if (a->initrd_size) {
		if (pvh_place_initrd(k->end, m->ram_size, a->initrd_size, &a->initrd_addr) < 0) {
			snprintf(err, errlen,
				 "initrd (%llu bytes) does not fit in guest memory above the "
				 "kernel; give more --memory",
				 (unsigned long long)a->initrd_size);
			return -ENOSPC;
		}
		info.initrd_addr = a->initrd_addr;
		info.initrd_size = a->initrd_size;
	}
	dst = gmem_ptr(m, BOOT_PVH_INFO_ADDR, PVH_INFO_SIZE);
	if (!dst || boot_write_gdt(m) < 0) {
		snprintf(err, errlen, "guest memory too small for the boot structures");
		return -EFAULT;
	}
	pvh_build_start_info(dst, &info);
	return 0;
}

/* Zero page and memory map construction (boot.rst "The zero page", "64-bit boot protocol"). */
#include "boot/zeropage.h"
#include "boot/layout.h"

#include <errno.h>
#include <string.h>

#define E820_RAM      1
#define E820_RESERVED 2
#define PAGE_MASK     (~0xfffull)

uint64_t boot_low_ram_top(uint64_t ram_size)
{
	return ram_size < MEM_32BIT_GAP_START ? ram_size : MEM_32BIT_GAP_START;
}

int boot_place_below(uint64_t top, uint64_t floor, uint64_t size, uint64_t *addr)
{
	uint64_t start;

	if (size == 0 || size > top)
		return -ENOSPC;
	start = (top - size) & PAGE_MASK;
	if (start < floor)
		return -ENOSPC;
	*addr = start;
	return 0;
}

unsigned int boot_build_e820(struct boot_e820_entry *tbl, uint64_t ram_size)
{
	uint64_t low_top = boot_low_ram_top(ram_size);
	unsigned int n = 0;

	tbl[n++] = (struct boot_e820_entry){ 0, BOOT_EBDA_ADDR, E820_RAM };
	tbl[n++] = (struct boot_e820_entry){ BOOT_EBDA_ADDR, 0xa0000 - BOOT_EBDA_ADDR, E820_RESERVED };
	/* The ACPI tables sit here; Linux maps reserved ranges it finds tables in. */
	tbl[n++] = (struct boot_e820_entry){ BOOT_ACPI_ADDR, BOOT_ACPI_SIZE, E820_RESERVED };
	tbl[n++] = (struct boot_e820_entry){ BOOT_KERNEL_ADDR, low_top - BOOT_KERNEL_ADDR, E820_RAM };
	/* Linux trusts ECAM only when firmware reserves it (arch/x86/pci/mmconfig-shared.c). */
	tbl[n++] = (struct boot_e820_entry){ PCI_ECAM_BASE, PCI_ECAM_SIZE, E820_RESERVED };
	if (ram_size > low_top)
		tbl[n++] = (struct boot_e820_entry){ MEM_4G, ram_size - low_top, E820_RAM };
	return n;
}

int boot_place_initrd(const struct setup_header *hdr, uint64_t kernel_end, uint64_t ram_size,
		      uint64_t initrd_size, uint64_t *addr)
{
	uint64_t top = boot_low_ram_top(ram_size);
	uint64_t max = (uint64_t)hdr->initrd_addr_max + 1;

	/* Before protocol 2.03 the field is absent and the limit is 0x37ffffff. */
	if (hdr->version < 0x0203 || hdr->initrd_addr_max == 0)
		max = 0x38000000;
	if (top > max)
		top = max;
	return boot_place_below(top, kernel_end, initrd_size, addr);
}

void boot_fill_zeropage(struct boot_params *bp, const struct bzimage *k,
			const struct boot_zeropage_args *a)
{
	memset(bp, 0, sizeof(*bp));
	memcpy(&bp->hdr, &k->hdr, k->hdr_len);
	bp->hdr.type_of_loader = 0xff; /* "undefined" loader: we have no assigned ID */
	bp->hdr.loadflags |= CAN_USE_HEAP;
	bp->hdr.heap_end_ptr = 0xfe00;
	bp->hdr.cmd_line_ptr = (uint32_t)a->cmdline_addr;
	bp->ext_cmd_line_ptr = (uint32_t)(a->cmdline_addr >> 32);
	bp->hdr.ramdisk_image = (uint32_t)a->initrd_addr;
	bp->hdr.ramdisk_size = (uint32_t)a->initrd_size;
	bp->ext_ramdisk_image = (uint32_t)(a->initrd_addr >> 32);
	bp->ext_ramdisk_size = (uint32_t)(a->initrd_size >> 32);
	bp->hdr.code32_start = BOOT_KERNEL_ADDR;
	bp->acpi_rsdp_addr = a->rsdp_addr; /* protocol 2.14+; older kernels scan 0xe0000 */
	bp->e820_entries = boot_build_e820(bp->e820_table, a->ram_size);
}

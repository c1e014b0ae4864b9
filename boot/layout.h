/* Where things go in guest-physical memory at boot; docs/CONVENTIONS.md has the map. */
#ifndef MINIVMM_BOOT_LAYOUT_H
#define MINIVMM_BOOT_LAYOUT_H

#define BOOT_GDT_ADDR       0x500ull
#define BOOT_ZEROPAGE_ADDR  0x7000ull
#define BOOT_PVH_INFO_ADDR  0x7000ull /* PVH: hvm_start_info, modules, memory map (no zero page) */
#define BOOT_PML4_ADDR      0x9000ull
#define BOOT_PDPT_ADDR      0xa000ull
#define BOOT_PD_ADDR        0xb000ull /* four pages: 0xb000-0xefff map 4 GiB */
#define BOOT_CMDLINE_ADDR   0x20000ull
#define BOOT_EBDA_ADDR      0x9fc00ull /* top of low RAM, as on a PC */
#define BOOT_ACPI_ADDR      0xe0000ull
#define BOOT_ACPI_SIZE      0x20000ull
#define BOOT_KERNEL_ADDR    0x100000ull

#define MEM_32BIT_GAP_START 0xc0000000ull /* RAM above this moves to 4 GiB */
#define MEM_4G              0x100000000ull
#define PCI_MMIO_BASE       0xc0000000ull
#define PCI_MMIO_SIZE       0x20000000ull
#define PCI_ECAM_BASE       0xe0000000ull
#define PCI_ECAM_SIZE       0x100000ull /* bus 0 only */
#define IOAPIC_ADDR         0xfec00000ull
#define LAPIC_ADDR          0xfee00000ull
#define KVM_TSS_ADDR        0xfffbd000ull
#define KVM_IDENTITY_ADDR   0xfffbc000ull

/* Boot GDT selectors, as the Linux boot protocol expects for the 64-bit entry. */
#define BOOT_CS32 0x08 /* 32-bit flat code: the PVH entry */
#define BOOT_CS 0x10
#define BOOT_DS 0x18
#define BOOT_TSS 0x20

#endif

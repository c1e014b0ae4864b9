/* The CPU state the 64-bit boot protocol requires at the kernel's entry. */
#ifndef MINIVMM_BOOT_CPU_STATE_H
#define MINIVMM_BOOT_CPU_STATE_H

#include "vmm/gmem.h"

#include <linux/kvm.h>

/* Writes the boot GDT and identity page tables (first 4 GiB, 2 MiB pages). -EFAULT if RAM is missing. */
int boot_write_gdt_and_page_tables(const struct gmem *m);

/* Writes the boot GDT only (the PVH entry runs with paging off). -EFAULT if RAM is missing. */
int boot_write_gdt(const struct gmem *m);

/* Long mode, paging on, flat segments from the boot GDT. */
void boot_cpu_sregs(struct kvm_sregs *s);

/* rip at the 64-bit entry (load address + 0x200), rsi at the zero page. */
void boot_cpu_regs(struct kvm_regs *r);

/* PVH entry: 32-bit protected mode, paging off, flat CS/DS/ES/SS, an active 32-bit TSS. */
void boot_pvh_cpu_sregs(struct kvm_sregs *s);

/* eip at the PVH entry, ebx at the hvm_start_info. */
void boot_pvh_cpu_regs(struct kvm_regs *r, uint32_t entry, uint32_t start_info);

#endif

/* The CPU state the 64-bit boot protocol requires at the kernel's entry. */
#ifndef MINIVMM_BOOT_CPU_STATE_H
#define MINIVMM_BOOT_CPU_STATE_H

#include "vmm/gmem.h"

#include <linux/kvm.h>

/* Writes the boot GDT and identity page tables (first 4 GiB, 2 MiB pages). -EFAULT if RAM is missing. */
int boot_write_gdt_and_page_tables(const struct gmem *m);

/* Long mode, paging on, flat segments from the boot GDT. */
void boot_cpu_sregs(struct kvm_sregs *s);

/* rip at the 64-bit entry (load address + 0x200), rsi at the zero page. */
void boot_cpu_regs(struct kvm_regs *r);

#endif

/* Boot CPU state: GDT, page tables and registers for the 64-bit entry (boot.rst "64-bit BOOT PROTOCOL"). */
#include "boot/cpu_state.h"
#include "boot/layout.h"

#include <errno.h>
#include <string.h>

#define X86_CR0_PE   0x1ull
#define X86_CR0_ET   0x10ull
#define X86_CR0_PG   0x80000000ull
#define X86_CR4_PAE  0x20ull
#define EFER_LME     0x100ull
#define EFER_LMA     0x400ull
#define PTE_P        0x1ull
#define PTE_RW       0x2ull
#define PTE_PS       0x80ull

/* Descriptor from base, limit and the access/flags word (type..G), as in the SDM. */
static uint64_t gdt_entry(uint16_t flags, uint32_t base, uint32_t limit)
{
	return ((uint64_t)(base & 0xff000000) << 32) | ((uint64_t)(flags & 0xf0ff) << 40) |
	       ((uint64_t)(limit & 0x000f0000) << 32) | ((uint64_t)(base & 0x00ffffff) << 16) |
	       (limit & 0xffff);
}

#define BOOT_GDT_ENTRIES (BOOT_TSS / 8 + 1)

int boot_write_gdt(const struct gmem *m)
{
	uint64_t gdt[BOOT_GDT_ENTRIES] = { 0 };

	gdt[BOOT_CS32 / 8] = gdt_entry(0xc09b, 0, 0xfffff); /* 32-bit code, present, G */
	gdt[BOOT_CS / 8] = gdt_entry(0xa09b, 0, 0xfffff);   /* 64-bit code, present, G */
	gdt[BOOT_DS / 8] = gdt_entry(0xc093, 0, 0xfffff);   /* data, read/write, G, 32-bit */
	gdt[BOOT_TSS / 8] = gdt_entry(0x008b, 0, 0x67);     /* busy 32-bit TSS: VMX wants a usable TR */
	return gmem_write(m, BOOT_GDT_ADDR, gdt, sizeof(gdt)) ? 0 : -EFAULT;
}

int boot_write_gdt_and_page_tables(const struct gmem *m)
{
	uint64_t *pml4 = gmem_ptr(m, BOOT_PML4_ADDR, 4096);
	uint64_t *pdpt = gmem_ptr(m, BOOT_PDPT_ADDR, 4096);
	uint64_t *pd = gmem_ptr(m, BOOT_PD_ADDR, 4 * 4096);

	if (!pml4 || !pdpt || !pd || boot_write_gdt(m) < 0)
		return -EFAULT;
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = BOOT_PDPT_ADDR | PTE_P | PTE_RW;
	for (unsigned int i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD_ADDR + i * 4096ull) | PTE_P | PTE_RW;
	for (unsigned int i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_RW | PTE_PS;
	return 0;
}

static struct kvm_segment flat_segment(uint16_t selector, uint8_t type, uint8_t l, uint8_t db)
{
	return (struct kvm_segment){ .base = 0, .limit = 0xffffffff, .selector = selector,
				     .type = type, .present = 1, .dpl = 0, .db = db, .s = 1,
				     .l = l, .g = 1 };
}

/* Both entries: flat data segments, the boot GDT and TSS, no IDT; cs is the entry's code segment. */
static void flat_sregs(struct kvm_sregs *s, struct kvm_segment cs)
{
	struct kvm_segment data = flat_segment(BOOT_DS, 3, 0, 1);

	s->cs = cs;
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	s->tr = (struct kvm_segment){ .selector = BOOT_TSS, .limit = 0x67, .type = 11,
				      .present = 1 };
	s->ldt = (struct kvm_segment){ .type = 2, .present = 1 };
	s->gdt.base = BOOT_GDT_ADDR;
	s->gdt.limit = BOOT_GDT_ENTRIES * 8 - 1;
	s->idt.base = 0;
	s->idt.limit = 0;
}

void boot_cpu_sregs(struct kvm_sregs *s)
{
	flat_sregs(s, flat_segment(BOOT_CS, 11, 1, 0));
	s->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
	s->cr3 = BOOT_PML4_ADDR;
	s->cr4 = X86_CR4_PAE;
	s->efer = EFER_LME | EFER_LMA;
}

void boot_cpu_regs(struct kvm_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->rip = BOOT_KERNEL_ADDR + 0x200;
	r->rsi = BOOT_ZEROPAGE_ADDR;
	r->rflags = 0x2; /* bit 1 is reserved and reads as one; IF clear */
}

void boot_pvh_cpu_sregs(struct kvm_sregs *s)
{
	flat_sregs(s, flat_segment(BOOT_CS32, 11, 0, 1));
	/* start_info.h: CR0.PE set, every other writable bit clear; CR4 clear; no long mode. */
	s->cr0 = X86_CR0_PE | X86_CR0_ET;
	s->cr3 = 0;
	s->cr4 = 0;
	s->efer = 0;
}

void boot_pvh_cpu_regs(struct kvm_regs *r, uint32_t entry, uint32_t start_info)
{
	memset(r, 0, sizeof(*r));
	r->rip = entry;
	r->rbx = start_info;
	r->rflags = 0x2; /* IF, TF and VM clear */
}

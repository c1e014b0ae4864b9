/*
 * irqfd: a device interrupt that never goes through minivmm's vCPU thread.
 *
 * When minivmm's I/O thread completes a request it writes 1 to the queue
 * vector's eventfd (virtio/pci_transport.c fire_vector). That eventfd is an
 * irqfd (KVM_IRQFD): KVM, in the host kernel, looks up the GSI's MSI route
 * (KVM_SET_GSI_ROUTING, vmm/irq.c) -- the address and data the guest wrote
 * into the MSI-X table -- and sets the vector's bit in the target's local
 * APIC IRR, then kicks the vCPU. At its next instruction boundary with
 * RFLAGS.IF=1, KVM delivers the vector through the guest's IDT: it pushes
 * the interrupt frame, moves the bit from IRR to ISR and jumps to the gate.
 * No KVM_EXIT_* to user space for any of it. The xAPIC page (0xfee00000) is
 * emulated inside KVM too, so the guest's APIC accesses do not exit either.
 *
 * The guest:
 *  1. builds an IDT (SDM Vol. 3 6.10, 6.14.1) with a gate for vector 0x40
 *     and one for every exception, and loads it (LIDT);
 *  2. software-enables its xAPIC (SVR bit 8, SDM Vol. 3 11.4.7.2);
 *  3. brings up virtio-blk with queue 0 on MSI-X table entry 0, and points
 *     entry 0 at its own APIC with vector 0x40 (vblk_msix_route);
 *  4. reads sector 0 with IF=0 and polls for completion, then looks at the
 *     APIC's IRR: bit 0x40 set means the irqfd fired and KVM accepted the
 *     MSI into the APIC, where it waits for IF=1;
 *  5. STI for a bounded spin: the handler runs, notes the frame KVM pushed
 *     and the APIC's ISR and PPR, and sends EOI;
 *  6. reads again and this time waits the way a kernel does, STI; HLT, which
 *     only an interrupt can end.
 * Then it prints how many interrupts its handler counted, its ECAM/BAR0
 * accesses (mmio_count, lib.h: each one exit) and its APIC accesses (none
 * should exit): run.sh checks them against --stats interrupts= and mmio=.
 *
 * Runs on kvm_pvm too (README.md). The guest never enters PVM mode, where
 * the IDT is ignored (Documentation/virt/kvm/x86/pvm-spec.rst); this host's
 * kvm_pvm emulates it instruction by instruction as plain x86, and delivers
 * the MSI through the IDT. One difference, measured: in the handler the APIC
 * shows the vector neither in service (ISR) nor in the priority (PPR).
 *
 * Exit status: 40 both interrupts delivered, 41 pending in the IRR but never
 * delivered, 42 never reached the APIC, 43 set-up failed or an exception.
 */
#include "lib.h"
#include "vblk.h"

#include <linux/virtio_blk.h>

#define VECTOR      0x40
#define APIC_ID     0x020
#define APIC_TPR    0x080
#define APIC_PPR    0x0a0
#define APIC_EOI    0x0b0
#define APIC_SVR    0x0f0
#define APIC_ISR    0x100
#define APIC_IRR    0x200
#define SVR_ENABLE  0x100
#define BOOT_CS     0x10 /* minivmm's 64-bit code selector (boot/layout.h) */
#define MAX_SPINS   2000000ul

/* SDM Vol. 3 6.14.1: a 64-bit IDT gate descriptor. */
struct idt_gate {
	uint16_t offset_lo, selector;
	uint8_t ist;
	uint8_t type_attr; /* 0x8e: present, DPL 0, 64-bit interrupt gate (clears IF on entry) */
	uint16_t offset_mid;
	uint32_t offset_hi, reserved;
};

/* SDM Vol. 3 6.14.2: what the CPU (here KVM) pushes; no error code for an external interrupt. */
struct interrupt_frame {
	uint64_t rip, cs, rflags, rsp, ss;
};

static struct idt_gate idt[256] __attribute__((aligned(16)));
static volatile unsigned int irq_count;
static volatile uint64_t irq_rip, irq_cs;
static volatile int irq_in_service; /* ISR bit 0x40 was set inside the handler */
static volatile uint32_t irq_ppr;   /* processor priority inside the handler: 0x40 on x86 */
static unsigned long lapic_accesses;
static uint8_t sector[512] __attribute__((aligned(512)));

/*
 * The local APIC page: emulated inside KVM, so not mmio_* (those count exits).
 * always_inline: the interrupt handler uses them, and is simplest to trust
 * when it makes no calls: the interrupt attribute then saves exactly the
 * registers its own body uses.
 */
static inline __attribute__((always_inline)) uint32_t lapic_read(unsigned int reg)
{
	lapic_accesses++;
	return *(volatile uint32_t *)(LAPIC_BASE + reg);
}

static inline __attribute__((always_inline)) void lapic_write(unsigned int reg, uint32_t v)
{
	lapic_accesses++;
	*(volatile uint32_t *)(LAPIC_BASE + reg) = v;
}

/* IRR and ISR are 256-bit registers, 32 bits every 16 bytes (SDM Vol. 3 11.8.4). */
static inline __attribute__((always_inline)) int apic_bit(unsigned int reg, uint8_t vec)
{
	return lapic_read(reg + 0x10 * (vec / 32)) >> (vec % 32) & 1;
}

/*
 * The interrupt attribute makes gcc save every register it uses and return
 * with IRETQ (no SSE in handlers: -mgeneral-regs-only). The handler must not
 * call anything that is not interrupt-safe: just RAM and the APIC here.
 */
__attribute__((interrupt)) static void vector_handler(struct interrupt_frame *f)
{
	irq_rip = f->rip;
	irq_cs = f->cs;
	/* Delivery moved the vector from IRR to ISR: it is now "in service". */
	irq_in_service = apic_bit(APIC_ISR, VECTOR);
	irq_ppr = lapic_read(APIC_PPR);
	irq_count++;
	/* End of interrupt: clears the ISR bit, so the APIC may deliver 0x40 again (11.8.5). */
	lapic_write(APIC_EOI, 0);
}

/*
 * Any exception here is a bug in this guest: say so and stop rather than
 * triple-fault. Port writes inline (outb), as above: no calls.
 */
__attribute__((interrupt)) static void exception_handler(struct interrupt_frame *f)
{
	(void)f;
	for (const char *s = "irqfd: FAIL: unexpected exception\n"; *s; s++)
		outb(COM1, *s);
	outb(EXIT_PORT, 43);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void set_gate(unsigned int vec, void (*fn)(struct interrupt_frame *))
{
	uintptr_t a = (uintptr_t)fn;

	idt[vec] = (struct idt_gate){ .offset_lo = a, .selector = BOOT_CS, .type_attr = 0x8e,
				      .offset_mid = a >> 16, .offset_hi = a >> 32 };
}

/*
 * Exceptions with an error code (#GP, #PF...) push one more word, which
 * exception_handler does not expect; it never returns, so that is harmless.
 * Other vectors stay not-present: a stray one raises #NP, an exception.
 */
static void load_idt(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = {
		sizeof(idt) - 1, (uintptr_t)idt };

	for (unsigned int v = 0; v < 32; v++)
		set_gate(v, exception_handler);
	set_gate(VECTOR, vector_handler);
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

int guest_main(void *zero_page)
{
	struct vblk d;
	uint32_t apic_id;
	unsigned long spins;
	int pending;

	(void)zero_page;
	puts("irqfd: MSI-X interrupt from virtio-blk through an irqfd\n");
	load_idt();

	/*
	 * The xAPIC is hardware-enabled at reset (IA32_APIC_BASE) but
	 * software-disabled: it accepts no interrupt until SVR bit 8 is set.
	 */
	apic_id = lapic_read(APIC_ID) >> 24;
	lapic_write(APIC_SVR, SVR_ENABLE | 0xff); /* spurious vector 0xff */
	lapic_write(APIC_TPR, 0);                 /* accept every priority */
	put_kv("irqfd: local APIC enabled, id ", apic_id);

	if (vblk_init(&d, 0) < 0)
		return 43;
	vblk_msix_route(&d, 0, apic_id, VECTOR);
	puts("irqfd: MSI-X entry 0 -> address 0xfee00000, vector 0x40, unmasked\n");

	/* Step 4. IF=0 since entry: the completion's MSI can only wait in the APIC. */
	vblk_queue_read(&d, 0, sector);
	vblk_notify(&d);
	if (vblk_poll(&d, MAX_SPINS, &spins) != VIRTIO_BLK_S_OK) {
		puts("irqfd: FAIL: the read did not complete\n");
		return 43;
	}
	/* The I/O thread publishes used->idx before it writes the irqfd: allow it a moment. */
	for (spins = 0; spins < 100000 && !apic_bit(APIC_IRR, VECTOR); spins++)
		cpu_relax();
	if (!apic_bit(APIC_IRR, VECTOR)) {
		puts("irqfd: FAIL: request done, but vector 0x40 never reached the APIC's IRR\n");
		return 42;
	}
	puts("irqfd: request done; vector 0x40 is pending in the APIC's IRR\n");

	/* Step 5. STI: the APIC may now hand the vector to the CPU. */
	__asm__ volatile("sti");
	for (spins = 0; spins < 100000 && !irq_count; spins++)
		cpu_relax();
	__asm__ volatile("cli");
	if (!irq_count) {
		puts("irqfd: FAIL: vector 0x40 pending in the IRR, never delivered via the IDT\n");
		return 41;
	}
	puts("irqfd: handler ran after STI: frame cs ");
	put_hex(irq_cs, 4);
	puts(" rip ");
	put_hex(irq_rip, 8);
	putc('\n');
	if (irq_cs != BOOT_CS || irq_rip < 0x100000 || irq_rip >= 0x140000) {
		puts("irqfd: FAIL: not the frame an x86 interrupt pushes\n");
		return 41;
	}
	/*
	 * On x86 the APIC marks a delivered vector in service until EOI, and
	 * the processor priority (PPR) rises to its class, 0x40: lower vectors
	 * wait. run.sh requires this where KVM has VMX or SVM. kvm_pvm's
	 * emulation of a non-PVM guest (this one) leaves both at 0: the vector
	 * is delivered and acknowledged, but never shown in service.
	 */
	puts(irq_in_service ? "irqfd: in the handler: ISR 0x40 set, PPR "
			    : "irqfd: in the handler: ISR 0x40 clear, PPR ");
	put_hex(irq_ppr, 4);
	putc('\n');
	if (apic_bit(APIC_ISR, VECTOR)) {
		puts("irqfd: FAIL: vector 0x40 still in service after EOI\n");
		return 41;
	}

	/*
	 * Step 6. Wait the way a kernel does. STI takes effect after the next
	 * instruction (SDM Vol. 2B STI), so an interrupt that is already
	 * pending is taken right after HLT starts, and wakes it: none can slip
	 * in between the check of irq_count and the HLT and leave us asleep.
	 * HLT does not exit to minivmm either: with the APIC in the kernel,
	 * KVM blocks the vCPU thread itself until an interrupt arrives.
	 */
	vblk_queue_read(&d, 0, sector);
	vblk_notify(&d);
	pending = apic_bit(APIC_IRR, VECTOR);
	while (irq_count < 2)
		__asm__ volatile("sti; hlt; cli");
	if (vblk_poll(&d, 1, &spins) != VIRTIO_BLK_S_OK) {
		puts("irqfd: FAIL: woken, but the second read had not completed\n");
		return 43;
	}
	puts(pending ? "irqfd: HLT woken by the second completion's interrupt (already pending)\n"
		     : "irqfd: HLT woken by the second completion's interrupt\n");

	puts("irqfd: ");
	put_dec(irq_count);
	puts(" interrupts handled, ");
	put_dec(mmio_count);
	puts(" MMIO accesses to ECAM and BAR0, ");
	put_dec(lapic_accesses);
	puts(" to the local APIC\nirqfd: OK\n");
	return 40;
}

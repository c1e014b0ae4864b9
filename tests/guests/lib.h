/*
 * The tiny guests' runtime: port and MMIO accessors, a console on COM1, the
 * exit device, the kernel command line, PCI config through ECAM. No libc:
 * everything a guest does is in these few hundred lines or in its own file.
 */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include <stddef.h>
#include <stdint.h>

/* docs/CONVENTIONS.md */
#define COM1         0x3f8
#define EXIT_PORT    0xf4
#define PCI_ECAM     0xe0000000ul
#define LAPIC_BASE   0xfee00000ul

/* Port I/O: each of these is one KVM_EXIT_IO to minivmm (vmm/vcpu.c). */
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/*
 * MMIO: a load or store to an address no memory slot backs. KVM either
 * handles it in the kernel (LAPIC, ioeventfd) or exits to minivmm with
 * KVM_EXIT_MMIO. volatile makes the compiler emit exactly one access of
 * exactly this width, which devices care about.
 *
 * These helpers are for accesses that must reach minivmm (ECAM, BAR0), and
 * count them in mmio_count: a guest prints the count and run.sh checks it
 * equals minivmm's --stats mmio=, one exit per access. Accesses KVM should
 * keep in the kernel (the LAPIC page, the doorbell) are plain volatile
 * stores and loads in the guests that make them, outside this count.
 */
extern unsigned long mmio_count;

static inline uint8_t mmio_read8(uintptr_t a) { mmio_count++; return *(volatile uint8_t *)a; }
static inline uint16_t mmio_read16(uintptr_t a) { mmio_count++; return *(volatile uint16_t *)a; }
static inline uint32_t mmio_read32(uintptr_t a) { mmio_count++; return *(volatile uint32_t *)a; }
static inline void mmio_write8(uintptr_t a, uint8_t v) { mmio_count++; *(volatile uint8_t *)a = v; }
static inline void mmio_write16(uintptr_t a, uint16_t v) { mmio_count++; *(volatile uint16_t *)a = v; }
static inline void mmio_write32(uintptr_t a, uint32_t v) { mmio_count++; *(volatile uint32_t *)a = v; }

/* The compiler must not move memory accesses across these; x86 keeps stores in order (SDM 8.2). */
#define barrier() __asm__ volatile("" ::: "memory")
/* Orders a store before a later load, the one reordering x86 does (SDM 8.2.3.4). */
#define mb() __asm__ volatile("mfence" ::: "memory")

static inline void cpu_relax(void) { __asm__ volatile("pause"); }

/* Console on COM1: one OUT (one exit) per byte; hello.S shows the LSR polling we skip here. */
void putc(char c);
void puts(const char *s);
void put_hex(uint64_t v, int digits);
void put_dec(uint64_t v);
/* puts(s), then v in hex, then a newline */
void put_kv(const char *s, uint64_t v);

/* Ends the VM now: minivmm exits with this status (docs/CONVENTIONS.md). */
__attribute__((noreturn)) void guest_exit(uint8_t status);

/* "key=N" from the kernel command line (zero page cmd_line_ptr), or dflt. */
unsigned long cmdline_uint(const void *zero_page, const char *key, unsigned long dflt);

/* PCI configuration space of bus 0 through ECAM (PCI Express Base 7.2.2): offset = dev << 15 | fn << 12 | reg. */
static inline uintptr_t ecam(unsigned int dev, unsigned int reg)
{
	return PCI_ECAM + ((uintptr_t)dev << 15) + reg;
}

/* Slot of the first function 0 on bus 0 with this vendor and device, or -1. */
int pci_find(uint16_t vendor, uint16_t device);

/* gcc may emit calls to these for struct copies and initialisers. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

#endif

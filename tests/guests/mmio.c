/*
 * mmio: MMIO exits, and the two ways to reach PCI configuration space.
 *
 * A load from an address that no KVM memory slot backs cannot complete in
 * the guest: KVM stops the vCPU and returns KVM_EXIT_MMIO to minivmm with the
 * address, the width and (for a store) the data in struct kvm_run; minivmm
 * finds the device on its MMIO bus (vmm/iobus.c), fills in the value and
 * re-enters the guest, which sees the load complete.
 *
 * The guest reads the host bridge's vendor and device ID (bus 0, device 0:
 * 0x1b36:0x0008, devices/pci.c) twice:
 *  - through ECAM (PCI Express Base 7.2.2), memory at 0xe0000000: one 32-bit
 *    load, one KVM_EXIT_MMIO;
 *  - through configuration mechanism #1 (PCI Local Bus 3.2.2.3.2): an OUTL
 *    of the address to 0xcf8, then an INL from 0xcfc: two KVM_EXIT_IO.
 * Both must agree. It then walks ECAM for the other devices on bus 0 (one
 * MMIO exit per slot) and exits with status 10 if all matched, 11 if not.
 *
 * --stats: mmio=32 (the ECAM ID read + slots 1-31), io=2 + one per console byte.
 */
#include "lib.h"

#define HOST_BRIDGE_ID 0x00081b36u /* device << 16 | vendor */
#define CF8_ENABLE     0x80000000u

/* Mechanism #1: enable bit, bus, device, function, dword-aligned register. */
static uint32_t cf8_read32(unsigned int bus, unsigned int dev, unsigned int fn, unsigned int reg)
{
	outl(0xcf8, CF8_ENABLE | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc));
	return inl(0xcfc);
}

int guest_main(void *zero_page)
{
	uint32_t by_ecam, by_ports;
	unsigned int found = 0;

	(void)zero_page;
	puts("mmio: PCI config space of 00:00.0 two ways\n");

	by_ecam = mmio_read32(ecam(0, 0));     /* KVM_EXIT_MMIO, read, 0xe0000000, len 4 */
	by_ports = cf8_read32(0, 0, 0, 0);     /* KVM_EXIT_IO out 0xcf8, then in 0xcfc */
	put_kv("mmio: ECAM  0xe0000000       -> id ", by_ecam);
	put_kv("mmio: ports 0xcf8/0xcfc      -> id ", by_ports);

	/* Devices minivmm added (--disk makes virtio-blk functions at slots 1, 2...). */
	for (unsigned int dev = 1; dev < 32; dev++) {
		uint32_t id = mmio_read32(ecam(dev, 0));

		if (id == 0xffffffff) /* no device: PCI reads all ones */
			continue;
		puts("mmio: slot ");
		put_dec(dev);
		put_kv(" vendor:device ", id);
		found++;
	}
	if (by_ecam != HOST_BRIDGE_ID || by_ports != by_ecam) {
		puts("mmio: FAIL: expected 0x1b36:0x0008 both ways\n");
		return 11;
	}
	puts("mmio: OK: host bridge 0x1b36:0x0008 by ECAM and by ports, ");
	put_dec(found);
	puts(" other device(s)\n");
	return 10;
}

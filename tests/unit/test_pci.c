/* PCI configuration space: both access paths, BAR sizing, decode enable, moves, capabilities. */
#include "devices/pci.h"
#include "tests/unit/check.h"

#include <linux/pci_regs.h>
#include <string.h>

static struct iobus pio, mmio;
static struct pci_bus bus;
static struct pci_dev dev;
static int moves;
static uint64_t last_old, last_new;
static uint8_t bar_hits;

static void bar_read(void *opaque, uint64_t off, void *data, uint32_t len)
{
	(void)opaque;
	(void)off;
	memset(data, 0x5a, len);
	bar_hits++;
}

static void bar_write(void *opaque, uint64_t off, const void *data, uint32_t len)
{
	(void)opaque;
	(void)off;
	(void)data;
	(void)len;
}

static void bar_moved(struct pci_dev *d, int bar, uint64_t old, uint64_t addr)
{
	(void)d;
	(void)bar;
	moves++;
	last_old = old;
	last_new = addr;
}

static const struct iobus_ops bops = { .read = bar_read, .write = bar_write };
static const struct pci_dev_ops dops = { .bar_moved = bar_moved };

/* Through ports 0xcf8/0xcfc, as early Linux does. */
static uint32_t cf8_read(int slot, uint32_t off, uint32_t len)
{
	uint32_t a = 0x80000000u | (slot << 11) | (off & 0xfc), v = 0;

	iobus_access(&pio, 0xcf8, &a, 4, true);
	iobus_access(&pio, 0xcfc + (off & 3), &v, len, false);
	return v;
}

static uint32_t ecam_read(int slot, uint32_t off, uint32_t len)
{
	uint32_t v = 0;

	iobus_access(&mmio, 0xe0000000u + (slot << 15) + off, &v, len, false);
	return v;
}

static void ecam_write(int slot, uint32_t off, uint32_t v, uint32_t len)
{
	iobus_access(&mmio, 0xe0000000u + (slot << 15) + off, &v, len, true);
}

int main(void)
{
	uint8_t cap[4] = { 0x11, 0, 0xaa, 0xbb }, cap2[8] = { 0x09, 0, 8, 1, 2, 3, 4, 5 };
	uint32_t v;
	int slot;

	iobus_init(&pio, "pio", false);
	iobus_init(&mmio, "mmio", false);
	CHECK(pci_bus_init(&bus, &pio, &mmio, 0xe0000000u, 0xc0000000u, 0x20000000u) == 0);

	pci_dev_init(&dev, 0x1af4, 0x1042, 0x018000, 1, 0x1af4, 2);
	dev.ops = &dops;
	pci_dev_set_bar(&dev, 0, 0x8000, &bops);
	CHECK(pci_dev_add_cap(&dev, cap, sizeof(cap)) == 0x40);
	CHECK(pci_dev_add_cap(&dev, cap2, sizeof(cap2)) == 0x44);
	slot = pci_bus_add(&bus, &dev);
	CHECK(slot == 1);

	/* Host bridge at 00.0, our device at 01.0, nothing at 02.0 or function 1. */
	CHECK(cf8_read(0, 0, 4) == 0x00081b36);
	CHECK((cf8_read(0, PCI_CLASS_REVISION, 4) >> 8) == 0x060000);
	CHECK(cf8_read(1, 0, 4) == 0x10421af4);
	CHECK(ecam_read(1, 0, 4) == 0x10421af4);
	CHECK(ecam_read(1, 2, 2) == 0x1042);
	CHECK(cf8_read(2, 0, 4) == 0xffffffff);
	CHECK(ecam_read(2, 0, 4) == 0xffffffff);
	{
		uint32_t x = 0;

		iobus_access(&mmio, 0xe0000000u + (1 << 15) + (1 << 12), &x, 4, false);
		CHECK(x == 0xffffffff);
	}

	/* Capability chain. */
	CHECK(ecam_read(1, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	CHECK(ecam_read(1, PCI_CAPABILITY_LIST, 1) == 0x40);
	CHECK(ecam_read(1, 0x41, 1) == 0x44);
	CHECK(ecam_read(1, 0x45, 1) == 0);
	/* Capability bytes are read-only without a write mask. */
	ecam_write(1, 0x42, 0x1234, 2);
	CHECK(ecam_read(1, 0x42, 2) == 0xbbaa);

	/* Firmware placed the BAR in the window; not decoded until the command register says so. */
	v = ecam_read(1, PCI_BASE_ADDRESS_0, 4);
	CHECK(v == 0xc0000000u);
	CHECK(mmio.nranges == 1); /* ECAM only */
	ecam_write(1, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	CHECK(mmio.nranges == 2 && moves == 1 && last_new == 0xc0000000u);
	{
		uint32_t x = 0;

		CHECK(iobus_access(&mmio, 0xc0000010u, &x, 4, false) && bar_hits == 1);
	}

	/* Sizing: decode off, all ones, read the mask, restore. */
	ecam_write(1, PCI_COMMAND, 0, 2);
	CHECK(mmio.nranges == 1 && last_new == 0);
	ecam_write(1, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
	CHECK(ecam_read(1, PCI_BASE_ADDRESS_0, 4) == 0xffff8000u);
	ecam_write(1, PCI_BASE_ADDRESS_0, 0xd0000000u, 4);
	ecam_write(1, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	CHECK(last_new == 0xd0000000u);
	/* Moving a decoded BAR re-registers it. */
	ecam_write(1, PCI_BASE_ADDRESS_0, 0xd0010000u, 4);
	CHECK(last_old == 0xd0000000u && last_new == 0xd0010000u);
	/* A BAR moved onto ECAM stays dark instead of stealing config space. */
	ecam_write(1, PCI_BASE_ADDRESS_0, 0xe0000000u, 4);
	CHECK(last_new == 0);
	CHECK(ecam_read(1, 0, 4) == 0x10421af4);
	/* Unused BARs and read-only registers ignore writes. */
	ecam_write(1, PCI_BASE_ADDRESS_1, 0xffffffff, 4);
	CHECK(ecam_read(1, PCI_BASE_ADDRESS_1, 4) == 0);
	ecam_write(1, PCI_VENDOR_ID, 0xffff, 2);
	CHECK(ecam_read(1, PCI_VENDOR_ID, 2) == 0x1af4);
	/* Misaligned and odd-sized accesses are refused. */
	CHECK(ecam_read(1, 1, 2) == 0xffff);
	/* Interrupt line is scratch for the OS. */
	ecam_write(1, PCI_INTERRUPT_LINE, 11, 1);
	CHECK(ecam_read(1, PCI_INTERRUPT_LINE, 1) == 11);
	return check_summary();
}

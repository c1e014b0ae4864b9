/*
 * PCI configuration space for bus 0. Only the type-0 header is interpreted
 * here; capability bytes follow each device's write mask and hook. Offsets and
 * bits are the PCI Local Bus spec's, named as in linux/pci_regs.h.
 */
#include "devices/pci.h"
#include "vmm/trace.h"

#include <errno.h>
#include <linux/pci_regs.h>
#include <string.h>

#define CF8_ENABLE 0x80000000u
#define PCI_COMMAND_WMASK (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
			   PCI_COMMAND_INTX_DISABLE)

/* A Red Hat / QEMU ID for a generic host bridge: Linux has no quirks keyed to it. */
#define HOST_BRIDGE_VENDOR 0x1b36
#define HOST_BRIDGE_DEVICE 0x0008
#define PCI_CLASS_HOST_BRIDGE 0x060000 /* base class 06 bridge, subclass 00 host */

static uint32_t cfg_get(const struct pci_dev *d, uint32_t off, uint32_t len)
{
	uint32_t v = 0;

	memcpy(&v, d->cfg + off, len);
	return v;
}

static void cfg_put(struct pci_dev *d, uint32_t off, uint32_t v, uint32_t len)
{
	memcpy(d->cfg + off, &v, len);
}

void pci_dev_init(struct pci_dev *d, uint16_t vendor, uint16_t device, uint32_t class_code,
		  uint8_t revision, uint16_t subsys_vendor, uint16_t subsys_id)
{
	memset(d, 0, sizeof(*d));
	cfg_put(d, PCI_VENDOR_ID, vendor, 2);
	cfg_put(d, PCI_DEVICE_ID, device, 2);
	cfg_put(d, PCI_REVISION_ID, revision | (class_code << 8), 4);
	cfg_put(d, PCI_SUBSYSTEM_VENDOR_ID, subsys_vendor, 2);
	cfg_put(d, PCI_SUBSYSTEM_ID, subsys_id, 2);
	d->next_cap = 0x40;
}

void pci_dev_set_bar(struct pci_dev *d, int bar, uint32_t size, const struct iobus_ops *ops)
{
	d->bar_size[bar] = size;
	d->bar_ops[bar] = ops;
	cfg_put(d, PCI_BASE_ADDRESS_0 + 4 * bar, PCI_BASE_ADDRESS_MEM_TYPE_32, 4);
}

uint8_t pci_dev_add_cap(struct pci_dev *d, const void *cap, uint8_t len)
{
	uint8_t off = d->next_cap, *link;

	if (len < 2 || off + len > PCI_CFG_SPACE_SIZE)
		return 0;
	memcpy(d->cfg + off, cap, len);
	d->cfg[off + PCI_CAP_LIST_NEXT] = 0;
	/* Chain it: the status register says a list exists, 0x34 or the last cap points here. */
	d->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	link = &d->cfg[PCI_CAPABILITY_LIST];
	while (*link)
		link = &d->cfg[*link + PCI_CAP_LIST_NEXT];
	*link = off;
	d->next_cap = (off + len + 3) & ~3;
	return off;
}

static uint64_t bar_addr(const struct pci_dev *d, int bar)
{
	return cfg_get(d, PCI_BASE_ADDRESS_0 + 4 * bar, 4) & PCI_BASE_ADDRESS_MEM_MASK;
}

/*
 * Brings the bus's view of each BAR in line with the command register and the
 * BAR's address: decoded ranges are registered on the MMIO bus, others not.
 */
static void update_bars(struct pci_bus *bus, struct pci_dev *d)
{
	bool mem_on = cfg_get(d, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY;

	for (int i = 0; i < PCI_NUM_BARS; i++) {
		uint64_t want = 0, old = d->bar_mapped[i];

		if (!d->bar_size[i])
			continue;
		if (mem_on && bar_addr(d, i) && bar_addr(d, i) <= UINT32_MAX - d->bar_size[i] + 1)
			want = bar_addr(d, i);
		if (want == old)
			continue;
		if (old)
			iobus_unregister(bus->mmio, old, d->opaque);
		d->bar_mapped[i] = 0;
		/* A BAR moved on top of another range stays dark rather than stealing it. */
		if (want && iobus_register(bus->mmio, want, d->bar_size[i], d->bar_ops[i], d->opaque) == 0)
			d->bar_mapped[i] = want;
		trace(TRACE_PCI, "pci", "%04x:%04x BAR%d %s 0x%llx (size 0x%x)%s",
		      cfg_get(d, PCI_VENDOR_ID, 2), cfg_get(d, PCI_DEVICE_ID, 2), i,
		      d->bar_mapped[i] ? (old ? "moved to" : "decodes at") : "off, was at",
		      (unsigned long long)(d->bar_mapped[i] ? d->bar_mapped[i] : old), d->bar_size[i],
		      want && !d->bar_mapped[i] ? " refused: overlaps another range" : "");
		if (d->ops && d->ops->bar_moved)
			d->ops->bar_moved(d, i, old, d->bar_mapped[i]);
	}
}

static void header_write(struct pci_bus *bus, struct pci_dev *d, uint32_t off, uint32_t v,
			 uint32_t len)
{
	/* Handle each byte by the register it belongs to; guests may write any width. */
	for (uint32_t i = 0; i < len; i++) {
		uint32_t o = off + i;
		uint8_t b = v >> (8 * i);

		if (o >= PCI_BASE_ADDRESS_0 && o < PCI_BASE_ADDRESS_0 + 4 * PCI_NUM_BARS) {
			int bar = (o - PCI_BASE_ADDRESS_0) / 4;
			uint32_t mask = ~(d->bar_size[bar] - 1) & PCI_BASE_ADDRESS_MEM_MASK;

			if (!d->bar_size[bar])
				continue;
			/* Size probing: only the address bits above the size stick. */
			d->cfg[o] = (d->cfg[o] & ~(mask >> (8 * (o & 3)))) |
				    (b & (mask >> (8 * (o & 3))));
		} else if (o == PCI_COMMAND || o == PCI_COMMAND + 1) {
			d->cfg[o] = b & (PCI_COMMAND_WMASK >> (8 * (o - PCI_COMMAND)));
		} else if (o == PCI_CACHE_LINE_SIZE || o == PCI_LATENCY_TIMER ||
			   o == PCI_INTERRUPT_LINE) {
			d->cfg[o] = b;
		}
	}
	update_bars(bus, d);
}

static void cap_write(struct pci_dev *d, uint32_t off, uint32_t v, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		uint8_t m = d->wmask[off + i];

		d->cfg[off + i] = (d->cfg[off + i] & ~m) | ((v >> (8 * i)) & m);
	}
	if (d->ops && d->ops->cfg_write)
		d->ops->cfg_write(d, off, len);
}

void pci_cfg_access(struct pci_bus *bus, unsigned int slot, unsigned int fn, uint32_t off,
		    void *data, uint32_t len, bool is_write)
{
	struct pci_dev *d = slot < PCI_MAX_SLOTS && fn == 0 ? bus->slots[slot] : NULL;
	uint32_t v = 0;

	/* Naturally aligned accesses of 1, 2 or 4 bytes only, as PCI defines them. */
	if (!d || (len != 1 && len != 2 && len != 4) || (off & (len - 1)) ||
	    off + len > PCI_CFG_SPACE_SIZE) {
		if (!is_write)
			memset(data, d && off >= PCI_CFG_SPACE_SIZE ? 0 : 0xff, len);
		return;
	}
	pthread_mutex_lock(&bus->lock);
	if (is_write) {
		memcpy(&v, data, len);
		trace(TRACE_PCI, "pci", "00:%02x.0 config write 0x%02x len %u = 0x%x", slot, off, len,
		      v);
		if (off < 0x40)
			header_write(bus, d, off, v, len);
		else
			cap_write(d, off, v, len);
	} else {
		if (off >= 0x40 && d->ops && d->ops->cfg_read)
			d->ops->cfg_read(d, off, len);
		v = cfg_get(d, off, len);
		memcpy(data, &v, len);
		/* Enumeration: a scan reads each slot's IDs first; absent slots are not logged. */
		if (off == PCI_VENDOR_ID)
			trace(TRACE_PCI, "pci", "00:%02x.0 probed: %04x:%04x class 0x%06x", slot,
			      cfg_get(d, PCI_VENDOR_ID, 2), cfg_get(d, PCI_DEVICE_ID, 2),
			      cfg_get(d, PCI_CLASS_REVISION, 4) >> 8);
	}
	pthread_mutex_unlock(&bus->lock);
}

/* Ports 0xcf8-0xcff: configuration mechanism #1. */
static void cfio_read(void *opaque, uint64_t offset, void *data, uint32_t len)
{
	struct pci_bus *bus = opaque;
	uint32_t a = __atomic_load_n(&bus->cf8, __ATOMIC_RELAXED);

	if (offset == 0 && len == 4) {
		memcpy(data, &a, 4);
		return;
	}
	if (offset < 4 || !(a & CF8_ENABLE) || ((a >> 16) & 0xff) != 0) {
		memset(data, 0xff, len);
		return;
	}
	pci_cfg_access(bus, (a >> 11) & 0x1f, (a >> 8) & 7, (a & 0xfc) + (offset - 4), data, len,
		       false);
}

static void cfio_write(void *opaque, uint64_t offset, const void *data, uint32_t len)
{
	struct pci_bus *bus = opaque;
	uint32_t a = __atomic_load_n(&bus->cf8, __ATOMIC_RELAXED), v = 0;

	if (offset == 0) {
		/* Only a dword write latches the address; byte writes to 0xcf8 are other things. */
		if (len == 4) {
			memcpy(&v, data, 4);
			__atomic_store_n(&bus->cf8, v, __ATOMIC_RELAXED);
		}
		return;
	}
	if (offset < 4 || !(a & CF8_ENABLE) || ((a >> 16) & 0xff) != 0)
		return;
	pci_cfg_access(bus, (a >> 11) & 0x1f, (a >> 8) & 7, (a & 0xfc) + (offset - 4),
		       (void *)data, len, true);
}

/* ECAM: bus 0 only; offset bits 15-19 slot, 12-14 function, 0-11 register. */
static void ecam_read(void *opaque, uint64_t offset, void *data, uint32_t len)
{
	pci_cfg_access(opaque, (offset >> 15) & 0x1f, (offset >> 12) & 7, offset & 0xfff, data, len,
		       false);
}

static void ecam_write(void *opaque, uint64_t offset, const void *data, uint32_t len)
{
	pci_cfg_access(opaque, (offset >> 15) & 0x1f, (offset >> 12) & 7, offset & 0xfff,
		       (void *)data, len, true);
}

static const struct iobus_ops cfio_ops = { .read = cfio_read, .write = cfio_write };
static const struct iobus_ops ecam_ops = { .read = ecam_read, .write = ecam_write };

int pci_bus_add(struct pci_bus *bus, struct pci_dev *d)
{
	for (int slot = 0; slot < PCI_MAX_SLOTS; slot++) {
		if (bus->slots[slot])
			continue;
		/* Place BARs as firmware would; the guest may move them later. */
		for (int i = 0; i < PCI_NUM_BARS; i++) {
			uint64_t size = d->bar_size[i], addr;

			if (!size)
				continue;
			addr = (bus->mmio_next + size - 1) & ~(size - 1);
			if (addr + size > bus->mmio_end)
				return -ENOSPC;
			cfg_put(d, PCI_BASE_ADDRESS_0 + 4 * i,
				(uint32_t)addr | PCI_BASE_ADDRESS_MEM_TYPE_32, 4);
			bus->mmio_next = addr + size;
			trace(TRACE_PCI, "pci", "00:%02x.0 %04x:%04x BAR%d placed at 0x%llx (size 0x%llx)",
			      slot, cfg_get(d, PCI_VENDOR_ID, 2), cfg_get(d, PCI_DEVICE_ID, 2), i,
			      (unsigned long long)addr, (unsigned long long)size);
		}
		bus->slots[slot] = d;
		return slot;
	}
	return -ENOSPC;
}

int pci_bus_init(struct pci_bus *bus, struct iobus *pio, struct iobus *mmio, uint64_t ecam_base,
		 uint64_t mmio_base, uint64_t mmio_size)
{
	int r;

	memset(bus, 0, sizeof(*bus));
	pthread_mutex_init(&bus->lock, NULL);
	bus->mmio = mmio;
	bus->mmio_next = mmio_base;
	bus->mmio_end = mmio_base + mmio_size;
	pci_dev_init(&bus->host_bridge, HOST_BRIDGE_VENDOR, HOST_BRIDGE_DEVICE,
		     PCI_CLASS_HOST_BRIDGE, 0, 0, 0);
	bus->slots[0] = &bus->host_bridge;
	r = iobus_register(pio, 0xcf8, 8, &cfio_ops, bus);
	if (!r)
		r = iobus_register(mmio, ecam_base, 1 << 20, &ecam_ops, bus);
	return r;
}

/*
 * libFuzzer target: sequences of register accesses a hostile guest makes to
 * PCI bus 0 (ports 0xcf8-0xcff, the ECAM window, BAR sizing and moves, MMIO
 * to wherever the BARs went) with the host bridge and two virtio-pci
 * functions (virtio/pci_transport.c, stub device model) plugged in. KVM is
 * replaced by fuzz_stubs.c. After every access the target checks what the bus
 * promises: each BAR reads back as a 32-bit memory BAR aligned to its size,
 * a BAR decodes exactly where its register says and only while memory decoding
 * is on, bytes no write mask covers never change, and every queue's doorbell
 * ioeventfd follows BAR 0. The input:
 *
 *   byte 0      queues of device A (1 + low 4 bits), device B (1 + high 4 bits)
 *   byte 1      device config size of A and B (byte * 4, clamped to the region)
 *   the rest    10-byte records: kind, len, le32 addr, le32 value
 *
 *   kind        bit 0: read (1) or write (0); bits 1-2 the path:
 *               0 ports 0xcf8 + addr % 8 (len 1, 2 or 4)
 *               1 ECAM 0xe0000000 + addr % 1 MiB
 *               2 MMIO: len bit 7 set, addr itself (anywhere below 4 GiB, where
 *                 moved BARs sit); clear, BAR 0 of A or B (len bit 6) + addr % 32 KiB
 *               3 pci_cfg_access itself: slot addr bits 12-17 (some >= 32),
 *                 function bits 18-20, offset bits 0-11, len (len >> 2) & 7
 *   len         1 << (bits 0-1) bytes for the bus paths
 */
#include "devices/pci.h"
#include "tests/fuzz/fuzz_stubs.h"
#include "virtio/pci_transport.h"

#include <linux/pci_regs.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ECAM_BASE   0xe0000000ull
#define MMIO_BASE   0xc0000000ull
#define MMIO_SIZE   0x20000000ull
#define NOTIFY_OFF  0x3000 /* BAR 0 layout of pci_transport.c: notify region, 4 bytes a queue */
#define NOTIFY_MULT 4
#define RECORD      10

struct stub_dev {
	struct fuzz_dev_config config; /* first: the accessors take the device pointer */
	uint16_t num_queues, queue_max_size;
};

static int stub_activate(void *dev, uint64_t features, const struct vpci_queue_cfg *q,
			 unsigned int nq)
{
	struct stub_dev *s = dev;

	(void)features;
	if (nq != s->num_queues)
		fuzz_fail("activate with the wrong queue count");
	for (unsigned int i = 0; i < nq; i++)
		if (q[i].enabled && q[i].size > s->queue_max_size)
			fuzz_fail("activate with a queue larger than offered");
	return 0;
}

static void stub_reset(void *dev)
{
	(void)dev;
}

static const struct vpci_device_ops stub_ops = {
	.config_read = fuzz_dev_config_read,
	.config_write = fuzz_dev_config_write,
	.activate = stub_activate,
	.reset = stub_reset,
};

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * The checks are the harness's, not the code under test: no coverage
 * instrumentation (it would steer the fuzzer and cost most of the time).
 */
#define NO_COVERAGE __attribute__((no_sanitize("coverage")))

/* Bits of one function's configuration space a guest may change, and their values at start. */
struct cfg_ref {
	uint64_t initial[PCI_CFG_SPACE_SIZE / 8];
	uint64_t ro[PCI_CFG_SPACE_SIZE / 8];
};

NO_COVERAGE static void cfg_ref_init(const struct pci_dev *d, struct cfg_ref *r)
{
	uint8_t ro[PCI_CFG_SPACE_SIZE];

	/* In the type-0 header: command, cache line, latency timer, interrupt line, BARs. */
	memset(ro, 0xff, 0x40);
	ro[PCI_COMMAND] = ro[PCI_COMMAND + 1] = 0;
	ro[PCI_CACHE_LINE_SIZE] = ro[PCI_LATENCY_TIMER] = ro[PCI_INTERRUPT_LINE] = 0;
	memset(ro + PCI_BASE_ADDRESS_0, 0, 4 * PCI_NUM_BARS);
	for (uint32_t o = 0x40; o < PCI_CFG_SPACE_SIZE; o++)
		ro[o] = ~d->wmask[o];
	memcpy(r->ro, ro, sizeof(ro));
	memcpy(r->initial, d->cfg, sizeof(r->initial));
}

/* What the bus promises about one function's configuration space, whatever was written. */
NO_COVERAGE static void check_dev(const struct pci_dev *d, const struct cfg_ref *r)
{
	uint16_t cmd = d->cfg[PCI_COMMAND] | d->cfg[PCI_COMMAND + 1] << 8;
	uint64_t now[PCI_CFG_SPACE_SIZE / 8];

	if (cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		    PCI_COMMAND_INTX_DISABLE))
		fuzz_fail("a command register bit that is not writable got set");
	memcpy(now, d->cfg, sizeof(now));
	for (unsigned int w = 0; w < PCI_CFG_SPACE_SIZE / 8; w++)
		if ((now[w] ^ r->initial[w]) & r->ro[w])
			fuzz_fail("a read-only configuration byte changed");
	for (int i = 0; i < PCI_NUM_BARS; i++) {
		uint32_t bar;

		memcpy(&bar, d->cfg + PCI_BASE_ADDRESS_0 + 4 * i, 4);
		if (!d->bar_size[i]) {
			if (bar || d->bar_mapped[i])
				fuzz_fail("an unimplemented BAR is not hardwired to zero");
			continue;
		}
		if (bar & ~PCI_BASE_ADDRESS_MEM_MASK)
			fuzz_fail("a BAR's type bits changed (not a 32-bit memory BAR any more)");
		if (bar & (d->bar_size[i] - 1))
			fuzz_fail("a BAR is not aligned to its size");
		if (d->bar_mapped[i] && (d->bar_mapped[i] != bar || !(cmd & PCI_COMMAND_MEMORY)))
			fuzz_fail("a BAR decodes where its register does not say, or with memory off");
	}
}

/* Each queue's doorbell is registered at BAR 0's notify region exactly when BAR 0 decodes. */
NO_COVERAGE static unsigned int check_doorbells(const struct vpci *v)
{
	if (!v->pci.bar_mapped[0]) {
		if (v->notify_base)
			fuzz_fail("notify_base set while BAR 0 is off");
		return 0;
	}
	if (v->notify_base != v->pci.bar_mapped[0] + NOTIFY_OFF)
		fuzz_fail("notify_base does not follow BAR 0");
	for (unsigned int q = 0; q < v->desc.num_queues; q++) {
		unsigned int i;

		for (i = 0; i < fuzz_nioeventfds; i++)
			if (fuzz_ioeventfds[i].efd == v->kickfd[q] &&
			    fuzz_ioeventfds[i].addr == v->notify_base + q * NOTIFY_MULT)
				break;
		if (i == fuzz_nioeventfds)
			fuzz_fail("a queue's doorbell is not where BAR 0 is");
	}
	return v->desc.num_queues;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iobus pio, mmio;
	static struct pci_bus bus;
	static struct irq_router router;
	static struct vpci dev[2];
	static struct stub_dev stub[2];
	static struct cfg_ref ref[3];
	const struct pci_dev *devs[3] = { &bus.host_bridge, &dev[0].pci, &dev[1].pci };
	char err[128];
	uint8_t buf[8];

	if (size < 2)
		return 0;
	fuzz_stubs_reset();
	iobus_init(&pio, "pio", false);
	iobus_init(&mmio, "mmio", false);
	irq_router_init(&router, -1);
	if (pci_bus_init(&bus, &pio, &mmio, ECAM_BASE, MMIO_BASE, MMIO_SIZE) < 0)
		abort();
	for (int i = 0; i < 2; i++) {
		struct vpci_device_desc d = {
			.device_id = 2,
			.pci_class = 0x0180,
			.num_queues = 1 + ((data[0] >> (4 * i)) & 15),
			.queue_max_size = 256,
			.config_size = data[1] * 4u,
			.features = 1ull << 32, /* VIRTIO_F_VERSION_1 */
			.ops = &stub_ops,
			.dev = &stub[i],
		};

		memset(&stub[i], 0, sizeof(stub[i]));
		stub[i].config.size = d.config_size;
		stub[i].num_queues = d.num_queues;
		stub[i].queue_max_size = d.queue_max_size;
		if (vpci_init(&dev[i], &d, -1, &router, err, sizeof(err)) < 0 ||
		    pci_bus_add(&bus, &dev[i].pci) < 0)
			abort();
	}
	for (int i = 0; i < 3; i++)
		cfg_ref_init(devs[i], &ref[i]);
	data += 2;
	size -= 2;

	for (; size >= RECORD; data += RECORD, size -= RECORD) {
		uint32_t addr = le32(data + 2), val = le32(data + 6);
		uint32_t len = 1u << (data[1] & 3); /* 1, 2, 4, 8 */
		bool is_write = !(data[0] & 1);
		uint64_t where;

		memset(buf, 0, sizeof(buf));
		memcpy(buf, &val, 4);
		switch ((data[0] >> 1) & 3) {
		case 0: /* ports: KVM gives 1, 2 or 4 bytes */
			iobus_access(&pio, 0xcf8 + addr % 8, buf, len > 4 ? 4 : len, is_write);
			break;
		case 1:
			iobus_access(&mmio, ECAM_BASE + addr % (1u << 20), buf, len, is_write);
			break;
		case 2:
			if (data[1] & 0x80) {
				where = addr; /* anywhere below 4 GiB, where a moved BAR may sit */
			} else {
				const struct vpci *v = &dev[(data[1] >> 6) & 1];

				where = (v->pci.bar_mapped[0] ? v->pci.bar_mapped[0] : MMIO_BASE) +
					addr % 0x8000;
			}
			iobus_access(&mmio, where, buf, len, is_write);
			break;
		case 3: /* the exposed entry point, with what no iobus would pass */
			pci_cfg_access(&bus, (addr >> 12) & 0x3f, (addr >> 18) & 7, addr & 0xfff, buf,
				       (data[1] >> 2) & 7, is_write);
			break;
		}
		for (int i = 0; i < 3; i++)
			check_dev(devs[i], &ref[i]);
	}

	if (check_doorbells(&dev[0]) + check_doorbells(&dev[1]) != fuzz_nioeventfds)
		fuzz_fail("ioeventfds left behind at an old BAR address");
	for (int i = 0; i < 2; i++)
		vpci_destroy(&dev[i]);
	iobus_destroy(&pio);
	iobus_destroy(&mmio);
	return 0;
}

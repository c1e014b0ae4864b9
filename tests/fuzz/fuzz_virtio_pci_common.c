/*
 * libFuzzer target: a hostile driver on BAR 0 of one virtio-pci function
 * (virtio/pci_transport.c): common configuration, ISR, device configuration,
 * notify region, MSI-X table and PBA, plus the capability bytes in config
 * space (MSI-X enable and function mask, the virtio_pci_cfg_cap window) and
 * what the device's I/O thread does meanwhile (queue interrupts, NEEDS_RESET).
 * The device model is a stub that checks what the transport hands it; KVM is
 * fuzz_stubs.c. After every record the target checks the transport's promises:
 * vectors named by msix_config and the queues exist, MSI-X table entries past
 * the table size never change (nor the state behind the table), vector control
 * keeps its reserved bits clear, table and PBA reads return the entry's words,
 * a queue's registers are frozen while the device runs, a driver reset stops
 * the device, and FEATURES_OK only stands for a subset of the offered
 * features that includes VERSION_1 and does not change afterwards. The input:
 *
 *   byte 0      number of queues, 1 + low 4 bits
 *   byte 1      device config size, byte * 4
 *   bytes 2-3   queue_max_size (le16; 0 and non-powers of two included)
 *   byte 4      bit 0: the device refuses activation
 *   bytes 5-7   offered feature bits 0-23, besides VERSION_1
 *   the rest    8-byte records: kind, len, le16 offset, le32 value
 *
 *   kind % 6    0 BAR 0 write at offset % 32 KiB, 1 << (len & 3) bytes
 *               1 BAR 0 read
 *               2 config space write at 0x40 + offset % 0xc0 (len 1, 2, 4, aligned)
 *               3 config space read
 *               4 the I/O thread interrupts for queue value % 20
 *               5 the I/O thread reports a broken ring (NEEDS_RESET)
 */
#include "devices/pci.h"
#include "tests/fuzz/fuzz_stubs.h"
#include "virtio/pci_transport.h"

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#define RECORD         8
/* The harness's own checks: not instrumented for coverage (it would steer the fuzzer). */
#define NO_COVERAGE    __attribute__((no_sanitize("coverage")))
#define BAR_MSIX_TABLE 0x4000 /* BAR 0 layout of pci_transport.c */
#define BAR_MSIX_PBA   0x5000

struct stub_dev {
	struct fuzz_dev_config config; /* first: the accessors take the device pointer */
	uint16_t num_queues, queue_max_size;
	bool refuse;
	bool active;
	struct vpci_queue_cfg live[VPCI_MAX_QUEUES]; /* what activate was handed */
};

static int stub_activate(void *dev, uint64_t features, const struct vpci_queue_cfg *q,
			 unsigned int nq)
{
	struct stub_dev *s = dev;

	(void)features;
	if (s->active)
		fuzz_fail("activate twice without a reset");
	if (nq != s->num_queues)
		fuzz_fail("activate with the wrong queue count");
	for (unsigned int i = 0; i < nq; i++)
		if (q[i].enabled && q[i].size > s->queue_max_size)
			fuzz_fail("activate with a queue larger than offered");
	if (s->refuse)
		return -EINVAL;
	s->active = true;
	memcpy(s->live, q, nq * sizeof(*q));
	return 0;
}

static void stub_reset(void *dev)
{
	struct stub_dev *s = dev;

	s->active = false;
}

static const struct vpci_device_ops stub_ops = {
	.config_read = fuzz_dev_config_read,
	.config_write = fuzz_dev_config_write,
	.activate = stub_activate,
	.reset = stub_reset,
};

/* State behind the MSI-X table an overrun would hit, as vpci_init left it. */
struct behind_table {
	struct vpci_msix_entry msix[VPCI_MAX_VECTORS]; /* only those past the table size compared */
	unsigned int gsi[VPCI_MAX_VECTORS];
	int irqfd[VPCI_MAX_VECTORS];
	int kickfd[VPCI_MAX_QUEUES];
};

NO_COVERAGE static void snapshot(const struct vpci *v, struct behind_table *b)
{
	memcpy(b->msix, v->msix, sizeof(b->msix));
	memcpy(b->gsi, v->gsi, sizeof(b->gsi));
	memcpy(b->irqfd, v->irqfd, sizeof(b->irqfd));
	memcpy(b->kickfd, v->kickfd, sizeof(b->kickfd));
}

/* What the transport promises whatever the driver wrote. */
NO_COVERAGE static void check_state(const struct vpci *v, const struct stub_dev *s, const struct behind_table *b)
{
	unsigned int nvec = v->desc.num_queues + 1u;
	struct behind_table now;

	snapshot(v, &now);
	if (memcmp(now.gsi, b->gsi, sizeof(now.gsi)) || memcmp(now.irqfd, b->irqfd, sizeof(now.irqfd)) ||
	    memcmp(now.kickfd, b->kickfd, sizeof(now.kickfd)))
		fuzz_fail("gsi/irqfd/kickfd changed: a write ran past the MSI-X table");
	for (unsigned int vec = 0; vec < VPCI_MAX_VECTORS; vec++) {
		const struct vpci_msix_entry *e = &v->msix[vec];

		if (e->ctrl & ~1u)
			fuzz_fail("reserved vector control bits set");
		if (vec >= nvec && memcmp(e, &b->msix[vec], sizeof(*e)))
			fuzz_fail("an MSI-X entry past the table size changed");
	}
	if (v->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		fuzz_fail("NEEDS_RESET stored in the driver's status");
	if (s->active && !(v->status & VIRTIO_CONFIG_S_DRIVER_OK))
		fuzz_fail("the device still runs after the driver took DRIVER_OK away");
	if (s->active && memcmp(v->queues, s->live, v->desc.num_queues * sizeof(v->queues[0])))
		fuzz_fail("a live queue's registers changed");
	if ((v->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    ((v->driver_features & ~v->desc.features) ||
	     !(v->driver_features & (1ull << VIRTIO_F_VERSION_1))))
		fuzz_fail("FEATURES_OK with features not offered or without VERSION_1");

	if (v->msix_pending >> nvec)
		fuzz_fail("a pending bit for a vector that does not exist");
	if (v->msix_config >= nvec && v->msix_config != VIRTIO_MSI_NO_VECTOR)
		fuzz_fail("msix_config names a vector that does not exist");
	for (unsigned int q = 0; q < VPCI_MAX_QUEUES; q++)
		if (v->queues[q].msix_vector >= nvec &&
		    v->queues[q].msix_vector != VIRTIO_MSI_NO_VECTOR)
			fuzz_fail("a queue's msix_vector names a vector that does not exist");
}

/* A 4-byte read of the MSI-X table or PBA returns the entry's word, or 0 past the end. */
NO_COVERAGE static void check_msix_read(const struct vpci *v, uint32_t off, uint32_t len, uint32_t got)
{
	uint32_t want = 0, vec = (off - BAR_MSIX_TABLE) / 16;

	if (len != 4 || (off & 3) || off < BAR_MSIX_TABLE)
		return;
	if (off == BAR_MSIX_PBA)
		want = (uint32_t)v->msix_pending;
	else if (off < BAR_MSIX_PBA && vec < v->desc.num_queues + 1u)
		memcpy(&want, (const uint8_t *)&v->msix[vec] + (off & 15), 4);
	if (got != want)
		fuzz_fail("an MSI-X table or PBA read returned something else");
}

/* A 4-byte write of an entry that exists lands in that entry's word (control: bit 0 only). */
NO_COVERAGE static void check_msix_write(const struct vpci *v, uint32_t off, uint32_t len, uint32_t val)
{
	uint32_t got, vec = (off - BAR_MSIX_TABLE) / 16;

	if (len != 4 || (off & 3) || off < BAR_MSIX_TABLE || off >= BAR_MSIX_PBA ||
	    vec >= v->desc.num_queues + 1u)
		return;
	memcpy(&got, (const uint8_t *)&v->msix[vec] + (off & 15), 4);
	if (got != ((off & 15) == 12 ? val & 1 : val))
		fuzz_fail("an MSI-X table write did not land in its entry");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iobus pio, mmio;
	static struct pci_bus bus;
	static struct irq_router router;
	static struct vpci v;
	static struct stub_dev stub;
	struct vpci_device_desc d = {
		.device_id = 2,
		.pci_class = 0x0180,
		.ops = &stub_ops,
		.dev = &stub,
	};
	static struct behind_table behind;
	uint64_t features = 0;
	char err[128];
	uint8_t buf[8];
	int slot;

	if (size < 8)
		return 0;
	d.num_queues = 1 + (data[0] & 15);
	d.config_size = data[1] * 4u;
	d.queue_max_size = data[2] | data[3] << 8;
	d.features = 1ull << 32 | (data[5] | data[6] << 8 | (uint32_t)data[7] << 16);
	memset(&stub, 0, sizeof(stub));
	stub.config.size = d.config_size;
	stub.num_queues = d.num_queues;
	stub.queue_max_size = d.queue_max_size;
	stub.refuse = data[4] & 1;

	fuzz_stubs_reset();
	iobus_init(&pio, "pio", false);
	iobus_init(&mmio, "mmio", false);
	irq_router_init(&router, -1);
	if (pci_bus_init(&bus, &pio, &mmio, 0xe0000000ull, 0xc0000000ull, 0x20000000ull) < 0 ||
	    vpci_init(&v, &d, -1, &router, err, sizeof(err)) < 0)
		abort();
	slot = pci_bus_add(&bus, &v.pci);
	if (slot < 0)
		abort();
	snapshot(&v, &behind);
	data += 8;
	size -= 8;

	for (; size >= RECORD; data += RECORD, size -= RECORD) {
		uint32_t off = data[2] | data[3] << 8;
		uint32_t val = data[4] | data[5] << 8 | data[6] << 16 | (uint32_t)data[7] << 24;
		uint32_t len = 1u << (data[1] & 3);

		memset(buf, 0, sizeof(buf));
		memcpy(buf, &val, 4);
		switch (data[0] % 6) {
		case 0:
			v.pci.bar_ops[0]->write(v.pci.opaque, off % 0x8000, buf, len);
			check_msix_write(&v, off % 0x8000, len, val);
			break;
		case 1:
			v.pci.bar_ops[0]->read(v.pci.opaque, off % 0x8000, buf, len);
			memcpy(&val, buf, 4);
			check_msix_read(&v, off % 0x8000, len, val);
			break;
		case 2:
		case 3:
			len = len > 4 ? 4 : len;
			pci_cfg_access(&bus, slot, 0, (0x40 + off % 0xc0) & ~(len - 1), buf, len,
				       data[0] % 6 == 2);
			break;
		case 4:
			vpci_notify_queue(&v, val % 20);
			break;
		case 5:
			vpci_set_needs_reset(&v);
			break;
		}
		check_state(&v, &stub, &behind);
		/* Features are fixed from FEATURES_OK until a reset. */
		if (!(v.status & VIRTIO_CONFIG_S_FEATURES_OK))
			features = 0;
		else if (!features)
			features = v.driver_features;
		else if (features != v.driver_features)
			fuzz_fail("driver features changed after FEATURES_OK");
	}
	vpci_destroy(&v);
	iobus_destroy(&pio);
	iobus_destroy(&mmio);
	return 0;
}

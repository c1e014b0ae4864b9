/*
 * A minimal virtio-blk driver (virtio 1.2: 3.1.1 device initialization,
 * 4.1 virtio over PCI, 2.7 split virtqueues, 5.2 block device). Polling
 * first; MSI-X only as far as irqfd.c needs it. Every register access
 * below is a load or store to BAR0, i.e. one KVM_EXIT_MMIO to minivmm,
 * except the doorbell, which KVM turns into an eventfd signal in the kernel.
 */
#include "vblk.h"
#include "lib.h"

#include <linux/pci_regs.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#define VIRTIO_VENDOR   0x1af4
#define VIRTIO_BLK_PCI  0x1042 /* 0x1040 + device type 2 (4.1.2.1: non-transitional) */

/*
 * The split virtqueue in guest RAM (2.7): the descriptor table, the driver
 * area ("avail") and the device area ("used"). The device reads and writes
 * these directly in our memory: minivmm maps guest RAM and turns each
 * descriptor's guest-physical address into a host pointer (vmm/gmem.c).
 * Alignment 16/2/4 (2.7.1); a page each keeps it simple.
 */
static struct {
	struct vring_desc desc[VBLK_QSIZE];
	uint8_t pad0[4096 - VBLK_QSIZE * sizeof(struct vring_desc)];
	struct vring_avail avail;
	uint16_t avail_ring[VBLK_QSIZE + 1];           /* + used_event, unused without EVENT_IDX */
	uint8_t pad1[4096 - 4 - 2 * (VBLK_QSIZE + 1)];
	struct vring_used used;
	struct vring_used_elem used_ring[VBLK_QSIZE];
	uint16_t avail_event;
} ring __attribute__((aligned(4096)));

/* The request: header (device-readable), data and status (device-writable), 5.2.6. */
static struct virtio_blk_outhdr req_hdr;
static volatile uint8_t req_status;

static uint32_t cfg_read32(int slot, unsigned int reg) { return mmio_read32(ecam(slot, reg)); }
static uint16_t cfg_read16(int slot, unsigned int reg) { return mmio_read16(ecam(slot, reg)); }
static uint8_t cfg_read8(int slot, unsigned int reg) { return mmio_read8(ecam(slot, reg)); }

static void common_w8(struct vblk *d, unsigned int off, uint8_t v) { mmio_write8(d->common + off, v); }
static void common_w16(struct vblk *d, unsigned int off, uint16_t v) { mmio_write16(d->common + off, v); }
static void common_w32(struct vblk *d, unsigned int off, uint32_t v) { mmio_write32(d->common + off, v); }
static uint8_t common_r8(struct vblk *d, unsigned int off) { return mmio_read8(d->common + off); }
static uint16_t common_r16(struct vblk *d, unsigned int off) { return mmio_read16(d->common + off); }
static uint32_t common_r32(struct vblk *d, unsigned int off) { return mmio_read32(d->common + off); }

static int fail(int step, const char *what)
{
	puts("vblk: FAIL: ");
	puts(what);
	putc('\n');
	return -step;
}

/*
 * 4.1.4: the device describes where its register blocks live with vendor
 * capabilities (cap_vndr 0x09) in config space: cfg_type says which block,
 * bar/offset/length where it is. Never assume a layout; minivmm's is in
 * virtio/pci_transport.c (all in BAR0, one page each).
 */
static int find_caps(struct vblk *d, uintptr_t *bars)
{
	uint32_t notify_mult = 0;
	uintptr_t notify_base = 0;
	uint8_t pos;

	if (!(cfg_read16(d->slot, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return fail(2, "no capability list");
	for (pos = cfg_read8(d->slot, PCI_CAPABILITY_LIST); pos; pos = cfg_read8(d->slot, pos + 1)) {
		uint8_t id = cfg_read8(d->slot, pos), type, bar;
		uintptr_t addr;

		if (id == PCI_CAP_ID_MSIX) {
			/* PCI 3.0 6.8.2: table offset | BIR in the dword at +4. */
			uint32_t t = cfg_read32(d->slot, pos + PCI_MSIX_TABLE);

			d->msix_cap = pos;
			d->msix_table = bars[t & PCI_MSIX_TABLE_BIR] + (t & PCI_MSIX_TABLE_OFFSET);
			continue;
		}
		if (id != PCI_CAP_ID_VNDR)
			continue;
		type = cfg_read8(d->slot, pos + VIRTIO_PCI_CAP_CFG_TYPE);
		bar = cfg_read8(d->slot, pos + VIRTIO_PCI_CAP_BAR);
		if (bar > 5)
			continue;
		addr = bars[bar] + cfg_read32(d->slot, pos + VIRTIO_PCI_CAP_OFFSET);
		/* 4.1.4.1: take the first capability of each type; later ones are alternatives. */
		if (type == VIRTIO_PCI_CAP_COMMON_CFG && !d->common) {
			d->common = addr;
		} else if (type == VIRTIO_PCI_CAP_DEVICE_CFG && !d->device_cfg) {
			d->device_cfg = addr;
		} else if (type == VIRTIO_PCI_CAP_NOTIFY_CFG && !notify_base) {
			notify_base = addr;
			/* 4.1.4.4: doorbell = base + queue_notify_off * notify_off_multiplier */
			notify_mult = cfg_read32(d->slot, pos + sizeof(struct virtio_pci_cap));
		}
	}
	if (!d->common || !d->device_cfg || !notify_base)
		return fail(2, "common, notify or device capability missing");
	/* queue_notify_off is read after queue_select below; remember the pieces. */
	d->notify = notify_base;
	return notify_mult;
}

int vblk_init(struct vblk *d, uint16_t msix_vector)
{
	uintptr_t bars[6] = { 0 };
	uint32_t f_lo, f_hi;
	int mult;

	*d = (struct vblk){ 0 };

	/* Step 1: find the function on bus 0 (4.1.2: vendor 0x1af4, device 0x1040 + type). */
	d->slot = pci_find(VIRTIO_VENDOR, VIRTIO_BLK_PCI);
	if (d->slot < 0)
		return fail(1, "no virtio-blk (1af4:1042) on bus 0: was --disk given?");
	put_kv("vblk: found virtio-blk at slot ", d->slot);

	/*
	 * minivmm placed the BARs the way firmware would (devices/pci.c
	 * pci_bus_add) but left decoding off. Memory Space on makes BAR0 appear
	 * on the MMIO bus; Bus Master is what lets a real device DMA into our
	 * rings (minivmm's does not check it, the spec expects it set).
	 */
	for (int i = 0; i < 6; i++)
		bars[i] = cfg_read32(d->slot, PCI_BASE_ADDRESS_0 + 4 * i) & PCI_BASE_ADDRESS_MEM_MASK;
	mmio_write16(ecam(d->slot, PCI_COMMAND),
		     cfg_read16(d->slot, PCI_COMMAND) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	put_kv("vblk: BAR0 at ", bars[0]);

	/* Step 2: where the register blocks are. */
	mult = find_caps(d, bars);
	if (mult < 0)
		return mult;

	/* Step 3 (3.1.1): reset, and wait until the device says it is done (4.1.4.3.2). */
	common_w8(d, VIRTIO_PCI_COMMON_STATUS, 0);
	while (common_r8(d, VIRTIO_PCI_COMMON_STATUS) != 0)
		cpu_relax();
	/* Step 4: ACKNOWLEDGE (we saw the device), DRIVER (we can drive it). */
	common_w8(d, VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	common_w8(d, VIRTIO_PCI_COMMON_STATUS,
		  VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);

	/*
	 * Step 5: features, 32 bits at a time through a select register.
	 * We take VIRTIO_F_VERSION_1 (bit 32: "modern", little-endian, this
	 * register layout) and nothing else: no EVENT_IDX, no indirect
	 * descriptors, so the ring stays as plain as 2.7 draws it.
	 */
	common_w32(d, VIRTIO_PCI_COMMON_DFSELECT, 0);
	f_lo = common_r32(d, VIRTIO_PCI_COMMON_DF);
	common_w32(d, VIRTIO_PCI_COMMON_DFSELECT, 1);
	f_hi = common_r32(d, VIRTIO_PCI_COMMON_DF);
	put_kv("vblk: device features ", (uint64_t)f_hi << 32 | f_lo);
	if (!(f_hi & (1u << (VIRTIO_F_VERSION_1 - 32))))
		return fail(5, "device does not offer VIRTIO_F_VERSION_1");
	common_w32(d, VIRTIO_PCI_COMMON_GFSELECT, 0);
	common_w32(d, VIRTIO_PCI_COMMON_GF, 0);
	common_w32(d, VIRTIO_PCI_COMMON_GFSELECT, 1);
	common_w32(d, VIRTIO_PCI_COMMON_GF, 1u << (VIRTIO_F_VERSION_1 - 32));

	/* Step 6: FEATURES_OK, then read it back: the device clears it if it refuses (3.1.1). */
	common_w8(d, VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE |
		  VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	if (!(common_r8(d, VIRTIO_PCI_COMMON_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK))
		return fail(6, "device refused our features");

	/*
	 * Step 7: queue 0 (virtio-blk's requestq, 5.2.2). queue_size reads as
	 * the device's maximum; we may only make it smaller (4.1.4.3.2). The
	 * three addresses are guest-physical: our identity map makes them
	 * equal to the pointers.
	 */
	common_w16(d, VIRTIO_PCI_COMMON_Q_SELECT, 0);
	if (common_r16(d, VIRTIO_PCI_COMMON_Q_SIZE) < VBLK_QSIZE)
		return fail(7, "queue 0 smaller than VBLK_QSIZE");
	common_w16(d, VIRTIO_PCI_COMMON_Q_SIZE, VBLK_QSIZE);
	common_w32(d, VIRTIO_PCI_COMMON_Q_DESCLO, (uintptr_t)ring.desc);
	common_w32(d, VIRTIO_PCI_COMMON_Q_DESCHI, 0);
	common_w32(d, VIRTIO_PCI_COMMON_Q_AVAILLO, (uintptr_t)&ring.avail);
	common_w32(d, VIRTIO_PCI_COMMON_Q_AVAILHI, 0);
	common_w32(d, VIRTIO_PCI_COMMON_Q_USEDLO, (uintptr_t)&ring.used);
	common_w32(d, VIRTIO_PCI_COMMON_Q_USEDHI, 0);
	/* 4.1.5.1.2: with MSI-X, name the vector and read it back (NO_VECTOR = refused). */
	common_w16(d, VIRTIO_PCI_COMMON_Q_MSIX, msix_vector);
	if (common_r16(d, VIRTIO_PCI_COMMON_Q_MSIX) != msix_vector)
		return fail(7, "device refused the queue's MSI-X vector");
	d->notify += (uintptr_t)common_r16(d, VIRTIO_PCI_COMMON_Q_NOFF) * mult;
	common_w16(d, VIRTIO_PCI_COMMON_Q_ENABLE, 1);

	/* Step 8: DRIVER_OK. From here the device may use the queue. */
	common_w8(d, VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE |
		  VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	if (common_r8(d, VIRTIO_PCI_COMMON_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET)
		return fail(8, "device set DEVICE_NEEDS_RESET");

	/* The device config (5.2.4): capacity in 512-byte sectors, two 32-bit reads. */
	put_kv("vblk: capacity (sectors) ",
	       (uint64_t)mmio_read32(d->device_cfg + 4) << 32 | mmio_read32(d->device_cfg));
	put_kv("vblk: DRIVER_OK, queue 0 size 4, doorbell at ", d->notify);
	return 0;
}

void vblk_queue_read(struct vblk *d, uint64_t sector, void *buf)
{
	uint16_t slot = d->avail_idx % VBLK_QSIZE;

	/*
	 * One request is a chain of three descriptors (5.2.6): the header the
	 * device reads, the buffer it fills, the status byte it writes last.
	 * With one request in flight, descriptors 0-2 are always free.
	 */
	req_hdr = (struct virtio_blk_outhdr){ .type = VIRTIO_BLK_T_IN, .sector = sector };
	req_status = 0xff; /* anything the device will overwrite */
	ring.desc[0] = (struct vring_desc){ .addr = (uintptr_t)&req_hdr, .len = sizeof(req_hdr),
					    .flags = VRING_DESC_F_NEXT, .next = 1 };
	ring.desc[1] = (struct vring_desc){ .addr = (uintptr_t)buf, .len = 512,
					    .flags = VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
					    .next = 2 };
	ring.desc[2] = (struct vring_desc){ .addr = (uintptr_t)&req_status, .len = 1,
					    .flags = VRING_DESC_F_WRITE };
	/*
	 * 2.7.13: put the head in avail->ring, then publish it by bumping
	 * avail->idx. The device may read the ring as soon as it sees the new
	 * idx, so the ring entry must be visible first: x86 keeps stores in
	 * order, the compiler must too (barrier).
	 */
	ring.avail_ring[slot] = 0;
	barrier();
	*(volatile uint16_t *)&ring.avail.idx = ++d->avail_idx;
}

void vblk_notify(struct vblk *d)
{
	/*
	 * 2.7.13.4 says check used->flags for VRING_USED_F_NO_NOTIFY before
	 * ringing; that needs a store-load fence (mb) against the idx store.
	 * minivmm's I/O thread never suppresses without EVENT_IDX, but a driver
	 * that skips this check is wrong on other devices.
	 */
	mb();
	if (*(volatile uint16_t *)&ring.used.flags & VRING_USED_F_NO_NOTIFY)
		return;
	/*
	 * 16 bits, the queue index (4.1.4.4). minivmm registered this address
	 * and width as an ioeventfd (virtio/pci_transport.c bar_moved): KVM
	 * signals the device's eventfd and re-enters the guest without
	 * returning to user space. No KVM_EXIT_MMIO, so not an mmio_write16:
	 * it must stay out of mmio_count (lib.h).
	 */
	*(volatile uint16_t *)d->notify = 0;
}

int vblk_used_pending(const struct vblk *d)
{
	return *(volatile uint16_t *)&ring.used.idx != d->used_seen;
}

int vblk_poll(struct vblk *d, unsigned long max_spins, unsigned long *spins)
{
	unsigned long n = 0;

	/* used->idx is plain RAM: the device's I/O thread writes it from the host. */
	while (!vblk_used_pending(d)) {
		if (++n >= max_spins) {
			*spins = n;
			return -1;
		}
		cpu_relax();
	}
	*spins = n;
	barrier(); /* read the used entry and the data only after seeing idx move (2.7.14) */
	d->used_seen++;
	return req_status;
}

void vblk_msix_route(struct vblk *d, uint16_t vec, uint32_t lapic_id, uint8_t vector)
{
	uintptr_t e = d->msix_table + 16 * vec;
	uint16_t ctrl;

	/*
	 * PCI 3.0 6.8.2: an MSI-X table entry is address, upper address, data,
	 * vector control. On x86 the address 0xfee0_0000 | dest << 12 targets a
	 * local APIC; the data's low byte is the IDT vector, fixed delivery,
	 * edge (SDM Vol. 3 11.11). minivmm passes each entry to KVM as an MSI
	 * route behind the vector's irqfd (virtio/pci_transport.c sync_vector).
	 */
	mmio_write32(e + PCI_MSIX_ENTRY_LOWER_ADDR, LAPIC_BASE | lapic_id << 12);
	mmio_write32(e + PCI_MSIX_ENTRY_UPPER_ADDR, 0);
	mmio_write32(e + PCI_MSIX_ENTRY_DATA, vector);
	mmio_write32(e + PCI_MSIX_ENTRY_VECTOR_CTRL, 0); /* unmask */
	ctrl = cfg_read16(d->slot, d->msix_cap + PCI_MSIX_FLAGS);
	mmio_write16(ecam(d->slot, d->msix_cap + PCI_MSIX_FLAGS),
		     (ctrl | PCI_MSIX_FLAGS_ENABLE) & ~PCI_MSIX_FLAGS_MASKALL);
}

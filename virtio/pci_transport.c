/*
 * Modern virtio-pci (virtio 1.2 section 4.1). Register names follow the spec
 * and linux/virtio_pci.h, so a grep for a field lands on its reader and writer.
 */
#include "virtio/pci_transport.h"
#include "vmm/trace.h"

#include <errno.h>
#include <stddef.h>
#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <stdio.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define VIRTIO_PCI_VENDOR     0x1af4
#define VIRTIO_PCI_DEVICE_BASE 0x1040 /* + device type: non-transitional IDs (4.1.2.1) */

/* BAR 0 layout: each region on its own page so an access can only hit one. */
#define BAR_COMMON     0x0000
#define BAR_ISR        0x1000
#define BAR_DEVICE     0x2000
#define BAR_NOTIFY     0x3000
#define BAR_MSIX_TABLE 0x4000
#define BAR_MSIX_PBA   0x5000
#define BAR_SIZE       0x8000
#define REGION_SIZE    0x1000
#define NOTIFY_OFF_MULTIPLIER 4

#define VIRTIO_PCI_ISR_QUEUE_BIT 0x1 /* 4.1.4.5: queue interrupt */
#define MSIX_ENTRY_SIZE     16
#define MSIX_CTRL_MASKED    1u
#define MSIX_CAP_CONTROL    2 /* offset of Message Control in the capability */

_Static_assert(sizeof(struct virtio_pci_common_cfg) == 56, "virtio 1.2 4.1.4.3 layout");
_Static_assert(sizeof(struct virtio_pci_cap) == 16, "virtio 1.2 4.1.4 layout");
_Static_assert(sizeof(struct virtio_pci_notify_cap) == 20, "virtio 1.2 4.1.4.4 layout");
_Static_assert(sizeof(struct virtio_pci_cfg_cap) == 20, "virtio 1.2 4.1.4.9 layout");
_Static_assert(VPCI_MAX_QUEUES * NOTIFY_OFF_MULTIPLIER <= REGION_SIZE, "notify region fits");
_Static_assert(VPCI_MAX_VECTORS * MSIX_ENTRY_SIZE <= REGION_SIZE, "MSI-X table fits");

static unsigned int nvectors(const struct vpci *v)
{
	return v->desc.num_queues + 1u;
}

static uint16_t msix_control(const struct vpci *v)
{
	uint16_t c;

	memcpy(&c, v->pci.cfg + v->pci.cfg[PCI_CAPABILITY_LIST] + MSIX_CAP_CONTROL, 2);
	return c;
}

/* Delivers vector vec through its irqfd, or marks it pending if masked (PCI MSI-X rules). msix_lock held. */
static void fire_vector(struct vpci *v, uint16_t vec)
{
	uint16_t ctrl = msix_control(v);
	uint64_t one = 1;

	if (vec >= nvectors(v))
		return; /* VIRTIO_MSI_NO_VECTOR or out of range: the driver asked for silence */
	if (!(ctrl & PCI_MSIX_FLAGS_ENABLE) || (ctrl & PCI_MSIX_FLAGS_MASKALL) ||
	    (v->msix[vec].ctrl & MSIX_CTRL_MASKED)) {
		v->msix_pending |= 1ull << vec;
		return;
	}
	v->interrupts++;
	if (write(v->irqfd[vec], &one, sizeof(one)) < 0) {
		/* eventfd counters do not overflow at our rates; nothing to recover */
	}
}

/* Re-sends a vector's message to KVM and delivers what waited while it was masked. msix_lock held. */
static void sync_vector(struct vpci *v, uint16_t vec)
{
	const struct vpci_msix_entry *e = &v->msix[vec];
	uint16_t ctrl = msix_control(v);

	if (!(ctrl & PCI_MSIX_FLAGS_ENABLE) || (e->ctrl & MSIX_CTRL_MASKED))
		return;
	/* A nonsense address or data from the guest is KVM's to refuse; the vector stays dead. */
	if (irq_set_msi_route(v->router, v->gsi[vec], ((uint64_t)e->addr_hi << 32) | e->addr_lo,
			      e->data) < 0)
		trace(TRACE_MSIX, "msix", "vector %u: KVM refused the route (addr 0x%x data 0x%x)",
		      vec, e->addr_lo, e->data);
	if (!(ctrl & PCI_MSIX_FLAGS_MASKALL) && (v->msix_pending & (1ull << vec))) {
		v->msix_pending &= ~(1ull << vec);
		fire_vector(v, vec);
	}
}

static void device_reset(struct vpci *v)
{
	v->desc.ops->reset(v->desc.dev);
	v->device_feature_select = v->driver_feature_select = 0;
	v->driver_features = 0;
	v->status = 0;
	v->isr = 0;
	v->needs_reset = false;
	v->msix_config = VIRTIO_MSI_NO_VECTOR;
	v->queue_select = 0;
	for (unsigned int q = 0; q < VPCI_MAX_QUEUES; q++)
		v->queues[q] = (struct vpci_queue_cfg){ .size = v->desc.queue_max_size,
							.msix_vector = VIRTIO_MSI_NO_VECTOR };
}

/* Any thread; takes msix_lock only. */
static void signal_needs_reset(struct vpci *v)
{
	v->needs_reset = true;
	v->isr |= VIRTIO_PCI_ISR_CONFIG;
	pthread_mutex_lock(&v->msix_lock);
	fire_vector(v, __atomic_load_n(&v->msix_config, __ATOMIC_RELAXED));
	pthread_mutex_unlock(&v->msix_lock);
}

/* 4.1.4.3.2: a driver may only shrink a queue; never past what the device offers. */
static bool queue_sizes_ok(const struct vpci *v)
{
	for (unsigned int q = 0; q < v->desc.num_queues; q++)
		if (v->queues[q].enabled && v->queues[q].size > v->desc.queue_max_size)
			return false;
	return true;
}

static void status_write(struct vpci *v, uint8_t val)
{
	uint8_t old = v->status;

	trace(TRACE_VIRTIO, "virtio", "type %u status 0x%02x -> 0x%02x%s%s%s%s%s",
	      v->desc.device_id, old, val, val & VIRTIO_CONFIG_S_ACKNOWLEDGE ? " ACK" : "",
	      val & VIRTIO_CONFIG_S_DRIVER ? " DRIVER" : "",
	      val & VIRTIO_CONFIG_S_FEATURES_OK ? " FEATURES_OK" : "",
	      val & VIRTIO_CONFIG_S_DRIVER_OK ? " DRIVER_OK" : "", val == 0 ? " (reset)" : "");
	if (val == 0) {
		device_reset(v);
		return;
	}
	/*
	 * 2.1.2: the driver only ever adds status bits until it resets. A write
	 * that clears one (DRIVER_OK off and on again would re-enable a live
	 * queue under the I/O thread) is refused and the device asks for a reset.
	 */
	if (old & ~val & ~VIRTIO_CONFIG_S_NEEDS_RESET) {
		trace(TRACE_VIRTIO, "virtio", "status write 0x%02x clears bits of 0x%02x: refused", val,
		      old);
		signal_needs_reset(v);
		return;
	}
	/* 3.1.1: FEATURES_OK only sticks if the driver took a subset that includes VERSION_1. */
	if ((val & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    ((v->driver_features & ~v->desc.features) ||
	     !(v->driver_features & (1ull << VIRTIO_F_VERSION_1)))) {
		trace(TRACE_VIRTIO, "virtio", "features 0x%llx refused (offered 0x%llx)",
		      (unsigned long long)v->driver_features, (unsigned long long)v->desc.features);
		val &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	} else if ((val & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK)) {
		trace(TRACE_VIRTIO, "virtio", "features negotiated: offered 0x%llx, driver took 0x%llx",
		      (unsigned long long)v->desc.features, (unsigned long long)v->driver_features);
	}
	v->status = val & ~VIRTIO_CONFIG_S_NEEDS_RESET; /* the device's bit; see needs_reset */
	if ((val & VIRTIO_CONFIG_S_DRIVER_OK) && !(old & VIRTIO_CONFIG_S_DRIVER_OK)) {
		if (!(val & VIRTIO_CONFIG_S_FEATURES_OK) || !queue_sizes_ok(v) ||
		    v->desc.ops->activate(v->desc.dev, v->driver_features, v->queues,
					  v->desc.num_queues) < 0)
			signal_needs_reset(v);
	}
}

static struct vpci_queue_cfg *selected_queue(struct vpci *v)
{
	return v->queue_select < v->desc.num_queues ? &v->queues[v->queue_select] : NULL;
}

static uint32_t common_read(struct vpci *v, uint32_t off)
{
	struct vpci_queue_cfg *q = selected_queue(v);

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		return v->device_feature_select;
	case VIRTIO_PCI_COMMON_DF:
		return v->device_feature_select < 2
			       ? (uint32_t)(v->desc.features >> (32 * v->device_feature_select))
			       : 0;
	case VIRTIO_PCI_COMMON_GFSELECT:
		return v->driver_feature_select;
	case VIRTIO_PCI_COMMON_GF:
		return v->driver_feature_select < 2
			       ? (uint32_t)(v->driver_features >> (32 * v->driver_feature_select))
			       : 0;
	case VIRTIO_PCI_COMMON_MSIX:
		return v->msix_config;
	case VIRTIO_PCI_COMMON_NUMQ:
		return v->desc.num_queues;
	case VIRTIO_PCI_COMMON_STATUS:
		return v->status | (v->needs_reset ? VIRTIO_CONFIG_S_NEEDS_RESET : 0);
	case VIRTIO_PCI_COMMON_CFGGENERATION:
		return 0; /* the configuration never changes under the driver */
	case VIRTIO_PCI_COMMON_Q_SELECT:
		return v->queue_select;
	}
	if (!q)
		return 0; /* queue_size 0: "this queue is not available" (4.1.4.3) */
	switch (off) {
	case VIRTIO_PCI_COMMON_Q_SIZE:
		return q->size;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		return q->msix_vector;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		return q->enabled;
	case VIRTIO_PCI_COMMON_Q_NOFF:
		return v->queue_select;
	case VIRTIO_PCI_COMMON_Q_DESCLO:
		return (uint32_t)q->desc;
	case VIRTIO_PCI_COMMON_Q_DESCHI:
		return q->desc >> 32;
	case VIRTIO_PCI_COMMON_Q_AVAILLO:
		return (uint32_t)q->driver;
	case VIRTIO_PCI_COMMON_Q_AVAILHI:
		return q->driver >> 32;
	case VIRTIO_PCI_COMMON_Q_USEDLO:
		return (uint32_t)q->device;
	case VIRTIO_PCI_COMMON_Q_USEDHI:
		return q->device >> 32;
	}
	return 0;
}

static void set_lo(uint64_t *field, uint32_t val)
{
	*field = (*field & ~0xffffffffull) | val;
}

static void set_hi(uint64_t *field, uint32_t val)
{
	*field = (*field & 0xffffffffull) | ((uint64_t)val << 32);
}

static void common_write(struct vpci *v, uint32_t off, uint32_t val)
{
	struct vpci_queue_cfg *q = selected_queue(v);

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		v->device_feature_select = val;
		return;
	case VIRTIO_PCI_COMMON_GFSELECT:
		v->driver_feature_select = val;
		return;
	case VIRTIO_PCI_COMMON_GF:
		/* Features are fixed once FEATURES_OK is set (3.1.1). */
		if (v->driver_feature_select == 0 && !(v->status & VIRTIO_CONFIG_S_FEATURES_OK))
			set_lo(&v->driver_features, val);
		else if (v->driver_feature_select == 1 &&
			 !(v->status & VIRTIO_CONFIG_S_FEATURES_OK))
			set_hi(&v->driver_features, val);
		return;
	case VIRTIO_PCI_COMMON_MSIX:
		__atomic_store_n(&v->msix_config, val < nvectors(v) ? val : VIRTIO_MSI_NO_VECTOR,
				 __ATOMIC_RELAXED);
		return;
	case VIRTIO_PCI_COMMON_STATUS:
		status_write(v, val);
		return;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		v->queue_select = val;
		return;
	}
	/* Queue registers are frozen while the queue is enabled or the device is live (4.1.4.3.2). */
	if (!q || q->enabled || (v->status & VIRTIO_CONFIG_S_DRIVER_OK))
		return;
	switch (off) {
	case VIRTIO_PCI_COMMON_Q_SIZE:
		q->size = val;
		break;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		q->msix_vector = val < nvectors(v) ? val : VIRTIO_MSI_NO_VECTOR;
		break;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		q->enabled = val == 1;
		trace(TRACE_VIRTIO, "virtio", "queue %u enabled: size %u vector %u desc 0x%llx "
		      "driver 0x%llx device 0x%llx", v->queue_select, q->size, q->msix_vector,
		      (unsigned long long)q->desc, (unsigned long long)q->driver,
		      (unsigned long long)q->device);
		break;
	case VIRTIO_PCI_COMMON_Q_DESCLO:
		set_lo(&q->desc, val);
		break;
	case VIRTIO_PCI_COMMON_Q_DESCHI:
		set_hi(&q->desc, val);
		break;
	case VIRTIO_PCI_COMMON_Q_AVAILLO:
		set_lo(&q->driver, val);
		break;
	case VIRTIO_PCI_COMMON_Q_AVAILHI:
		set_hi(&q->driver, val);
		break;
	case VIRTIO_PCI_COMMON_Q_USEDLO:
		set_lo(&q->device, val);
		break;
	case VIRTIO_PCI_COMMON_Q_USEDHI:
		set_hi(&q->device, val);
		break;
	}
}

static uint32_t msix_read(struct vpci *v, uint32_t off)
{
	if (off >= BAR_MSIX_PBA)
		return off == BAR_MSIX_PBA ? (uint32_t)v->msix_pending : 0;
	off -= BAR_MSIX_TABLE;
	if (off / MSIX_ENTRY_SIZE >= nvectors(v))
		return 0;
	return ((const uint32_t *)&v->msix[off / MSIX_ENTRY_SIZE])[(off % MSIX_ENTRY_SIZE) / 4];
}

static void msix_write(struct vpci *v, uint32_t off, uint32_t val)
{
	unsigned int vec = (off - BAR_MSIX_TABLE) / MSIX_ENTRY_SIZE;
	unsigned int word = ((off - BAR_MSIX_TABLE) % MSIX_ENTRY_SIZE) / 4;

	if (off >= BAR_MSIX_PBA || vec >= nvectors(v))
		return; /* the PBA is read-only */
	if (word == 3)
		val &= MSIX_CTRL_MASKED; /* other vector-control bits are reserved */
	((uint32_t *)&v->msix[vec])[word] = val;
	trace(TRACE_MSIX, "msix", "vector %u %s = 0x%x", vec,
	      (const char *[]){ "addr_lo", "addr_hi", "data", "ctrl" }[word], val);
	sync_vector(v, vec);
}

/* Accesses wider than a register, or across two, read as zero and write nothing. */
static bool access_ok(uint32_t off, uint32_t len)
{
	return (len == 1 || len == 2 || len == 4) && !(off & (len - 1));
}

static void bar_read(void *opaque, uint64_t offset, void *data, uint32_t len)
{
	struct vpci *v = opaque;
	uint32_t off = offset, val = 0;

	memset(data, 0, len);
	if (len == 8 && off < BAR_ISR)
		len = 4; /* a 64-bit read of a lo/hi pair: serve the low half only */
	if (!access_ok(off, len))
		return;
	pthread_mutex_lock(&v->lock);
	if (off < BAR_ISR) {
		/*
		 * Keyed on the register an access starts at, as writes are: drivers
		 * use each register's own width (4.1.3.1); a narrower read gets its
		 * low bytes, one starting inside a register reads zero.
		 */
		val = common_read(v, off);
	} else if (off < BAR_DEVICE) {
		if (off == BAR_ISR)
			val = atomic_exchange(&v->isr, 0); /* reading the ISR clears it (4.1.4.5) */
	} else if (off < BAR_NOTIFY) {
		if (off - BAR_DEVICE + len <= v->desc.config_size)
			v->desc.ops->config_read(v->desc.dev, off - BAR_DEVICE, &val, len);
	}
	pthread_mutex_unlock(&v->lock);
	if (off >= BAR_MSIX_TABLE && len == 4) {
		pthread_mutex_lock(&v->msix_lock);
		val = msix_read(v, off);
		pthread_mutex_unlock(&v->msix_lock);
	}
	memcpy(data, &val, len);
}

static void bar_write(void *opaque, uint64_t offset, const void *data, uint32_t len)
{
	struct vpci *v = opaque;
	uint32_t off = offset, val = 0;

	if (!access_ok(off, len))
		return;
	memcpy(&val, data, len);
	if (off >= BAR_NOTIFY && off < BAR_MSIX_TABLE) {
		/* Only reached when the ioeventfd did not catch it (another width, say). */
		unsigned int q = (off - BAR_NOTIFY) / NOTIFY_OFF_MULTIPLIER;
		uint64_t one = 1;

		v->notify_exits++;
		if (q < v->desc.num_queues && write(v->kickfd[q], &one, sizeof(one)) < 0) {
		}
		return;
	}
	if (off >= BAR_MSIX_TABLE) {
		if (len == 4) {
			pthread_mutex_lock(&v->msix_lock);
			msix_write(v, off, val);
			pthread_mutex_unlock(&v->msix_lock);
		}
		return;
	}
	pthread_mutex_lock(&v->lock);
	if (off < BAR_ISR)
		common_write(v, off, val);
	else if (off >= BAR_DEVICE && off < BAR_NOTIFY &&
		 off - BAR_DEVICE + len <= v->desc.config_size)
		v->desc.ops->config_write(v->desc.dev, off - BAR_DEVICE, &val, len);
	pthread_mutex_unlock(&v->lock);
}

static const struct iobus_ops bar_ops = { .read = bar_read, .write = bar_write };

static struct vpci *to_vpci(struct pci_dev *d)
{
	return (struct vpci *)((char *)d - offsetof(struct vpci, pci));
}

/* Doorbells follow the BAR: each queue's notify address is an ioeventfd in KVM. */
static void bar_moved(struct pci_dev *d, int bar, uint64_t old, uint64_t addr)
{
	struct vpci *v = to_vpci(d);

	if (bar != 0)
		return;
	for (unsigned int q = 0; q < v->desc.num_queues; q++) {
		uint64_t off = BAR_NOTIFY + q * NOTIFY_OFF_MULTIPLIER;

		if (old)
			irq_ioeventfd(v->vm_fd, v->kickfd[q], old + off, 2, false);
		if (addr)
			irq_ioeventfd(v->vm_fd, v->kickfd[q], addr + off, 2, true);
	}
	v->notify_base = addr ? addr + BAR_NOTIFY : 0;
}

/* The PCI configuration access capability (4.1.4.9): a window onto the BARs through config space. */
static void pcicfg_access(struct vpci *v, bool is_write)
{
	struct virtio_pci_cfg_cap *c = (struct virtio_pci_cfg_cap *)(v->pci.cfg + v->pcicfg_cap);
	uint32_t len = c->cap.length, off = c->cap.offset;

	if (c->cap.bar != 0 || (len != 1 && len != 2 && len != 4) || off >= BAR_SIZE)
		return;
	/* bar_read/bar_write take v->lock: the bus lock is held, v->lock is not. */
	if (is_write)
		bar_write(v, off, c->pci_cfg_data, len);
	else
		bar_read(v, off, c->pci_cfg_data, len);
}

static void cfg_write(struct pci_dev *d, uint32_t off, uint32_t len)
{
	struct vpci *v = to_vpci(d);
	uint8_t data = v->pcicfg_cap + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data);

	if (off >= data && off < data + 4u) {
		pcicfg_access(v, true);
		return;
	}
	if (off <= d->cfg[PCI_CAPABILITY_LIST] + MSIX_CAP_CONTROL + 1u &&
	    off + len > d->cfg[PCI_CAPABILITY_LIST] + (uint32_t)MSIX_CAP_CONTROL) {
		/* MSI-X enabled or function mask changed: routes and pending bits follow. */
		uint16_t ctrl = msix_control(v);

		trace(TRACE_MSIX, "msix", "type %u: MSI-X %s, function %s", v->desc.device_id,
		      ctrl & PCI_MSIX_FLAGS_ENABLE ? "enabled" : "disabled",
		      ctrl & PCI_MSIX_FLAGS_MASKALL ? "masked" : "unmasked");
		pthread_mutex_lock(&v->msix_lock);
		for (unsigned int vec = 0; vec < nvectors(v); vec++)
			sync_vector(v, vec);
		pthread_mutex_unlock(&v->msix_lock);
	}
}

static void cfg_read(struct pci_dev *d, uint32_t off, uint32_t len)
{
	struct vpci *v = to_vpci(d);
	uint8_t data = v->pcicfg_cap + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data);

	(void)len;
	if (off >= data && off < data + 4u)
		pcicfg_access(v, false);
}

static const struct pci_dev_ops vpci_pci_ops = {
	.cfg_write = cfg_write, .cfg_read = cfg_read, .bar_moved = bar_moved };

static void add_caps(struct vpci *v)
{
	struct pci_dev *d = &v->pci;
	uint8_t msix[12] = { PCI_CAP_ID_MSIX, 0 };
	uint16_t table_size = nvectors(v) - 1;
	uint32_t table = BAR_MSIX_TABLE, pba = BAR_MSIX_PBA; /* BIR 0 */
	struct virtio_pci_cap common = { .cap_vndr = PCI_CAP_ID_VNDR, .cap_len = sizeof(common),
					 .cfg_type = VIRTIO_PCI_CAP_COMMON_CFG, .bar = 0,
					 .offset = BAR_COMMON, .length = REGION_SIZE };
	struct virtio_pci_cap isr = common, device = common;
	struct virtio_pci_notify_cap notify = { .cap = common,
						.notify_off_multiplier = NOTIFY_OFF_MULTIPLIER };
	struct virtio_pci_cfg_cap pcicfg = { .cap = common };
	uint8_t off;

	/* MSI-X first: msix_control() finds it through the capability pointer. */
	memcpy(msix + 2, &table_size, 2);
	memcpy(msix + 4, &table, 4);
	memcpy(msix + 8, &pba, 4);
	off = pci_dev_add_cap(d, msix, sizeof(msix));
	d->wmask[off + MSIX_CAP_CONTROL + 1] = (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8;

	isr.cfg_type = VIRTIO_PCI_CAP_ISR_CFG;
	isr.offset = BAR_ISR;
	device.cfg_type = VIRTIO_PCI_CAP_DEVICE_CFG;
	device.offset = BAR_DEVICE;
	notify.cap.cap_len = sizeof(notify);
	notify.cap.cfg_type = VIRTIO_PCI_CAP_NOTIFY_CFG;
	notify.cap.offset = BAR_NOTIFY;
	pcicfg.cap.cap_len = sizeof(pcicfg);
	pcicfg.cap.cfg_type = VIRTIO_PCI_CAP_PCI_CFG;
	pcicfg.cap.offset = 0;
	pcicfg.cap.length = 0;
	pci_dev_add_cap(d, &common, sizeof(common));
	pci_dev_add_cap(d, &notify, sizeof(notify));
	pci_dev_add_cap(d, &isr, sizeof(isr));
	pci_dev_add_cap(d, &device, sizeof(device));
	v->pcicfg_cap = pci_dev_add_cap(d, &pcicfg, sizeof(pcicfg));
	/* The window's bar, offset, length and data are the driver's to write. */
	memset(d->wmask + v->pcicfg_cap + offsetof(struct virtio_pci_cap, bar), 0xff, 1);
	memset(d->wmask + v->pcicfg_cap + offsetof(struct virtio_pci_cap, offset), 0xff, 8);
	memset(d->wmask + v->pcicfg_cap + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data), 0xff, 4);
}

int vpci_init(struct vpci *v, const struct vpci_device_desc *desc, int vm_fd,
	      struct irq_router *router, char *err, size_t errlen)
{
	memset(v, 0, sizeof(*v));
	for (unsigned int i = 0; i < VPCI_MAX_VECTORS; i++)
		v->irqfd[i] = -1;
	for (unsigned int i = 0; i < VPCI_MAX_QUEUES; i++)
		v->kickfd[i] = -1;
	if (desc->num_queues == 0 || desc->num_queues > VPCI_MAX_QUEUES ||
	    desc->config_size > REGION_SIZE) {
		snprintf(err, errlen, "virtio-pci: unsupported queue count or config size");
		return -EINVAL;
	}
	v->desc = *desc;
	v->vm_fd = vm_fd;
	v->router = router;
	pthread_mutex_init(&v->lock, NULL);
	pthread_mutex_init(&v->msix_lock, NULL);
	pci_dev_init(&v->pci, VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BASE + desc->device_id,
		     (uint32_t)desc->pci_class << 8, 1, VIRTIO_PCI_VENDOR, desc->device_id);
	v->pci.ops = &vpci_pci_ops;
	v->pci.opaque = v;
	pci_dev_set_bar(&v->pci, 0, BAR_SIZE, &bar_ops);
	add_caps(v);
	device_reset(v);
	for (unsigned int q = 0; q < desc->num_queues; q++) {
		v->kickfd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (v->kickfd[q] < 0)
			goto fail;
	}
	for (unsigned int vec = 0; vec < nvectors(v); vec++) {
		int gsi = irq_alloc_msi_gsi(router);

		v->msix[vec].ctrl = MSIX_CTRL_MASKED; /* vectors start masked (PCI 3.0 6.8.2.9) */
		v->irqfd[vec] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (gsi < 0 || v->irqfd[vec] < 0)
			goto fail;
		v->gsi[vec] = gsi;
		if (irq_irqfd_assign(vm_fd, v->irqfd[vec], gsi) < 0)
			goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "virtio-pci: setting up eventfds and irqfds failed: %s",
		 strerror(errno));
	vpci_destroy(v);
	return -EIO;
}

int vpci_kick_fd(const struct vpci *v, unsigned int q)
{
	return q < v->desc.num_queues ? v->kickfd[q] : -1;
}

void vpci_notify_queue(struct vpci *v, unsigned int q)
{
	if (q >= v->desc.num_queues)
		return;
	v->isr |= VIRTIO_PCI_ISR_QUEUE_BIT;
	pthread_mutex_lock(&v->msix_lock);
	/* The vector cannot change while the queue is live (common_write freezes it). */
	fire_vector(v, v->queues[q].msix_vector);
	pthread_mutex_unlock(&v->msix_lock);
}

void vpci_set_needs_reset(struct vpci *v)
{
	signal_needs_reset(v);
}

void vpci_destroy(struct vpci *v)
{
	for (unsigned int i = 0; i < VPCI_MAX_VECTORS; i++)
		if (v->irqfd[i] >= 0)
			close(v->irqfd[i]);
	for (unsigned int i = 0; i < VPCI_MAX_QUEUES; i++)
		if (v->kickfd[i] >= 0)
			close(v->kickfd[i]);
}

/*
 * The modern virtio-pci transport (virtio 1.2 section 4.1): one PCI function
 * per device, BAR 0 holding the common, ISR, device, notify and MSI-X regions.
 * It knows registers and interrupts, nothing of what the device does.
 */
#ifndef MINIVMM_VIRTIO_PCI_TRANSPORT_H
#define MINIVMM_VIRTIO_PCI_TRANSPORT_H

#include "devices/pci.h"
#include "vmm/irq.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define VPCI_MAX_QUEUES 16
#define VPCI_MAX_VECTORS (VPCI_MAX_QUEUES + 1)

/* What the driver programmed for one queue, handed to the device at DRIVER_OK. */
struct vpci_queue_cfg {
	uint16_t size;
	uint16_t msix_vector;
	bool enabled;
	uint64_t desc, driver, device; /* guest-physical ring addresses */
};

/* The device model's side of the seam; called on vCPU threads with the transport lock held. */
struct vpci_device_ops {
	void (*config_read)(void *dev, uint32_t off, void *data, uint32_t len);
	void (*config_write)(void *dev, uint32_t off, const void *data, uint32_t len);
	/* DRIVER_OK: start serving the enabled queues. -errno sets DEVICE_NEEDS_RESET. */
	int (*activate)(void *dev, uint64_t features, const struct vpci_queue_cfg *q, unsigned int nq);
	/* Stop touching the queues before returning; in-flight I/O is finished or dropped. */
	void (*reset)(void *dev);
};

struct vpci_device_desc {
	uint16_t device_id;    /* virtio device type, e.g. 2 for block */
	uint16_t pci_class;    /* class and subclass, e.g. 0x0180 mass storage */
	uint16_t num_queues;
	uint16_t queue_max_size;
	uint32_t config_size;
	uint64_t features;     /* offered; VIRTIO_F_VERSION_1 must be among them */
	const struct vpci_device_ops *ops;
	void *dev;
};

struct vpci_msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

struct vpci {
	struct pci_dev pci;
	struct vpci_device_desc desc;
	int vm_fd;
	struct irq_router *router;
	/*
	 * lock: the common registers, taken by vCPU threads; the device's reset
	 * and activate hooks run under it. msix_lock: the MSI-X table and
	 * pending bits, taken by vCPU threads and by the I/O thread to interrupt.
	 * Order: lock before msix_lock. The I/O thread never takes lock, so a
	 * reset may wait for it without deadlock.
	 */
	pthread_mutex_t lock;
	pthread_mutex_t msix_lock;

	uint32_t device_feature_select, driver_feature_select;
	uint64_t driver_features;
	uint8_t status;
	_Atomic uint8_t isr;          /* read-to-clear; set by the I/O thread */
	_Atomic bool needs_reset;     /* DEVICE_NEEDS_RESET, set by the I/O thread */
	uint16_t msix_config;
	uint16_t queue_select;
	struct vpci_queue_cfg queues[VPCI_MAX_QUEUES];

	struct vpci_msix_entry msix[VPCI_MAX_VECTORS];
	uint64_t msix_pending; /* PBA bits */
	unsigned int gsi[VPCI_MAX_VECTORS];
	int irqfd[VPCI_MAX_VECTORS];
	int kickfd[VPCI_MAX_QUEUES]; /* ioeventfds; the device polls these */
	uint64_t notify_base;       /* guest address of the notify region, 0: not mapped */
	uint8_t pcicfg_cap;          /* offset of the PCI configuration access capability */
	_Atomic uint64_t interrupts;   /* statistics */
	_Atomic uint64_t notify_exits; /* doorbells that reached user space (no ioeventfd caught them) */
};

/* Builds the PCI function and its eventfds; the caller then plugs v->pci into the bus. */
int vpci_init(struct vpci *v, const struct vpci_device_desc *desc, int vm_fd,
	      struct irq_router *router, char *err, size_t errlen);

/* The eventfd that fires when the driver notifies queue q. */
int vpci_kick_fd(const struct vpci *v, unsigned int q);

/* Interrupts the driver for queue q (or records it pending while masked). I/O thread. */
void vpci_notify_queue(struct vpci *v, unsigned int q);

/* The device found the ring broken: set DEVICE_NEEDS_RESET and tell the driver. I/O thread. */
void vpci_set_needs_reset(struct vpci *v);

void vpci_destroy(struct vpci *v);

#endif

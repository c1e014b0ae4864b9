/* PCI bus 0: configuration space (ports 0xcf8/0xcfc and ECAM), BAR sizing and placement. */
#ifndef MINIVMM_DEVICES_PCI_H
#define MINIVMM_DEVICES_PCI_H

#include "vmm/iobus.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define PCI_CFG_SPACE_SIZE 256
#define PCI_MAX_SLOTS      32
#define PCI_NUM_BARS       6

struct pci_dev;

/* Device hooks; all run with the bus lock held, on a vCPU thread. */
struct pci_dev_ops {
	/* The guest wrote [off, off + len) at or above 0x40, after the write mask was applied. */
	void (*cfg_write)(struct pci_dev *d, uint32_t off, uint32_t len);
	/* The guest is about to read [off, off + len) at or above 0x40: refresh it if it is live. */
	void (*cfg_read)(struct pci_dev *d, uint32_t off, uint32_t len);
	/* BAR bar now decodes at addr (0: not decoded any more); was at old (0: was not). */
	void (*bar_moved)(struct pci_dev *d, int bar, uint64_t old, uint64_t addr);
};

struct pci_dev {
	uint8_t cfg[PCI_CFG_SPACE_SIZE];
	uint8_t wmask[PCI_CFG_SPACE_SIZE]; /* guest-writable bits at and above 0x40 */
	uint32_t bar_size[PCI_NUM_BARS];   /* power of two, 0: BAR not implemented */
	const struct iobus_ops *bar_ops[PCI_NUM_BARS];
	uint64_t bar_mapped[PCI_NUM_BARS]; /* address the BAR is registered at, 0: none */
	const struct pci_dev_ops *ops;
	void *opaque;                      /* handed to bar_ops */
	uint8_t next_cap;                  /* where the next capability goes */
};

struct pci_bus {
	pthread_mutex_t lock; /* config space of every device; vCPU threads */
	uint32_t cf8;         /* CONFIG_ADDRESS latch */
	struct pci_dev *slots[PCI_MAX_SLOTS];
	struct pci_dev host_bridge;
	struct iobus *mmio;
	uint64_t mmio_next, mmio_end; /* where the next BAR is placed at start-up */
};

/* Sets up bus 0 with a host bridge at 00.0 and claims 0xcf8-0xcff and the ECAM window. */
int pci_bus_init(struct pci_bus *bus, struct iobus *pio, struct iobus *mmio, uint64_t ecam_base,
		 uint64_t mmio_base, uint64_t mmio_size);

/* Fills a type-0 header; the caller adds BARs and capabilities before pci_bus_add(). */
void pci_dev_init(struct pci_dev *d, uint16_t vendor, uint16_t device, uint32_t class_code,
		  uint8_t revision, uint16_t subsys_vendor, uint16_t subsys_id);

/* Declares a 32-bit memory BAR of size bytes (a power of two >= 4096) served by ops. */
void pci_dev_set_bar(struct pci_dev *d, int bar, uint32_t size, const struct iobus_ops *ops);

/* Appends a capability (len bytes incl. the 2-byte header) and returns its offset, 0 if full. */
uint8_t pci_dev_add_cap(struct pci_dev *d, const void *cap, uint8_t len);

/* Plugs d into the next free slot and places its BARs; returns the slot or -ENOSPC. Set-up only. */
int pci_bus_add(struct pci_bus *bus, struct pci_dev *d);

/* One configuration access (bus 0; functions other than 0 are absent). Exposed for tests. */
void pci_cfg_access(struct pci_bus *bus, unsigned int slot, unsigned int fn, uint32_t off,
		    void *data, uint32_t len, bool is_write);

#endif

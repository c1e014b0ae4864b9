/*
 * A minimal virtio-blk driver for the tiny guests: modern virtio-pci
 * (virtio 1.2 section 4.1), one split virtqueue (2.7), polling or MSI-X.
 * virtio_blk_poll.c walks through it step by step; doorbell.c and irqfd.c
 * reuse it to show what happens around the doorbell and the interrupt.
 */
#ifndef GUEST_VBLK_H
#define GUEST_VBLK_H

#include <stdint.h>

#define VBLK_NO_VECTOR 0xffff /* VIRTIO_MSI_NO_VECTOR: no interrupt for this queue */
#define VBLK_QSIZE 4 /* a power of two, at most what the device offers (2.7) */

struct vblk {
	int slot;               /* PCI device number on bus 0 */
	uintptr_t common;       /* struct virtio_pci_common_cfg, in BAR0 */
	uintptr_t device_cfg;   /* struct virtio_blk_config, in BAR0 */
	uintptr_t notify;       /* queue 0's doorbell address */
	uintptr_t msix_table;   /* MSI-X table, in BAR0 */
	uint8_t msix_cap;       /* offset of the MSI-X capability in config space */
	uint16_t avail_idx;     /* next free slot in avail->ring, free-running (2.7.13) */
	uint16_t used_seen;     /* how far the driver has read used->ring */
};

/*
 * Finds the first virtio-blk function, reads its capabilities, and brings it
 * up to DRIVER_OK with queue 0 of VBLK_QSIZE entries. msix_vector is the
 * MSI-X table entry for queue 0, or VIRTIO_MSI_NO_VECTOR (0xffff) for none.
 * Returns 0, or a negative step number after printing what failed.
 */
int vblk_init(struct vblk *d, uint16_t msix_vector);

/* Puts a read of one sector into buf (512 bytes) on the avail ring. Does not notify. */
void vblk_queue_read(struct vblk *d, uint64_t sector, void *buf);

/* The doorbell: a 16-bit write of the queue index to its notify address (4.1.4.4). */
void vblk_notify(struct vblk *d);

/*
 * Spins on used->idx (guest RAM: no exits) until the device returns a
 * request, at most max_spins times. Returns the request's status byte
 * (VIRTIO_BLK_S_OK is 0), or -1 if nothing came back.
 */
int vblk_poll(struct vblk *d, unsigned long max_spins, unsigned long *spins);

/* True if the device has returned a request the driver has not seen yet. */
int vblk_used_pending(const struct vblk *d);

/* Programs MSI-X table entry vec to send vector to the LAPIC, unmasked, and enables MSI-X. */
void vblk_msix_route(struct vblk *d, uint16_t vec, uint32_t lapic_id, uint8_t vector);

#endif

/* The virtio-blk device (virtio 1.2 section 5.2) on the virtio-pci transport, with its I/O thread. */
#ifndef MINIVMM_VIRTIO_BLK_H
#define MINIVMM_VIRTIO_BLK_H

#include "devices/pci.h"
#include "vmm/config.h"
#include "vmm/gmem.h"
#include "vmm/irq.h"

#include <stdint.h>
#include <stdio.h>

struct vblk;

/*
 * Opens the disk and builds the device; the caller plugs vblk_pci_dev() into
 * the bus. Returns NULL with err naming the disk and the cause. Set-up only.
 */
struct vblk *vblk_create(const struct config_disk *disk, const struct gmem *mem, int vm_fd,
			 struct irq_router *router, char *err, size_t errlen);

struct pci_dev *vblk_pci_dev(struct vblk *b);

/* Starts the I/O thread. Before the first KVM_RUN. */
int vblk_start(struct vblk *b);

/* Completes in-flight I/O and stops the I/O thread. After the vCPUs stopped; idempotent. */
void vblk_stop(struct vblk *b);

/* Stops (if needed) and frees the device, closing the file. */
void vblk_destroy(struct vblk *b);

void vblk_print_stats(const struct vblk *b, FILE *out);

#endif

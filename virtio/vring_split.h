/*
 * The split virtqueue (virtio 1.2 section 2.7), device side, over guest memory
 * reached only through gmem_ptr(). Knows nothing of PCI, blocks or files.
 * One thread (the device's I/O thread) uses a queue once it is enabled.
 */
#ifndef MINIVMM_VIRTIO_VRING_SPLIT_H
#define MINIVMM_VIRTIO_VRING_SPLIT_H

#include "vmm/gmem.h"

#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stdint.h>

#define VQ_MAX_SIZE 256 /* our devices offer at most this; a chain is at most this long */

struct vq_seg {
	uint8_t *addr; /* host pointer, checked to cover len bytes of guest RAM */
	uint32_t len;
	bool write;    /* device-writable */
};

/* A validated descriptor chain: readable segments first, then writable ones. */
struct vq_chain {
	uint16_t head;
	uint16_t nseg;
	uint32_t readable, writable; /* total bytes of each kind */
	struct vq_seg seg[VQ_MAX_SIZE];
};

struct vq {
	const struct gmem *mem;
	uint16_t size;
	bool enabled;
	bool event_idx, indirect; /* negotiated VIRTIO_RING_F_EVENT_IDX / _INDIRECT_DESC */
	bool broken;              /* ring-level damage seen: only a reset helps */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail;      /* next avail ring entry to take */
	uint16_t used_idx;        /* our copy of used->idx */
	uint16_t notified_used;   /* used_idx when we last decided about an interrupt */
};

/*
 * Checks and maps the rings: size a power of two in [1, VQ_MAX_SIZE], each
 * ring aligned (16/2/4 bytes, 2.7) and wholly inside guest RAM. -EINVAL if not.
 */
int vq_enable(struct vq *q, const struct gmem *mem, uint16_t size, uint64_t desc, uint64_t avail,
	      uint64_t used, uint64_t features);

void vq_reset(struct vq *q);

/*
 * Takes the next available chain. Returns 1 with c filled, 0 when the ring is
 * empty, -EINVAL when the chain is malformed (c->head is valid: complete it
 * with length 0), or -EIO when the ring itself is broken (the queue stops and
 * the device must ask for a reset).
 */
int vq_pop(struct vq *q, struct vq_chain *c);

/* Returns a chain to the driver: len is the number of bytes written into it. */
void vq_push(struct vq *q, uint16_t head, uint32_t len);

/* After pushing: does the driver want an interrupt now (EVENT_IDX or NO_INTERRUPT)? */
bool vq_should_notify(struct vq *q);

/*
 * Tells the driver how far we have read (avail_event) so it only rings the
 * doorbell for newer buffers; returns true if buffers arrived meanwhile and
 * the caller should pop again.
 */
bool vq_arm_notify(struct vq *q);

/* vring_need_event() of the spec (2.7.10): did the index pass event going from old to new? */
static inline bool vq_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

#endif

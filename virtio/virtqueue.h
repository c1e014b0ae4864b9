/*
 * The split virtqueue (virtio 1.2 section 2.7), device side: rings and chains
 * in guest memory reached only through gmem_ptr(). Knows nothing of PCI,
 * KVM, blocks or files. A queue and the chains popped from it belong to one
 * thread (the device's I/O thread) between vq_split_enable() and
 * vq_split_reset(); the transport must stop that thread before resetting.
 *
 * Names are vq_split_* (the ring, split layout; a packed ring would be
 * vq_packed_*) and vq_cursor_* (the bytes of a popped chain).
 */
#ifndef MINIVMM_VIRTIO_VIRTQUEUE_H
#define MINIVMM_VIRTIO_VIRTQUEUE_H

#include "vmm/gmem.h"

#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#define VQ_SPLIT_MAX_SIZE 32768 /* 2.7: Queue Size is at most 32768 */
/*
 * Non-empty segments one chain may carry; a longer chain is failed (-E2BIG)
 * and returned with length 0. Devices advertise limits below this (blk:
 * seg_max <= VQ_CHAIN_MAX_SEGS - 2 for header and status).
 */
#define VQ_CHAIN_MAX_SEGS 256

/* A validated chain: iov[0, nread) device-readable, iov[nread, nread + nwrite) writable. */
struct vq_desc_chain {
	uint16_t head;		      /* id to hand back through vq_split_push() */
	uint16_t nread, nwrite;	      /* segment counts; zero-length descriptors are skipped */
	uint32_t read_len, write_len; /* byte totals; their sum fits 32 bits (2.7.5.2) */
	struct iovec iov[VQ_CHAIN_MAX_SEGS]; /* host pointers, each checked by gmem_ptr() */
};

struct vq_split {
	const struct gmem *mem;
	struct vring_desc *desc;   /* 16 * size bytes */
	struct vring_avail *avail; /* 6 + 2 * size bytes: flags, idx, ring[size], used_event */
	struct vring_used *used;   /* 6 + 8 * size bytes: flags, idx, ring[size], avail_event */
	uint16_t size;
	bool enabled;
	bool broken;		 /* ring-level damage: pops fail until a reset */
	bool event_idx;		 /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;		 /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	uint16_t last_avail_idx; /* next avail->ring slot we take */
	uint16_t used_idx;	 /* our copy of used->idx, which only we write */
	uint16_t signalled_used; /* used_idx when we last decided about an interrupt */
};

/*
 * Checks and maps a queue the driver has set up (queue_enable = 1): size a
 * power of two in [1, VQ_SPLIT_MAX_SIZE], each ring aligned (16/2/4 bytes,
 * 2.7) and wholly inside one RAM slot with its event field. Only the ring bits
 * of features (EVENT_IDX, INDIRECT_DESC) are looked at. -EINVAL (queue left
 * disabled) if anything is off.
 */
int vq_split_enable(struct vq_split *q, const struct gmem *mem, uint32_t size, uint64_t desc,
		    uint64_t avail, uint64_t used, uint64_t features);

/* Forgets everything (device reset or queue_enable = 0); the queue is disabled. */
void vq_split_reset(struct vq_split *q);

/*
 * Takes the next available chain into c.
 *   1        c is valid;
 *   0        nothing available (or the queue is not enabled);
 *   -EIO     ring-level damage (avail->idx more than size ahead, head >= size):
 *            the queue is now broken, the transport sets DEVICE_NEEDS_RESET;
 *   other    the chain is malformed (-ELOOP loop, -EFAULT outside RAM,
 *            -EINVAL bad flags/next/indirect, -E2BIG too long): c->head is
 *            valid and must still be returned, with vq_split_push(q, head, 0).
 */
int vq_split_pop(struct vq_split *q, struct vq_desc_chain *c);

/*
 * Returns a chain to the driver: len is the number of bytes the device wrote
 * into it. Publishes used->idx (release). -EINVAL for a head >= size, -EIO
 * when the queue is disabled or broken (nothing is written then).
 */
int vq_split_push(struct vq_split *q, uint16_t head, uint32_t len);

/*
 * After a batch of pushes: true if the driver wants an interrupt for the
 * entries pushed since the previous call (EVENT_IDX used_event, 2.7.7.2, or
 * VRING_AVAIL_F_NO_INTERRUPT without it).
 */
bool vq_split_need_interrupt(struct vq_split *q);

/*
 * Before the device thread sleeps: with EVENT_IDX, writes avail_event =
 * last_avail_idx so the driver kicks for the next buffer (2.7.10). Returns
 * true if buffers arrived meanwhile: pop again instead of sleeping.
 */
bool vq_split_arm_notify(struct vq_split *q);

/*
 * A cursor over one kind of bytes of a popped chain (crosvm's Reader/Writer):
 * segment boundaries disappear. Valid while the chain it was made from lives.
 */
struct vq_cursor {
	const struct iovec *iov; /* current segment */
	unsigned int nseg;	 /* segments left from iov */
	size_t off;		 /* bytes already consumed in *iov */
	uint32_t remaining;	 /* bytes left; may end before the last segment does */
};

void vq_reader_init(struct vq_cursor *r, const struct vq_desc_chain *c); /* readable bytes */
void vq_writer_init(struct vq_cursor *w, const struct vq_desc_chain *c); /* writable bytes */

static inline uint32_t vq_cursor_remaining(const struct vq_cursor *cur)
{
	return cur->remaining;
}

/* Copy exactly n bytes out of / into guest memory; -EMSGSIZE (nothing moved) if fewer remain. */
int vq_cursor_read(struct vq_cursor *r, void *dst, uint32_t n);
int vq_cursor_write(struct vq_cursor *w, const void *src, uint32_t n);
int vq_cursor_skip(struct vq_cursor *cur, uint32_t n);

/*
 * Consumes n bytes as up to max iovecs (host pointers into guest RAM) for an
 * I/O backend. Returns the number of iovecs, -EMSGSIZE if fewer than n bytes
 * remain, -E2BIG if they span more than max segments (nothing consumed).
 */
int vq_cursor_iov(struct vq_cursor *cur, uint32_t n, struct iovec *iov, unsigned int max);

/*
 * Splits the last remaining byte off the cursor and returns its host address
 * (virtio-blk's status byte), or NULL if the cursor is empty. Data moved
 * through the cursor afterwards can never overwrite that byte.
 */
uint8_t *vq_cursor_split_last(struct vq_cursor *cur);

#endif

/*
 * Split virtqueue, device side (virtio 1.2 section 2.7). Every index, address
 * and length comes from the guest: each is read once into a local, checked,
 * and only then used.
 */
#include "virtio/vring_split.h"

#include <errno.h>
#include <string.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "virtio 1.x rings are little-endian");
_Static_assert(sizeof(struct vring_desc) == 16, "2.7.5");
_Static_assert(sizeof(struct vring_used_elem) == 8, "2.7.8");

static uint16_t load16(const volatile uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

int vq_enable(struct vq *q, const struct gmem *mem, uint16_t size, uint64_t desc, uint64_t avail,
	      uint64_t used, uint64_t features)
{
	/* Ring sizes: 2.7 "Virtqueue Part Sizes", event fields included. */
	uint64_t desc_len = 16ull * size, avail_len = 6 + 2ull * size, used_len = 6 + 8ull * size;

	vq_reset(q);
	if (size == 0 || size > VQ_MAX_SIZE || (size & (size - 1)))
		return -EINVAL;
	if ((desc & 15) || (avail & 1) || (used & 3))
		return -EINVAL;
	q->desc = gmem_ptr(mem, desc, desc_len);
	q->avail = gmem_ptr(mem, avail, avail_len);
	q->used = gmem_ptr(mem, used, used_len);
	if (!q->desc || !q->avail || !q->used) {
		vq_reset(q);
		return -EINVAL;
	}
	q->mem = mem;
	q->size = size;
	q->event_idx = features & (1ull << VIRTIO_RING_F_EVENT_IDX);
	q->indirect = features & (1ull << VIRTIO_RING_F_INDIRECT_DESC);
	/* The driver may have queued buffers before enabling; start where used->idx stands. */
	q->used_idx = q->notified_used = load16(&q->used->idx);
	q->last_avail = q->used_idx;
	q->enabled = true;
	return 0;
}

void vq_reset(struct vq *q)
{
	memset(q, 0, sizeof(*q));
}

static int add_seg(struct vq_chain *c, const struct gmem *mem, const struct vring_desc *d)
{
	uint8_t *p;

	if (d->len == 0)
		return 0; /* nothing to read or write: skip it rather than fail the request */
	if (c->nseg == VQ_MAX_SIZE)
		return -EINVAL;
	p = gmem_ptr(mem, d->addr, d->len);
	if (!p)
		return -EINVAL; /* outside RAM, overflowing, or straddling a hole */
	if (d->flags & VRING_DESC_F_WRITE) {
		if (__builtin_add_overflow(c->writable, d->len, &c->writable))
			return -EINVAL;
	} else {
		/* 2.7.4.2: readable descriptors come before writable ones. */
		if (c->writable)
			return -EINVAL;
		if (__builtin_add_overflow(c->readable, d->len, &c->readable))
			return -EINVAL;
	}
	if ((uint64_t)c->readable + c->writable > UINT32_MAX)
		return -EINVAL; /* 2.7.5.2: the total fits 32 bits */
	c->seg[c->nseg++] = (struct vq_seg){ .addr = p, .len = d->len,
					     .write = d->flags & VRING_DESC_F_WRITE };
	return 0;
}

/* Walks an indirect table (2.7.5.3): its own NEXT links, bounded by its length, no nesting. */
static int walk_indirect(struct vq *q, struct vq_chain *c, const struct vring_desc *ind,
			 unsigned int *steps)
{
	const struct vring_desc *table;
	unsigned int n, i = 0;

	if (!q->indirect || (ind->flags & VRING_DESC_F_NEXT) || ind->len == 0 || ind->len % 16)
		return -EINVAL;
	n = ind->len / 16;
	table = gmem_ptr(q->mem, ind->addr, ind->len);
	if (!table)
		return -EINVAL;
	for (;;) {
		struct vring_desc d;

		memcpy(&d, &table[i], sizeof(d)); /* one read of the guest's entry */
		if (d.flags & VRING_DESC_F_INDIRECT)
			return -EINVAL; /* 2.7.5.3.1: no indirect inside indirect */
		if (++*steps > q->size)
			return -EINVAL; /* a chain is never longer than the queue: a loop */
		if (add_seg(c, q->mem, &d) < 0)
			return -EINVAL;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= n)
			return -EINVAL;
		i = d.next;
	}
}

static int walk_chain(struct vq *q, struct vq_chain *c)
{
	unsigned int steps = 0;
	uint16_t i = c->head;

	for (;;) {
		struct vring_desc d;

		memcpy(&d, &q->desc[i], sizeof(d));
		if (d.flags & VRING_DESC_F_INDIRECT) {
			/* An indirect descriptor ends the chain; it may follow direct ones. */
			return walk_indirect(q, c, &d, &steps);
		}
		if (++steps > q->size)
			return -EINVAL;
		if (add_seg(c, q->mem, &d) < 0)
			return -EINVAL;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= q->size)
			return -EINVAL;
		i = d.next;
	}
}

int vq_pop(struct vq *q, struct vq_chain *c)
{
	uint16_t avail_idx, head;

	if (!q->enabled || q->broken)
		return q->broken ? -EIO : 0;
	avail_idx = load16(&q->avail->idx);
	if (avail_idx == q->last_avail)
		return 0;
	/* 2.7.13.3: the driver can never be more than a ring's worth ahead of us. */
	if ((uint16_t)(avail_idx - q->last_avail) > q->size) {
		q->broken = true;
		return -EIO;
	}
	/* Acquire: the ring entry and descriptors were written before avail->idx moved. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	head = load16(&q->avail->ring[q->last_avail % q->size]);
	if (head >= q->size) {
		q->broken = true; /* no valid head to give back: the ring is unusable */
		return -EIO;
	}
	q->last_avail++;
	c->head = head;
	c->nseg = 0;
	c->readable = c->writable = 0;
	return walk_chain(q, c) < 0 ? -EINVAL : 1;
}

void vq_push(struct vq *q, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e = &q->used->ring[q->used_idx % q->size];

	e->id = head;
	e->len = len;
	q->used_idx++;
	/* Release: the element is visible before the index that publishes it (2.7.8.2). */
	__atomic_store_n(&q->used->idx, q->used_idx, __ATOMIC_RELEASE);
}

bool vq_should_notify(struct vq *q)
{
	uint16_t old = q->notified_used, new_idx = q->used_idx;

	/* The used index store must be visible before we read the driver's event fields. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	q->notified_used = new_idx;
	if (q->event_idx) {
		uint16_t used_event = load16(&q->avail->ring[q->size]); /* 2.7.10 */

		return vq_need_event(used_event, new_idx, old);
	}
	return new_idx != old && !(load16(&q->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
}

bool vq_arm_notify(struct vq *q)
{
	if (!q->enabled || q->broken)
		return false;
	if (q->event_idx)
		__atomic_store_n((uint16_t *)&q->used->ring[q->size], q->last_avail, __ATOMIC_RELAXED);
	/* Publish avail_event before looking again, or a buffer added in between is missed. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return load16(&q->avail->idx) != q->last_avail;
}

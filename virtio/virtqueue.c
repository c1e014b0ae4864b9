/*
 * Split virtqueue, device side (virtio 1.2 section 2.7). Every index, address,
 * length and flag comes from the guest and can change under us: each
 * descriptor is copied once into a local, checked, and only the copy is used.
 */
#include "virtio/virtqueue.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/*
 * virtio 1.x rings are little-endian (2.4 "le16/le32/le64"); minivmm runs on
 * x86-64 only, so the fields are used as they are, without le16toh().
 */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "virtio 1.x rings are little-endian");
_Static_assert(sizeof(struct vring_desc) == 16, "2.7.5: a descriptor is 16 bytes");
_Static_assert(sizeof(struct vring_avail) == 4, "2.7.6: flags, idx, then ring[]");
_Static_assert(sizeof(struct vring_used_elem) == 8, "2.7.8: id, len");
_Static_assert(sizeof(struct vring_used) == 4, "2.7.8: flags, idx, then ring[]");
_Static_assert(VQ_CHAIN_MAX_SEGS <= UINT16_MAX, "nread/nwrite are 16 bits");

/* 2.7 "Virtqueue Part Sizes", the event fields (used_event, avail_event) included. */
static uint64_t desc_bytes(uint32_t size)
{
	return 16ull * size;
}

static uint64_t avail_bytes(uint32_t size)
{
	return 6 + 2ull * size;
}

static uint64_t used_bytes(uint32_t size)
{
	return 6 + 8ull * size;
}

/* The driver writes these concurrently: one plain-width load, never torn or repeated. */
static uint16_t guest_load16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

int vq_split_enable(struct vq_split *q, const struct gmem *mem, uint32_t size, uint64_t desc,
		    uint64_t avail, uint64_t used, uint64_t features)
{
	struct vq_split n = {0};

	vq_split_reset(q);
	/* 2.7: "Queue Size value is always a power of 2. The maximum Queue Size value is 32768." */
	if (size == 0 || size > VQ_SPLIT_MAX_SIZE || (size & (size - 1)))
		return -EINVAL;
	/* 2.7 "Virtqueue Part Alignment": descriptors 16, available ring 2, used ring 4. */
	if ((desc & 15) || (avail & 1) || (used & 3))
		return -EINVAL;
	n.desc = gmem_ptr(mem, desc, desc_bytes(size));
	n.avail = gmem_ptr(mem, avail, avail_bytes(size));
	n.used = gmem_ptr(mem, used, used_bytes(size));
	if (!n.desc || !n.avail || !n.used)
		return -EINVAL;
	n.mem = mem;
	n.size = size;
	n.event_idx = features & (1ull << VIRTIO_RING_F_EVENT_IDX);
	n.indirect = features & (1ull << VIRTIO_RING_F_INDIRECT_DESC);
	/*
	 * A fresh (or reset) queue starts at index 0 on both sides (2.7.6, 2.7.8);
	 * we never take the starting point from guest memory.
	 */
	n.enabled = true;
	*q = n;
	return 0;
}

void vq_split_reset(struct vq_split *q)
{
	memset(q, 0, sizeof(*q));
}

/* Appends one (already copied) descriptor's buffer to the chain. */
static int add_seg(const struct vq_split *q, struct vq_desc_chain *c, const struct vring_desc *d,
		   bool *seen_write)
{
	bool write = d->flags & VRING_DESC_F_WRITE;
	uint32_t total;
	void *p;

	/*
	 * 2.7.4.1 (2.7.13.1): the driver places device-writable descriptors after
	 * device-readable ones. Checked on the flags even of empty descriptors.
	 */
	if (!write && *seen_write)
		return -EINVAL;
	*seen_write |= write;
	/*
	 * Zero-length descriptors are skipped: they name no bytes, so there is
	 * nothing to check or touch, and the spec does not forbid them (crosvm
	 * does the same). Their address is never turned into a pointer.
	 */
	if (d->len == 0)
		return 0;
	/* 2.7.5.2: a chain is at most 2^32 bytes long in total. */
	if (__builtin_add_overflow(c->read_len, c->write_len, &total) ||
	    __builtin_add_overflow(total, d->len, &total))
		return -E2BIG;
	if (c->nread + c->nwrite == VQ_CHAIN_MAX_SEGS)
		return -E2BIG;
	p = gmem_ptr(q->mem, d->addr, d->len); /* outside RAM, wrapping or straddling a hole */
	if (!p)
		return -EFAULT;
	c->iov[c->nread + c->nwrite] = (struct iovec){.iov_base = p, .iov_len = d->len};
	if (write) {
		c->nwrite++;
		c->write_len += d->len;
	} else {
		c->nread++;
		c->read_len += d->len;
	}
	return 0;
}

/*
 * Walks an indirect table (2.7.5.3): its entries link through their own next
 * fields, relative to the table, and may not be indirect themselves.
 */
static int walk_indirect(const struct vq_split *q, struct vq_desc_chain *c,
			 const struct vring_desc *ind, bool *seen_write)
{
	const struct vring_desc *table;
	uint32_t entries, i = 0, steps = 0;

	/* 2.7.5.3.1: INDIRECT only if negotiated, and never together with NEXT. */
	if (!q->indirect || (ind->flags & VRING_DESC_F_NEXT))
		return -EINVAL;
	/* A table is whole descriptors, at least one; an empty one is no buffer at all. */
	if (ind->len == 0 || ind->len % sizeof(struct vring_desc))
		return -EINVAL;
	entries = ind->len / sizeof(struct vring_desc);
	/* 2.7.5.3.1: "A driver MUST NOT create a descriptor chain longer than the Queue Size". */
	if (entries > q->size)
		return -E2BIG;
	table = gmem_ptr(q->mem, ind->addr, ind->len);
	if (!table)
		return -EFAULT;
	/* The WRITE flag of the descriptor naming the table is ignored (2.7.5.3.2). */
	for (;;) {
		struct vring_desc d;
		int r;

		/* More steps than entries means some entry was visited twice: a loop. */
		if (++steps > entries)
			return -ELOOP;
		memcpy(&d, &table[i], sizeof(d));
		if (d.flags & VRING_DESC_F_INDIRECT)
			return -EINVAL; /* 2.7.5.3.1: one table per descriptor, no nesting */
		r = add_seg(q, c, &d, seen_write);
		if (r < 0)
			return r;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= entries)
			return -EINVAL;
		i = d.next;
	}
}

static int walk_chain(const struct vq_split *q, struct vq_desc_chain *c)
{
	uint32_t i = c->head, steps = 0;
	bool seen_write = false;

	for (;;) {
		struct vring_desc d;
		int r;

		/* A chain never holds more descriptors than the table has: longer is a loop. */
		if (++steps > q->size)
			return -ELOOP;
		memcpy(&d, &q->desc[i], sizeof(d)); /* one read of the guest's entry */
		/*
		 * 2.7.5.3.2: the device handles "zero or more normal chained
		 * descriptors followed by a single descriptor" naming a table;
		 * that descriptor ends the chain (it may not carry NEXT).
		 */
		if (d.flags & VRING_DESC_F_INDIRECT)
			return walk_indirect(q, c, &d, &seen_write);
		r = add_seg(q, c, &d, &seen_write);
		if (r < 0)
			return r;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= q->size)
			return -EINVAL;
		i = d.next;
	}
}

int vq_split_pop(struct vq_split *q, struct vq_desc_chain *c)
{
	uint16_t avail_idx, head;
	int r;

	if (q->broken)
		return -EIO;
	if (!q->enabled)
		return 0;
	/*
	 * Acquire, paired with the driver's write barrier before it bumps idx
	 * (2.7.13.3.1): without it the CPU or compiler could read ring[] and the
	 * descriptors before idx, and see the old contents of a slot the driver
	 * filled just before publishing it.
	 */
	avail_idx = __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE);
	if (avail_idx == q->last_avail_idx)
		return 0;
	/*
	 * The driver cannot have more than a ring's worth of chains outstanding:
	 * an idx further ahead is damage to the ring itself, not to one request,
	 * and no head in it can be trusted. Stop the queue (Firecracker panics
	 * here; we ask for a reset).
	 */
	if ((uint16_t)(avail_idx - q->last_avail_idx) > q->size) {
		q->broken = true;
		return -EIO;
	}
	/*
	 * A head is the driver's again only once it is in the used ring, so at
	 * most size chains are available or in flight (avail idx - used idx).
	 * More means it published again heads the device still holds: a device
	 * that kept popping would have more requests in flight than it has
	 * slots for (virtio-blk's I/O thread spun forever there, unable to pop
	 * and unable to sleep). The same damage to the ring as above.
	 */
	if ((uint16_t)(avail_idx - q->used_idx) > q->size) {
		q->broken = true;
		return -EIO;
	}
	head = guest_load16(&q->avail->ring[q->last_avail_idx & (q->size - 1)]);
	if (head >= q->size) {
		/* No valid id to hand back: the driver would reject it as out of range. */
		q->broken = true;
		return -EIO;
	}
	q->last_avail_idx++;
	memset(c, 0, offsetof(struct vq_desc_chain, iov));
	c->head = head;
	r = walk_chain(q, c);
	if (r < 0) {
		/* Only the head survives a failed walk: no half chain reaches a device. */
		memset(c, 0, offsetof(struct vq_desc_chain, iov));
		c->head = head;
		return r;
	}
	return 1;
}

int vq_split_push(struct vq_split *q, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e;

	if (!q->enabled || q->broken)
		return -EIO;
	if (head >= q->size)
		return -EINVAL;
	e = &q->used->ring[q->used_idx & (q->size - 1)];
	e->id = head;
	e->len = len;
	q->used_idx++;
	/*
	 * Release (2.7.8.2 / 2.7.14): the element, and the data the device wrote
	 * into the buffers, must be visible before the idx that hands them over;
	 * otherwise the driver could see the new idx and read a stale element or
	 * stale data.
	 */
	__atomic_store_n(&q->used->idx, q->used_idx, __ATOMIC_RELEASE);
	return 0;
}

bool vq_split_need_interrupt(struct vq_split *q)
{
	uint16_t old = q->signalled_used, new_idx = q->used_idx;

	if (!q->enabled || q->broken)
		return false;
	/*
	 * Full barrier between our store of used->idx and our load of the
	 * driver's used_event / flags (a store-load order, which release and
	 * acquire do not give): otherwise we could read a stale used_event while
	 * the driver, having just written a new one, reads our stale idx, and
	 * both sides wait for each other: a lost interrupt.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	q->signalled_used = new_idx;
	if (new_idx == old)
		return false; /* nothing pushed since the last decision */
	if (q->event_idx) {
		/*
		 * 2.7.7.2: interrupt if used->idx passed used_event while going
		 * from old to new; vring_need_event() does it in uint16 arithmetic
		 * so it holds across the 65535 -> 0 wrap. Valid while fewer than
		 * 65536 entries are pushed between two calls.
		 */
		uint16_t used_event = guest_load16(&q->avail->ring[q->size]);

		return vring_need_event(used_event, new_idx, old);
	}
	/* 2.7.7.2 without EVENT_IDX: the flag is a hint we honour. */
	return !(guest_load16(&q->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
}

bool vq_split_arm_notify(struct vq_split *q)
{
	if (!q->enabled || q->broken)
		return false;
	if (q->event_idx) {
		/* avail_event lives just past used->ring[size] (2.7.8). */
		uint16_t *avail_event = (uint16_t *)&q->used->ring[q->size];

		__atomic_store_n(avail_event, q->last_avail_idx, __ATOMIC_RELAXED);
	}
	/*
	 * Full barrier (store-load): avail_event must be visible before we look
	 * at avail->idx again. Otherwise the driver may add a buffer, read our
	 * old avail_event and skip the doorbell, while we read its old idx and go
	 * to sleep: the buffer would wait forever.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE) != q->last_avail_idx;
}

static void cursor_init(struct vq_cursor *cur, const struct iovec *iov, unsigned int nseg,
			uint32_t len)
{
	*cur = (struct vq_cursor){.iov = iov, .nseg = nseg, .off = 0, .remaining = len};
}

void vq_reader_init(struct vq_cursor *r, const struct vq_desc_chain *c)
{
	cursor_init(r, c->iov, c->nread, c->read_len);
}

void vq_writer_init(struct vq_cursor *w, const struct vq_desc_chain *c)
{
	cursor_init(w, c->iov + c->nread, c->nwrite, c->write_len);
}

/*
 * Walks n bytes from the cursor's position, calling fn on each contiguous
 * piece. Callers have checked n <= remaining, which bounds the walk to the
 * segments the cursor owns.
 */
static void cursor_walk(struct vq_cursor *cur, uint32_t n, void (*fn)(void *, size_t, void *),
			void *arg)
{
	while (n) {
		size_t left = cur->iov->iov_len - cur->off;
		size_t take = left < n ? left : n;

		fn((uint8_t *)cur->iov->iov_base + cur->off, take, arg);
		cur->off += take;
		cur->remaining -= take;
		n -= take;
		if (cur->off == cur->iov->iov_len) {
			cur->iov++;
			cur->nseg--;
			cur->off = 0;
		}
	}
}

static void copy_out(void *guest, size_t len, void *arg)
{
	uint8_t **dst = arg;

	memcpy(*dst, guest, len);
	*dst += len;
}

static void copy_in(void *guest, size_t len, void *arg)
{
	const uint8_t **src = arg;

	memcpy(guest, *src, len);
	*src += len;
}

static void nothing(void *guest, size_t len, void *arg)
{
	(void)guest;
	(void)len;
	(void)arg;
}

int vq_cursor_read(struct vq_cursor *r, void *dst, uint32_t n)
{
	uint8_t *p = dst;

	if (n > r->remaining)
		return -EMSGSIZE;
	cursor_walk(r, n, copy_out, &p);
	return 0;
}

int vq_cursor_write(struct vq_cursor *w, const void *src, uint32_t n)
{
	const uint8_t *p = src;

	if (n > w->remaining)
		return -EMSGSIZE;
	cursor_walk(w, n, copy_in, &p);
	return 0;
}

int vq_cursor_skip(struct vq_cursor *cur, uint32_t n)
{
	if (n > cur->remaining)
		return -EMSGSIZE;
	cursor_walk(cur, n, nothing, NULL);
	return 0;
}

struct iov_sink {
	struct iovec *iov;
	unsigned int count;
};

static void add_iov(void *guest, size_t len, void *arg)
{
	struct iov_sink *s = arg;

	s->iov[s->count++] = (struct iovec){.iov_base = guest, .iov_len = len};
}

int vq_cursor_iov(struct vq_cursor *cur, uint32_t n, struct iovec *iov, unsigned int max)
{
	struct iov_sink sink = {.iov = iov, .count = 0};
	uint32_t left = n;
	size_t off = cur->off;
	unsigned int need = 0;

	if (n > cur->remaining)
		return -EMSGSIZE;
	/* Count the pieces first so that a refusal consumes nothing. */
	for (const struct iovec *v = cur->iov; left; v++, off = 0) {
		size_t take = v->iov_len - off < left ? v->iov_len - off : left;

		left -= take;
		need++;
	}
	if (need > max)
		return -E2BIG;
	cursor_walk(cur, n, add_iov, &sink);
	return sink.count;
}

uint8_t *vq_cursor_split_last(struct vq_cursor *cur)
{
	uint32_t skip;
	size_t off = cur->off;

	if (cur->remaining == 0)
		return NULL;
	/* Find the byte at position remaining - 1 from here, then forget it. */
	skip = cur->remaining - 1;
	for (const struct iovec *v = cur->iov;; v++, off = 0) {
		size_t left = v->iov_len - off;

		if (skip < left) {
			cur->remaining--;
			return (uint8_t *)v->iov_base + off + skip;
		}
		skip -= left;
	}
}

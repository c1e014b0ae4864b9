/*
 * Test helper: a fake guest RAM with a split ring in it, and a way to draw
 * descriptor chains like the spec's figures: (readable 16, writable 4096, writable 1).
 */
#ifndef MINIVMM_TESTS_VRING_BUILDER_H
#define MINIVMM_TESTS_VRING_BUILDER_H

#include "virtio/vring_split.h"
#include "vmm/gmem.h"

#include <stdlib.h>
#include <string.h>

#define TR_RAM   (1u << 20)
#define TR_DESC  0x1000u
#define TR_AVAIL 0x2000u
#define TR_USED  0x3000u
#define TR_DATA  0x10000u /* buffers are carved from here up */

struct tring {
	uint8_t *ram;
	struct gmem mem;
	struct vq vq;
	uint16_t size;
	uint16_t avail_idx;
	uint64_t next_data;
};

struct tseg {
	uint32_t len;
	bool write;
};

static inline struct vring_desc *tr_desc(struct tring *t)
{
	return (struct vring_desc *)(t->ram + TR_DESC);
}

static inline struct vring_avail *tr_avail(struct tring *t)
{
	return (struct vring_avail *)(t->ram + TR_AVAIL);
}

static inline struct vring_used *tr_used(struct tring *t)
{
	return (struct vring_used *)(t->ram + TR_USED);
}

static inline void tr_init(struct tring *t, uint16_t size, uint64_t features)
{
	memset(t, 0, sizeof(*t));
	t->ram = calloc(1, TR_RAM);
	t->size = size;
	t->next_data = TR_DATA;
	gmem_add_slot(&t->mem, 0, TR_RAM, t->ram);
	vq_enable(&t->vq, &t->mem, size, TR_DESC, TR_AVAIL, TR_USED, features);
}

static inline void tr_free(struct tring *t)
{
	free(t->ram);
}

static inline uint64_t tr_alloc(struct tring *t, uint32_t len)
{
	uint64_t a = t->next_data;

	t->next_data = (t->next_data + len + 15) & ~15ull;
	return a;
}

/* Writes descriptors for segs into table (the ring's or an indirect one) from index first. */
static inline void tr_fill(struct tring *t, struct vring_desc *table, uint16_t first,
			   const struct tseg *segs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct vring_desc *d = &table[first + i];

		d->addr = tr_alloc(t, segs[i].len);
		d->len = segs[i].len;
		d->flags = (segs[i].write ? VRING_DESC_F_WRITE : 0) |
			   (i + 1 < n ? VRING_DESC_F_NEXT : 0);
		d->next = first + i + 1;
	}
}

/* Makes the chain starting at head available to the device. */
static inline void tr_publish(struct tring *t, uint16_t head)
{
	tr_avail(t)->ring[t->avail_idx % t->size] = head;
	t->avail_idx++;
	tr_avail(t)->idx = t->avail_idx;
}

/* A direct chain at descriptor head, published. */
static inline void tr_chain(struct tring *t, uint16_t head, const struct tseg *segs, unsigned int n)
{
	tr_fill(t, tr_desc(t), head, segs, n);
	tr_publish(t, head);
}

/* An indirect table of segs, referenced from descriptor head, published. Returns the table. */
static inline struct vring_desc *tr_indirect(struct tring *t, uint16_t head, const struct tseg *segs,
					     unsigned int n)
{
	uint64_t table = tr_alloc(t, n * 16);

	tr_fill(t, (struct vring_desc *)(t->ram + table), 0, segs, n);
	tr_desc(t)[head] = (struct vring_desc){ .addr = table, .len = n * 16,
						.flags = VRING_DESC_F_INDIRECT };
	tr_publish(t, head);
	return (struct vring_desc *)(t->ram + table);
}

#endif

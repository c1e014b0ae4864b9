/*
 * Draws split rings and descriptor chains in a malloc'd fake guest RAM, so a
 * test reads like the spec's figures: draw_chain(&d, 0, (R(16), W(4096), W(1))).
 * Test-only: plain stores, no barriers, aborts on its own misuse.
 */
#ifndef MINIVMM_TESTS_VQ_DRAW_H
#define MINIVMM_TESTS_VQ_DRAW_H

#include "virtio/virtqueue.h"

#include <stdlib.h>
#include <string.h>

#define DRAW_RAM_GPA  0x100000ull /* not 0, so a gpa/offset mix-up shows */
#define DRAW_RAM_SIZE (4u << 20)
#define DRAW_BUF_GPA  (DRAW_RAM_GPA + (1u << 20)) /* buffers and tables above the rings */

struct dseg {
	uint32_t len;
	bool write;
};

#define R(n) ((struct dseg){(n), false})
#define W(n) ((struct dseg){(n), true})
#define SEGS(...)                                                                                  \
	((struct dseg[]){__VA_ARGS__}), (sizeof((struct dseg[]){__VA_ARGS__}) / sizeof(struct dseg))

struct draw {
	struct gmem mem;
	uint8_t *ram;
	uint64_t desc, avail, used; /* ring gpas */
	uint32_t size;
	uint64_t next_buf;  /* bump allocator for buffers and indirect tables */
	uint16_t avail_idx; /* the driver's next avail->idx */
	struct vq_split q;
};

static inline void *draw_hva(struct draw *d, uint64_t gpa)
{
	return d->ram + (gpa - DRAW_RAM_GPA);
}

static inline struct vring_desc *draw_desc(struct draw *d)
{
	return draw_hva(d, d->desc);
}

static inline struct vring_avail *draw_avail(struct draw *d)
{
	return draw_hva(d, d->avail);
}

static inline struct vring_used *draw_used(struct draw *d)
{
	return draw_hva(d, d->used);
}

/* Rings at the start of RAM: desc, then avail, then used (4-aligned). Returns vq_split_enable(). */
static inline int draw_init(struct draw *d, uint32_t size, uint64_t features)
{
	memset(d, 0, sizeof(*d));
	d->ram = calloc(1, DRAW_RAM_SIZE);
	if (!d->ram || gmem_add_slot(&d->mem, DRAW_RAM_GPA, DRAW_RAM_SIZE, d->ram) < 0)
		abort();
	d->size = size;
	d->desc = DRAW_RAM_GPA;
	d->avail = d->desc + 16ull * size;
	d->used = (d->avail + 6 + 2ull * size + 3) & ~3ull;
	d->next_buf = DRAW_BUF_GPA;
	return vq_split_enable(&d->q, &d->mem, size, d->desc, d->avail, d->used, features);
}

static inline void draw_free(struct draw *d)
{
	free(d->ram);
}

static inline uint64_t draw_alloc(struct draw *d, uint32_t len)
{
	uint64_t gpa = d->next_buf;

	d->next_buf = (d->next_buf + len + 15) & ~15ull;
	if (d->next_buf > DRAW_RAM_GPA + DRAW_RAM_SIZE)
		abort();
	return gpa;
}

/* Fills table[first .. first+n) as one chain over fresh buffers; returns first. */
static inline uint16_t draw_fill(struct draw *d, struct vring_desc *table, uint16_t first,
				 const struct dseg *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct vring_desc *e = &table[first + i];

		e->addr = draw_alloc(d, s[i].len ? s[i].len : 1);
		e->len = s[i].len;
		e->flags =
		    (s[i].write ? VRING_DESC_F_WRITE : 0) | (i + 1 < n ? VRING_DESC_F_NEXT : 0);
		e->next = i + 1 < n ? first + i + 1 : 0;
	}
	return first;
}

/* Makes head the next available entry (avail->ring[idx], then idx++). */
static inline void draw_publish(struct draw *d, uint16_t head)
{
	draw_avail(d)->ring[d->avail_idx % d->size] = head;
	draw_avail(d)->idx = ++d->avail_idx;
}

static inline uint16_t draw_chain(struct draw *d, uint16_t first, const struct dseg *s, size_t n)
{
	draw_fill(d, draw_desc(d), first, s, n);
	draw_publish(d, first);
	return first;
}

/* Puts an indirect table of n entries in RAM and points descriptor slot at it (not published). */
static inline struct vring_desc *draw_indirect_at(struct draw *d, uint16_t slot,
						  const struct dseg *s, size_t n)
{
	uint64_t gpa = draw_alloc(d, 16 * n);
	struct vring_desc *table = draw_hva(d, gpa);

	draw_fill(d, table, 0, s, n);
	draw_desc(d)[slot] =
	    (struct vring_desc){.addr = gpa, .len = 16 * n, .flags = VRING_DESC_F_INDIRECT};
	return table;
}

static inline uint16_t draw_indirect(struct draw *d, uint16_t slot, const struct dseg *s, size_t n)
{
	draw_indirect_at(d, slot, s, n);
	draw_publish(d, slot);
	return slot;
}

#endif

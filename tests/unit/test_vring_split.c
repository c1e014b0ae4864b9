/* The split virtqueue against well-formed and hostile rings (virtio 1.2 2.7). */
#include "tests/unit/check.h"
#include "tests/unit/vring_builder.h"

#include <errno.h>

#define F_INDIRECT (1ull << VIRTIO_RING_F_INDIRECT_DESC)
#define F_EVENT    (1ull << VIRTIO_RING_F_EVENT_IDX)

static struct vq_chain c;

static void test_single_and_long(void)
{
	struct tring t;
	struct tseg one[] = { { 16, false }, { 512, true }, { 1, true } };
	struct tseg lots[64];

	tr_init(&t, 128, 0);
	tr_chain(&t, 0, one, 3);
	CHECK(vq_pop(&t.vq, &c) == 1);
	CHECK(c.head == 0 && c.nseg == 3 && c.readable == 16 && c.writable == 513);
	CHECK(c.seg[0].addr == t.ram + tr_desc(&t)[0].addr && !c.seg[0].write && c.seg[2].write);
	CHECK(vq_pop(&t.vq, &c) == 0); /* empty */

	for (int i = 0; i < 64; i++)
		lots[i] = (struct tseg){ 512, i >= 32 };
	tr_chain(&t, 10, lots, 64);
	CHECK(vq_pop(&t.vq, &c) == 1);
	CHECK(c.head == 10 && c.nseg == 64 && c.readable == 32 * 512 && c.writable == 32 * 512);

	/* used ring publishing */
	vq_push(&t.vq, 0, 513);
	vq_push(&t.vq, 10, 16384);
	CHECK(tr_used(&t)->idx == 2);
	CHECK(tr_used(&t)->ring[0].id == 0 && tr_used(&t)->ring[0].len == 513);
	CHECK(tr_used(&t)->ring[1].id == 10);
	tr_free(&t);
}

static void test_indirect(void)
{
	struct tring t;
	struct tseg segs[] = { { 16, false }, { 4096, true }, { 4096, true }, { 1, true } };
	struct tseg lead[] = { { 16, false } };

	tr_init(&t, 16, F_INDIRECT);
	tr_indirect(&t, 3, segs, 4);
	CHECK(vq_pop(&t.vq, &c) == 1);
	CHECK(c.head == 3 && c.nseg == 4 && c.writable == 8193);

	/* Indirect inside a longer chain: a direct descriptor, then the indirect one. */
	tr_fill(&t, tr_desc(&t), 5, lead, 1);
	tr_desc(&t)[5].flags |= VRING_DESC_F_NEXT;
	tr_desc(&t)[5].next = 6;
	tr_indirect(&t, 6, segs + 1, 3);
	t.avail_idx--; /* tr_indirect published 6; publish the chain's head 5 instead */
	tr_publish(&t, 5);
	CHECK(vq_pop(&t.vq, &c) == 1);
	CHECK(c.head == 5 && c.nseg == 4 && c.readable == 16 && c.writable == 8193);
	tr_free(&t);

	/* Without the feature an indirect descriptor is malformed. */
	tr_init(&t, 16, 0);
	tr_indirect(&t, 0, segs, 4);
	CHECK(vq_pop(&t.vq, &c) == -EINVAL && c.head == 0);
	tr_free(&t);
}

static void test_malformed(void)
{
	struct tseg segs[] = { { 16, false }, { 512, true }, { 1, true } };
	struct tring t;
	struct vring_desc *table;

	tr_init(&t, 16, F_INDIRECT);
	/* A loop: 0 -> 1 -> 0. */
	tr_chain(&t, 0, segs, 2);
	tr_desc(&t)[1].flags |= VRING_DESC_F_NEXT;
	tr_desc(&t)[1].next = 0;
	CHECK(vq_pop(&t.vq, &c) == -EINVAL && c.head == 0);
	/* next out of range */
	tr_chain(&t, 2, segs, 2);
	tr_desc(&t)[2].next = 200;
	CHECK(vq_pop(&t.vq, &c) == -EINVAL);
	/* address outside RAM, and addr + len overflowing */
	tr_chain(&t, 4, segs, 3);
	tr_desc(&t)[5].addr = TR_RAM - 100;
	CHECK(vq_pop(&t.vq, &c) == -EINVAL);
	tr_chain(&t, 4, segs, 3);
	tr_desc(&t)[5].addr = UINT64_MAX - 10;
	CHECK(vq_pop(&t.vq, &c) == -EINVAL);
	/* a zero-length buffer is skipped, not used */
	tr_chain(&t, 4, segs, 3);
	tr_desc(&t)[5].len = 0;
	CHECK(vq_pop(&t.vq, &c) == 1 && c.nseg == 2 && c.writable == 1);
	/* a readable buffer after a writable one (device-readable data we would write into) */
	tr_chain(&t, 8, segs, 3);
	tr_desc(&t)[10].flags &= ~VRING_DESC_F_WRITE;
	CHECK(vq_pop(&t.vq, &c) == -EINVAL);
	/* indirect table length not a multiple of 16 */
	tr_indirect(&t, 11, segs, 3);
	tr_desc(&t)[11].len = 40;
	CHECK(vq_pop(&t.vq, &c) == -EINVAL);
	/* nested indirect */
	table = tr_indirect(&t, 12, segs, 3);
	table[1].flags |= VRING_DESC_F_INDIRECT;
	CHECK(vq_pop(&t.vq, &c) == -EINVAL);
	/* a looping indirect table */
	table = tr_indirect(&t, 13, segs, 3);
	table[2].flags |= VRING_DESC_F_NEXT;
	table[2].next = 0;
	CHECK(vq_pop(&t.vq, &c) == -EINVAL);
	/* INDIRECT together with NEXT is forbidden (2.7.5.3.1) */
	tr_indirect(&t, 14, segs, 3);
	tr_desc(&t)[14].flags |= VRING_DESC_F_NEXT;
	CHECK(vq_pop(&t.vq, &c) == -EINVAL);
	/* the queue still works after all that */
	tr_chain(&t, 0, segs, 3);
	CHECK(vq_pop(&t.vq, &c) == 1);
	/* a head index >= size breaks the ring */
	tr_publish(&t, 99);
	CHECK(vq_pop(&t.vq, &c) == -EIO);
	CHECK(vq_pop(&t.vq, &c) == -EIO); /* and it stays broken until reset */
	tr_free(&t);

	/* avail index jumping ahead by more than the queue size */
	tr_init(&t, 16, 0);
	tr_avail(&t)->idx = 17;
	CHECK(vq_pop(&t.vq, &c) == -EIO);
	tr_free(&t);
}

static void test_enable_checks(void)
{
	struct tring t;
	struct vq q;

	tr_init(&t, 16, 0);
	CHECK(vq_enable(&q, &t.mem, 16, TR_DESC, TR_AVAIL, TR_USED, 0) == 0);
	CHECK(vq_enable(&q, &t.mem, 0, TR_DESC, TR_AVAIL, TR_USED, 0) == -EINVAL);
	CHECK(vq_enable(&q, &t.mem, 24, TR_DESC, TR_AVAIL, TR_USED, 0) == -EINVAL);
	CHECK(vq_enable(&q, &t.mem, 512, TR_DESC, TR_AVAIL, TR_USED, 0) == -EINVAL);
	CHECK(vq_enable(&q, &t.mem, 16, TR_DESC + 8, TR_AVAIL, TR_USED, 0) == -EINVAL);
	CHECK(vq_enable(&q, &t.mem, 16, TR_DESC, TR_AVAIL + 1, TR_USED, 0) == -EINVAL);
	CHECK(vq_enable(&q, &t.mem, 16, TR_DESC, TR_AVAIL, TR_USED + 2, 0) == -EINVAL);
	CHECK(vq_enable(&q, &t.mem, 16, TR_RAM - 16, TR_AVAIL, TR_USED, 0) == -EINVAL);
	CHECK(vq_enable(&q, &t.mem, 16, TR_DESC, TR_AVAIL, 0xfffffffffffffff0ull, 0) == -EINVAL);
	CHECK(vq_pop(&q, &c) == 0); /* a refused queue is not enabled: nothing to pop */
	tr_free(&t);
}

static void test_event_idx(void)
{
	struct tseg segs[] = { { 16, false }, { 1, true } };
	struct tring t;
	uint16_t *used_event, *avail_event;

	CHECK(vq_need_event(0, 1, 0));
	CHECK(!vq_need_event(1, 1, 0));
	CHECK(vq_need_event(0xffff, 0, 0xfffe)); /* across the wrap */
	CHECK(!vq_need_event(5, 0, 0xfffe));
	CHECK(vq_need_event(0xfffe, 2, 0xfff0));

	tr_init(&t, 16, F_EVENT);
	used_event = &tr_avail(&t)->ring[16];
	avail_event = (uint16_t *)&tr_used(&t)->ring[16];
	/* Start near the wrap: both sides at 0xfffe. */
	t.vq.last_avail = t.vq.used_idx = t.vq.notified_used = 0xfffe;
	t.avail_idx = 0xfffe;
	tr_used(&t)->idx = 0xfffe;
	*used_event = 0xfffe; /* "interrupt me when entry 0xfffe is used" */
	for (int i = 0; i < 3; i++) {
		tr_chain(&t, 2 * i, segs, 2);
		CHECK(vq_pop(&t.vq, &c) == 1);
		vq_push(&t.vq, c.head, 1);
	}
	CHECK(tr_used(&t)->idx == 1);
	CHECK(vq_should_notify(&t.vq));  /* 0xfffe was passed */
	tr_chain(&t, 8, segs, 2);
	CHECK(vq_pop(&t.vq, &c) == 1);
	vq_push(&t.vq, c.head, 1);
	CHECK(!vq_should_notify(&t.vq)); /* the driver has not asked again */
	*used_event = 2; /* "interrupt me once entry 2 is used" */
	tr_chain(&t, 10, segs, 2);
	CHECK(vq_pop(&t.vq, &c) == 1);
	vq_push(&t.vq, c.head, 1);
	CHECK(vq_should_notify(&t.vq));
	CHECK(!vq_arm_notify(&t.vq));
	CHECK(*avail_event == t.vq.last_avail);
	tr_chain(&t, 12, segs, 2);
	CHECK(vq_arm_notify(&t.vq)); /* a buffer arrived: pop again */
	tr_free(&t);

	/* Without EVENT_IDX, NO_INTERRUPT silences us. */
	tr_init(&t, 16, 0);
	tr_chain(&t, 0, segs, 2);
	CHECK(vq_pop(&t.vq, &c) == 1);
	vq_push(&t.vq, 0, 1);
	tr_avail(&t)->flags = VRING_AVAIL_F_NO_INTERRUPT;
	CHECK(!vq_should_notify(&t.vq));
	tr_chain(&t, 0, segs, 2);
	CHECK(vq_pop(&t.vq, &c) == 1);
	vq_push(&t.vq, 0, 1);
	tr_avail(&t)->flags = 0;
	CHECK(vq_should_notify(&t.vq));
	tr_free(&t);
}

int main(void)
{
	test_single_and_long();
	test_indirect();
	test_malformed();
	test_enable_checks();
	test_event_idx();
	return check_summary();
}

/*
 * libFuzzer target: the split virtqueue walk plus virtio-blk request parsing,
 * driven by a hostile guest. The input is ring state and guest memory:
 *
 *   byte 0      queue size: bit 7 clear, 1 << (low 4 bits) (1 .. 32768);
 *               bit 7 set, the low 7 bits as they are (mostly not a power of two)
 *   byte 1      bit 0 INDIRECT_DESC, bit 1 EVENT_IDX, bit 2 read-only disk,
 *               bit 3 no DISCARD/WRITE_ZEROES offered
 *   bytes 2-7   desc, avail, used ring byte offsets into RAM (le16: some
 *               misaligned, some hanging past the end)
 *   bytes 8-9   starting last_avail_idx / used idx (index wrap without 65536 pops)
 *   bytes 10-13 disk capacity in sectors
 *   bytes 14-15 unused
 *   the rest    guest RAM at FUZZ_RAM_GPA (zero-padded to FUZZ_RAM_SIZE)
 *
 * Pops and parses until the ring is empty or broken, completing every head as
 * the device would (status byte, data, used entry), so writes through every
 * pointer the parser hands out are exercised under ASan.
 */
#include "virtio/blk_req.h"
#include "virtio/virtqueue.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_RAM_GPA  0x10000ull
#define FUZZ_RAM_SIZE (64u << 10)
#define HDR_LEN       16

static volatile uint8_t sink; /* keeps the stand-in for pwritev()'s reads */

static uint16_t le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vq_desc_chain c;
	static struct vblk_req req;
	struct vblk_req_limits lim = { .max_discard_sectors = 1024,
				       .max_discard_seg = 4,
				       .max_write_zeroes_sectors = 1024,
				       .max_write_zeroes_seg = 4 };
	struct vq_split q;
	struct gmem mem = { 0 };
	uint8_t *ram;
	uint64_t features = 0, capacity;
	uint32_t qsize;
	uint16_t start;
	int r;

	if (size < HDR_LEN)
		return 0;
	/* A fresh allocation of exactly the RAM size, so ASan sees any step past it. */
	ram = calloc(1, FUZZ_RAM_SIZE);
	if (!ram || gmem_add_slot(&mem, FUZZ_RAM_GPA, FUZZ_RAM_SIZE, ram) < 0)
		abort(); /* the harness's own failure, not the input's */
	memcpy(ram, data + HDR_LEN,
	       size - HDR_LEN < FUZZ_RAM_SIZE ? size - HDR_LEN : FUZZ_RAM_SIZE);

	qsize = data[0] & 0x80 ? data[0] & 0x7f : 1u << (data[0] & 15);
	if (data[1] & 1)
		features |= 1ull << VIRTIO_RING_F_INDIRECT_DESC;
	if (data[1] & 2)
		features |= 1ull << VIRTIO_RING_F_EVENT_IDX;
	lim.read_only = data[1] & 4;
	if (data[1] & 8)
		lim.max_discard_seg = lim.max_write_zeroes_seg = 0;
	start = le16(data + 8);
	capacity = data[10] | data[11] << 8 | data[12] << 16 | (uint64_t)data[13] << 24;

	r = vq_split_enable(&q, &mem, qsize, FUZZ_RAM_GPA + le16(data + 2),
			    FUZZ_RAM_GPA + le16(data + 4), FUZZ_RAM_GPA + le16(data + 6), features);
	if (r < 0)
		goto out;
	q.last_avail_idx = q.used_idx = q.signalled_used = start;

	/* At most a ring's worth of chains can be pending; a little more proves the stop. */
	for (uint32_t n = 0; n <= qsize + 1; n++) {
		r = vq_split_pop(&q, &c);
		if (r == 0 && !vq_split_arm_notify(&q))
			break;
		if (r == 0)
			continue;
		if (r == -EIO)
			break;
		if (r < 0) {
			vq_split_push(&q, c.head, 0);
			continue;
		}
		r = vblk_req_parse(&c, capacity, &lim, &req);
		if (r == 0 && req.type == VIRTIO_BLK_T_IN) {
			/* Stand-in for preadv(): touch every byte the request may write. */
			for (unsigned int i = 0; i < req.niov; i++)
				memset(req.iov[i].iov_base, 0x5a, req.iov[i].iov_len);
		} else if (r == 0 && req.type == VIRTIO_BLK_T_OUT) {
			for (unsigned int i = 0; i < req.niov; i++)
				for (size_t k = 0; k < req.iov[i].iov_len; k += 512)
					sink += ((uint8_t *)req.iov[i].iov_base)[k];
		} else if (r == 0 && req.type == VIRTIO_BLK_T_GET_ID) {
			vblk_req_fill_id(&req, "minivmm-fuzz-serial-0");
		}
		if (req.status)
			*req.status = vblk_req_status(r);
		vq_split_push(&q, c.head, vblk_req_used_len(&req, r));
	}
	vq_split_need_interrupt(&q);
	/* A device still completing old heads after the ring broke (or a bogus head). */
	vq_split_push(&q, start, 0);
	vq_split_pop(&q, &c);
out:
	free(ram);
	return 0;
}

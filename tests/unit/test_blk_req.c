/* virtio-blk request parsing (virtio/blk_req.c, virtio 1.2 5.2.6): one table row per outcome. */
#include "tests/unit/check.h"
#include "tests/unit/vq_draw.h"
#include "virtio/blk_req.h"

#include <errno.h>

#define CAPACITY 2048 /* sectors: a 1 MiB disk */
#define T_IN	 VIRTIO_BLK_T_IN
#define T_OUT	 VIRTIO_BLK_T_OUT
#define T_FLUSH	 VIRTIO_BLK_T_FLUSH
#define T_ID	 VIRTIO_BLK_T_GET_ID
#define T_DISC	 VIRTIO_BLK_T_DISCARD
#define T_WZ	 VIRTIO_BLK_T_WRITE_ZEROES
#define UNMAP	 VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP

struct range {
	uint64_t sector;
	uint32_t num, flags;
};

struct blk_case {
	const char *name;
	struct dseg segs[6];
	unsigned int nsegs;
	uint32_t type;
	uint64_t sector;
	struct range ranges[4]; /* written after the header for DISCARD/WRITE_ZEROES */
	unsigned int nranges;
	bool ro, no_dwz;
	int expect;
	uint32_t len, niov; /* on success */
};

#define CHAIN(...)                                                                                 \
	.segs = {__VA_ARGS__}, .nsegs = sizeof((struct dseg[]){__VA_ARGS__}) / sizeof(struct dseg)
#define RANGES(...)                                                                                \
	.ranges = {__VA_ARGS__},                                                                   \
	.nranges = sizeof((struct range[]){__VA_ARGS__}) / sizeof(struct range)

/* Writes n bytes at offset off of the chain's readable part, as the driver would have. */
static void put_readable(const struct vq_desc_chain *c, uint32_t off, const void *src, uint32_t n)
{
	struct vq_cursor r;
	struct iovec iov[8];
	const uint8_t *p = src;
	int k;

	vq_reader_init(&r, c);
	if (vq_cursor_skip(&r, off) < 0)
		return;
	if (n > vq_cursor_remaining(&r))
		n = vq_cursor_remaining(&r);
	k = vq_cursor_iov(&r, n, iov, 8);
	for (int i = 0; i < k; i++) {
		memcpy(iov[i].iov_base, p, iov[i].iov_len);
		p += iov[i].iov_len;
	}
}

static void run_case(const struct blk_case *t)
{
	static struct vq_desc_chain c;
	static struct vblk_req req;
	struct vblk_req_limits lim = {.read_only = t->ro,
				      .max_discard_sectors = 1024,
				      .max_discard_seg = 3,
				      .max_write_zeroes_sectors = 1024,
				      .max_write_zeroes_seg = 3};
	struct virtio_blk_outhdr hdr = {.type = t->type, .sector = t->sector};
	struct draw d;
	int r;

	if (t->no_dwz)
		lim.max_discard_seg = lim.max_write_zeroes_seg = 0;
	CHECK(draw_init(&d, 16, 0) == 0);
	draw_chain(&d, 0, t->segs, t->nsegs);
	CHECK(vq_split_pop(&d.q, &c) == 1);
	put_readable(&c, 0, &hdr, sizeof(hdr));
	for (unsigned int i = 0; i < t->nranges; i++) {
		struct virtio_blk_discard_write_zeroes w = {.sector = t->ranges[i].sector,
							    .num_sectors = t->ranges[i].num,
							    .flags = t->ranges[i].flags};

		put_readable(&c, sizeof(hdr) + 16 * i, &w, sizeof(w));
	}
	memset(&req, 0xa5, sizeof(req)); /* nothing stale may survive a parse */
	r = vblk_req_parse(&c, CAPACITY, &lim, &req);
	if (r != t->expect)
		fprintf(stderr, "case \"%s\": got %d, want %d\n", t->name, r, t->expect);
	CHECK(r == t->expect);
	if (r == -ENOMSG) {
		CHECK(req.status == NULL && vblk_req_used_len(&req, r) == 0);
	} else {
		/* The status is always the chain's last writable byte. */
		const struct iovec *last = &c.iov[c.nread + c.nwrite - 1];

		CHECK(req.status == (uint8_t *)last->iov_base + last->iov_len - 1);
	}
	if (r == 0) {
		CHECK(req.type == t->type && req.len == t->len && req.niov == t->niov);
		CHECK(req.nranges == t->nranges);
		for (unsigned int i = 0; i < req.niov; i++)
			CHECK((uint8_t *)req.iov[i].iov_base + req.iov[i].iov_len <= req.status ||
			      (uint8_t *)req.iov[i].iov_base > req.status);
		for (unsigned int i = 0; i < req.nranges; i++)
			CHECK(req.ranges[i].sector == t->ranges[i].sector &&
			      req.ranges[i].num_sectors == t->ranges[i].num);
	}
	draw_free(&d);
}

static void test_status_and_len(void)
{
	static struct vq_desc_chain c;
	static struct vblk_req req;
	struct vblk_req_limits lim = {0};
	struct virtio_blk_outhdr hdr = {.type = T_ID};
	struct draw d;
	uint8_t *id;

	CHECK(vblk_req_status(0) == VIRTIO_BLK_S_OK);
	CHECK(vblk_req_status(-ENOTSUP) == VIRTIO_BLK_S_UNSUPP);
	CHECK(vblk_req_status(-EOPNOTSUPP) == VIRTIO_BLK_S_UNSUPP);
	CHECK(vblk_req_status(-ERANGE) == VIRTIO_BLK_S_IOERR);
	CHECK(vblk_req_status(-EIO) == VIRTIO_BLK_S_IOERR);
	CHECK(vblk_req_status(-EROFS) == VIRTIO_BLK_S_IOERR);

	/* GET_ID into a 12-byte buffer split 5 + 7: truncated, the status byte untouched. */
	CHECK(draw_init(&d, 16, 0) == 0);
	draw_chain(&d, 0, SEGS(R(16), W(5), W(7), W(1)));
	CHECK(vq_split_pop(&d.q, &c) == 1);
	put_readable(&c, 0, &hdr, sizeof(hdr));
	CHECK(vblk_req_parse(&c, CAPACITY, &lim, &req) == 0 && req.niov == 2 && req.len == 12);
	*req.status = 0x77;
	CHECK(vblk_req_fill_id(&req, "serial-number-123456789") == 12);
	CHECK(memcmp(c.iov[1].iov_base, "seria", 5) == 0);
	CHECK(memcmp(c.iov[2].iov_base, "l-numbe", 7) == 0 && *req.status == 0x77);
	CHECK(vblk_req_used_len(&req, 0) == 13 && vblk_req_used_len(&req, -EIO) == 1);

	/* A 20-byte buffer and a short serial: NUL-padded. */
	draw_chain(&d, 4, SEGS(R(16), W(20), W(1)));
	CHECK(vq_split_pop(&d.q, &c) == 1);
	put_readable(&c, 0, &hdr, sizeof(hdr));
	id = c.iov[1].iov_base;
	memset(id, 'x', 20);
	CHECK(vblk_req_parse(&c, CAPACITY, &lim, &req) == 0);
	CHECK(vblk_req_fill_id(&req, "abc") == 20 && memcmp(id, "abc\0\0\0", 6) == 0 &&
	      id[19] == 0);

	/* Only a GET_ID is filled with an id. */
	hdr.type = T_IN;
	draw_chain(&d, 8, SEGS(R(16), W(512), W(1)));
	CHECK(vq_split_pop(&d.q, &c) == 1);
	put_readable(&c, 0, &hdr, sizeof(hdr));
	CHECK(vblk_req_parse(&c, CAPACITY, &lim, &req) == 0 && vblk_req_fill_id(&req, "abc") == 0);
	CHECK(vblk_req_used_len(&req, 0) == 513);
	draw_free(&d);
}

static void test_table(void)
{
	/* Automatic: R()/W() are compound literals, not constant initializers. */
	const struct blk_case cases[] = {
	    /* Requests Linux sends */
	    {"read", CHAIN(R(16), W(4096), W(1)), T_IN, 8, .expect = 0, .len = 4096, .niov = 1},
	    {"read, status in the data segment", CHAIN(R(16), W(1025)), T_IN, 0, .expect = 0,
	     .len = 1024, .niov = 1},
	    {"write", CHAIN(R(16), R(512), R(1024), W(1)), T_OUT, 2, .expect = 0, .len = 1536,
	     .niov = 2},
	    {"write, header and data in one", CHAIN(R(16 + 512), W(1)), T_OUT, 0, .expect = 0,
	     .len = 512, .niov = 1},
	    {"last sector", CHAIN(R(16), W(512), W(1)), T_IN, CAPACITY - 1, .expect = 0, .len = 512,
	     .niov = 1},
	    {"flush", CHAIN(R(16), W(1)), T_FLUSH, 0, .expect = 0},
	    {"flush on a read-only disk", CHAIN(R(16), W(1)), T_FLUSH, 0, .ro = true, .expect = 0},
	    {"get id", CHAIN(R(16), W(20), W(1)), T_ID, 0, .expect = 0, .len = 20, .niov = 1},
	    {"get id, short buffer", CHAIN(R(16), W(8), W(1)), T_ID, 0, .expect = 0, .len = 8,
	     .niov = 1},
	    {"get id, long buffer", CHAIN(R(16), W(64), W(1)), T_ID, 0, .expect = 0, .len = 20,
	     .niov = 1},
	    {"discard", CHAIN(R(16), R(32), W(1)), T_DISC, 0, RANGES({0, 8, 0}, {100, 16, 0}),
	     .expect = 0},
	    {"write zeroes, unmap", CHAIN(R(16), R(16), W(1)), T_WZ, 0, RANGES({2040, 8, UNMAP}),
	     .expect = 0},

	    /* Each parse error */
	    {"no status: no writable byte", CHAIN(R(16), R(512)), T_OUT, 0, .expect = -ENOMSG},
	    {"no status: empty chain", CHAIN(R(0)), T_IN, 0, .expect = -ENOMSG},
	    {"short header", CHAIN(R(8), W(1)), T_IN, 0, .expect = -EMSGSIZE},
	    {"unknown type", CHAIN(R(16), W(1)), 2 /* SCSI_CMD */, 0, .expect = -ENOTSUP},
	    {"legacy barrier bit", CHAIN(R(16), W(1)), T_FLUSH | VIRTIO_BLK_T_BARRIER, 0,
	     .expect = -ENOTSUP},
	    {"read with device-readable data", CHAIN(R(16), R(512), W(512), W(1)), T_IN, 0,
	     .expect = -EINVAL},
	    {"read without data", CHAIN(R(16), W(1)), T_IN, 0, .expect = -EINVAL},
	    {"read, not whole sectors", CHAIN(R(16), W(100), W(1)), T_IN, 0, .expect = -EINVAL},
	    {"write with device-writable data", CHAIN(R(16), R(512), W(512), W(1)), T_OUT, 0,
	     .expect = -EINVAL},
	    {"write, not whole sectors", CHAIN(R(16), R(513), W(1)), T_OUT, 0, .expect = -EINVAL},
	    {"write to a read-only disk", CHAIN(R(16), R(512), W(1)), T_OUT, 0, .ro = true,
	     .expect = -EROFS},
	    {"read past the end", CHAIN(R(16), W(1024), W(1)), T_IN, CAPACITY - 1,
	     .expect = -ERANGE},
	    {"read at the end", CHAIN(R(16), W(512), W(1)), T_IN, CAPACITY, .expect = -ERANGE},
	    {"sector + len wraps", CHAIN(R(16), W(1024), W(1)), T_IN, UINT64_MAX,
	     .expect = -ERANGE},
	    {"get id with readable data", CHAIN(R(16), R(16), W(20), W(1)), T_ID, 0,
	     .expect = -EINVAL},
	    {"get id without a buffer", CHAIN(R(16), W(1)), T_ID, 0, .expect = -EINVAL},
	    {"discard, not offered", CHAIN(R(16), R(16), W(1)), T_DISC, 0, RANGES({0, 8, 0}),
	     .no_dwz = true, .expect = -ENOTSUP},
	    {"discard on a read-only disk", CHAIN(R(16), R(16), W(1)), T_DISC, 0, RANGES({0, 8, 0}),
	     .ro = true, .expect = -EROFS},
	    {"write zeroes on a read-only disk", CHAIN(R(16), R(16), W(1)), T_WZ, 0,
	     RANGES({0, 8, 0}), .ro = true, .expect = -EROFS},
	    {"discard with unmap", CHAIN(R(16), R(16), W(1)), T_DISC, 0, RANGES({0, 8, UNMAP}),
	     .expect = -ENOTSUP},
	    {"write zeroes, reserved flag", CHAIN(R(16), R(16), W(1)), T_WZ, 0, RANGES({0, 8, 2}),
	     .expect = -ENOTSUP},
	    {"discard, partial range", CHAIN(R(16), R(24), W(1)), T_DISC, 0, RANGES({0, 8, 0}),
	     .expect = -EINVAL},
	    {"discard, no range", CHAIN(R(16), W(1)), T_DISC, 0, .expect = -EINVAL},
	    {"discard with writable data", CHAIN(R(16), R(16), W(16), W(1)), T_DISC, 0,
	     RANGES({0, 8, 0}), .expect = -EINVAL},
	    {"discard, too many ranges", CHAIN(R(16), R(64), W(1)), T_DISC, 0,
	     RANGES({0, 1, 0}, {1, 1, 0}, {2, 1, 0}, {3, 1, 0}), .expect = -E2BIG},
	    {"discard, range above max_discard_sectors", CHAIN(R(16), R(16), W(1)), T_DISC, 0,
	     RANGES({0, 1025, 0}), .expect = -EINVAL},
	    {"discard past the end", CHAIN(R(16), R(32), W(1)), T_DISC, 0,
	     RANGES({0, 8, 0}, {CAPACITY - 4, 8, 0}), .expect = -ERANGE},
	    {"write zeroes, wrapping range", CHAIN(R(16), R(16), W(1)), T_WZ, 0,
	     RANGES({UINT64_MAX - 1, 8, 0}), .expect = -ERANGE},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

int main(void)
{
	test_table();
	test_status_and_len();
	return check_summary();
}

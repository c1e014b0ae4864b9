/*
 * virtio-blk request parsing, in the order Firecracker's Request::parse uses:
 * status byte, header, direction of the data, its length, its range. Guest
 * fields are copied once (header, ranges), then checked, then used.
 */
#include "virtio/blk_req.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#define SECTOR_SIZE (1u << VBLK_REQ_SECTOR_SHIFT)

_Static_assert(sizeof(struct virtio_blk_outhdr) == 16, "5.2.6: type, reserved/ioprio, sector");
_Static_assert(sizeof(struct virtio_blk_discard_write_zeroes) == 16, "5.2.6: sector, num, flags");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "virtio 1.x fields are little-endian");

/* [sector, sector + nsectors) inside the disk, the end computed without wrapping. */
static bool range_ok(uint64_t sector, uint64_t nsectors, uint64_t capacity)
{
	uint64_t end;

	/* A raw file would silently grow on an out-of-range write (5.2.6.1). */
	return !__builtin_add_overflow(sector, nsectors, &end) && end <= capacity;
}

/* IN and OUT (5.2.6): data one way only, whole sectors, at least one, inside the disk. */
static int parse_rw(struct vblk_req *req, struct vq_cursor *rd, struct vq_cursor *wr,
		    uint64_t capacity, const struct vblk_req_limits *lim)
{
	bool in = req->type == VIRTIO_BLK_T_IN;
	struct vq_cursor *data = in ? wr : rd;
	uint32_t len = vq_cursor_remaining(data);
	int n;

	/* IN fills device-writable buffers, OUT drains device-readable ones. */
	if (vq_cursor_remaining(in ? rd : wr) != 0 || len == 0 || len % SECTOR_SIZE)
		return -EINVAL;
	/* 5.2.6.2: a write to a VIRTIO_BLK_F_RO disk is IOERR and writes nothing. */
	if (!in && lim->read_only)
		return -EROFS;
	if (!range_ok(req->sector, len >> VBLK_REQ_SECTOR_SHIFT, capacity))
		return -ERANGE;
	n = vq_cursor_iov(data, len, req->iov, VQ_CHAIN_MAX_SEGS);
	if (n < 0)
		return n; /* cannot happen: the chain has at most that many segments */
	req->niov = n;
	req->len = len;
	return 0;
}

/* GET_ID (5.2.6): a device-writable buffer; up to 20 bytes of it are filled. */
static int parse_get_id(struct vblk_req *req, struct vq_cursor *rd, struct vq_cursor *wr)
{
	uint32_t len = vq_cursor_remaining(wr);
	int n;

	if (vq_cursor_remaining(rd) != 0 || len == 0)
		return -EINVAL;
	if (len > VIRTIO_BLK_ID_BYTES)
		len = VIRTIO_BLK_ID_BYTES; /* Linux gives exactly 20; a longer buffer gets 20 */
	n = vq_cursor_iov(wr, len, req->iov, VQ_CHAIN_MAX_SEGS);
	if (n < 0)
		return n;
	req->niov = n;
	req->len = len;
	return 0;
}

/* DISCARD and WRITE_ZEROES (5.2.6): an array of 16-byte ranges, device-readable. */
static int parse_dwz(struct vblk_req *req, struct vq_cursor *rd, struct vq_cursor *wr,
		     uint64_t capacity, const struct vblk_req_limits *lim)
{
	bool wz = req->type == VIRTIO_BLK_T_WRITE_ZEROES;
	uint32_t max_seg = wz ? lim->max_write_zeroes_seg : lim->max_discard_seg;
	uint32_t max_sectors = wz ? lim->max_write_zeroes_sectors : lim->max_discard_sectors;
	uint32_t len = vq_cursor_remaining(rd), nranges;

	if (max_seg == 0)
		return -ENOTSUP; /* VIRTIO_BLK_F_DISCARD / _WRITE_ZEROES not offered */
	if (lim->read_only)
		return -EROFS;
	if (vq_cursor_remaining(wr) != 0 || len == 0 || len % sizeof(req->ranges[0]))
		return -EINVAL;
	nranges = len / sizeof(req->ranges[0]);
	/* max_discard_seg / max_write_zeroes_seg of the config space (5.2.4). */
	if (nranges > max_seg || nranges > VBLK_REQ_MAX_DWZ_SEG)
		return -E2BIG;
	if (vq_cursor_read(rd, req->ranges, len) < 0)
		return -EINVAL; /* cannot happen: len is what remains */
	req->nranges = nranges;
	for (uint32_t i = 0; i < nranges; i++) {
		const struct virtio_blk_discard_write_zeroes *r = &req->ranges[i];

		/*
		 * 5.2.6.2: UNSUPP for any unknown flag, and for the unmap flag on
		 * a discard; only WRITE_ZEROES may ask to unmap.
		 */
		if (r->flags & ~(uint32_t)(wz ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0))
			return -ENOTSUP;
		if (r->num_sectors > max_sectors)
			return -EINVAL;
		if (!range_ok(r->sector, r->num_sectors, capacity))
			return -ERANGE;
	}
	return 0;
}

int vblk_req_parse(const struct vq_desc_chain *c, uint64_t capacity_sectors,
		   const struct vblk_req_limits *lim, struct vblk_req *req)
{
	struct virtio_blk_outhdr hdr;
	struct vq_cursor rd, wr;

	memset(req, 0, offsetof(struct vblk_req, iov));
	req->status = NULL;
	req->nranges = 0;
	vq_reader_init(&rd, c);
	vq_writer_init(&wr, c);
	/*
	 * The status is the last byte the driver lets us write (5.2.6, and Linux
	 * virtio_blk says so of its in-header). Split it off first, so that data
	 * written later can never land on it; a chain without one cannot be
	 * answered at all.
	 */
	req->status = vq_cursor_split_last(&wr);
	if (!req->status)
		return -ENOMSG;
	if (vq_cursor_read(&rd, &hdr, sizeof(hdr)) < 0)
		return -EMSGSIZE;
	req->type = hdr.type;
	req->sector = hdr.sector;

	switch (req->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		return parse_rw(req, &rd, &wr, capacity_sectors, lim);
	case VIRTIO_BLK_T_FLUSH:
		/*
		 * 5.2.6.1: the driver sets sector 0 and SHOULD NOT add data; any
		 * data is ignored. A flush on a read-only disk is harmless.
		 */
		return 0;
	case VIRTIO_BLK_T_GET_ID:
		return parse_get_id(req, &rd, &wr);
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return parse_dwz(req, &rd, &wr, capacity_sectors, lim);
	default:
		/* SCSI_CMD, GET_LIFETIME, SECURE_ERASE, zoned, legacy BARRIER... */
		return -ENOTSUP;
	}
}

uint8_t vblk_req_status(int err)
{
	if (err == 0)
		return VIRTIO_BLK_S_OK;
	if (err == -ENOTSUP || err == -EOPNOTSUPP)
		return VIRTIO_BLK_S_UNSUPP;
	return VIRTIO_BLK_S_IOERR;
}

uint32_t vblk_req_used_len(const struct vblk_req *req, int err)
{
	if (!req->status)
		return 0;
	if (err == 0 && (req->type == VIRTIO_BLK_T_IN || req->type == VIRTIO_BLK_T_GET_ID))
		return req->len + 1;
	return 1;
}

uint32_t vblk_req_fill_id(const struct vblk_req *req, const char *serial)
{
	char id[VIRTIO_BLK_ID_BYTES] = {0};
	const char *src = id;

	/* Only a parsed GET_ID has at most 20 bytes of iovecs to fill from id[]. */
	if (!req->status || req->type != VIRTIO_BLK_T_GET_ID)
		return 0;
	/* 20 bytes, NUL-padded, no terminator when the serial fills all 20. */
	memcpy(id, serial, strnlen(serial, sizeof(id)));
	for (unsigned int i = 0; i < req->niov; i++) {
		memcpy(req->iov[i].iov_base, src, req->iov[i].iov_len);
		src += req->iov[i].iov_len;
	}
	return req->len;
}

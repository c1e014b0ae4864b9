/*
 * Request parsing, in the order Firecracker's Request::parse taught us: the
 * header, the status byte, the direction of the data, its length, its range.
 * Guest fields are copied once, then checked, then used.
 */
#include "virtio/blk_parse.h"

#include <string.h>

/* Copies n bytes from the readable part of the chain, starting at byte off. */
static bool read_bytes(const struct vq_chain *c, uint32_t off, void *dst, uint32_t n)
{
	uint8_t *out = dst;

	for (unsigned int i = 0; i < c->nseg && n; i++) {
		const struct vq_seg *s = &c->seg[i];

		if (s->write)
			break;
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		uint32_t take = s->len - off < n ? s->len - off : n;

		memcpy(out, s->addr + off, take);
		out += take;
		n -= take;
		off = 0;
	}
	return n == 0;
}

/* Adds segments [from, to) of the chain's bytes of one kind (readable or writable) as iovecs. */
static void collect(const struct vq_chain *c, bool write, uint32_t skip, uint32_t len,
		    struct vblk_req *r)
{
	r->niov = 0;
	r->len = len;
	for (unsigned int i = 0; i < c->nseg && len; i++) {
		const struct vq_seg *s = &c->seg[i];

		if (s->write != write)
			continue;
		if (skip >= s->len) {
			skip -= s->len;
			continue;
		}
		uint32_t take = s->len - skip < len ? s->len - skip : len;

		r->iov[r->niov++] = (struct iovec){ .iov_base = s->addr + skip, .iov_len = take };
		len -= take;
		skip = 0;
	}
}

static bool range_ok(uint64_t sector, uint64_t nsectors, uint64_t capacity)
{
	uint64_t end;

	/* A raw file would silently grow on an out-of-range write. */
	return !__builtin_add_overflow(sector, nsectors, &end) && end <= capacity;
}

static uint8_t parse_dwz(const struct vq_chain *c, const struct vblk_limits *lim,
			 struct vblk_req *r, uint32_t data_len)
{
	bool wz = r->type == VIRTIO_BLK_T_WRITE_ZEROES;
	uint32_t max = wz ? lim->max_write_zeroes_sectors : lim->max_discard_sectors;

	/* 5.2.6.2: whole 16-byte segments, no more than max_*_seg of them. */
	if (data_len == 0 || data_len % sizeof(r->ranges[0]) ||
	    data_len / sizeof(r->ranges[0]) > lim->max_dwz_seg ||
	    data_len / sizeof(r->ranges[0]) > VBLK_MAX_DWZ_SEG)
		return VIRTIO_BLK_S_UNSUPP;
	r->nranges = data_len / sizeof(r->ranges[0]);
	if (!read_bytes(c, sizeof(struct virtio_blk_outhdr), r->ranges, data_len))
		return VIRTIO_BLK_S_IOERR;
	for (unsigned int i = 0; i < r->nranges; i++) {
		const struct virtio_blk_discard_write_zeroes *d = &r->ranges[i];

		/* Only WRITE_ZEROES may ask to unmap; every other flag bit is reserved. */
		if (d->flags & ~(wz ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0))
			return VIRTIO_BLK_S_UNSUPP;
		if (d->num_sectors > max)
			return VIRTIO_BLK_S_IOERR;
		if (!range_ok(d->sector, d->num_sectors, lim->capacity))
			return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

enum vblk_parse_result vblk_parse(const struct vq_chain *c, const struct vblk_limits *lim,
				  struct vblk_req *r, uint8_t *early_status)
{
	const uint32_t hdr_len = sizeof(struct virtio_blk_outhdr);
	struct virtio_blk_outhdr hdr;
	const struct vq_seg *last;
	uint32_t in_len, out_len;

	r->niov = 0;
	r->len = 0;
	r->nranges = 0;
	r->status = NULL;
	/* The status is the last byte of the last, device-writable, segment (5.2.6). */
	if (c->nseg == 0)
		return VBLK_PARSE_NO_STATUS;
	last = &c->seg[c->nseg - 1];
	if (!last->write)
		return VBLK_PARSE_NO_STATUS;
	r->status = last->addr + last->len - 1;
	*early_status = VIRTIO_BLK_S_IOERR;
	if (!read_bytes(c, 0, &hdr, hdr_len))
		return VBLK_PARSE_COMPLETE;
	r->type = hdr.type;
	r->sector = hdr.sector;
	out_len = c->readable - hdr_len;  /* driver-to-device data after the header */
	in_len = c->writable - 1;         /* device-to-driver data before the status */

	switch (r->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT: {
		bool in = r->type == VIRTIO_BLK_T_IN;
		uint32_t len = in ? in_len : out_len;

		/* Data must flow one way only, in whole sectors, inside the disk. */
		if ((in ? out_len : in_len) != 0 || len % 512)
			return VBLK_PARSE_COMPLETE;
		if (!in && lim->readonly)
			return VBLK_PARSE_COMPLETE;
		if (!range_ok(r->sector, len >> VBLK_SECTOR_SHIFT, lim->capacity))
			return VBLK_PARSE_COMPLETE;
		collect(c, in, in ? 0 : hdr_len, len, r);
		if (len == 0) {
			*early_status = VIRTIO_BLK_S_OK; /* nothing to move */
			return VBLK_PARSE_COMPLETE;
		}
		return VBLK_PARSE_IO;
	}
	case VIRTIO_BLK_T_FLUSH:
		return VBLK_PARSE_IO;
	case VIRTIO_BLK_T_GET_ID:
		if (in_len == 0 || out_len != 0)
			return VBLK_PARSE_COMPLETE;
		collect(c, true, 0, in_len < VIRTIO_BLK_ID_BYTES ? in_len : VIRTIO_BLK_ID_BYTES, r);
		return VBLK_PARSE_IO;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		if (lim->readonly || in_len != 0)
			return VBLK_PARSE_COMPLETE;
		*early_status = parse_dwz(c, lim, r, out_len);
		return *early_status == VIRTIO_BLK_S_OK ? VBLK_PARSE_IO : VBLK_PARSE_COMPLETE;
	default:
		*early_status = VIRTIO_BLK_S_UNSUPP;
		return VBLK_PARSE_COMPLETE;
	}
}

uint32_t vblk_written_len(const struct vblk_req *r)
{
	bool to_guest = r->type == VIRTIO_BLK_T_IN || r->type == VIRTIO_BLK_T_GET_ID;

	return (to_guest ? (uint32_t)r->len : 0) + 1;
}

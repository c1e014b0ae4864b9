/*
 * virtio-blk request parsing (virtio 1.2 section 5.2.6): a popped chain in, a
 * validated request out. Pure: no fds, no globals, no I/O. The I/O path takes
 * a const struct vblk_req and trusts nothing else of the guest's.
 */
#ifndef MINIVMM_VIRTIO_BLK_REQ_H
#define MINIVMM_VIRTIO_BLK_REQ_H

#include "virtio/virtqueue.h"

#include <linux/virtio_blk.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#define VBLK_REQ_SECTOR_SHIFT 9	 /* 5.2.6: sector is always in 512-byte units */
#define VBLK_REQ_MAX_DWZ_SEG  64 /* ranges per DISCARD/WRITE_ZEROES we can hold */

/* What the device offers (its config space); the parser holds requests to it. */
struct vblk_req_limits {
	bool read_only;		      /* VIRTIO_BLK_F_RO */
	uint32_t max_discard_sectors; /* per range */
	uint32_t max_discard_seg;     /* 0: DISCARD not offered */
	uint32_t max_write_zeroes_sectors;
	uint32_t max_write_zeroes_seg; /* 0: WRITE_ZEROES not offered */
};

/* A request that passed every check. Pointers point into guest RAM. */
struct vblk_req {
	uint32_t type;	   /* VIRTIO_BLK_T_IN, _OUT, _FLUSH, _GET_ID, _DISCARD, _WRITE_ZEROES */
	uint64_t sector;   /* IN/OUT: first sector, inside the disk with len */
	uint32_t len;	   /* IN/OUT: data bytes (a multiple of 512); GET_ID: id bytes (<= 20) */
	unsigned int niov; /* IN/OUT/GET_ID: the data, never the header or status */
	struct iovec iov[VQ_CHAIN_MAX_SEGS];
	uint8_t *status;      /* the chain's last writable byte; NULL if it has none */
	unsigned int nranges; /* DISCARD/WRITE_ZEROES: copied out of the guest once */
	struct virtio_blk_discard_write_zeroes ranges[VBLK_REQ_MAX_DWZ_SEG];
};

/*
 * Parses chain c against a disk of capacity_sectors. Returns 0 when req is
 * ready for I/O, or:
 *   -ENOMSG      no status byte: nothing can be answered, return the chain
 *                with used length 0 (req->status is NULL);
 *   -ENOTSUP     unknown type, a feature not offered, or reserved flag bits;
 *   -EMSGSIZE    header shorter than 16 bytes;
 *   -EINVAL      data in the wrong direction, missing, not whole sectors or
 *                ranges, a range above the per-range limit;
 *   -E2BIG       more DISCARD/WRITE_ZEROES ranges than the limit;
 *   -ERANGE      sectors past the end of the disk (or an overflowing end);
 *   -EROFS       a write, discard or write-zeroes to a read-only disk.
 * On every error but -ENOMSG, req->status is valid: write vblk_req_status(err).
 * req->type is filled as soon as the header has been read.
 */
int vblk_req_parse(const struct vq_desc_chain *c, uint64_t capacity_sectors,
		   const struct vblk_req_limits *lim, struct vblk_req *req);

/* The status byte for a parse or I/O result: 0 OK, -ENOTSUP UNSUPP, any other IOERR. */
uint8_t vblk_req_status(int err);

/*
 * The used length to push for req finished with err (bytes written into the
 * chain: data for a successful IN or GET_ID, plus the status byte).
 */
uint32_t vblk_req_used_len(const struct vblk_req *req, int err);

/*
 * GET_ID (5.2.6): writes the serial, truncated to 20 bytes and NUL-padded, into
 * as much of req's buffer as there is. Returns the bytes written (req->len).
 */
uint32_t vblk_req_fill_id(const struct vblk_req *req, const char *serial);

#endif

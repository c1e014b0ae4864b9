/* virtio-blk request parsing (virtio 1.2 section 5.2.6): pure, no fds, no globals. */
#ifndef MINIVMM_VIRTIO_BLK_PARSE_H
#define MINIVMM_VIRTIO_BLK_PARSE_H

#include "virtio/vring_split.h"

#include <linux/virtio_blk.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#define VBLK_SECTOR_SHIFT 9
#define VBLK_MAX_DWZ_SEG  32 /* discard / write-zeroes ranges per request we accept */

struct vblk_limits {
	uint64_t capacity;          /* sectors */
	bool readonly;
	uint32_t max_discard_sectors, max_write_zeroes_sectors, max_dwz_seg;
};

/* A request that passed every check; the I/O path trusts nothing else. */
struct vblk_req {
	uint32_t type;              /* VIRTIO_BLK_T_* */
	uint64_t sector;
	struct iovec iov[VQ_MAX_SIZE]; /* data buffers in guest RAM (IN, OUT, GET_ID) */
	unsigned int niov;
	uint64_t len;               /* bytes of data */
	uint8_t *status;            /* the last device-writable byte of the chain */
	struct virtio_blk_discard_write_zeroes ranges[VBLK_MAX_DWZ_SEG];
	unsigned int nranges;
};

enum vblk_parse_result {
	VBLK_PARSE_IO,       /* do the I/O, then write status */
	VBLK_PARSE_COMPLETE, /* no I/O: *early_status says what to answer */
	VBLK_PARSE_NO_STATUS /* the chain has no status byte: return it with length 0 */
};

enum vblk_parse_result vblk_parse(const struct vq_chain *c, const struct vblk_limits *lim,
				  struct vblk_req *r, uint8_t *early_status);

/* Bytes the device writes into the chain when the request succeeds (used length). */
uint32_t vblk_written_len(const struct vblk_req *r);

#endif

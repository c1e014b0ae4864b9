/*
 * The io_uring half of the raw-file backend (blk_file.c's only caller).
 * Built only when liburing was found (MINIVMM_HAVE_URING).
 */
#ifndef MINIVMM_VIRTIO_BLK_FILE_URING_H
#define MINIVMM_VIRTIO_BLK_FILE_URING_H

#include "virtio/blk_file.h"

/* One finished request, as both backends report it. */
struct blkfile_cqe {
	struct blkfile_slot *slot;
	long res; /* bytes transferred or -errno */
};

/*
 * Creates f->uring with depth entries, its completions on f->efd, the disk
 * file registered as fixed file 0, and restrictions: only READV, WRITEV and
 * FSYNC on that fixed file. -errno with err filled.
 */
int blkfile_uring_setup(struct blkfile *f, unsigned int depth, char *err, size_t errlen);
void blkfile_uring_close(struct blkfile *f);

/* Queues slots[0, n) and submits them in one io_uring_enter. Returns how many were taken. */
unsigned int blkfile_uring_submit(struct blkfile *f, struct blkfile_slot **slots, unsigned int n);

/* Takes up to max finished requests off the completion ring; never blocks. */
unsigned int blkfile_uring_reap(struct blkfile *f, struct blkfile_cqe *out, unsigned int max);

/*
 * For tests of the restrictions: submits one SQE with opcode and sqe_flags on
 * file index/fd fd (no buffers, length 0) and waits for its result (-EACCES
 * when the ring refuses it). Nothing else may be in flight.
 */
int blkfile_uring_try(struct blkfile *f, unsigned int opcode, unsigned int sqe_flags, int fd);

#endif

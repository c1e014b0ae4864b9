/*
 * The raw-file disk backend: reads and writes through Linux AIO (libaio) on
 * the device's I/O thread, completions signalled on an eventfd. Knows nothing
 * of virtqueues or PCI.
 */
#ifndef MINIVMM_VIRTIO_BLK_FILE_H
#define MINIVMM_VIRTIO_BLK_FILE_H

#include <libaio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define BLKFILE_DEPTH   256 /* in-flight requests: one per ring entry */
#define BLKFILE_MAX_IOV 256

enum blkfile_op { BLKFILE_READ, BLKFILE_WRITE, BLKFILE_FLUSH };

struct blkfile_slot {
	struct iocb iocb;
	struct iovec iov[BLKFILE_MAX_IOV]; /* our copy: advanced on short transfers */
	int niov;
	uint64_t offset;
	enum blkfile_op op;
	void *cookie;
	bool busy;
	bool finished_inline; /* never reached the kernel (inline flush, refused submit) */
	int result;           /* its result then */
};

struct blkfile {
	int fd;
	bool readonly;
	bool direct;         /* O_DIRECT in effect (cache=none and the FS allowed it) */
	bool fdsync_async;   /* the FS takes IOCB_CMD_FDSYNC; else fdatasync() inline */
	uint64_t sectors;
	io_context_t aio;
	int efd;             /* completions */
	unsigned int inflight;
	struct blkfile_slot slots[BLKFILE_DEPTH];
	struct iocb *pending[BLKFILE_DEPTH]; /* started, not yet submitted */
	unsigned int npending;
};

/*
 * Opens path for the guest. Refuses, with one line in err naming the file:
 * missing, not a regular file or block device, read-only without ro, empty or
 * not a multiple of 512 bytes, locked by another open (flock: shared for ro,
 * exclusive otherwise, held until close), a writable block device in use
 * (O_EXCL). cache=none falls back to buffered I/O with a warning when the file
 * system refuses O_DIRECT. Set-up only.
 */
int blkfile_open(struct blkfile *f, const char *path, bool readonly, bool direct, char *err,
		 size_t errlen);

void blkfile_close(struct blkfile *f);

/* Starts one request; done() reports it later from blkfile_reap(). -EBUSY when the pool is empty. */
int blkfile_start(struct blkfile *f, enum blkfile_op op, uint64_t offset, const struct iovec *iov,
		  int niov, void *cookie);

/* Hands everything started since the last call to the kernel in one io_submit. */
void blkfile_submit(struct blkfile *f);

/* Calls done(ctx, cookie, 0 or -errno) for each finished request; never blocks. */
void blkfile_reap(struct blkfile *f, void (*done)(void *ctx, void *cookie, int res), void *ctx);

/* Waits until nothing is in flight (reset, shutdown). */
void blkfile_drain(struct blkfile *f, void (*done)(void *ctx, void *cookie, int res), void *ctx);

/* DISCARD or WRITE_ZEROES of [offset, offset+len), synchronously on the calling thread. */
int blkfile_discard(struct blkfile *f, uint64_t offset, uint64_t len, bool zero, bool may_unmap);

#endif

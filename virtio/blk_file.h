/*
 * The raw-file disk backend: reads and writes through Linux AIO (libaio) or
 * io_uring (liburing, when minivmm was built with it) on the device's I/O
 * thread, completions signalled on an eventfd either way, so the thread's
 * loop is the same for both. Knows nothing of virtqueues or PCI.
 */
#ifndef MINIVMM_VIRTIO_BLK_FILE_H
#define MINIVMM_VIRTIO_BLK_FILE_H

#include <libaio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define BLKFILE_MAX_DEPTH 4096 /* in-flight requests: queue size times queues */
#define BLKFILE_MAX_IOV   256

enum blkfile_op { BLKFILE_READ, BLKFILE_WRITE, BLKFILE_FLUSH };

enum blkfile_aio { BLKFILE_AIO_LIBAIO, BLKFILE_AIO_URING };

struct blkfile_slot {
	struct iocb iocb;                  /* libaio only */
	struct iovec iov[BLKFILE_MAX_IOV]; /* our copy: advanced on short transfers */
	int niov;
	uint64_t offset;
	enum blkfile_op op;
	void *cookie;
	bool busy;
	bool finished_inline; /* never reached the kernel (inline flush, refused submit) */
	int result;           /* its result then */
	struct blkfile_slot *next; /* free list, or the list of inline-finished slots */
};

struct blkfile_uring; /* liburing's ring, kept out of this header */

struct blkfile {
	int fd;
	bool readonly;
	bool direct;         /* O_DIRECT in effect (cache=none and the FS allowed it) */
	bool fdsync_async;   /* libaio: the FS takes IOCB_CMD_FDSYNC; else fdatasync() inline */
	enum blkfile_aio aio_kind;
	uint64_t sectors;
	io_context_t aio;            /* BLKFILE_AIO_LIBAIO */
	struct blkfile_uring *uring; /* BLKFILE_AIO_URING */
	int efd;             /* completions */
	unsigned int depth;  /* slots */
	unsigned int inflight;
	struct blkfile_slot *slots;
	struct blkfile_slot *free;        /* unused slots */
	struct blkfile_slot *inline_done; /* finished without the kernel, reported by reap */
	struct blkfile_slot **pending;    /* started, not yet submitted */
	struct iocb **iocbs;              /* libaio: pending's iocbs, for one io_submit */
	unsigned int npending;
};

/* True if this build has the io_uring backend (liburing was found). */
bool blkfile_have_uring(void);

/*
 * Opens path for the guest with room for depth requests in flight (1 to
 * BLKFILE_MAX_DEPTH) on backend aio. Refuses, with one line in err naming the
 * file: missing, not a regular file or block device, read-only without ro,
 * empty or not a multiple of 512 bytes, locked by another open (flock: shared
 * for ro, exclusive otherwise, held until close), a writable block device in
 * use (O_EXCL), io_uring in a build without it.
 * cache=none falls back to buffered I/O with a warning when the file system
 * refuses O_DIRECT. Set-up only: every system call that creates the backend
 * (io_setup, io_uring_setup, io_uring_register) happens here, before the
 * sandbox.
 */
int blkfile_open(struct blkfile *f, const char *path, bool readonly, bool direct,
		 unsigned int depth, enum blkfile_aio aio, char *err, size_t errlen);

void blkfile_close(struct blkfile *f);

/* Starts one request; done() reports it later from blkfile_reap(). -EBUSY when the pool is empty. */
int blkfile_start(struct blkfile *f, enum blkfile_op op, uint64_t offset, const struct iovec *iov,
		  int niov, void *cookie);

/* Hands everything started since the last call to the kernel in one io_submit / io_uring_enter. */
void blkfile_submit(struct blkfile *f);

/* Calls done(ctx, cookie, 0 or -errno) for each finished request; never blocks. */
void blkfile_reap(struct blkfile *f, void (*done)(void *ctx, void *cookie, int res), void *ctx);

/* Waits until nothing is in flight (reset, shutdown). */
void blkfile_drain(struct blkfile *f, void (*done)(void *ctx, void *cookie, int res), void *ctx);

/* DISCARD or WRITE_ZEROES of [offset, offset+len), synchronously on the calling thread. */
int blkfile_discard(struct blkfile *f, uint64_t offset, uint64_t len, bool zero, bool may_unmap);

#endif

/*
 * io_uring for the raw-file backend (liburing). Seccomp cannot see what a
 * ring does, so the ring is locked down before it is enabled: the only
 * operations it takes are READV, WRITEV and FSYNC, and only on the disk file,
 * registered as fixed file 0 (IORING_REGISTER_RESTRICTIONS, Linux 5.10).
 * After that the I/O thread needs io_uring_enter alone; setup and register
 * happen here, before the sandbox is installed.
 */
#include "virtio/blk_file_uring.h"

#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct blkfile_uring {
	struct io_uring ring;
};

/*
 * io_uring_register for restrictions and enabling, called directly: Debian
 * 12's liburing 2.3 declares io_uring_register_restrictions() and
 * io_uring_enable_rings() but does not export them.
 */
static int ring_register(struct io_uring *ring, unsigned int op, void *arg, unsigned int nr)
{
	return syscall(__NR_io_uring_register, ring->ring_fd, op, arg, nr) < 0 ? -errno : 0;
}

int blkfile_uring_setup(struct blkfile *f, unsigned int depth, char *err, size_t errlen)
{
	struct io_uring_restriction res[4] = {
		{ .opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_READV },
		{ .opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_WRITEV },
		{ .opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_FSYNC },
		{ .opcode = IORING_RESTRICTION_SQE_FLAGS_REQUIRED, .sqe_flags = IOSQE_FIXED_FILE },
	};
	struct blkfile_uring *u = calloc(1, sizeof(*u));
	const char *step = "io_uring_setup";
	int r;

	if (!u) {
		snprintf(err, errlen, "aio=io_uring: out of memory");
		return -ENOMEM;
	}
	/* Disabled until restricted: no SQE can run before the restrictions hold. */
	r = io_uring_queue_init(depth, &u->ring, IORING_SETUP_R_DISABLED);
	if (r < 0)
		goto fail_free;
	step = "registering the disk file";
	r = io_uring_register_files(&u->ring, &f->fd, 1);
	if (r == 0) {
		step = "registering the completion eventfd";
		r = io_uring_register_eventfd(&u->ring, f->efd);
	}
	if (r == 0) {
		step = "restricting the ring";
		r = ring_register(&u->ring, IORING_REGISTER_RESTRICTIONS, res, 4);
	}
	if (r == 0) {
		step = "enabling the ring";
		r = ring_register(&u->ring, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
	}
	if (r < 0)
		goto fail_exit;
	f->uring = u;
	return 0;
fail_exit:
	io_uring_queue_exit(&u->ring);
fail_free:
	free(u);
	snprintf(err, errlen, "aio=io_uring: %s failed: %s%s", step, strerror(-r),
		 r == -ENOSYS || r == -EPERM ? " (io_uring disabled on this host? try aio=libaio)"
					     : "");
	return r;
}

void blkfile_uring_close(struct blkfile *f)
{
	io_uring_queue_exit(&f->uring->ring);
	free(f->uring);
	f->uring = NULL;
}

static void prep_sqe(struct io_uring_sqe *sqe, const struct blkfile_slot *s)
{
	switch (s->op) {
	case BLKFILE_READ:
		io_uring_prep_readv(sqe, 0, s->iov, s->niov, s->offset);
		break;
	case BLKFILE_WRITE:
		io_uring_prep_writev(sqe, 0, s->iov, s->niov, s->offset);
		break;
	case BLKFILE_FLUSH:
		io_uring_prep_fsync(sqe, 0, IORING_FSYNC_DATASYNC);
		break;
	}
	sqe->flags |= IOSQE_FIXED_FILE; /* fd 0 of the registered table: the disk */
	io_uring_sqe_set_data(sqe, (void *)s);
}

/* io_uring_submit until the kernel has taken every queued SQE, or a hard error. */
static int enter(struct io_uring *ring)
{
	for (;;) {
		int r = io_uring_submit(ring);

		if (r >= 0 || (r != -EINTR && r != -EAGAIN && r != -EBUSY))
			return r;
	}
}

unsigned int blkfile_uring_submit(struct blkfile *f, struct blkfile_slot **slots, unsigned int n)
{
	struct io_uring *ring = &f->uring->ring;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

		if (!sqe) {
			/* SQ full (cannot happen: it has depth entries); push and try again. */
			if (enter(ring) < 0 || !(sqe = io_uring_get_sqe(ring)))
				break;
		}
		prep_sqe(sqe, slots[i]);
	}
	/*
	 * A hard error of io_uring_enter itself (not of one request: those come
	 * back as CQEs) leaves the SQEs in the ring; reap pushes them again.
	 * They are not failed here, which would complete them twice.
	 */
	enter(ring);
	return i;
}

unsigned int blkfile_uring_reap(struct blkfile *f, struct blkfile_cqe *out, unsigned int max)
{
	struct io_uring *ring = &f->uring->ring;
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;

	if (io_uring_sq_ready(ring))
		enter(ring);
	io_uring_for_each_cqe(ring, head, cqe) {
		if (n == max)
			break;
		out[n++] = (struct blkfile_cqe){ .slot = io_uring_cqe_get_data(cqe), .res = cqe->res };
	}
	io_uring_cq_advance(ring, n);
	return n;
}

int blkfile_uring_try(struct blkfile *f, unsigned int opcode, unsigned int sqe_flags, int fd)
{
	struct io_uring *ring = &f->uring->ring;
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int r;

	if (!sqe)
		return -EBUSY;
	io_uring_prep_rw(opcode, sqe, fd, NULL, 0, 0);
	sqe->flags = sqe_flags;
	enter(ring);
	r = io_uring_wait_cqe(ring, &cqe);
	if (r < 0)
		return r;
	r = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return r;
}

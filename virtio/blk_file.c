/*
 * Raw file backend: one io_submit (libaio) or io_uring_enter (io_uring) per
 * batch, completions on an eventfd. Short transfers go again for the rest.
 */
#include "virtio/blk_file.h"
#include "virtio/blk_file_uring.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * O_NONBLOCK only while opening: a FIFO swapped in after stat() must not block
 * us (the type is checked again on the fd). A writable block device is opened
 * O_EXCL: Linux refuses it while mounted or claimed by another exclusive user.
 */
static int open_file(const char *path, bool readonly, bool direct, bool blockdev, int *fd_out,
		     bool *direct_out)
{
	int flags = (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK |
		    (blockdev && !readonly ? O_EXCL : 0);
	int fd = open(path, flags | (direct ? O_DIRECT : 0));

	*direct_out = direct;
	if (fd < 0 && direct && errno == EINVAL) {
		/* tmpfs and a few others refuse O_DIRECT: buffered I/O still works. */
		fd = open(path, flags);
		*direct_out = false;
	}
	if (fd >= 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		fd = -1;
	}
	*fd_out = fd;
	return fd < 0 ? -errno : 0;
}

/*
 * An advisory lock for the life of the process, as QEMU takes: shared for a
 * read-only disk, exclusive for a writable one, so two minivmm instances cannot
 * write the same image (nor one write what another reads). File systems without
 * flock support are let through.
 */
static int lock_file(int fd, bool readonly)
{
	if (flock(fd, (readonly ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0)
		return 0;
	return errno == EWOULDBLOCK ? -EWOULDBLOCK : 0;
}

bool blkfile_have_uring(void)
{
#ifdef MINIVMM_HAVE_URING
	return true;
#else
	return false;
#endif
}

int blkfile_open(struct blkfile *f, const char *path, bool readonly, bool direct,
		 unsigned int depth, enum blkfile_aio aio, char *err, size_t errlen)
{
	struct stat st;
	uint64_t size;
	int r;

	memset(f, 0, sizeof(*f));
	f->fd = f->efd = -1;
	if (depth == 0 || depth > BLKFILE_MAX_DEPTH) {
		snprintf(err, errlen, "--disk '%s': %u requests in flight is out of range", path,
			 depth);
		return -EINVAL;
	}
	if (aio == BLKFILE_AIO_URING && !blkfile_have_uring()) {
		snprintf(err, errlen, "--disk '%s': aio=io_uring: this minivmm was built without "
			 "liburing (install liburing-dev and rebuild)", path);
		return -ENOTSUP;
	}
	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "--disk '%s': %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		snprintf(err, errlen, "--disk '%s': not a regular file or block device", path);
		return -EINVAL;
	}
	r = open_file(path, readonly, direct, S_ISBLK(st.st_mode), &f->fd, &f->direct);
	if (r == -EBUSY && S_ISBLK(st.st_mode)) {
		snprintf(err, errlen, "--disk '%s': block device in use (mounted or held by another "
				      "program)", path);
		return r;
	}
	if (r == -ENXIO) {
		snprintf(err, errlen, "--disk '%s': not a regular file or block device", path);
		return -EINVAL;
	}
	if (r < 0) {
		/* The hint only where it helps: the file can be read, just not written. */
		snprintf(err, errlen, "--disk '%s': %s%s", path, strerror(-r),
			 (r == -EACCES || r == -EROFS) && !readonly &&
					 faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) == 0
				 ? " (add ,ro for a read-only disk)"
				 : "");
		return r;
	}
	if (fstat(f->fd, &st) < 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
		snprintf(err, errlen, "--disk '%s': not a regular file or block device", path);
		r = -EINVAL;
		goto fail;
	}
	r = lock_file(f->fd, readonly);
	if (r < 0) {
		snprintf(err, errlen, "--disk '%s': in use by another program (it holds a lock on "
				      "the file)", path);
		goto fail;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(f->fd, BLKGETSIZE64, &size) < 0)
			size = 0;
	} else {
		size = st.st_size;
	}
	if (size == 0 || size % 512) {
		snprintf(err, errlen, "--disk '%s': size %llu is not a non-zero multiple of 512 bytes",
			 path, (unsigned long long)size);
		r = -EINVAL;
		goto fail;
	}
	f->sectors = size / 512;
	f->readonly = readonly;
	f->fdsync_async = true;
	f->aio_kind = aio;
	f->depth = depth;
	f->slots = calloc(depth, sizeof(*f->slots));
	f->pending = calloc(depth, sizeof(*f->pending));
	f->iocbs = calloc(depth, sizeof(*f->iocbs));
	if (!f->slots || !f->pending || !f->iocbs) {
		snprintf(err, errlen, "--disk '%s': out of memory for %u requests", path, depth);
		r = -ENOMEM;
		goto fail;
	}
	for (unsigned int i = depth; i-- > 0;) {
		f->slots[i].next = f->free;
		f->free = &f->slots[i];
	}
	f->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f->efd < 0) {
		snprintf(err, errlen, "--disk '%s': eventfd: %s", path, strerror(errno));
		r = -EIO;
		goto fail;
	}
	if (aio == BLKFILE_AIO_LIBAIO && (r = io_setup(depth, &f->aio)) < 0) {
		snprintf(err, errlen, "--disk '%s': setting up AIO failed: %s", path, strerror(-r));
		f->aio = 0;
		r = -EIO;
		goto fail;
	}
#ifdef MINIVMM_HAVE_URING
	if (aio == BLKFILE_AIO_URING) {
		char why[200];

		r = blkfile_uring_setup(f, depth, why, sizeof(why));
		if (r < 0) {
			snprintf(err, errlen, "--disk '%s': %s", path, why);
			goto fail;
		}
	}
#endif
	/* Only once the disk is accepted: an error must stay the one line on stderr. */
	if (direct && !f->direct)
		fprintf(stderr, "minivmm: warning: --disk '%s': file system refuses O_DIRECT; "
				"using the page cache\n", path);
	return 0;
fail:
	blkfile_close(f);
	return r;
}

void blkfile_close(struct blkfile *f)
{
	if (f->aio)
		io_destroy(f->aio);
#ifdef MINIVMM_HAVE_URING
	if (f->uring)
		blkfile_uring_close(f);
#endif
	if (f->efd >= 0)
		close(f->efd);
	if (f->fd >= 0) {
		/*
		 * Unlock first: an io_uring that registered the file keeps the open
		 * file (and with it the lock) alive until its deferred teardown.
		 */
		flock(f->fd, LOCK_UN);
		close(f->fd);
	}
	free(f->slots);
	free(f->pending);
	free(f->iocbs);
	f->iocbs = NULL;
	f->slots = f->free = f->inline_done = NULL;
	f->pending = NULL;
	f->aio = 0;
	f->efd = f->fd = -1;
}

/* libaio: fills the slot's iocb for what remains of its transfer. */
static void prep(struct blkfile *f, struct blkfile_slot *s)
{
	if (f->aio_kind != BLKFILE_AIO_LIBAIO)
		return; /* io_uring builds its SQE at submit time */
	switch (s->op) {
	case BLKFILE_READ:
		io_prep_preadv(&s->iocb, f->fd, s->iov, s->niov, s->offset);
		break;
	case BLKFILE_WRITE:
		io_prep_pwritev(&s->iocb, f->fd, s->iov, s->niov, s->offset);
		break;
	case BLKFILE_FLUSH:
		io_prep_fdsync(&s->iocb, f->fd);
		break;
	}
	io_set_eventfd(&s->iocb, f->efd);
	s->iocb.data = s;
}

/* Finishes a request the kernel never took; reap reports it after the eventfd fires. */
static void finish_inline(struct blkfile *f, struct blkfile_slot *s, int result)
{
	uint64_t one = 1;

	s->finished_inline = true;
	s->result = result;
	s->next = f->inline_done;
	f->inline_done = s;
	if (write(f->efd, &one, sizeof(one)) < 0) {
	}
}

int blkfile_start(struct blkfile *f, enum blkfile_op op, uint64_t offset, const struct iovec *iov,
		  int niov, void *cookie)
{
	struct blkfile_slot *s = f->free;

	if (niov < 0 || niov > BLKFILE_MAX_IOV)
		return -EINVAL;
	if (!s)
		return -EBUSY;
	f->free = s->next;
	s->next = NULL;
	s->busy = true;
	s->op = op;
	s->offset = offset;
	s->cookie = cookie;
	s->niov = niov;
	s->finished_inline = false;
	if (niov)
		memcpy(s->iov, iov, niov * sizeof(*iov)); /* FLUSH has no buffers (iov may be NULL) */
	f->inflight++;
	/*
	 * A flush covers writes that have completed: Linux's block layer sends
	 * it only after the writes it orders are done, so fdatasync() now is enough.
	 */
	if (op == BLKFILE_FLUSH && !f->fdsync_async) {
		finish_inline(f, s, fdatasync(f->fd) < 0 ? -errno : 0);
		return 0;
	}
	prep(f, s);
	f->pending[f->npending++] = s;
	return 0;
}

static void finish(struct blkfile *f, struct blkfile_slot *s, int res,
		   void (*done)(void *, void *, int), void *ctx)
{
	void *cookie = s->cookie;

	s->busy = false;
	s->next = f->free;
	f->free = s;
	f->inflight--;
	done(ctx, cookie, res);
}

static void submit_libaio(struct blkfile *f)
{
	unsigned int done = 0;

	for (unsigned int i = 0; i < f->npending; i++)
		f->iocbs[i] = &f->pending[i]->iocb;
	while (done < f->npending) {
		struct blkfile_slot *s;
		int r = io_submit(f->aio, f->npending - done, f->iocbs + done);

		if (r > 0) {
			done += r;
			continue;
		}
		if (r == -EAGAIN || r == -EINTR)
			continue; /* the context has room for depth requests: this clears quickly */
		/* The first iocb was refused: a flush the FS cannot do by AIO, or an error. */
		s = f->pending[done];
		if (s->op == BLKFILE_FLUSH && r == -EINVAL) {
			f->fdsync_async = false;
			finish_inline(f, s, fdatasync(f->fd) < 0 ? -errno : 0);
		} else {
			finish_inline(f, s, -EIO);
		}
		done++;
	}
}

void blkfile_submit(struct blkfile *f)
{
	if (!f->npending)
		return;
#ifdef MINIVMM_HAVE_URING
	if (f->aio_kind == BLKFILE_AIO_URING) {
		unsigned int n = blkfile_uring_submit(f, f->pending, f->npending);

		/* What the ring could not take (a ring error): answered, never lost. */
		for (unsigned int i = n; i < f->npending; i++)
			finish_inline(f, f->pending[i], -EIO);
		f->npending = 0;
		return;
	}
#endif
	submit_libaio(f);
	f->npending = 0;
}

/* Moves a slot's iovecs past n transferred bytes; false when nothing is left. */
static bool advance(struct blkfile_slot *s, uint64_t n)
{
	int i = 0;

	s->offset += n;
	while (i < s->niov && n >= s->iov[i].iov_len)
		n -= s->iov[i++].iov_len;
	if (i == s->niov)
		return false;
	s->iov[i].iov_base = (uint8_t *)s->iov[i].iov_base + n;
	s->iov[i].iov_len -= n;
	memmove(s->iov, s->iov + i, (s->niov - i) * sizeof(s->iov[0]));
	s->niov -= i;
	return true;
}

/* One finished request: done, failed, or gone again for the rest of a short transfer. */
static void complete_one(struct blkfile *f, struct blkfile_slot *s, long res,
			 void (*done)(void *, void *, int), void *ctx)
{
	uint64_t want = 0;

	if (res < 0) {
		finish(f, s, res == -EOPNOTSUPP ? -EOPNOTSUPP : -EIO, done, ctx);
		return;
	}
	if (s->op == BLKFILE_FLUSH) {
		finish(f, s, 0, done, ctx);
		return;
	}
	for (int j = 0; j < s->niov; j++)
		want += s->iov[j].iov_len;
	if ((uint64_t)res >= want) {
		finish(f, s, 0, done, ctx);
	} else if (res == 0) {
		finish(f, s, -EIO, done, ctx); /* end of file: the disk shrank under us */
	} else if (advance(s, res)) {
		prep(f, s); /* short transfer: go again for the rest */
		f->pending[f->npending++] = s;
	}
}

/* Up to max completions from the kernel, without blocking. */
static unsigned int reap_kernel(struct blkfile *f, struct blkfile_cqe *out, unsigned int max)
{
	struct io_event ev[64];
	struct timespec zero = { 0, 0 };
	int n;

#ifdef MINIVMM_HAVE_URING
	if (f->aio_kind == BLKFILE_AIO_URING)
		return blkfile_uring_reap(f, out, max);
#endif
	n = io_getevents(f->aio, 0, max < 64 ? max : 64, ev, &zero);
	for (int i = 0; i < n; i++)
		out[i] = (struct blkfile_cqe){ .slot = ev[i].data, .res = (long)ev[i].res };
	return n > 0 ? n : 0;
}

void blkfile_reap(struct blkfile *f, void (*done)(void *ctx, void *cookie, int res), void *ctx)
{
	struct blkfile_cqe cqe[64];
	struct blkfile_slot *s;
	uint64_t cnt;
	unsigned int n;

	if (read(f->efd, &cnt, sizeof(cnt)) < 0) {
		/* EAGAIN: nothing signalled; still look, a previous read may have raced */
	}
	/* Requests the kernel never saw (inline flush, refused submit) finish here. */
	while ((s = f->inline_done)) {
		f->inline_done = s->next;
		finish(f, s, s->result, done, ctx);
	}
	/* Batches of 64: short transfers found in one go out together before the next. */
	while ((n = reap_kernel(f, cqe, 64)) > 0) {
		for (unsigned int i = 0; i < n; i++)
			complete_one(f, cqe[i].slot, cqe[i].res, done, ctx);
		blkfile_submit(f);
	}
}

void blkfile_drain(struct blkfile *f, void (*done)(void *ctx, void *cookie, int res), void *ctx)
{
	while (f->inflight) {
		struct timespec ms = { 0, 1000000 };

		blkfile_reap(f, done, ctx);
		if (f->inflight)
			nanosleep(&ms, NULL);
	}
}

static int write_zeroes(struct blkfile *f, uint64_t offset, uint64_t len)
{
	static const uint8_t zeros[65536] __attribute__((aligned(4096)));

	while (len) {
		size_t n = len < sizeof(zeros) ? len : sizeof(zeros);
		ssize_t w = pwrite(f->fd, zeros, n, offset);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -EIO;
		offset += w;
		len -= w;
	}
	return 0;
}

int blkfile_discard(struct blkfile *f, uint64_t offset, uint64_t len, bool zero, bool may_unmap)
{
	if (!zero) {
		/* A discard is advice: if the FS cannot punch holes, doing nothing is correct. */
		fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len);
		return 0;
	}
	if (fallocate(f->fd, may_unmap ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
				       : FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
		      offset, len) == 0)
		return 0;
	return write_zeroes(f, offset, len);
}

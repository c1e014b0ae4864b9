/* Raw file backend on libaio: one io_submit per batch, completions on an eventfd. */
#include "virtio/blk_file.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
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

int blkfile_open(struct blkfile *f, const char *path, bool readonly, bool direct, char *err,
		 size_t errlen)
{
	struct stat st;
	uint64_t size;
	int r;

	memset(f, 0, sizeof(*f));
	f->fd = f->efd = -1;
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
	f->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f->efd < 0 || (r = io_setup(BLKFILE_DEPTH, &f->aio)) < 0) {
		snprintf(err, errlen, "--disk '%s': setting up AIO failed: %s", path,
			 strerror(f->efd < 0 ? errno : -r));
		r = -EIO;
		goto fail;
	}
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
	if (f->efd >= 0)
		close(f->efd);
	if (f->fd >= 0)
		close(f->fd);
	f->aio = 0;
	f->efd = f->fd = -1;
}

/* Fills the slot's iocb for what remains of its transfer. */
static void prep(struct blkfile *f, struct blkfile_slot *s)
{
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
	if (write(f->efd, &one, sizeof(one)) < 0) {
	}
}

int blkfile_start(struct blkfile *f, enum blkfile_op op, uint64_t offset, const struct iovec *iov,
		  int niov, void *cookie)
{
	struct blkfile_slot *s = NULL;

	if (niov < 0 || niov > BLKFILE_MAX_IOV)
		return -EINVAL;
	for (unsigned int i = 0; i < BLKFILE_DEPTH && !s; i++)
		if (!f->slots[i].busy)
			s = &f->slots[i];
	if (!s)
		return -EBUSY;
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
	f->pending[f->npending++] = &s->iocb;
	return 0;
}

static void finish(struct blkfile *f, struct blkfile_slot *s, int res,
		   void (*done)(void *, void *, int), void *ctx)
{
	s->busy = false;
	f->inflight--;
	done(ctx, s->cookie, res);
}

void blkfile_submit(struct blkfile *f)
{
	unsigned int done = 0;

	while (done < f->npending) {
		int r = io_submit(f->aio, f->npending - done, f->pending + done);
		struct blkfile_slot *s;

		if (r > 0) {
			done += r;
			continue;
		}
		if (r == -EAGAIN || r == -EINTR)
			continue; /* the context has room for BLKFILE_DEPTH: this clears quickly */
		/* The first iocb was refused: a flush the FS cannot do by AIO, or an error. */
		s = f->pending[done]->data;
		if (s->op == BLKFILE_FLUSH && r == -EINVAL) {
			f->fdsync_async = false;
			finish_inline(f, s, fdatasync(f->fd) < 0 ? -errno : 0);
		} else {
			finish_inline(f, s, -EIO);
		}
		done++;
	}
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

void blkfile_reap(struct blkfile *f, void (*done)(void *ctx, void *cookie, int res), void *ctx)
{
	struct io_event ev[64];
	struct timespec zero = { 0, 0 };
	uint64_t cnt;
	int n;

	if (read(f->efd, &cnt, sizeof(cnt)) < 0) {
		/* EAGAIN: nothing signalled; still look, a previous read may have raced */
	}
	/* Requests the kernel never saw (inline flush, refused submit) finish here. */
	for (unsigned int i = 0; i < BLKFILE_DEPTH; i++) {
		struct blkfile_slot *s = &f->slots[i];

		if (s->busy && s->finished_inline)
			finish(f, s, s->result, done, ctx);
	}
	while ((n = io_getevents(f->aio, 0, 64, ev, &zero)) > 0) {
		for (int i = 0; i < n; i++) {
			struct blkfile_slot *s = ev[i].data;
			long res = (long)ev[i].res;
			uint64_t want = 0;

			if (res < 0) {
				finish(f, s, res == -EOPNOTSUPP ? -EOPNOTSUPP : -EIO, done, ctx);
				continue;
			}
			if (s->op == BLKFILE_FLUSH) {
				finish(f, s, 0, done, ctx);
				continue;
			}
			for (int j = 0; j < s->niov; j++)
				want += s->iov[j].iov_len;
			if ((uint64_t)res >= want) {
				finish(f, s, 0, done, ctx);
			} else if (res == 0) {
				finish(f, s, -EIO, done, ctx); /* end of file: the disk shrank under us */
			} else if (advance(s, res)) {
				prep(f, s); /* short transfer: go again for the rest */
				f->pending[f->npending++] = &s->iocb;
			}
		}
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

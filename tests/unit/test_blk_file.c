/*
 * The raw-file backend on real temporary files, libaio and (when built)
 * io_uring alike: I/O, flush, discard, refusals, a pool spread over queues.
 */
#include "tests/unit/check.h"
#include "virtio/blk_file.h"
#include "virtio/blk_file_uring.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int done_count, done_err, done_errs;

static void done(void *ctx, void *cookie, int res)
{
	(void)ctx;
	(void)cookie;
	done_count++;
	if (res) {
		done_err = res;
		done_errs++;
	}
}

static void wait_all(struct blkfile *f)
{
	blkfile_drain(f, done, NULL);
}

static char *make_file(const char *dir, const char *name, off_t size)
{
	char *path = malloc(512);
	int fd;

	snprintf(path, 512, "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (ftruncate(fd, size) < 0)
			size = -1;
		close(fd);
	}
	return path;
}

/* The same I/O checks on one backend. */
static void io_checks(const char *img, enum blkfile_aio aio, unsigned int depth)
{
	static uint8_t buf[8][4096] __attribute__((aligned(4096)));
	static uint8_t back[4][4096] __attribute__((aligned(4096)));
	struct iovec iov[8], riov[4];
	struct blkfile f;
	char err[256];
	int fd;

	printf("backend %s, depth %u\n", aio == BLKFILE_AIO_URING ? "io_uring" : "libaio", depth);
	done_count = done_err = 0;
	fd = open(img, O_RDWR | O_TRUNC);
	CHECK(fd >= 0 && ftruncate(fd, 1 << 20) == 0);
	close(fd);

	/* A batch of vectored writes, one submission, then read back across iovecs. */
	if (blkfile_open(&f, img, false, true, depth, aio, err, sizeof(err)) != 0)
		fprintf(stderr, "open: %s\n", err);
	CHECK(f.fd >= 0);
	CHECK(f.sectors == 2048 && f.aio_kind == aio);
	for (int i = 0; i < 8; i++) {
		memset(buf[i], 'a' + i, sizeof(buf[i]));
		iov[i] = (struct iovec){ buf[i], sizeof(buf[i]) };
	}
	CHECK(blkfile_start(&f, BLKFILE_WRITE, 0, iov, 4, NULL) == 0);
	CHECK(blkfile_start(&f, BLKFILE_WRITE, 65536, iov + 4, 4, NULL) == 0);
	blkfile_submit(&f);
	wait_all(&f);
	CHECK(done_count == 2 && done_err == 0);
	for (int i = 0; i < 4; i++)
		riov[i] = (struct iovec){ back[i], sizeof(back[i]) };
	memset(back, 0, sizeof(back));
	CHECK(blkfile_start(&f, BLKFILE_READ, 65536, riov, 4, NULL) == 0);
	blkfile_submit(&f);
	wait_all(&f);
	CHECK(done_count == 3 && done_err == 0);
	CHECK(back[0][0] == 'e' && back[3][4095] == 'h');

	/* Flush completes (by AIO fdsync, io_uring fsync or inline fdatasync). */
	CHECK(blkfile_start(&f, BLKFILE_FLUSH, 0, NULL, 0, NULL) == 0);
	blkfile_submit(&f);
	wait_all(&f);
	CHECK(done_count == 4 && done_err == 0);

	/* Discard and write-zeroes read back as zeros; neighbours survive. */
	CHECK(blkfile_discard(&f, 4096, 4096, false, false) == 0);
	CHECK(blkfile_discard(&f, 8192, 4096, true, false) == 0);
	CHECK(blkfile_start(&f, BLKFILE_READ, 0, riov, 4, NULL) == 0);
	blkfile_submit(&f);
	wait_all(&f);
	CHECK(back[0][0] == 'a' && back[1][0] == 0 && back[1][4095] == 0 && back[2][100] == 0);
	CHECK(back[3][0] == 'd');

	/* The file shrinks under us: a read past its end is an error, not a crash. */
	CHECK(truncate(img, 4096) == 0);
	done_err = 0;
	CHECK(blkfile_start(&f, BLKFILE_READ, 65536, riov, 1, NULL) == 0);
	blkfile_submit(&f);
	wait_all(&f);
	CHECK(done_err == -EIO);
	CHECK(truncate(img, 1 << 20) == 0);

	/*
	 * Adjacent requests in one submission (a 1 MiB guest transfer arrives
	 * as two, split by seg_max): each gets its own bytes and completion.
	 * Then three the file's end cuts short: the first gets all it asked, the
	 * second half of it and then the end of file, the third nothing; those
	 * two fail, never the first.
	 */
	done_count = done_errs = 0;
	for (int i = 0; i < 8; i++)
		memset(buf[i], 'A' + i, sizeof(buf[i]));
	CHECK(blkfile_start(&f, BLKFILE_WRITE, 0, iov, 3, NULL) == 0);
	CHECK(blkfile_start(&f, BLKFILE_WRITE, 3 * 4096, iov + 3, 5, NULL) == 0);
	blkfile_submit(&f);
	wait_all(&f);
	CHECK(done_count == 2 && done_errs == 0);
	memset(back, 0, sizeof(back));
	CHECK(blkfile_start(&f, BLKFILE_READ, 2 * 4096, riov, 2, NULL) == 0);
	CHECK(blkfile_start(&f, BLKFILE_READ, 4 * 4096, riov + 2, 2, NULL) == 0);
	blkfile_submit(&f);
	wait_all(&f);
	CHECK(done_count == 4 && done_errs == 0);
	CHECK(back[0][0] == 'C' && back[1][4095] == 'D' && back[2][0] == 'E' && back[3][4095] == 'F');
	CHECK(truncate(img, 3 * 4096) == 0);
	done_count = done_errs = 0;
	CHECK(blkfile_start(&f, BLKFILE_READ, 0, riov, 2, NULL) == 0);
	CHECK(blkfile_start(&f, BLKFILE_READ, 2 * 4096, riov + 2, 2, NULL) == 0);
	CHECK(blkfile_start(&f, BLKFILE_READ, 4 * 4096, riov, 2, NULL) == 0);
	blkfile_submit(&f);
	wait_all(&f);
	CHECK(done_count == 3 && done_errs == 2 && done_err == -EIO);
	CHECK(f.inflight == 0);
	CHECK(truncate(img, 1 << 20) == 0);

	/* A full-depth batch fills the pool; one more is refused, not overflowed. */
	done_count = done_err = 0;
	for (unsigned int i = 0; i < depth; i++)
		CHECK(blkfile_start(&f, BLKFILE_READ, (i % 256) * 4096, riov + i % 4, 1, NULL) == 0);
	CHECK(blkfile_start(&f, BLKFILE_READ, 0, riov, 1, NULL) == -EBUSY);
	blkfile_submit(&f);
	wait_all(&f);
	CHECK(f.inflight == 0 && done_count == (int)depth && done_err == 0);
	/* Every slot came back to the pool. */
	CHECK(blkfile_start(&f, BLKFILE_READ, 0, riov, 1, NULL) == 0);
	blkfile_submit(&f);
	wait_all(&f);
	CHECK(f.inflight == 0 && done_err == 0);
	blkfile_close(&f);
}

int main(void)
{
	char tmpl[] = "/var/tmp/minivmm-blkfile.XXXXXX";
	char *dir = mkdtemp(tmpl), *img, *odd, *ro;
	struct blkfile f;
	char err[256];

	CHECK(dir != NULL);
	img = make_file(dir, "disk.img", 1 << 20);
	odd = make_file(dir, "odd.img", 1000);
	ro = make_file(dir, "ro.img", 4096);
	chmod(ro, 0444);

	/* Refusals name the file and the cause. */
	CHECK(blkfile_open(&f, "/nonexistent/x.img", false, true, 256, BLKFILE_AIO_LIBAIO, err,
			   sizeof(err)) < 0);
	CHECK(strstr(err, "/nonexistent/x.img") != NULL);
	CHECK(blkfile_open(&f, dir, false, true, 256, BLKFILE_AIO_LIBAIO, err, sizeof(err)) ==
	      -EINVAL);
	CHECK(strstr(err, "not a regular file") != NULL);
	CHECK(blkfile_open(&f, odd, false, true, 256, BLKFILE_AIO_LIBAIO, err, sizeof(err)) ==
	      -EINVAL);
	CHECK(strstr(err, "multiple of 512") != NULL);
	if (geteuid() != 0) {
		CHECK(blkfile_open(&f, ro, false, true, 256, BLKFILE_AIO_LIBAIO, err, sizeof(err)) <
		      0);
		CHECK(strstr(err, ",ro") != NULL);
	}
	CHECK(blkfile_open(&f, img, false, true, 0, BLKFILE_AIO_LIBAIO, err, sizeof(err)) ==
	      -EINVAL);
	CHECK(blkfile_open(&f, img, false, true, BLKFILE_MAX_DEPTH + 1, BLKFILE_AIO_LIBAIO, err,
			   sizeof(err)) == -EINVAL);
	CHECK(blkfile_open(&f, ro, true, true, 256, BLKFILE_AIO_LIBAIO, err, sizeof(err)) == 0);
	blkfile_close(&f);

	io_checks(img, BLKFILE_AIO_LIBAIO, 256);
	io_checks(img, BLKFILE_AIO_LIBAIO, 1024); /* four queues' worth */
	if (blkfile_have_uring()) {
#ifdef MINIVMM_HAVE_URING
		/*
		 * Seccomp cannot see into a ring: the ring itself refuses anything but
		 * READV/WRITEV/FSYNC on the registered disk file.
		 */
		int other = open(ro, O_RDONLY);

		CHECK(blkfile_open(&f, img, false, true, 16, BLKFILE_AIO_URING, err, sizeof(err)) ==
		      0);
		CHECK(blkfile_uring_try(&f, IORING_OP_FSYNC, IOSQE_FIXED_FILE, 0) == 0);
		/* The disk by its ordinary fd, and another file: only fixed file 0 is allowed. */
		CHECK(blkfile_uring_try(&f, IORING_OP_FSYNC, 0, f.fd) == -EACCES);
		CHECK(blkfile_uring_try(&f, IORING_OP_FSYNC, 0, other) == -EACCES);
		CHECK(blkfile_uring_try(&f, IORING_OP_NOP, IOSQE_FIXED_FILE, 0) == -EACCES);
		CHECK(blkfile_uring_try(&f, IORING_OP_OPENAT, IOSQE_FIXED_FILE, 0) == -EACCES);
		CHECK(blkfile_uring_try(&f, IORING_OP_FSYNC, IOSQE_FIXED_FILE | IOSQE_IO_DRAIN, 0) ==
		      -EACCES);
		close(other);
		blkfile_close(&f);
#endif
		io_checks(img, BLKFILE_AIO_URING, 256);
		io_checks(img, BLKFILE_AIO_URING, 768); /* not a power of two: the ring rounds up */
	} else {
		/* A build without liburing refuses io_uring in one line naming the fix. */
		CHECK(blkfile_open(&f, img, false, true, 256, BLKFILE_AIO_URING, err, sizeof(err)) ==
		      -ENOTSUP);
		CHECK(strstr(err, "built without liburing") != NULL && !strchr(err, '\n'));
	}

	unlink(img);
	unlink(odd);
	unlink(ro);
	rmdir(dir);
	free(img);
	free(odd);
	free(ro);
	return check_summary();
}

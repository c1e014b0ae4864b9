/*
 * virtio-blk (virtio 1.2 section 5.2), with VIRTIO_BLK_F_MQ: N request queues,
 * each with its own doorbell (an ioeventfd) and MSI-X vector (an irqfd). The
 * device owns one I/O thread that waits on every queue's doorbell eventfd and
 * the backend's completion eventfd in one epoll set: it pops and parses
 * requests from every queue that rang, submits them all to the backend in one
 * batch, and completes them when the backend's eventfd fires, interrupting the
 * guest on each queue that finished something.
 *
 * One thread per disk rather than per queue: the file, the backend context
 * and the statistics stay single-threaded (no lock on the I/O path), a wakeup
 * that finds several queues rung submits them in one system call, and the
 * guest's queues still never share a ring or a vector. On the 2-core hosts
 * minivmm is tested on, more threads than cores only add switches; a disk
 * that needs more than one host core's worth of submission is the case where
 * per-queue threads would win.
 */
#include "virtio/blk.h"
#include "virtio/blk_file.h"
#include "virtio/blk_req.h"
#include "virtio/pci_transport.h"
#include "virtio/virtqueue.h"
#include "vmm/sandbox.h"
#include "vmm/trace.h"

#include <errno.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define VBLK_QUEUE_SIZE      256 /* a chain is at most this long: fits VQ_CHAIN_MAX_SEGS */
#define VBLK_MAX_QUEUES      CONFIG_MAX_QUEUES
#define VBLK_SEG_MAX         (VBLK_QUEUE_SIZE - 2) /* header and status take two descriptors */
#define VBLK_MAX_DISCARD_SECTORS (1u << 22)        /* 2 GiB per segment */
#define VBLK_MAX_DISCARD_SEG 32
#define PCI_CLASS_STORAGE_OTHER 0x0180

/* What minivmm offers, and why each bit is there (STYLE: offer only what is implemented). */
#define VBLK_FEATURES                                                                      \
	((1ull << VIRTIO_F_VERSION_1) |        /* modern device only */                    \
	 (1ull << VIRTIO_RING_F_INDIRECT_DESC) | /* Linux then uses the full ring depth */ \
	 (1ull << VIRTIO_RING_F_EVENT_IDX) |   /* fewer doorbells and interrupts */        \
	 (1ull << VIRTIO_BLK_F_SEG_MAX) |      /* lets Linux send multi-segment requests */ \
	 (1ull << VIRTIO_BLK_F_BLK_SIZE) |                                                 \
	 (1ull << VIRTIO_BLK_F_FLUSH) |        /* a write cache: FLUSH means fdatasync */  \
	 (1ull << VIRTIO_BLK_F_MQ) |           /* num_queues request queues */             \
	 (1ull << VIRTIO_BLK_F_DISCARD) | (1ull << VIRTIO_BLK_F_WRITE_ZEROES))

_Static_assert(VBLK_MAX_QUEUES <= VPCI_MAX_QUEUES, "every queue has a doorbell and a vector");
_Static_assert(VBLK_MAX_QUEUES <= 32, "queue masks are 32 bits");
_Static_assert(VBLK_QUEUE_SIZE * VBLK_MAX_QUEUES <= BLKFILE_MAX_DEPTH,
	       "the backend holds every chain");

enum vblk_ctl { VBLK_CTL_NONE, VBLK_CTL_PAUSE, VBLK_CTL_EXIT };

struct vblk_queue;

struct vblk_slot {
	struct vq_desc_chain chain;
	struct vblk_req req;
	struct vblk_queue *q;
	bool busy;
};

/* One request queue; I/O thread only while the device is active. */
struct vblk_queue {
	struct vq_split vq;
	unsigned int index;
	bool live;             /* enabled by the driver at DRIVER_OK */
	bool completed;        /* finished something since its last interrupt decision */
	unsigned int inflight;
	struct vblk_slot *slots; /* VBLK_QUEUE_SIZE */
	/* Statistics; read after the thread stopped. */
	uint64_t kicks, requests, bytes_read, bytes_written, errors, interrupts;
};

struct vblk {
	struct vpci vpci;
	struct blkfile file;
	struct vblk_req_limits limits;
	const struct gmem *mem;
	char path[256];
	char serial[VIRTIO_BLK_ID_BYTES + 1]; /* NUL-terminated; the guest sees 20 bytes */
	bool readonly;
	struct virtio_blk_config config; /* little-endian on the wire; x86 is little-endian */

	/* I/O thread state: written only by the I/O thread while it runs. */
	struct vblk_queue queues[VBLK_MAX_QUEUES];
	unsigned int nq;
	pthread_t thread;
	bool thread_started;
	int epfd;

	/* Control from vCPU threads (activate, reset) and main (exit). */
	pthread_mutex_t ctl_lock;
	pthread_cond_t ctl_cond;
	int ctl_fd;
	enum vblk_ctl ctl;      /* request for the I/O thread */
	bool active;            /* serving the queue; set by activate, cleared by pause */
	bool ctl_done;          /* the I/O thread handled the last request */
	uint64_t features;

	/* Statistics, I/O thread only; read after it stopped. Per queue in queues[]. */
	uint64_t batches;
};

_Static_assert(sizeof(struct virtio_blk_config) >= 60, "virtio 1.2 5.2.4 layout");

static void config_read(void *dev, uint32_t off, void *data, uint32_t len)
{
	struct vblk *b = dev;

	if (off + len <= sizeof(b->config))
		memcpy(data, (uint8_t *)&b->config + off, len);
}

static void config_write(void *dev, uint32_t off, const void *data, uint32_t len)
{
	/* Only 'wce' is writable, and only with CONFIG_WCE, which we do not offer. */
	(void)dev;
	(void)off;
	(void)data;
	(void)len;
}

/* Sends a control request to the I/O thread and waits until it is handled. ctl_lock held. */
static void ctl_request(struct vblk *b, enum vblk_ctl c)
{
	uint64_t one = 1;

	b->ctl = c;
	b->ctl_done = false;
	if (write(b->ctl_fd, &one, sizeof(one)) < 0) {
	}
	while (!b->ctl_done && b->thread_started)
		pthread_cond_wait(&b->ctl_cond, &b->ctl_lock);
}

static void reset_queues(struct vblk *b)
{
	for (unsigned int i = 0; i < b->nq; i++) {
		vq_split_reset(&b->queues[i].vq);
		b->queues[i].live = false;
		b->queues[i].completed = false;
	}
}

/*
 * DRIVER_OK: every queue the driver enabled goes live; one it left disabled
 * is never served (a driver may use fewer queues than offered). None enabled,
 * or any enabled ring that fails its checks, and the device asks for a reset.
 */
static int activate(void *dev, uint64_t features, const struct vpci_queue_cfg *q, unsigned int nq)
{
	struct vblk *b = dev;
	unsigned int live = 0;
	int r = 0;

	if (nq > b->nq)
		nq = b->nq;
	pthread_mutex_lock(&b->ctl_lock);
	/* The I/O thread is idle (not active): it does not touch the queues until active is set. */
	for (unsigned int i = 0; i < nq && !r; i++) {
		if (!q[i].enabled)
			continue;
		r = vq_split_enable(&b->queues[i].vq, b->mem, q[i].size, q[i].desc, q[i].driver,
				    q[i].device, features);
		b->queues[i].live = r == 0;
		live += r == 0;
		if (r)
			trace(TRACE_VIRTIO, "virtio", "blk %s: queue %u: ring refused", b->path, i);
	}
	if (!r && !live)
		r = -EINVAL;
	if (r == 0) {
		b->features = features;
		__atomic_store_n(&b->active, true, __ATOMIC_RELEASE);
		/* A kick may have come before DRIVER_OK; look at each ring once now. */
		for (unsigned int i = 0; i < nq; i++) {
			uint64_t one = 1;

			if (b->queues[i].live &&
			    write(vpci_kick_fd(&b->vpci, i), &one, sizeof(one)) < 0) {
			}
		}
	} else {
		reset_queues(b);
	}
	pthread_mutex_unlock(&b->ctl_lock);
	trace(TRACE_VIRTIO, "virtio", "blk %s: %s (%u of %u queues, size %u)", b->path,
	      r ? "rings refused, DEVICE_NEEDS_RESET" : "live", live, b->nq, q[0].size);
	return r;
}

static void reset(void *dev)
{
	struct vblk *b = dev;

	pthread_mutex_lock(&b->ctl_lock);
	if (b->active)
		ctl_request(b, VBLK_CTL_PAUSE); /* returns once in-flight I/O is finished */
	reset_queues(b);
	pthread_mutex_unlock(&b->ctl_lock);
}

static const struct vpci_device_ops vblk_ops = {
	.config_read = config_read,
	.config_write = config_write,
	.activate = activate,
	.reset = reset,
};


/* --- the I/O thread --- */

/* Writes the status, returns the chain and frees the slot; err is 0 or the request's -errno. */
static void complete(struct vblk_queue *q, struct vblk_slot *s, int err)
{
	if (err)
		q->errors++;
	if (s->req.status)
		*s->req.status = vblk_req_status(err);
	vq_split_push(&q->vq, s->chain.head, s->req.status ? vblk_req_used_len(&s->req, err) : 0);
	s->busy = false;
	q->inflight--;
	q->completed = true;
}

static void io_done(void *ctx, void *cookie, int res)
{
	struct vblk *b = ctx;
	struct vblk_slot *s = cookie;
	struct vblk_queue *q = s->q;

	if (res == 0 && s->req.type == VIRTIO_BLK_T_IN)
		q->bytes_read += s->req.len;
	else if (res == 0 && s->req.type == VIRTIO_BLK_T_OUT)
		q->bytes_written += s->req.len;
	if (res)
		trace(TRACE_BLK, "blk", "%s: queue %u: request type %u sector %llu failed: %s",
		      b->path, q->index, s->req.type, (unsigned long long)s->req.sector,
		      strerror(-res));
	complete(q, s, res);
}

/* Interrupts queue q's vector if the driver wants it (EVENT_IDX used_event). */
static void interrupt_if_wanted(struct vblk *b, struct vblk_queue *q)
{
	q->completed = false;
	if (vq_split_need_interrupt(&q->vq)) {
		q->interrupts++;
		vpci_notify_queue(&b->vpci, q->index);
	}
}

/* Requests that need no file I/O, or are done synchronously, finish here. */
static int run_sync(struct vblk *b, struct vblk_slot *s)
{
	struct vblk_req *r = &s->req;
	int res = 0;

	switch (r->type) {
	case VIRTIO_BLK_T_GET_ID:
		vblk_req_fill_id(r, b->serial);
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		for (unsigned int i = 0; i < r->nranges && !res; i++)
			res = blkfile_discard(&b->file, r->ranges[i].sector << VBLK_REQ_SECTOR_SHIFT,
					      (uint64_t)r->ranges[i].num_sectors << VBLK_REQ_SECTOR_SHIFT,
					      r->type == VIRTIO_BLK_T_WRITE_ZEROES,
					      r->ranges[i].flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
		break;
	}
	return res;
}

static struct vblk_slot *take_slot(struct vblk_queue *q)
{
	for (unsigned int i = 0; i < VBLK_QUEUE_SIZE; i++)
		if (!q->slots[i].busy) {
			q->slots[i].busy = true;
			q->inflight++;
			return &q->slots[i];
		}
	/*
	 * Not reached: vq_split_pop refuses more than queue-size chains
	 * outstanding and the queue is at most VBLK_QUEUE_SIZE. Should it ever
	 * be, drain_ring stops and the queue waits for a completion to free a
	 * slot (the reap path serves it again), rather than spinning.
	 */
	return NULL;
}

/* One request: parse, then finish it now or hand it to the backend. */
static void handle_chain(struct vblk *b, struct vblk_queue *q, struct vblk_slot *s)
{
	static const enum blkfile_op ops[] = { [VIRTIO_BLK_T_IN] = BLKFILE_READ,
					       [VIRTIO_BLK_T_OUT] = BLKFILE_WRITE };
	struct vblk_req *r = &s->req;
	int res;

	q->requests++;
	res = vblk_req_parse(&s->chain, b->file.sectors, &b->limits, r);
	if (res) {
		/* Bad requests are answered, never dropped; -ENOMSG has no status byte. */
		trace(TRACE_BLK, "blk", "%s: queue %u: request refused: %s", b->path, q->index,
		      strerror(-res));
		complete(q, s, res);
		return;
	}
	if (q->requests <= TRACE_REQ_LIMIT)
		trace(TRACE_BLK, "blk", "%s: queue %u: type %u sector %llu len %llu in %u segments",
		      b->path, q->index, r->type, (unsigned long long)r->sector,
		      (unsigned long long)r->len, r->niov);
	else if (q->requests == TRACE_REQ_LIMIT + 1)
		trace(TRACE_BLK, "blk", "%s: queue %u: further requests are counted, not traced (see --stats)",
		      b->path, q->index);
	if (r->type == VIRTIO_BLK_T_IN || r->type == VIRTIO_BLK_T_OUT)
		res = blkfile_start(&b->file, ops[r->type], r->sector << VBLK_REQ_SECTOR_SHIFT, r->iov,
				    r->niov, s);
	else if (r->type == VIRTIO_BLK_T_FLUSH)
		res = blkfile_start(&b->file, BLKFILE_FLUSH, 0, NULL, 0, s);
	else {
		complete(q, s, run_sync(b, s));
		return;
	}
	if (res < 0)
		complete(q, s, -EIO);
}

/*
 * Pops every available chain of q and starts it; nothing is submitted yet.
 * False if it stopped for want of a free slot.
 */
static bool drain_ring(struct vblk *b, struct vblk_queue *q)
{
	for (;;) {
		struct vblk_slot *s = take_slot(q);
		int r;

		if (!s)
			return false;
		r = vq_split_pop(&q->vq, &s->chain);
		if (r <= 0) {
			s->busy = false;
			q->inflight--;
			if (r == -EIO) {
				trace(TRACE_BLK, "blk", "%s: queue %u: ring broken, DEVICE_NEEDS_RESET",
				      b->path, q->index);
				vpci_set_needs_reset(&b->vpci);
			} else if (r < 0) {
				/* A malformed chain: returned with nothing written. */
				q->errors++;
				vq_split_push(&q->vq, s->chain.head, 0);
				q->completed = true;
				continue;
			}
			return true;
		}
		s->q = q;
		handle_chain(b, q, s);
	}
}

/*
 * Serves the queues in mask: drains every avail ring, hands all of it to the
 * backend in one submission, then re-arms each doorbell (EVENT_IDX
 * avail_event); queues that got more meanwhile go round again. Queues that
 * finished requests inline (refusals, GET_ID, discard) are interrupted.
 */
static void serve_queues(struct vblk *b, uint32_t mask)
{
	uint32_t todo = mask;

	while (todo) {
		uint32_t again = 0, starved = 0;

		for (unsigned int i = 0; i < b->nq; i++)
			if ((todo & (1u << i)) && !drain_ring(b, &b->queues[i]))
				starved |= 1u << i;
		blkfile_submit(&b->file);
		b->batches++;
		for (unsigned int i = 0; i < b->nq; i++)
			if ((todo & (1u << i)) && vq_split_arm_notify(&b->queues[i].vq))
				again |= 1u << i;
		todo = again & ~starved;
	}
	for (unsigned int i = 0; i < b->nq; i++)
		if ((mask & (1u << i)) && b->queues[i].completed)
			interrupt_if_wanted(b, &b->queues[i]);
}

/* The live queues in a mask. */
static uint32_t live_mask(const struct vblk *b)
{
	uint32_t m = 0;

	for (unsigned int i = 0; i < b->nq; i++)
		if (b->queues[i].live)
			m |= 1u << i;
	return m;
}

/* Control requests from vCPU threads (pause on reset) and main (exit). */
static bool handle_ctl(struct vblk *b)
{
	bool keep_running = true;
	uint64_t v;

	if (read(b->ctl_fd, &v, sizeof(v)) < 0) {
	}
	pthread_mutex_lock(&b->ctl_lock);
	if (b->ctl != VBLK_CTL_NONE) {
		/* Finish what the kernel holds: buffers must not be written after a reset. */
		blkfile_drain(&b->file, io_done, b);
		if (b->active)
			for (unsigned int i = 0; i < b->nq; i++)
				if (b->queues[i].live && b->queues[i].completed)
					interrupt_if_wanted(b, &b->queues[i]);
		/* Stop serving before the waiter may touch the queue. */
		__atomic_store_n(&b->active, false, __ATOMIC_RELEASE);
		if (b->ctl == VBLK_CTL_EXIT)
			keep_running = false;
		b->ctl = VBLK_CTL_NONE;
		b->ctl_done = true;
		pthread_cond_broadcast(&b->ctl_cond);
	}
	pthread_mutex_unlock(&b->ctl_lock);
	return keep_running;
}

enum { EV_CTL, EV_AIO, EV_KICK0 }; /* EV_KICK0 + q: queue q's doorbell */

static void *io_thread(void *arg)
{
	struct vblk *b = arg;

	pthread_setname_np(pthread_self(), "vblk-io");
	sandbox_enter(SANDBOX_DISK_IO);
	for (;;) {
		struct epoll_event ev[VBLK_MAX_QUEUES + 2];
		int n = epoll_wait(b->epfd, ev, VBLK_MAX_QUEUES + 2, -1);
		uint32_t kicked = 0;
		bool reaped = false;

		for (int i = 0; i < n; i++) {
			uint32_t tag = ev[i].data.u32;
			uint64_t v;

			if (tag == EV_CTL) {
				if (!handle_ctl(b))
					return NULL;
			} else if (tag == EV_AIO) {
				blkfile_reap(&b->file, io_done, b);
				reaped = true;
			} else if (tag - EV_KICK0 < b->nq) {
				struct vblk_queue *q = &b->queues[tag - EV_KICK0];

				if (read(vpci_kick_fd(&b->vpci, q->index), &v, sizeof(v)) > 0)
					q->kicks++;
				kicked |= 1u << q->index;
			}
		}
		/* active only changes under ctl_lock, and only while we are paused */
		if (!__atomic_load_n(&b->active, __ATOMIC_ACQUIRE))
			continue;
		if (reaped) {
			/* One interrupt decision per queue for the whole batch of completions. */
			for (unsigned int i = 0; i < b->nq; i++)
				if (b->queues[i].completed) {
					interrupt_if_wanted(b, &b->queues[i]);
					kicked |= 1u << i; /* slots freed: the guest may have more */
				}
		}
		kicked &= live_mask(b);
		if (kicked)
			serve_queues(b, kicked);
	}
}

/* --- set-up --- */

static int add_fd(int epfd, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

struct vblk *vblk_create(const struct config_disk *disk, const struct gmem *mem, int vm_fd,
			 struct irq_router *router, char *err, size_t errlen)
{
	struct vblk *b = calloc(1, sizeof(*b));
	int r;
	struct vpci_device_desc desc = {
		.device_id = VIRTIO_ID_BLOCK,
		.pci_class = PCI_CLASS_STORAGE_OTHER,
		.num_queues = disk->queues,
		.queue_max_size = VBLK_QUEUE_SIZE,
		.config_size = sizeof(struct virtio_blk_config),
		.features = VBLK_FEATURES | (disk->readonly ? 1ull << VIRTIO_BLK_F_RO : 0),
		.ops = &vblk_ops,
	};

	if (!b) {
		snprintf(err, errlen, "out of memory for --disk '%s'", disk->path);
		return NULL;
	}
	if (disk->queues == 0 || disk->queues > VBLK_MAX_QUEUES) {
		snprintf(err, errlen, "--disk '%s': %u queues (1 to %d)", disk->path, disk->queues,
			 VBLK_MAX_QUEUES);
		free(b);
		return NULL;
	}
	b->nq = disk->queues;
	for (unsigned int i = 0; i < b->nq; i++) {
		b->queues[i].index = i;
		b->queues[i].slots = calloc(VBLK_QUEUE_SIZE, sizeof(struct vblk_slot));
		if (!b->queues[i].slots) {
			snprintf(err, errlen, "out of memory for --disk '%s'", disk->path);
			goto fail_free;
		}
	}
	b->epfd = b->ctl_fd = -1;
	b->mem = mem;
	snprintf(b->path, sizeof(b->path), "%s", disk->path);
	if (disk->serial)
		memcpy(b->serial, disk->serial, strnlen(disk->serial, VIRTIO_BLK_ID_BYTES));
	b->readonly = disk->readonly;
	if (blkfile_open(&b->file, disk->path, disk->readonly, disk->cache == CONFIG_CACHE_NONE,
			 VBLK_QUEUE_SIZE * b->nq,
			 disk->aio == CONFIG_AIO_IO_URING ? BLKFILE_AIO_URING : BLKFILE_AIO_LIBAIO,
			 err, errlen) < 0)
		goto fail_free;
	b->limits = (struct vblk_req_limits){ .read_only = disk->readonly,
					      .max_discard_sectors = VBLK_MAX_DISCARD_SECTORS,
					      .max_discard_seg = VBLK_MAX_DISCARD_SEG,
					      .max_write_zeroes_sectors = VBLK_MAX_DISCARD_SECTORS,
					      .max_write_zeroes_seg = VBLK_MAX_DISCARD_SEG };
	b->config.capacity = b->file.sectors;
	b->config.seg_max = VBLK_SEG_MAX;
	b->config.blk_size = 512;
	b->config.num_queues = b->nq;
	b->config.max_discard_sectors = VBLK_MAX_DISCARD_SECTORS;
	b->config.max_discard_seg = VBLK_MAX_DISCARD_SEG;
	b->config.discard_sector_alignment = 1;
	b->config.max_write_zeroes_sectors = VBLK_MAX_DISCARD_SECTORS;
	b->config.max_write_zeroes_seg = VBLK_MAX_DISCARD_SEG;
	b->config.write_zeroes_may_unmap = 1;
	pthread_mutex_init(&b->ctl_lock, NULL);
	pthread_cond_init(&b->ctl_cond, NULL);
	desc.dev = b;
	if (vpci_init(&b->vpci, &desc, vm_fd, router, err, errlen) < 0)
		goto fail_close;
	b->ctl_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	b->epfd = epoll_create1(EPOLL_CLOEXEC);
	r = b->ctl_fd < 0 || b->epfd < 0 || add_fd(b->epfd, b->file.efd, EV_AIO) ||
	    add_fd(b->epfd, b->ctl_fd, EV_CTL);
	for (unsigned int i = 0; i < b->nq && !r; i++)
		r = add_fd(b->epfd, vpci_kick_fd(&b->vpci, i), EV_KICK0 + i);
	if (r) {
		snprintf(err, errlen, "--disk '%s': setting up the I/O thread's events: %s",
			 disk->path, strerror(errno));
		goto fail_vpci;
	}
	return b;
fail_vpci:
	if (b->ctl_fd >= 0)
		close(b->ctl_fd);
	if (b->epfd >= 0)
		close(b->epfd);
	vpci_destroy(&b->vpci);
fail_close:
	blkfile_close(&b->file);
fail_free:
	for (unsigned int i = 0; i < b->nq; i++)
		free(b->queues[i].slots);
	free(b);
	return NULL;
}

struct pci_dev *vblk_pci_dev(struct vblk *b)
{
	return &b->vpci.pci;
}

int vblk_start(struct vblk *b)
{
	pthread_attr_t attr;
	int r;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	r = pthread_create(&b->thread, &attr, io_thread, b);
	pthread_attr_destroy(&attr);
	if (r)
		return -r;
	b->thread_started = true;
	return 0;
}

void vblk_stop(struct vblk *b)
{
	if (!b->thread_started)
		return;
	pthread_mutex_lock(&b->ctl_lock);
	ctl_request(b, VBLK_CTL_EXIT); /* in-flight I/O completes first */
	pthread_mutex_unlock(&b->ctl_lock);
	pthread_join(b->thread, NULL);
	b->thread_started = false;
}

void vblk_destroy(struct vblk *b)
{
	if (!b)
		return;
	vblk_stop(b);
	close(b->ctl_fd);
	close(b->epfd);
	vpci_destroy(&b->vpci);
	blkfile_close(&b->file);
	for (unsigned int i = 0; i < b->nq; i++)
		free(b->queues[i].slots);
	free(b);
}

void vblk_print_stats(const struct vblk *b, FILE *out)
{
	uint64_t kicks = 0, requests = 0, rd = 0, wr = 0, errors = 0;

	for (unsigned int i = 0; i < b->nq; i++) {
		const struct vblk_queue *q = &b->queues[i];

		kicks += q->kicks;
		requests += q->requests;
		rd += q->bytes_read;
		wr += q->bytes_written;
		errors += q->errors;
	}
	fprintf(out,
		"minivmm: stats: disk %s: queues=%u aio=%s doorbells=%llu batches=%llu requests=%llu "
		"read=%llu written=%llu errors=%llu interrupts=%llu notify_exits=%llu\n",
		b->path, b->nq, b->file.aio_kind == BLKFILE_AIO_URING ? "io_uring" : "libaio",
		(unsigned long long)kicks, (unsigned long long)b->batches,
		(unsigned long long)requests, (unsigned long long)rd, (unsigned long long)wr,
		(unsigned long long)errors, (unsigned long long)b->vpci.interrupts,
		(unsigned long long)b->vpci.notify_exits);
	/* Interrupts here are the device's decisions for the queue (EVENT_IDX allowing). */
	for (unsigned int i = 0; i < b->nq; i++) {
		const struct vblk_queue *q = &b->queues[i];

		fprintf(out,
			"minivmm: stats: disk %s queue %u: doorbells=%llu interrupts=%llu "
			"requests=%llu read=%llu written=%llu errors=%llu\n",
			b->path, i, (unsigned long long)q->kicks, (unsigned long long)q->interrupts,
			(unsigned long long)q->requests, (unsigned long long)q->bytes_read,
			(unsigned long long)q->bytes_written, (unsigned long long)q->errors);
	}
}

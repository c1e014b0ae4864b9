/*
 * virtio-blk (virtio 1.2 section 5.2). The device owns one I/O thread: it
 * waits on the queue's doorbell eventfd (an ioeventfd, so notifications never
 * leave the kernel on the vCPU side), pops and parses requests, submits them
 * to the backend in one batch, and completes them when the backend's eventfd
 * fires, interrupting the guest through the transport's irqfd.
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
	 (1ull << VIRTIO_BLK_F_DISCARD) | (1ull << VIRTIO_BLK_F_WRITE_ZEROES))

enum vblk_ctl { VBLK_CTL_NONE, VBLK_CTL_PAUSE, VBLK_CTL_EXIT };

struct vblk_slot {
	struct vq_desc_chain chain;
	struct vblk_req req;
	bool busy;
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
	struct vq_split vq;
	struct vblk_slot slots[VBLK_QUEUE_SIZE];
	unsigned int inflight;
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

	/* Statistics, I/O thread only; read after it stopped. */
	uint64_t kicks, requests, bytes_read, bytes_written, errors, batches;
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

static int activate(void *dev, uint64_t features, const struct vpci_queue_cfg *q, unsigned int nq)
{
	struct vblk *b = dev;
	int r;

	(void)nq;
	if (!q[0].enabled)
		return -EINVAL;
	pthread_mutex_lock(&b->ctl_lock);
	/* The I/O thread is idle (not active): it does not touch vq until active is set. */
	r = vq_split_enable(&b->vq, b->mem, q[0].size, q[0].desc, q[0].driver, q[0].device, features);
	if (r == 0) {
		b->features = features;
		__atomic_store_n(&b->active, true, __ATOMIC_RELEASE);
		uint64_t one = 1;

		/* A kick may have come before DRIVER_OK; look at the ring once now. */
		if (write(vpci_kick_fd(&b->vpci, 0), &one, sizeof(one)) < 0) {
		}
	}
	pthread_mutex_unlock(&b->ctl_lock);
	trace(TRACE_VIRTIO, "virtio", "blk %s: %s (queue size %u)", b->path,
	      r ? "ring refused, DEVICE_NEEDS_RESET" : "live", q[0].size);
	return r;
}

static void reset(void *dev)
{
	struct vblk *b = dev;

	pthread_mutex_lock(&b->ctl_lock);
	if (b->active)
		ctl_request(b, VBLK_CTL_PAUSE); /* returns once in-flight I/O is finished */
	vq_split_reset(&b->vq);
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
static void complete(struct vblk *b, struct vblk_slot *s, int err)
{
	if (err)
		b->errors++;
	if (s->req.status)
		*s->req.status = vblk_req_status(err);
	vq_split_push(&b->vq, s->chain.head, s->req.status ? vblk_req_used_len(&s->req, err) : 0);
	s->busy = false;
	b->inflight--;
}

static void io_done(void *ctx, void *cookie, int res)
{
	struct vblk *b = ctx;
	struct vblk_slot *s = cookie;

	if (res == 0 && s->req.type == VIRTIO_BLK_T_IN)
		b->bytes_read += s->req.len;
	else if (res == 0 && s->req.type == VIRTIO_BLK_T_OUT)
		b->bytes_written += s->req.len;
	if (res)
		trace(TRACE_BLK, "blk", "%s: request type %u sector %llu failed: %s", b->path,
		      s->req.type, (unsigned long long)s->req.sector, strerror(-res));
	complete(b, s, res);
}

static void interrupt_if_wanted(struct vblk *b)
{
	if (vq_split_need_interrupt(&b->vq))
		vpci_notify_queue(&b->vpci, 0);
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

static struct vblk_slot *take_slot(struct vblk *b)
{
	for (unsigned int i = 0; i < VBLK_QUEUE_SIZE; i++)
		if (!b->slots[i].busy) {
			b->slots[i].busy = true;
			b->inflight++;
			return &b->slots[i];
		}
	return NULL; /* cannot happen: at most queue-size chains are outstanding */
}

/* One request: parse, then finish it now or hand it to the backend. */
static void handle_chain(struct vblk *b, struct vblk_slot *s)
{
	static const enum blkfile_op ops[] = { [VIRTIO_BLK_T_IN] = BLKFILE_READ,
					       [VIRTIO_BLK_T_OUT] = BLKFILE_WRITE };
	struct vblk_req *r = &s->req;
	int res;

	b->requests++;
	res = vblk_req_parse(&s->chain, b->file.sectors, &b->limits, r);
	if (res) {
		/* Bad requests are answered, never dropped; -ENOMSG has no status byte. */
		trace(TRACE_BLK, "blk", "%s: request refused: %s", b->path, strerror(-res));
		complete(b, s, res);
		return;
	}
	if (b->requests <= TRACE_REQ_LIMIT)
		trace(TRACE_BLK, "blk", "%s: type %u sector %llu len %llu in %u segments", b->path,
		      r->type, (unsigned long long)r->sector, (unsigned long long)r->len, r->niov);
	else if (b->requests == TRACE_REQ_LIMIT + 1)
		trace(TRACE_BLK, "blk", "%s: further requests are counted, not traced (see --stats)",
		      b->path);
	if (r->type == VIRTIO_BLK_T_IN || r->type == VIRTIO_BLK_T_OUT)
		res = blkfile_start(&b->file, ops[r->type], r->sector << VBLK_REQ_SECTOR_SHIFT, r->iov,
				    r->niov, s);
	else if (r->type == VIRTIO_BLK_T_FLUSH)
		res = blkfile_start(&b->file, BLKFILE_FLUSH, 0, NULL, 0, s);
	else {
		complete(b, s, run_sync(b, s));
		return;
	}
	if (res < 0)
		complete(b, s, -EIO);
}

/* Drains the avail ring into one batch, then re-arms the doorbell (EVENT_IDX). */
static void process_queue(struct vblk *b)
{
	do {
		for (;;) {
			struct vblk_slot *s = take_slot(b);
			int r;

			if (!s)
				break;
			r = vq_split_pop(&b->vq, &s->chain);
			if (r <= 0) {
				s->busy = false;
				b->inflight--;
				if (r == -EIO) {
					trace(TRACE_BLK, "blk", "%s: ring broken, DEVICE_NEEDS_RESET",
					      b->path);
					vpci_set_needs_reset(&b->vpci);
				} else if (r < 0) {
					/* A malformed chain: returned with nothing written. */
					b->errors++;
					vq_split_push(&b->vq, s->chain.head, 0);
					continue;
				}
				break;
			}
			handle_chain(b, s);
		}
		blkfile_submit(&b->file);
		b->batches++;
	} while (vq_split_arm_notify(&b->vq));
	interrupt_if_wanted(b);
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
			interrupt_if_wanted(b);
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

enum { EV_KICK, EV_AIO, EV_CTL };

static void *io_thread(void *arg)
{
	struct vblk *b = arg;

	pthread_setname_np(pthread_self(), "vblk-io");
	sandbox_enter(SANDBOX_DISK_IO);
	for (;;) {
		struct epoll_event ev[4];
		int n = epoll_wait(b->epfd, ev, 4, -1);

		for (int i = 0; i < n; i++) {
			uint64_t v;

			switch (ev[i].data.u32) {
			case EV_KICK:
				if (read(vpci_kick_fd(&b->vpci, 0), &v, sizeof(v)) > 0)
					b->kicks++;
				/* active only changes under ctl_lock, and only while we are paused */
				if (__atomic_load_n(&b->active, __ATOMIC_ACQUIRE))
					process_queue(b);
				break;
			case EV_AIO:
				blkfile_reap(&b->file, io_done, b);
				if (__atomic_load_n(&b->active, __ATOMIC_ACQUIRE)) {
					interrupt_if_wanted(b);
					/* Slots freed: the guest may have more waiting. */
					process_queue(b);
				}
				break;
			case EV_CTL:
				if (!handle_ctl(b))
					return NULL;
				break;
			}
		}
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
	struct vpci_device_desc desc = {
		.device_id = VIRTIO_ID_BLOCK,
		.pci_class = PCI_CLASS_STORAGE_OTHER,
		.num_queues = 1,
		.queue_max_size = VBLK_QUEUE_SIZE,
		.config_size = sizeof(struct virtio_blk_config),
		.features = VBLK_FEATURES | (disk->readonly ? 1ull << VIRTIO_BLK_F_RO : 0),
		.ops = &vblk_ops,
	};

	if (!b) {
		snprintf(err, errlen, "out of memory for --disk '%s'", disk->path);
		return NULL;
	}
	b->epfd = b->ctl_fd = -1;
	b->mem = mem;
	snprintf(b->path, sizeof(b->path), "%s", disk->path);
	if (disk->serial)
		memcpy(b->serial, disk->serial, strnlen(disk->serial, VIRTIO_BLK_ID_BYTES));
	b->readonly = disk->readonly;
	if (blkfile_open(&b->file, disk->path, disk->readonly, disk->cache == CONFIG_CACHE_NONE,
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
	b->config.num_queues = 1;
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
	if (b->ctl_fd < 0 || b->epfd < 0 || add_fd(b->epfd, vpci_kick_fd(&b->vpci, 0), EV_KICK) ||
	    add_fd(b->epfd, b->file.efd, EV_AIO) || add_fd(b->epfd, b->ctl_fd, EV_CTL)) {
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
	free(b);
}

void vblk_print_stats(const struct vblk *b, FILE *out)
{
	fprintf(out,
		"minivmm: stats: disk %s: doorbells=%llu batches=%llu requests=%llu "
		"read=%llu written=%llu errors=%llu interrupts=%llu notify_exits=%llu\n",
		b->path, (unsigned long long)b->kicks, (unsigned long long)b->batches,
		(unsigned long long)b->requests, (unsigned long long)b->bytes_read,
		(unsigned long long)b->bytes_written, (unsigned long long)b->errors,
		(unsigned long long)b->vpci.interrupts, (unsigned long long)b->vpci.notify_exits);
}

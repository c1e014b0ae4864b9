/*
 * virtio-attack BDF [EXPECT]: a hostile virtio-blk driver, run as root inside
 * a kit guest (issue 5, "attack suite"). It takes the modern virtio-blk PCI
 * function BDF away from Linux, maps BAR0 from user space and drives the
 * device itself, from buffers whose guest-physical addresses it reads from
 * /proc/self/pagemap. Each attack breaks one rule of virtio 1.2 (4.1 PCI
 * transport, 2.7 split ring, 5.2 blk); after it the device must answer with an
 * error status, a used length of 0 or DEVICE_NEEDS_RESET, and a reset followed
 * by a good read of sector 0 (which must start with EXPECT, if given, and
 * match what the first read saw) must work again. One row per attack:
 *
 *   attack: NAME | outcome: ... | recovered: yes/no
 *
 * Exit status 0 only if every attack was refused as expected and recovered.
 * Every poll has a timeout, so a wedged device shows as "no" rather than a hang.
 *
 * BAR0 layout is minivmm's (virtio/pci_transport.c): common cfg 0x0000,
 * ISR 0x1000, device cfg 0x2000, notify 0x3000 (multiplier 4), MSI-X table
 * 0x4000, PBA 0x5000.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define BAR_COMMON     0x0000
#define BAR_ISR        0x1000
#define BAR_DEVICE     0x2000
#define BAR_NOTIFY     0x3000
#define BAR_MSIX_TABLE 0x4000
#define BAR_MSIX_PBA   0x5000
#define BAR_LEN        0x8000
#define NOTIFY_MULT    4

#define PAGE           4096ul
#define QSZ            16 /* our queue: small, but every ring fits one page */
#define SECTOR         512
#define TIMEOUT_MS     2000
#define STATUS_UNSET   0xaa /* written before each request: "the device did not answer" */

/* Addresses no guest RAM can be at: the PCI MMIO window, 1 TiB, the top of 2^64. */
#define GPA_MMIO       0xd0000000ull
#define GPA_1TIB       (1ull << 40)
#define GPA_TOP        0xfffffffffffffe00ull

/* One locked page and its guest-physical address. */
struct dma_page {
	uint8_t *va;
	uint64_t pa;
};

enum { PG_DESC, PG_AVAIL, PG_USED, PG_HDR, PG_DATA, PG_IND, NPAGES };

static struct dma_page pg[NPAGES];
static volatile uint8_t *bar;
static char bdf[64];
static uint8_t baseline[SECTOR];
static bool have_baseline;
static const char *expect;
static int failures;

/* The queue as the driver sees it. */
static struct vring_desc *desc;
static struct vring_avail *avail;
static struct vring_used *used;
static uint16_t qsz, avail_idx, used_seen;

/* Where the request header and status byte live (PG_HDR). */
#define HDR_OFF    0
#define STATUS_OFF 2048

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "virtio-attack: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

/* --- BAR0 accessors: one access of exactly the register's width --- */

static uint8_t r8(uint32_t off)
{
	return *(volatile uint8_t *)(bar + off);
}

static uint16_t r16(uint32_t off)
{
	return *(volatile uint16_t *)(bar + off);
}

static uint32_t r32(uint32_t off)
{
	return *(volatile uint32_t *)(bar + off);
}

static void w8(uint32_t off, uint8_t v)
{
	*(volatile uint8_t *)(bar + off) = v;
}

static void w16(uint32_t off, uint16_t v)
{
	*(volatile uint16_t *)(bar + off) = v;
}

static void w32(uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(bar + off) = v;
}

static void w64(uint32_t off, uint64_t v)
{
	/* 4.1.3.1: 64-bit fields are written as two 32-bit halves. */
	w32(off, (uint32_t)v);
	w32(off + 4, v >> 32);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* --- PCI configuration space through sysfs --- */

static int cfg_fd = -1;

static uint16_t cfg_r16(unsigned int off)
{
	uint16_t v = 0;

	if (pread(cfg_fd, &v, 2, off) != 2)
		die("read config 0x%x: %s", off, strerror(errno));
	return v;
}

static uint8_t cfg_r8(unsigned int off)
{
	uint8_t v = 0;

	if (pread(cfg_fd, &v, 1, off) != 1)
		die("read config 0x%x: %s", off, strerror(errno));
	return v;
}

static void cfg_w16(unsigned int off, uint16_t v)
{
	if (pwrite(cfg_fd, &v, 2, off) != 2)
		die("write config 0x%x: %s", off, strerror(errno));
}

/* Offset of capability id in config space, 0 if absent. */
static unsigned int find_cap(uint8_t id)
{
	unsigned int p = cfg_r8(0x34) & ~3u;

	for (int n = 0; p && n < 48; n++) {
		if (cfg_r8(p) == id)
			return p;
		p = cfg_r8(p + 1) & ~3u;
	}
	return 0;
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	if (write(fd, s, strlen(s)) < 0 && errno != ENODEV)
		die("write %s: %s", path, strerror(errno));
	close(fd);
}

static unsigned long read_hex(const char *path)
{
	char buf[32] = {0};
	int fd = open(path, O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0)
		die("read %s: %s", path, strerror(errno));
	close(fd);
	return strtoul(buf, NULL, 0);
}

/* Takes the function from Linux, turns on memory decoding and bus mastering, maps BAR0. */
static void grab_device(void)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", bdf);
	if (read_hex(path) != 0x1af4)
		die("%s is not a virtio device", bdf);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", bdf);
	if (read_hex(path) != 0x1042)
		die("%s is not a modern virtio-blk function (1af4:1042)", bdf);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	if (access(path, F_OK) == 0)
		write_file("/sys/bus/pci/drivers/virtio-pci/unbind", bdf);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	cfg_fd = open(path, O_RDWR);
	if (cfg_fd < 0)
		die("open %s: %s", path, strerror(errno));
	cfg_w16(0x04, cfg_r16(0x04) | 0x0002 | 0x0004); /* PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	bar = mmap(NULL, BAR_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (bar == MAP_FAILED)
		die("mmap %s: %s", path, strerror(errno));
	close(fd);
}

/* Locked pages whose guest-physical addresses come from /proc/self/pagemap. */
static void alloc_pages(void)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		die("open pagemap: %s", strerror(errno));
	for (int i = 0; i < NPAGES; i++) {
		uint64_t e;
		uint8_t *va = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (va == MAP_FAILED || mlock(va, PAGE) < 0)
			die("locked page: %s", strerror(errno));
		memset(va, 0, PAGE); /* a private, present page of our own */
		if (pread(fd, &e, 8, (uintptr_t)va / PAGE * 8) != 8)
			die("pagemap: %s", strerror(errno));
		/* Bit 63: present; bits 0-54: the frame (zero unless we hold CAP_SYS_ADMIN). */
		if (!(e >> 63) || !(e & ((1ull << 55) - 1)))
			die("pagemap gives no frame for page %d (not root?)", i);
		pg[i] = (struct dma_page){ .va = va, .pa = (e & ((1ull << 55) - 1)) * PAGE };
	}
	close(fd);
	desc = (struct vring_desc *)pg[PG_DESC].va;
	avail = (struct vring_avail *)pg[PG_AVAIL].va;
	used = (struct vring_used *)pg[PG_USED].va;
}

/* --- device set-up (3.1.1) --- */

static uint8_t dev_status(void)
{
	return r8(VIRTIO_PCI_COMMON_STATUS);
}

/* Writes 0 to device_status and waits until it reads 0 (4.1.4.3.2). */
static bool dev_reset(void)
{
	uint64_t t0 = now_ms();

	w8(VIRTIO_PCI_COMMON_STATUS, 0);
	while (dev_status() != 0)
		if (now_ms() - t0 > TIMEOUT_MS)
			return false;
	return true;
}

struct setup {
	uint64_t features;
	uint32_t qsize;
	uint64_t desc, avail, used;
	uint16_t qvec;       /* queue_msix_vector */
	bool no_enable;      /* skip queue_enable */
	bool features_only;  /* stop after FEATURES_OK */
};

static struct setup good_setup(void)
{
	return (struct setup){
		.features = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_RING_F_INDIRECT_DESC |
			    1ull << VIRTIO_BLK_F_DISCARD | 1ull << VIRTIO_BLK_F_WRITE_ZEROES,
		.qsize = QSZ,
		.desc = pg[PG_DESC].pa,
		.avail = pg[PG_AVAIL].pa,
		.used = pg[PG_USED].pa,
		.qvec = VIRTIO_MSI_NO_VECTOR, /* we poll */
	};
}

/*
 * Resets the device and brings it up as s says. Returns the status read after
 * the last write, or -1 if the reset did not complete.
 */
static int dev_setup(const struct setup *s)
{
	if (!dev_reset())
		return -1;
	memset(pg[PG_DESC].va, 0, PAGE);
	memset(pg[PG_AVAIL].va, 0, PAGE);
	memset(pg[PG_USED].va, 0, PAGE);
	avail_idx = used_seen = 0;
	qsz = s->qsize;
	w8(VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	w8(VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	w32(VIRTIO_PCI_COMMON_GFSELECT, 0);
	w32(VIRTIO_PCI_COMMON_GF, (uint32_t)s->features);
	w32(VIRTIO_PCI_COMMON_GFSELECT, 1);
	w32(VIRTIO_PCI_COMMON_GF, s->features >> 32);
	w8(VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				     VIRTIO_CONFIG_S_FEATURES_OK);
	if (s->features_only)
		return dev_status();
	w16(VIRTIO_PCI_COMMON_Q_SELECT, 0);
	w16(VIRTIO_PCI_COMMON_Q_SIZE, s->qsize);
	w16(VIRTIO_PCI_COMMON_Q_MSIX, s->qvec);
	w64(VIRTIO_PCI_COMMON_Q_DESCLO, s->desc);
	w64(VIRTIO_PCI_COMMON_Q_AVAILLO, s->avail);
	w64(VIRTIO_PCI_COMMON_Q_USEDLO, s->used);
	if (!s->no_enable)
		w16(VIRTIO_PCI_COMMON_Q_ENABLE, 1);
	w8(VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				     VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	return dev_status();
}

static bool dev_up_good(void)
{
	struct setup s = good_setup();
	int st = dev_setup(&s);

	return st >= 0 && (st & VIRTIO_CONFIG_S_DRIVER_OK) && !(st & VIRTIO_CONFIG_S_NEEDS_RESET);
}

/* --- requests --- */

static void set_desc(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	desc[i] = (struct vring_desc){ .addr = addr, .len = len, .flags = flags, .next = next };
}

static void set_hdr(uint32_t type, uint64_t sector)
{
	struct virtio_blk_outhdr *h = (void *)(pg[PG_HDR].va + HDR_OFF);

	h->type = type;
	h->ioprio = 0;
	h->sector = sector;
	pg[PG_HDR].va[STATUS_OFF] = STATUS_UNSET;
}

static uint64_t hdr_pa(void)
{
	return pg[PG_HDR].pa + HDR_OFF;
}

static uint64_t status_pa(void)
{
	return pg[PG_HDR].pa + STATUS_OFF;
}

/* The ordinary three-descriptor read of one sector: header, data, status. */
static void build_read(uint64_t sector)
{
	set_hdr(VIRTIO_BLK_T_IN, sector);
	set_desc(0, hdr_pa(), sizeof(struct virtio_blk_outhdr), VRING_DESC_F_NEXT, 1);
	set_desc(1, pg[PG_DATA].pa, SECTOR, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	set_desc(2, status_pa(), 1, VRING_DESC_F_WRITE, 0);
}

static void notify(void)
{
	/* The queue's doorbell: a 16-bit write of its index (4.1.5.2), an ioeventfd in minivmm. */
	w16(BAR_NOTIFY + r16(VIRTIO_PCI_COMMON_Q_NOFF) * NOTIFY_MULT, 0);
}

/* Puts head on the avail ring and rings the doorbell. */
static void submit(uint16_t head)
{
	avail->ring[avail_idx % qsz] = head;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* 2.7.13.3.1: ring entry before idx */
	avail->idx = ++avail_idx;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	notify();
}

enum answer { ANS_TIMEOUT, ANS_USED, ANS_NEEDS_RESET };

/* Polls the used ring (no interrupts) and device_status, up to TIMEOUT_MS. */
static enum answer wait_answer(uint32_t *len)
{
	uint64_t t0 = now_ms();

	for (;;) {
		uint16_t idx = __atomic_load_n(&used->idx, __ATOMIC_ACQUIRE);

		if (idx != used_seen) {
			*len = used->ring[used_seen % qsz].len;
			used_seen++;
			return ANS_USED;
		}
		if (dev_status() & VIRTIO_CONFIG_S_NEEDS_RESET)
			return ANS_NEEDS_RESET;
		if (now_ms() - t0 > TIMEOUT_MS)
			return ANS_TIMEOUT;
		usleep(100);
	}
}

/* A good read of sector 0 on a live device: status OK, 513 bytes used, the known data. */
static bool good_read(char *why, size_t n)
{
	uint32_t len = 0;
	enum answer a;

	memset(pg[PG_DATA].va, 0x5a, SECTOR);
	build_read(0);
	submit(0);
	a = wait_answer(&len);
	if (a != ANS_USED) {
		snprintf(why, n, "%s", a == ANS_TIMEOUT ? "good read timed out" : "good read: NEEDS_RESET");
		return false;
	}
	if (pg[PG_HDR].va[STATUS_OFF] != VIRTIO_BLK_S_OK || len != SECTOR + 1) {
		snprintf(why, n, "good read: status %u used len %u", pg[PG_HDR].va[STATUS_OFF], len);
		return false;
	}
	if (expect && memcmp(pg[PG_DATA].va, expect, strlen(expect))) {
		snprintf(why, n, "good read: sector 0 does not start with '%s'", expect);
		return false;
	}
	if (!have_baseline) {
		memcpy(baseline, pg[PG_DATA].va, SECTOR);
		have_baseline = true;
	} else if (memcmp(baseline, pg[PG_DATA].va, SECTOR)) {
		snprintf(why, n, "good read: sector 0 changed");
		return false;
	}
	return true;
}

/* Reset, set up again, read sector 0. */
static bool recover(char *why, size_t n)
{
	if (!dev_reset()) {
		snprintf(why, n, "reset never completed");
		return false;
	}
	if (!dev_up_good()) {
		snprintf(why, n, "set-up after reset failed (status 0x%02x)", dev_status());
		return false;
	}
	return good_read(why, n);
}

/* Prints the row; refused says the device answered the attack as it must. */
static void report(const char *name, bool refused, const char *outcome)
{
	char why[128] = "";
	bool ok = recover(why, sizeof(why));

	printf("attack: %s | outcome: %s%s%s%s | recovered: %s\n", name,
	       refused ? "" : "NOT REFUSED: ", outcome, ok ? "" : "; ", why, ok ? "yes" : "no");
	if (!refused || !ok)
		failures++;
}

/* --- request attacks: a bad chain on a live device --- */

struct req_attack {
	const char *name;
	void (*build)(void);  /* leaves a bad chain at head 0 (raw_ring: publishes it too) */
	bool no_indirect;     /* set the device up without VIRTIO_RING_F_INDIRECT_DESC */
	bool raw_ring;        /* build() published the avail ring itself */
	uint8_t *status;      /* where the status byte lands if not the usual place */
};

static uint8_t *status_at;

/* Each builder leaves a bad chain at head 0. */
static void b_loop_self(void)
{
	build_read(0);
	set_desc(0, hdr_pa(), 16, VRING_DESC_F_NEXT, 0);
}

static void b_loop_two(void)
{
	build_read(0);
	set_desc(2, status_pa(), 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1); /* 1 -> 2 -> 1 */
}

static void b_next_out_of_range(void)
{
	build_read(0);
	desc[1].next = QSZ + 100;
}

static void b_addr_mmio(void)
{
	build_read(0);
	desc[1].addr = GPA_MMIO;
}

static void b_addr_1tib(void)
{
	build_read(0);
	desc[1].addr = GPA_1TIB;
}

static void b_addr_wrap(void)
{
	build_read(0);
	desc[1].addr = GPA_TOP; /* addr + 1024 wraps past 2^64 to 0x200 */
	desc[1].len = 2 * SECTOR;
}

static void b_hdr_wrap(void)
{
	build_read(0);
	desc[0].addr = ~0ull - 7; /* 16 bytes from 2^64 - 8 */
}

static void b_huge_len(void)
{
	build_read(0);
	desc[1].len = 0xfffffe00; /* 4 GiB - 512: whole sectors, beyond any RAM */
}

static void b_huge_sum(void)
{
	/* Two 2 GiB + 512 segments: the chain's total passes 2^32 (2.7.5.2). */
	build_read(0);
	set_desc(1, pg[PG_DATA].pa, 0x80000200, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 3);
	set_desc(3, pg[PG_DATA].pa, 0x80000200, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
}

static void b_zero_data(void)
{
	build_read(0);
	desc[1].len = 0;
}

static void b_zero_all(void)
{
	build_read(0);
	desc[0].len = desc[1].len = desc[2].len = 0;
}

static void b_zero_status(void)
{
	/* No status descriptor bytes: the last writable byte (data[511]) is the status. */
	build_read(0);
	desc[2].len = 0;
	pg[PG_DATA].va[SECTOR - 1] = STATUS_UNSET;
	status_at = &pg[PG_DATA].va[SECTOR - 1];
}

static void b_in_data_readonly(void)
{
	build_read(0);
	desc[1].flags &= ~VRING_DESC_F_WRITE;
}

static void b_out_data_writable(void)
{
	/* A write of sector 0 whose data the device could only write to: nothing may reach the disk. */
	build_read(0);
	set_hdr(VIRTIO_BLK_T_OUT, 0);
}

static void b_hdr_writable(void)
{
	build_read(0);
	desc[0].flags |= VRING_DESC_F_WRITE;
}

static void b_status_readonly(void)
{
	/* A readable descriptor after writable ones (2.7.4.1). */
	build_read(0);
	desc[2].flags &= ~VRING_DESC_F_WRITE;
}

static void b_sector_beyond(void)
{
	build_read(~0ull);
}

static void b_unknown_type(void)
{
	build_read(0);
	set_hdr(0x7777, 0);
}

/* An indirect table in PG_IND holding a good read; the caller spoils it. */
static struct vring_desc *ind_table(void)
{
	struct vring_desc *t = (struct vring_desc *)pg[PG_IND].va;

	set_hdr(VIRTIO_BLK_T_IN, 0);
	t[0] = (struct vring_desc){ hdr_pa(), 16, VRING_DESC_F_NEXT, 1 };
	t[1] = (struct vring_desc){ pg[PG_DATA].pa, SECTOR, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2 };
	t[2] = (struct vring_desc){ status_pa(), 1, VRING_DESC_F_WRITE, 0 };
	set_desc(0, pg[PG_IND].pa, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	return t;
}

static void b_ind_len(void)
{
	ind_table();
	desc[0].len = 40; /* 2.5 descriptors */
}

static void b_ind_nested(void)
{
	struct vring_desc *t = ind_table();

	/* Entry 1 names another table (this one): nesting is forbidden (2.7.5.3.1). */
	t[1] = (struct vring_desc){ pg[PG_IND].pa, 3 * 16, VRING_DESC_F_INDIRECT, 0 };
}

static void b_ind_loop(void)
{
	struct vring_desc *t = ind_table();

	t[2].flags |= VRING_DESC_F_NEXT;
	t[2].next = 1; /* 0 -> 1 -> 2 -> 1 ... */
}

static void b_ind_next(void)
{
	ind_table();
	desc[0].flags |= VRING_DESC_F_NEXT; /* INDIRECT with NEXT (2.7.5.3.1) */
	desc[0].next = 0;
}

static void b_ind_outside(void)
{
	ind_table();
	desc[0].addr = GPA_MMIO;
}

static void b_ind_huge(void)
{
	ind_table();
	desc[0].len = 0xfffffff0; /* whole descriptors, far more than the queue size */
}

static void b_ind_not_negotiated(void)
{
	ind_table();
}

/* DISCARD / WRITE_ZEROES with n ranges in PG_DATA (device-readable); the caller spoils them. */
static struct virtio_blk_discard_write_zeroes *dwz(uint32_t type, unsigned int n)
{
	struct virtio_blk_discard_write_zeroes *r = (void *)pg[PG_DATA].va;

	set_hdr(type, 0);
	for (unsigned int i = 0; i < n; i++)
		r[i] = (struct virtio_blk_discard_write_zeroes){ .sector = 100, .num_sectors = 1 };
	set_desc(0, hdr_pa(), 16, VRING_DESC_F_NEXT, 1);
	set_desc(1, pg[PG_DATA].pa, n * sizeof(*r), VRING_DESC_F_NEXT, 2);
	set_desc(2, status_pa(), 1, VRING_DESC_F_WRITE, 0);
	return r;
}

static void b_discard_wraps(void)
{
	struct virtio_blk_discard_write_zeroes *r = dwz(VIRTIO_BLK_T_DISCARD, 1);

	r->sector = ~0ull - 1;
	r->num_sectors = 8;
}

static void b_wz_bad_flags(void)
{
	struct virtio_blk_discard_write_zeroes *r = dwz(VIRTIO_BLK_T_WRITE_ZEROES, 1);

	r->sector = 0; /* sector 0 would read back as zeroes if this got through */
	r->flags = 0xfffffffe;
}

static void b_discard_unmap(void)
{
	struct virtio_blk_discard_write_zeroes *r = dwz(VIRTIO_BLK_T_DISCARD, 1);

	r->sector = 0;
	r->flags = VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP; /* only WRITE_ZEROES may carry it */
}

static void b_discard_many(void)
{
	dwz(VIRTIO_BLK_T_DISCARD, 200); /* more than max_discard_seg */
}

static void b_discard_len(void)
{
	dwz(VIRTIO_BLK_T_DISCARD, 1);
	desc[1].len = 20;
}

static void b_wz_huge(void)
{
	struct virtio_blk_discard_write_zeroes *r = dwz(VIRTIO_BLK_T_WRITE_ZEROES, 1);

	r->sector = 0;
	r->num_sectors = 0xffffffff; /* more than max_write_zeroes_sectors, and the disk */
}

static void b_avail_far_ahead(void)
{
	/* The driver claims 1000 new chains on a ring of 16 (2.7.6). */
	build_read(0);
	avail->ring[0] = 0;
	avail_idx += 1000;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	avail->idx = avail_idx;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	notify();
}

static void b_head_out_of_range(void)
{
	build_read(0);
	avail->ring[avail_idx % qsz] = 9999; /* no such descriptor */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	avail->idx = ++avail_idx;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	notify();
}

static const struct req_attack req_attacks[] = {
	{ "desc_loop_self", b_loop_self },
	{ "desc_loop_two", b_loop_two },
	{ "desc_next_out_of_range", b_next_out_of_range },
	{ "addr_outside_ram_mmio", b_addr_mmio },
	{ "addr_outside_ram_1tib", b_addr_1tib },
	{ "addr_len_overflow_data", b_addr_wrap },
	{ "addr_len_overflow_header", b_hdr_wrap },
	{ "huge_length", b_huge_len },
	{ "huge_chain_total", b_huge_sum },
	{ "zero_length_data", b_zero_data },
	{ "zero_length_all", b_zero_all },
	{ "zero_length_status", b_zero_status },
	{ "flags_in_data_readonly", b_in_data_readonly },
	{ "flags_out_data_writable", b_out_data_writable },
	{ "flags_header_writable", b_hdr_writable },
	{ "flags_readable_after_writable", b_status_readonly },
	{ "sector_beyond_capacity", b_sector_beyond },
	{ "unknown_request_type", b_unknown_type },
	{ "indirect_len_not_16x", b_ind_len },
	{ "indirect_nested", b_ind_nested },
	{ "indirect_loop", b_ind_loop },
	{ "indirect_with_next", b_ind_next },
	{ "indirect_outside_ram", b_ind_outside },
	{ "indirect_huge_table", b_ind_huge },
	{ "indirect_not_negotiated", b_ind_not_negotiated, .no_indirect = true },
	{ "discard_range_wraps", b_discard_wraps },
	{ "write_zeroes_unknown_flags", b_wz_bad_flags },
	{ "discard_with_unmap_flag", b_discard_unmap },
	{ "discard_too_many_ranges", b_discard_many },
	{ "discard_len_not_16x", b_discard_len },
	{ "write_zeroes_huge_count", b_wz_huge },
	{ "avail_idx_far_ahead", b_avail_far_ahead, .raw_ring = true },
	{ "avail_head_out_of_range", b_head_out_of_range, .raw_ring = true },
};

static void run_req_attack(const struct req_attack *a)
{
	struct setup s = good_setup();
	char out[160];
	uint32_t len = 0;
	enum answer ans;
	bool refused = false;
	int st;

	if (a->no_indirect)
		s.features &= ~(1ull << VIRTIO_RING_F_INDIRECT_DESC);
	st = dev_setup(&s);
	if (st < 0 || !(st & VIRTIO_CONFIG_S_DRIVER_OK)) {
		report(a->name, false, "could not set the device up for the attack");
		return;
	}
	status_at = &pg[PG_HDR].va[STATUS_OFF];
	memset(pg[PG_DATA].va, 0x5a, SECTOR);
	a->build();
	if (!a->raw_ring)
		submit(0);
	ans = wait_answer(&len);
	if (ans == ANS_TIMEOUT) {
		snprintf(out, sizeof(out), "no answer in %d ms", TIMEOUT_MS);
	} else if (ans == ANS_NEEDS_RESET) {
		snprintf(out, sizeof(out), "DEVICE_NEEDS_RESET");
		refused = true;
	} else {
		uint8_t sb = *status_at;

		refused = len == 0 || sb == VIRTIO_BLK_S_IOERR || sb == VIRTIO_BLK_S_UNSUPP;
		snprintf(out, sizeof(out), "used len %u, status %s", len,
			 sb == VIRTIO_BLK_S_IOERR ? "IOERR" : sb == VIRTIO_BLK_S_UNSUPP ? "UNSUPP"
			 : sb == VIRTIO_BLK_S_OK ? "OK" : sb == STATUS_UNSET ? "not written" : "junk");
	}
	report(a->name, refused, out);
}

/* --- transport attacks: set-up rules and registers --- */

/* A set-up the device must refuse with DEVICE_NEEDS_RESET at DRIVER_OK. */
static void setup_attack(const char *name, const struct setup *s)
{
	char out[96];
	int st = dev_setup(s);
	bool refused = st >= 0 && (st & VIRTIO_CONFIG_S_NEEDS_RESET);

	if (st < 0)
		snprintf(out, sizeof(out), "reset never completed");
	else
		snprintf(out, sizeof(out), "status 0x%02x%s", st,
			 refused ? " DEVICE_NEEDS_RESET" : " (queue accepted)");
	report(name, refused, out);
}

static void queue_attacks(void)
{
	struct setup s;

	s = good_setup();
	s.qsize = 100; /* 2.7: always a power of 2 */
	setup_attack("queue_size_not_pow2", &s);
	s = good_setup();
	s.qsize = 512; /* more than the 256 the device offered */
	setup_attack("queue_size_too_big_512", &s);
	s = good_setup();
	s.qsize = 65535;
	setup_attack("queue_size_too_big_65535", &s);
	s = good_setup();
	s.qsize = 0;
	setup_attack("queue_size_zero", &s);
	s = good_setup();
	s.desc = GPA_MMIO;
	setup_attack("queue_desc_outside_ram", &s);
	s = good_setup();
	s.avail = GPA_1TIB;
	setup_attack("queue_avail_outside_ram", &s);
	s = good_setup();
	s.used = ~0ull - 63; /* used ring wraps past 2^64 */
	setup_attack("queue_used_wraps_2_64", &s);
	s = good_setup();
	s.desc += 8; /* descriptors must be 16-byte aligned */
	setup_attack("queue_desc_misaligned", &s);
	s = good_setup();
	s.no_enable = true;
	setup_attack("driver_ok_queue_not_enabled", &s);
}

/* Feature bits the device never offered: FEATURES_OK must not stick (3.1.1). */
static void feature_attack(const char *name, uint64_t features)
{
	struct setup s = good_setup();
	char out[96];
	int st;
	bool refused;

	s.features = features;
	s.features_only = true;
	st = dev_setup(&s);
	refused = st >= 0 && !(st & VIRTIO_CONFIG_S_FEATURES_OK);
	/* Going on to DRIVER_OK without FEATURES_OK must not make the device live. */
	if (refused) {
		w8(VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
					     VIRTIO_CONFIG_S_DRIVER_OK);
		st = dev_status();
		refused = st & VIRTIO_CONFIG_S_NEEDS_RESET;
	}
	snprintf(out, sizeof(out), "FEATURES_OK %s, then DRIVER_OK: status 0x%02x",
		 refused ? "refused" : "stuck", st);
	report(name, refused, out);
}

static void feature_attacks(void)
{
	uint32_t offered[2];

	for (int i = 0; i < 2; i++) {
		w32(VIRTIO_PCI_COMMON_DFSELECT, i);
		offered[i] = r32(VIRTIO_PCI_COMMON_DF);
	}
	feature_attack("features_all_ones", ~0ull);
	feature_attack("features_ring_packed", 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_RING_PACKED);
	feature_attack("features_bit_63", 1ull << VIRTIO_F_VERSION_1 | 1ull << 63);
	feature_attack("features_unoffered_low",
		       1ull << VIRTIO_F_VERSION_1 | (~(uint64_t)offered[0] & 0xffffffffull));
	feature_attack("features_without_version_1", 1ull << VIRTIO_BLK_F_FLUSH);
}

/*
 * Writes to registers the driver may only read, and to queue registers frozen
 * while the device is live: every one must read back unchanged, and the device
 * must keep serving without a reset.
 */
static void readonly_attack(void)
{
	char out[160] = "", why[96];
	uint32_t df0, df1, gf0, ncap;
	uint16_t numq, qsize, noff;
	uint64_t qdesc;
	uint8_t gen;
	int bad = 0;

	if (!dev_up_good()) {
		report("readonly_registers", false, "could not set the device up");
		return;
	}
	w32(VIRTIO_PCI_COMMON_DFSELECT, 0);
	df0 = r32(VIRTIO_PCI_COMMON_DF);
	w32(VIRTIO_PCI_COMMON_DFSELECT, 1);
	df1 = r32(VIRTIO_PCI_COMMON_DF);
	w32(VIRTIO_PCI_COMMON_GFSELECT, 0);
	gf0 = r32(VIRTIO_PCI_COMMON_GF);
	numq = r16(VIRTIO_PCI_COMMON_NUMQ);
	gen = r8(VIRTIO_PCI_COMMON_CFGGENERATION);
	qsize = r16(VIRTIO_PCI_COMMON_Q_SIZE);
	noff = r16(VIRTIO_PCI_COMMON_Q_NOFF);
	qdesc = r32(VIRTIO_PCI_COMMON_Q_DESCLO) | (uint64_t)r32(VIRTIO_PCI_COMMON_Q_DESCHI) << 32;
	ncap = r32(BAR_DEVICE); /* capacity, low half */

	/* The read-only fields, at their own width and at others. */
	w32(VIRTIO_PCI_COMMON_DFSELECT, 0);
	w32(VIRTIO_PCI_COMMON_DF, 0xffffffff);
	w32(VIRTIO_PCI_COMMON_DFSELECT, 1);
	w32(VIRTIO_PCI_COMMON_DF, 0xffffffff);
	w16(VIRTIO_PCI_COMMON_NUMQ, 0xffff);
	w32(VIRTIO_PCI_COMMON_MSIX, 0xffffffff); /* msix_config and num_queues in one dword */
	w8(VIRTIO_PCI_COMMON_CFGGENERATION, 0xff);
	w16(VIRTIO_PCI_COMMON_Q_NOFF, 0x55);
	w8(BAR_ISR, 0xff);
	w32(BAR_DEVICE, 0xffffffff);
	w32(BAR_DEVICE + 4, 0xffffffff);
	w32(BAR_MSIX_PBA, 0xffffffff);
	/* Features and queue registers after FEATURES_OK / DRIVER_OK are frozen. */
	w32(VIRTIO_PCI_COMMON_GFSELECT, 0);
	w32(VIRTIO_PCI_COMMON_GF, 0xffffffff);
	w16(VIRTIO_PCI_COMMON_Q_SIZE, 3);
	w64(VIRTIO_PCI_COMMON_Q_DESCLO, GPA_MMIO);
	w16(VIRTIO_PCI_COMMON_Q_ENABLE, 0);
	/* Odd accesses: misaligned, across registers, 8 bytes wide. */
	w32(VIRTIO_PCI_COMMON_STATUS - 1, 0xffffffff);
	w16(VIRTIO_PCI_COMMON_Q_SELECT + 1, 0xffff);
	*(volatile uint64_t *)(bar + VIRTIO_PCI_COMMON_Q_DESCLO) = GPA_MMIO;
	(void)*(volatile uint64_t *)(bar + VIRTIO_PCI_COMMON_DF);
	/* A queue that does not exist: its registers read as zero and take nothing. */
	w16(VIRTIO_PCI_COMMON_Q_SELECT, 7);
	w16(VIRTIO_PCI_COMMON_Q_SIZE, 16);
	w16(VIRTIO_PCI_COMMON_Q_ENABLE, 1);
	if (r16(VIRTIO_PCI_COMMON_Q_SIZE) != 0)
		bad++, strcat(out, " queue7_size");
	w16(VIRTIO_PCI_COMMON_Q_SELECT, 0);

#define SAME(expr, was, label) do { if ((expr) != (was)) { bad++; strcat(out, " " label); } } while (0)
	w32(VIRTIO_PCI_COMMON_DFSELECT, 0);
	SAME(r32(VIRTIO_PCI_COMMON_DF), df0, "device_feature0");
	w32(VIRTIO_PCI_COMMON_DFSELECT, 1);
	SAME(r32(VIRTIO_PCI_COMMON_DF), df1, "device_feature1");
	w32(VIRTIO_PCI_COMMON_GFSELECT, 0);
	SAME(r32(VIRTIO_PCI_COMMON_GF), gf0, "driver_feature");
	SAME(r16(VIRTIO_PCI_COMMON_NUMQ), numq, "num_queues");
	SAME(r8(VIRTIO_PCI_COMMON_CFGGENERATION), gen, "config_generation");
	SAME(r16(VIRTIO_PCI_COMMON_Q_SIZE), qsize, "queue_size");
	SAME(r16(VIRTIO_PCI_COMMON_Q_NOFF), noff, "queue_notify_off");
	SAME(r32(VIRTIO_PCI_COMMON_Q_DESCLO) | (uint64_t)r32(VIRTIO_PCI_COMMON_Q_DESCHI) << 32,
	     qdesc, "queue_desc");
	SAME(r32(BAR_DEVICE), ncap, "capacity");
	SAME(r16(VIRTIO_PCI_COMMON_Q_ENABLE), 1, "queue_enable");
#undef SAME
	/* The device is still live and serves a read without a reset. */
	if (!good_read(why, sizeof(why))) {
		bad++;
		strcat(out, " live read failed");
	}
	if (bad)
		report("readonly_registers", false, out);
	else
		report("readonly_registers", true, "every write ignored, device kept serving");
}

/*
 * MSI-X table entries pointing at nonsense (an address outside the APIC
 * window, an APIC ID no vCPU has, vector numbers below 16 with no APIC, junk
 * in reserved bits), entries past the table, then MSI-X enabled and a request
 * whose completion fires the junk vector. We poll; the guest must not notice.
 */
static void msix_attack(void)
{
	unsigned int cap = find_cap(0x11); /* PCI_CAP_ID_MSIX */
	uint16_t ctrl;
	uint32_t len = 0, pba;
	enum answer a1, a2;
	struct setup s;
	char out[160];
	uint8_t s1;
	bool ok;
	int st;

	if (!cap) {
		report("msix_junk_table", false, "no MSI-X capability");
		return;
	}
	ctrl = cfg_r16(cap + 2);
	/* Vector 0: physical destination APIC 0xdb (none), an address outside 0xfee00000. */
	w32(BAR_MSIX_TABLE + 0, 0xdeadb000);
	w32(BAR_MSIX_TABLE + 4, 0);
	w32(BAR_MSIX_TABLE + 8, 0x00000079);
	w32(BAR_MSIX_TABLE + 12, 0xfffffffe); /* unmask, reserved bits set */
	/* Vector 1: junk in the high address, which KVM's x2APIC format may refuse. */
	w32(BAR_MSIX_TABLE + 16, 0xfeedfacc);
	w32(BAR_MSIX_TABLE + 20, 0xffffffff);
	w32(BAR_MSIX_TABLE + 24, 0x000000ef);
	w32(BAR_MSIX_TABLE + 28, 0);
	/* Past the table (2 vectors), the PBA, odd widths: all ignored. */
	for (uint32_t off = 32; off < 0x1000; off += 4)
		w32(BAR_MSIX_TABLE + off, 0xffffffff);
	w32(BAR_MSIX_PBA, 0xffffffff);
	w16(BAR_MSIX_TABLE + 2, 0xffff);
	w8(BAR_MSIX_TABLE + 9, 0xff);

	s = good_setup();
	s.qvec = 0; /* completions fire the junk vector 0 */
	st = dev_setup(&s);
	if (st < 0 || !(st & VIRTIO_CONFIG_S_DRIVER_OK)) {
		report("msix_junk_table", false, "could not set the device up");
		return;
	}
	/* The configuration vector names the other junk entry. */
	w16(VIRTIO_PCI_COMMON_MSIX, 1);
	cfg_w16(cap + 2, (ctrl | 0x8000) & ~0x4000); /* MSI-X enable, no function mask */
	memset(pg[PG_DATA].va, 0x5a, SECTOR);
	build_read(0);
	submit(0);
	a1 = wait_answer(&len);
	s1 = pg[PG_HDR].va[STATUS_OFF];
	/* Ring damage: DEVICE_NEEDS_RESET fires the configuration vector, junk too. */
	b_head_out_of_range();
	a2 = wait_answer(&len);
	ok = a1 == ANS_USED && s1 == VIRTIO_BLK_S_OK && a2 == ANS_NEEDS_RESET;
	pba = r32(BAR_MSIX_PBA);
	snprintf(out, sizeof(out), "junk vectors enabled: read %s (status %u), ring damage %s, PBA 0x%x",
		 a1 == ANS_USED ? "served" : a1 == ANS_TIMEOUT ? "timed out" : "NEEDS_RESET", s1,
		 a2 == ANS_NEEDS_RESET ? "DEVICE_NEEDS_RESET" : "not flagged", pba);
	/* A reset with MSI-X still on: the configuration vector goes back to NO_VECTOR. */
	dev_reset();
	ok = ok && r16(VIRTIO_PCI_COMMON_MSIX) == VIRTIO_MSI_NO_VECTOR;
	cfg_w16(cap + 2, ctrl & ~0x8000);
	report("msix_junk_table", ok, out);
}

/*
 * DRIVER_OK cleared and set again without a reset (a driver MUST NOT clear a
 * status bit, 2.1.1). A device may ignore it or ask for a reset, but it must
 * not start the queue over: that would consume chains the driver already got
 * back. Then, if asked, many toggles while the device thread is woken, to
 * shake out races.
 */
static void driver_ok_toggle(void)
{
	const uint8_t up = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
			   VIRTIO_CONFIG_S_FEATURES_OK;
	char out[192], why[96];
	uint8_t *sb = &pg[PG_HDR].va[STATUS_OFF];
	/*
	 * The loop crashes minivmm today (see t_attack.sh), so it only runs when
	 * asked: ATTACK_RACE_TOGGLES=N.
	 */
	int toggles = getenv("ATTACK_RACE_TOGGLES") ? atoi(getenv("ATTACK_RACE_TOGGLES")) : 0;
	bool replayed, flagged, ok;
	uint64_t t0;
	int st;

	if (!dev_up_good() || !good_read(why, sizeof(why))) {
		report("driver_ok_toggle", false, "could not set the device up");
		return;
	}
	*sb = STATUS_UNSET; /* the chain is ours again: the device must not write it */
	w8(VIRTIO_PCI_COMMON_STATUS, up);
	w8(VIRTIO_PCI_COMMON_STATUS, up | VIRTIO_CONFIG_S_DRIVER_OK);
	t0 = now_ms();
	while (*sb == STATUS_UNSET && now_ms() - t0 < 200)
		usleep(1000);
	replayed = *sb != STATUS_UNSET;
	st = dev_status();
	flagged = st & VIRTIO_CONFIG_S_NEEDS_RESET;
	for (int i = 0; i < toggles; i++) {
		w8(VIRTIO_PCI_COMMON_STATUS, up);
		w8(VIRTIO_PCI_COMMON_STATUS, up | VIRTIO_CONFIG_S_DRIVER_OK);
		w16(BAR_NOTIFY, 0);
	}
	ok = !replayed;
	snprintf(out, sizeof(out), "status 0x%02x after the toggle%s; %s; %d more toggles survived",
		 st, flagged ? " (DEVICE_NEEDS_RESET)" : "",
		 replayed ? "the device re-ran a chain it had already returned (queue restarted at 0)"
			  : "no returned chain was touched", toggles);
	report("driver_ok_toggle", ok, out);
}

/*
 * A reset while reads are in flight: once device_status reads 0, nothing may
 * be written into the buffers any more (the device finished or dropped them).
 */
static void reset_during_io(void)
{
	char out[128];
	bool clean = true;
	int n = QSZ / 3;

	if (!dev_up_good()) {
		report("reset_during_io", false, "could not set the device up");
		return;
	}
	set_hdr(VIRTIO_BLK_T_IN, 0);
	for (int k = 0; k < n; k++) {
		set_desc(3 * k, hdr_pa(), 16, VRING_DESC_F_NEXT, 3 * k + 1);
		set_desc(3 * k + 1, pg[PG_DATA].pa, PAGE, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
			 3 * k + 2);
		set_desc(3 * k + 2, status_pa(), 1, VRING_DESC_F_WRITE, 0);
		avail->ring[k] = 3 * k;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	avail->idx = avail_idx = n;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	notify();
	if (!dev_reset()) {
		report("reset_during_io", false, "reset never completed");
		return;
	}
	memset(pg[PG_DATA].va, 0x77, PAGE);
	pg[PG_HDR].va[STATUS_OFF] = STATUS_UNSET;
	usleep(200 * 1000);
	for (size_t i = 0; i < PAGE; i++)
		clean &= pg[PG_DATA].va[i] == 0x77;
	clean &= pg[PG_HDR].va[STATUS_OFF] == STATUS_UNSET;
	snprintf(out, sizeof(out), "%d reads in flight, %u completed before the reset; %s", n,
		 used->idx, clean ? "no write after reset" : "BUFFERS WRITTEN AFTER RESET");
	report("reset_during_io", clean, out);
}

/*
 * Thousands of doorbells: at the ioeventfd width (2 bytes, kept in the
 * kernel), at widths that exit to minivmm, and for queues that do not exist,
 * before DRIVER_OK and on a live queue with nothing new in it.
 */
static void doorbell_storm(void)
{
	uint64_t t0 = now_ms();
	char out[192], why[96];
	bool ok;
	int n = 0;

	dev_reset();
	for (int i = 0; i < 2000; i++, n++)
		w16(BAR_NOTIFY, 0); /* before the device is live */
	if (!dev_up_good()) {
		report("doorbell_storm", false, "could not set the device up");
		return;
	}
	for (int i = 0; i < 20000; i++, n++)
		w16(BAR_NOTIFY, i);
	for (int i = 0; i < 2000; i++, n++)
		w32(BAR_NOTIFY, 0xffffffff); /* not the ioeventfd's width: exits to minivmm */
	for (int i = 0; i < 2000; i++, n++)
		w8(BAR_NOTIFY + 4 * (1 + i % 1000), 1); /* queues 1..1000 do not exist */
	ok = good_read(why, sizeof(why));
	snprintf(out, sizeof(out), "%d doorbells in %llu ms, live read afterwards %s", n,
		 (unsigned long long)(now_ms() - t0), ok ? "ok" : why);
	report("doorbell_storm", ok, out);
}

int main(int argc, char **argv)
{
	char why[128] = "";

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: virtio-attack BDF [EXPECT]  (e.g. 0000:00:02.0)\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(bdf, sizeof(bdf), "%s", argv[1]);
	expect = argc == 3 ? argv[2] : NULL;
	grab_device();
	alloc_pages();
	if (!dev_up_good() || !good_read(why, sizeof(why)))
		die("the device does not work before any attack: %s (status 0x%02x)", why,
		    dev_status());
	printf("virtio-attack: %s taken from Linux, queue size %u, sector 0 read\n", bdf, QSZ);
	for (size_t i = 0; i < sizeof(req_attacks) / sizeof(req_attacks[0]); i++)
		run_req_attack(&req_attacks[i]);
	queue_attacks();
	feature_attacks();
	readonly_attack();
	msix_attack();
	reset_during_io();
	driver_ok_toggle();
	doorbell_storm();
	printf("virtio-attack: %d failure(s)\n", failures);
	dev_reset();
	return failures ? 1 : 0;
}

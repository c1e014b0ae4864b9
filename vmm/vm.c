/* VM life: guest RAM, KVM objects, devices and vCPUs, created in this visible order. */
#include "vmm/vm.h"
#include "boot/acpi_tables.h"
#include "boot/bzimage.h"
#include "boot/elf.h"
#include "boot/layout.h"
#include "boot/linux.h"
#include "boot/pvh.h"
#include "boot/zeropage.h"
#include "vmm/kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_KERNEL_SIZE (256ull << 20)

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << 26) /* log2(2 MiB) << MAP_HUGE_SHIFT; glibc hides it in <linux/mman.h> */
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

/*
 * Maps a whole regular file read-only, refusing anything else by name, and
 * keeps it open in *fd for pread. A mapping, not a read into the heap: the
 * parsers touch only the pages they look at, the loaders copy each byte once
 * into guest RAM, and nothing stays resident after munmap.
 */
static int map_file(const char *what, const char *path, uint64_t max, const uint8_t **buf,
		    size_t *size, int *fdp, char *err, size_t errlen)
{
	struct stat st;
	void *p;
	int fd, r = 0;

	/* O_NONBLOCK: a FIFO must be refused below, not block open() forever. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENXIO) { /* a socket */
		snprintf(err, errlen, "%s '%s' is not a regular file", what, path);
		return -EINVAL;
	}
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot open %s '%s': %s", what, path, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s '%s' is not a regular file", what, path);
		r = -EINVAL;
	} else if ((uint64_t)st.st_size > max) {
		snprintf(err, errlen, "%s '%s' is too large (%lld bytes)", what, path,
			 (long long)st.st_size);
		r = -EFBIG;
	} else if (st.st_size == 0) {
		snprintf(err, errlen, "%s '%s' is empty", what, path);
		r = -EINVAL;
	} else {
		p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			r = -errno;
			snprintf(err, errlen, "cannot map %s '%s': %s", what, path, strerror(errno));
		} else {
			*buf = p;
			*size = st.st_size;
			*fdp = fd;
			return 0;
		}
	}
	close(fd);
	return r;
}

/* Opens the initrd and reports its size; the bytes go straight to guest RAM later. */
static int open_initrd(const char *path, uint64_t *size, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not block */

	if (fd < 0 && errno != ENXIO) { /* ENXIO: a socket, refused below */
		snprintf(err, errlen, "cannot open initrd '%s': %s", path, strerror(errno));
		return -errno;
	}
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		snprintf(err, errlen, "initrd '%s' is not a non-empty regular file", path);
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	*size = st.st_size;
	return fd;
}

/* Reads len bytes at off into dst, across short reads and EINTR; a file that ends early is -EIO. */
static int pread_full(int fd, void *dst, uint64_t len, uint64_t off)
{
	uint64_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (uint8_t *)dst + got, len - got, off + got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		got += n;
	}
	return 0;
}

/* "N free of M" for the host's 2 MiB huge page pool, for --hugepages errors. */
static void hugepage_pool(char *buf, size_t len)
{
	const char *dir = "/sys/kernel/mm/hugepages/hugepages-2048kB";
	unsigned long free_pages = 0, total = 0;
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/free_hugepages", dir);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%lu", &free_pages) != 1)
			free_pages = 0;
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/nr_hugepages", dir);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%lu", &total) != 1)
			total = 0;
		fclose(f);
	}
	snprintf(buf, len, "%lu free of %lu", free_pages, total);
}

/* --prefault: every page of guest RAM allocated now, not on the guest's first touch. */
static int prefault_ram(struct vm *vm, char *err, size_t errlen)
{
	size_t step = vm->cfg->hugepages ? (2u << 20) : 4096;

	if (madvise(vm->ram, vm->ram_size, MADV_POPULATE_WRITE) == 0)
		return 0;
	if (errno != EINVAL) {
		snprintf(err, errlen, "--prefault: cannot allocate %llu MiB of guest memory: %s",
			 (unsigned long long)(vm->ram_size >> 20), strerror(errno));
		return -ENOMEM;
	}
	/* Before Linux 5.14 (no MADV_POPULATE_WRITE): one write per page does the same. */
	for (uint64_t off = 0; off < vm->ram_size; off += step)
		((volatile uint8_t *)vm->ram)[off] = 0;
	return 0;
}

static int map_ram(struct vm *vm, char *err, size_t errlen)
{
	uint64_t low = vm->ram_size < MEM_32BIT_GAP_START ? vm->ram_size : MEM_32BIT_GAP_START;
	/*
	 * NORESERVE: the guest's RAM is faulted in only as it touches it. Huge
	 * pages are the exception: without the reservation a fault on an empty
	 * pool would be a SIGBUS mid-run, so mmap reserves them (without
	 * touching them) and fails now, with a clear message, if the pool is short.
	 */
	int flags = MAP_PRIVATE | MAP_ANONYMOUS |
		    (vm->cfg->hugepages ? MAP_HUGETLB | MAP_HUGE_2MB : MAP_NORESERVE);

	/*
	 * Huge TLB mappings come aligned to their page size. Plain memory is
	 * aligned here, or KVM would map all of it 4 KiB at a time even where
	 * the host gives it transparent huge pages (see GMEM_RAM_ALIGN): one
	 * nested page fault per page the guest touches first, costly under
	 * nested virtualization.
	 */
	if (vm->cfg->hugepages)
		vm->ram = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE, flags, -1, 0);
	else
		vm->ram = gmem_map_ram(vm->ram_size, flags);
	if (vm->ram == MAP_FAILED) {
		int e = errno;

		vm->ram = NULL;
		if (vm->cfg->hugepages) {
			char pool[64];

			hugepage_pool(pool, sizeof(pool));
			snprintf(err, errlen,
				 "--hugepages: cannot reserve %llu 2 MiB huge pages (%s); the host has %s "
				 "(raise /proc/sys/vm/nr_hugepages)",
				 (unsigned long long)(vm->ram_size >> 21), strerror(e), pool);
		} else {
			snprintf(err, errlen, "cannot map %llu MiB of guest memory: %s",
				 (unsigned long long)(vm->ram_size >> 20), strerror(e));
		}
		return -ENOMEM;
	}
	if (vm->cfg->prefault && prefault_ram(vm, err, errlen) < 0)
		return -ENOMEM;
	gmem_add_slot(&vm->mem, 0, low, vm->ram);
	if (vm->ram_size > low)
		gmem_add_slot(&vm->mem, MEM_4G, vm->ram_size - low, vm->ram + low);
	return 0;
}

static int build_acpi(struct vm *vm, uint64_t *rsdp, char *err, size_t errlen);

/* The kernel, checked: a bzImage (64-bit entry) or an ELF vmlinux (PVH entry). */
struct kernel_image {
	const uint8_t *data; /* the file, mapped */
	size_t size;
	int fd;              /* the same file, for pread */
	bool pvh;
	struct elf_kernel elf;
	struct bzimage bz;
};

/* Everything about the kernel is checked before any guest memory is mapped. */
static int parse_kernel(struct vm *vm, struct kernel_image *ki, char *err, size_t errlen)
{
	char why[200];
	int r;

	ki->pvh = elf_is_elf(ki->data, ki->size);
	if (ki->pvh)
		r = elf_parse_pvh(ki->data, ki->size, BOOT_KERNEL_ADDR,
				  boot_low_ram_top(vm->ram_size), &ki->elf, why, sizeof(why));
	else
		r = bzimage_parse(ki->data, ki->size, &ki->bz, why, sizeof(why));
	if (r < 0)
		snprintf(err, errlen, "kernel '%s': %s", vm->cfg->kernel, why);
	return r;
}

/*
 * PVH segments are read from the file straight into guest RAM: through the
 * mapping they would add the whole file to minivmm's peak RSS as well.
 */
static int pread_segment(void *ctx, void *dst, uint64_t off, uint64_t len)
{
	const struct kernel_image *ki = ctx;

	return pread_full(ki->fd, dst, len, off);
}

static int load_kernel(struct vm *vm, struct kernel_image *ki, uint64_t initrd_size,
		       uint64_t *initrd_addr, uint64_t rsdp, char *err, size_t errlen)
{
	int r;

	if (ki->pvh) {
		struct boot_pvh_args a = { .image = ki->data, .copy = pread_segment, .copy_ctx = ki,
					   .kernel = &ki->elf, .initrd_size = initrd_size,
					   .cmdline = vm->cfg->cmdline, .rsdp_addr = rsdp };

		vm->boot_pvh = true;
		vm->pvh_entry = ki->elf.pvh_entry;
		r = boot_pvh_load(&vm->mem, &a, err, errlen);
		*initrd_addr = a.initrd_addr;
	} else {
		struct boot_linux_args a = { .kernel = &ki->bz, .initrd_size = initrd_size,
					     .cmdline = vm->cfg->cmdline, .rsdp_addr = rsdp };

		r = boot_linux_load(&vm->mem, &a, err, errlen);
		*initrd_addr = a.initrd_addr;
	}
	return r;
}

int vm_prepare_memory(struct vm *vm, const struct config *cfg, char *err, size_t errlen)
{
	struct kernel_image ki;
	uint64_t initrd_size = 0, initrd_addr = 0, rsdp = 0;
	int initrd_fd = -1;
	int r;

	vm->cfg = cfg;
	vm->ncpus = cfg->cpus;
	vm->ram_size = cfg->memory;
	vm->kvm_fd = vm->vm_fd = vm->stop_fd = -1;

	memset(&ki, 0, sizeof(ki));
	r = map_file("kernel", cfg->kernel, MAX_KERNEL_SIZE, &ki.data, &ki.size, &ki.fd, err, errlen);
	if (r < 0)
		return r;
	r = parse_kernel(vm, &ki, err, errlen);
	if (r < 0)
		goto out;
	if (cfg->initrd) {
		initrd_fd = open_initrd(cfg->initrd, &initrd_size, err, errlen);
		if (initrd_fd < 0) {
			r = initrd_fd;
			goto out;
		}
	}
	r = map_ram(vm, err, errlen);
	if (r < 0)
		goto out;
	r = build_acpi(vm, &rsdp, err, errlen);
	if (r < 0)
		goto out;
	r = load_kernel(vm, &ki, initrd_size, &initrd_addr, rsdp, err, errlen);
	if (r < 0)
		goto out;
	if (initrd_fd >= 0) {
		r = pread_full(initrd_fd, gmem_ptr(&vm->mem, initrd_addr, initrd_size), initrd_size, 0);
		if (r < 0)
			snprintf(err, errlen, "cannot read initrd '%s': %s", cfg->initrd, strerror(-r));
	}
out:
	if (initrd_fd >= 0)
		close(initrd_fd);
	munmap((void *)ki.data, ki.size);
	close(ki.fd);
	return r;
}

static void uart_set_irq(void *ctx, bool level)
{
	struct vm *vm = ctx;
	struct kvm_irq_level irq = { .irq = UART_COM1_IRQ, .level = level };

	ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq);
}

static void uart_tx(void *ctx, uint8_t byte)
{
	(void)ctx;
	while (write(STDOUT_FILENO, &byte, 1) < 0 && (errno == EINTR || errno == EAGAIN))
		;
}

static void platform_stop(void *ctx, int status)
{
	vm_request_stop(ctx, status);
}

/*
 * The same file (or block device) under two names would be two disks caching
 * and writing the same blocks behind each other's back: refused, read-only or
 * not. Other processes are kept off by blkfile_open's lock.
 */
static int check_disk_unique(const struct config *cfg, unsigned int i, char *err, size_t errlen)
{
	struct stat a, b;

	if (stat(cfg->disks[i].path, &a) < 0)
		return 0; /* blkfile_open names the problem */
	for (unsigned int j = 0; j < i; j++) {
		if (stat(cfg->disks[j].path, &b) < 0)
			continue;
		if ((S_ISBLK(a.st_mode) && S_ISBLK(b.st_mode) && a.st_rdev == b.st_rdev) ||
		    (a.st_dev == b.st_dev && a.st_ino == b.st_ino)) {
			snprintf(err, errlen, "--disk '%s' is the same file as --disk '%s'",
				 cfg->disks[i].path, cfg->disks[j].path);
			return -EINVAL;
		}
	}
	return 0;
}

int vm_create(struct vm *vm, char *err, size_t errlen)
{
	int r;

	vm->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->stop_fd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -errno;
	}
	r = kvm_open(vm, err, errlen);
	if (r < 0)
		return r;
	r = kvm_create_vm(vm, err, errlen);
	if (r < 0)
		return r;

	iobus_init(&vm->pio, "pio", vm->cfg->debug);
	iobus_init(&vm->mmio, "mmio", vm->cfg->debug);
	uart_init(&vm->uart, uart_set_irq, uart_tx, vm);
	platform_init(&vm->platform, platform_stop, vm);
	r = iobus_register(&vm->pio, UART_COM1_BASE, 8, &uart_ops, &vm->uart);
	if (!r)
		r = platform_register(&vm->platform, &vm->pio);
	irq_router_init(&vm->irq, vm->vm_fd);
	if (!r)
		r = pci_bus_init(&vm->pci, &vm->pio, &vm->mmio, PCI_ECAM_BASE, PCI_MMIO_BASE,
				 PCI_MMIO_SIZE);
	if (r < 0) {
		snprintf(err, errlen, "registering platform devices: %s", strerror(-r));
		return r;
	}

	/* One PCI function per disk, in order: the guest names them vda, vdb, ... */
	for (unsigned int i = 0; i < vm->cfg->ndisks; i++) {
		struct vblk *b;

		r = check_disk_unique(vm->cfg, i, err, errlen);
		if (r < 0)
			return r;
		b = vblk_create(&vm->cfg->disks[i], &vm->mem, vm->vm_fd, &vm->irq, err, errlen);
		if (!b)
			return -EINVAL;
		vm->disks[vm->ndisks++] = b;
		r = pci_bus_add(&vm->pci, vblk_pci_dev(b));
		if (r < 0) {
			snprintf(err, errlen, "--disk '%s': no room on the PCI bus",
				 vm->cfg->disks[i].path);
			return r;
		}
	}

	vm->vcpus = calloc(vm->ncpus, sizeof(*vm->vcpus));
	if (!vm->vcpus) {
		snprintf(err, errlen, "out of memory for %u vCPUs", vm->ncpus);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		r = vcpu_create(&vm->vcpus[i], vm, i, err, errlen);
		if (r < 0)
			return r;
		vm->ncreated = i + 1;
	}
	return 0;
}

int vm_start(struct vm *vm, char *err, size_t errlen)
{
	int r = vcpu_init_signals();

	for (unsigned int i = 0; !r && i < vm->ndisks; i++)
		r = vblk_start(vm->disks[i]);
	for (unsigned int i = 0; !r && i < vm->ncpus; i++)
		r = vcpu_start(&vm->vcpus[i]);
	if (r < 0)
		snprintf(err, errlen, "starting vCPU threads: %s", strerror(-r));
	return r;
}

void vm_request_stop(struct vm *vm, int status)
{
	bool expected = false;
	uint64_t one = 1;

	if (!atomic_compare_exchange_strong(&vm->stopping, &expected, true))
		return;
	vm->stop_status = status;
	if (write(vm->stop_fd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow with one write; nothing to do. */
	}
}

void vm_fail(struct vm *vm, const char *fmt, ...)
{
	bool expected = false;
	uint64_t one = 1;
	va_list ap;

	if (!atomic_compare_exchange_strong(&vm->stopping, &expected, true))
		return;
	va_start(ap, fmt);
	vsnprintf(vm->fail_msg, sizeof(vm->fail_msg), fmt, ap);
	va_end(ap);
	vm->stop_status = STOP_VM_FAIL;
	if (write(vm->stop_fd, &one, sizeof(one)) < 0) {
	}
}

void vm_stop_vcpus(struct vm *vm)
{
	atomic_store(&vm->stopping, true);
	for (unsigned int i = 0; i < vm->ncreated; i++)
		vcpu_kick(&vm->vcpus[i]);
	for (unsigned int i = 0; i < vm->ncreated; i++)
		if (vm->vcpus[i].started)
			pthread_join(vm->vcpus[i].thread, NULL);
	/* Then the disks: what the guest submitted completes before minivmm exits. */
	for (unsigned int i = 0; i < vm->ndisks; i++)
		vblk_stop(vm->disks[i]);
}

void vm_print_vcpu_state(const struct vm *vm, FILE *out)
{
	for (unsigned int i = 0; i < vm->ncreated; i++) {
		struct kvm_regs regs;
		struct kvm_mp_state mp;

		if (ioctl(vm->vcpus[i].fd, KVM_GET_REGS, &regs) < 0)
			continue;
		if (ioctl(vm->vcpus[i].fd, KVM_GET_MP_STATE, &mp) < 0)
			mp.mp_state = ~0u;
		fprintf(out, "minivmm: debug: vcpu%u rip=0x%llx rsp=0x%llx rflags=0x%llx mp_state=%u\n", i,
			(unsigned long long)regs.rip, (unsigned long long)regs.rsp,
			(unsigned long long)regs.rflags, mp.mp_state);
	}
}

void vm_print_stats(const struct vm *vm, FILE *out)
{
	fprintf(out, "minivmm: stats: exits by reason (all vCPUs):");
	for (int s = 0; s < VCPU_STAT_COUNT; s++) {
		uint64_t sum = 0;

		for (unsigned int i = 0; i < vm->ncreated; i++)
			sum += vm->vcpus[i].stats[s];
		fprintf(out, " %s=%llu", vcpu_stat_names[s], (unsigned long long)sum);
	}
	fprintf(out, " unclaimed_pio=%llu unclaimed_mmio=%llu\n",
		(unsigned long long)vm->pio.unclaimed, (unsigned long long)vm->mmio.unclaimed);
	for (unsigned int i = 0; i < vm->ndisks; i++)
		vblk_print_stats(vm->disks[i], out);
}

void vm_destroy(struct vm *vm)
{
	/* After the vCPUs stopped: each disk finishes its in-flight I/O first. */
	for (unsigned int i = 0; i < vm->ndisks; i++)
		vblk_destroy(vm->disks[i]);
	for (unsigned int i = 0; i < vm->ncreated; i++)
		vcpu_destroy(&vm->vcpus[i]);
	free(vm->vcpus);
	free(vm->cpuid);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->stop_fd >= 0)
		close(vm->stop_fd);
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
}

static int build_acpi(struct vm *vm, uint64_t *rsdp, char *err, size_t errlen)
{
	struct acpit_config c = { .ncpus = vm->ncpus, .base = BOOT_ACPI_ADDR };
	uint8_t *dst = gmem_ptr(&vm->mem, BOOT_ACPI_ADDR, BOOT_ACPI_SIZE);
	int r = dst ? acpit_build(dst, BOOT_ACPI_SIZE, &c, rsdp) : -EFAULT;

	if (r < 0)
		snprintf(err, errlen, "building ACPI tables: %s", strerror(-r));
	return r < 0 ? r : 0;
}

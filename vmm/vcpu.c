/* vCPU set-up (CPUID, MSRs, LAPIC, registers) and the thread that runs KVM_RUN. */
#include "vmm/vcpu.h"
#include "boot/cpu_state.h"
#include "boot/layout.h"
#include "vmm/sandbox.h"
#include "vmm/trace.h"
#include "vmm/vm.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define VCPU_KICK_SIGNAL SIGUSR1

#define MSR_IA32_SYSENTER_CS  0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_MISC_ENABLE  0x1a0
#define MSR_MTRR_DEF_TYPE     0x2ff
#define MSR_STAR              0xc0000081
#define MSR_LSTAR             0xc0000082
#define MSR_CSTAR             0xc0000083
#define MSR_SYSCALL_MASK      0xc0000084
#define MSR_KERNEL_GS_BASE    0xc0000102

#define APIC_LVT0        0x350
#define APIC_LVT1        0x360
#define APIC_MODE_NMI    0x4
#define APIC_MODE_EXTINT 0x7

const char *const vcpu_stat_names[VCPU_STAT_COUNT] = {
	[VCPU_STAT_IO] = "io",
	[VCPU_STAT_MMIO] = "mmio",
	[VCPU_STAT_HLT] = "hlt",
	[VCPU_STAT_INTR] = "intr",
	[VCPU_STAT_SHUTDOWN] = "shutdown",
	[VCPU_STAT_SYSTEM_EVENT] = "system_event",
	[VCPU_STAT_OTHER] = "other",
};

static void kick_handler(int sig)
{
	(void)sig; /* only here to make KVM_RUN return -EINTR */
}

int vcpu_init_signals(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	sigemptyset(&sa.sa_mask);
	return sigaction(VCPU_KICK_SIGNAL, &sa, NULL) < 0 ? -errno : 0;
}

/* Per-vCPU CPUID: the topology leaves must carry this vCPU's APIC ID. */
static int set_cpuid(struct vcpu *v)
{
	const struct kvm_cpuid2 *sup = v->vm->cpuid;
	size_t sz = sizeof(*sup) + sup->nent * sizeof(sup->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);
	int r;

	if (!c)
		return -ENOMEM;
	memcpy(c, sup, sz);
	for (unsigned int i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			e->ebx = (e->ebx & 0x0000ffff) | (v->id << 24) | (v->vm->ncpus << 16);
			e->ecx |= 1u << 31; /* hypervisor present */
			break;
		case 0xb:
		case 0x1f:
			e->edx = v->id; /* x2APIC ID */
			break;
		}
	}
	r = ioctl(v->fd, KVM_SET_CPUID2, c) < 0 ? -errno : 0;
	free(c);
	return r;
}

static int set_msrs(struct vcpu *v)
{
	static const struct {
		uint32_t index;
		uint64_t value;
	} boot_msrs[] = {
		{ MSR_IA32_SYSENTER_CS, 0 }, { MSR_IA32_SYSENTER_ESP, 0 },
		{ MSR_IA32_SYSENTER_EIP, 0 }, { MSR_STAR, 0 }, { MSR_LSTAR, 0 }, { MSR_CSTAR, 0 },
		{ MSR_SYSCALL_MASK, 0 }, { MSR_KERNEL_GS_BASE, 0 },
		{ MSR_IA32_MISC_ENABLE, 1 },             /* fast strings */
		{ MSR_MTRR_DEF_TYPE, (1u << 11) | 6 },   /* MTRRs on, default write-back */
	};
	const unsigned int n = sizeof(boot_msrs) / sizeof(boot_msrs[0]);
	struct kvm_msrs *m = calloc(1, sizeof(*m) + n * sizeof(m->entries[0]));
	int r;

	if (!m)
		return -ENOMEM;
	m->nmsrs = n;
	for (unsigned int i = 0; i < n; i++)
		m->entries[i] = (struct kvm_msr_entry){ .index = boot_msrs[i].index,
							.data = boot_msrs[i].value };
	/* KVM_SET_MSRS stops at the first MSR it refuses; the rest are best effort. */
	r = ioctl(v->fd, KVM_SET_MSRS, m) < 0 ? -errno : 0;
	free(m);
	return r;
}

static uint32_t lvt_mode(uint32_t reg, uint32_t mode)
{
	return (reg & ~0x700u) | (mode << 8);
}

/* LINT0 takes the 8259's ExtINT, LINT1 the NMI, as a PC BIOS leaves them. */
static int set_lapic(struct vcpu *v)
{
	struct kvm_lapic_state l;
	uint32_t reg;

	if (ioctl(v->fd, KVM_GET_LAPIC, &l) < 0)
		return -errno;
	memcpy(&reg, l.regs + APIC_LVT0, 4);
	reg = lvt_mode(reg, APIC_MODE_EXTINT);
	memcpy(l.regs + APIC_LVT0, &reg, 4);
	memcpy(&reg, l.regs + APIC_LVT1, 4);
	reg = lvt_mode(reg, APIC_MODE_NMI);
	memcpy(l.regs + APIC_LVT1, &reg, 4);
	return ioctl(v->fd, KVM_SET_LAPIC, &l) < 0 ? -errno : 0;
}

static int set_boot_state(struct vcpu *v)
{
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	if (v->vm->boot_pvh) {
		boot_pvh_cpu_sregs(&sregs);
		boot_pvh_cpu_regs(&regs, v->vm->pvh_entry, BOOT_PVH_INFO_ADDR);
	} else {
		boot_cpu_sregs(&sregs);
		boot_cpu_regs(&regs);
	}
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(v->fd, KVM_SET_REGS, &regs) < 0 ||
	    ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
		return -errno;
	return 0;
}

int vcpu_create(struct vcpu *v, struct vm *vm, unsigned int id, char *err, size_t errlen)
{
	const char *step;
	int r;

	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->id = id;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0) {
		r = -errno;
		step = "KVM_CREATE_VCPU";
		goto fail;
	}
	v->run = mmap(NULL, vm->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		r = -errno;
		step = "mmap of kvm_run";
		goto fail;
	}
	step = "KVM_SET_CPUID2";
	r = set_cpuid(v);
	if (!r) {
		step = "KVM_SET_MSRS";
		r = set_msrs(v);
	}
	if (!r) {
		step = "KVM_SET_LAPIC";
		r = set_lapic(v);
	}
	if (!r) {
		step = "setting the boot registers";
		r = set_boot_state(v);
	}
	if (!r)
		return 0;
fail:
	snprintf(err, errlen, "vCPU %u: %s failed: %s", id, step, strerror(-r));
	return r;
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;

	/* String I/O (rep outsb) arrives as count accesses in one exit. */
	for (uint32_t i = 0; i < run->io.count; i++)
		iobus_access(&v->vm->pio, run->io.port, data + i * run->io.size, run->io.size, out);
}

static void handle_system_event(struct vcpu *v)
{
	switch (v->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_request_stop(v->vm, STOP_POWEROFF);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vm_request_stop(v->vm, STOP_RESET);
		break;
	default:
		vm_fail(v->vm, "vCPU %u: guest system event %u", v->id, v->run->system_event.type);
		break;
	}
}

static void trace_exit(struct vcpu *v)
{
	static _Atomic unsigned int traced;
	struct kvm_run *run = v->run;
	unsigned int n = traced++;

	if (n > TRACE_EXIT_LIMIT)
		return;
	if (n == TRACE_EXIT_LIMIT) {
		trace_printf("exit", "further exits are counted, not traced (see --stats)");
		return;
	}
	if (run->exit_reason == KVM_EXIT_IO)
		trace_printf("exit", "vcpu%u io %s port 0x%x size %u count %u", v->id,
			     run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port,
			     run->io.size, run->io.count);
	else if (run->exit_reason == KVM_EXIT_MMIO)
		trace_printf("exit", "vcpu%u mmio %s 0x%llx len %u", v->id,
			     run->mmio.is_write ? "write" : "read",
			     (unsigned long long)run->mmio.phys_addr, run->mmio.len);
	else
		trace_printf("exit", "vcpu%u reason %u", v->id, run->exit_reason);
}

/* One exit; returns false when this vCPU must stop. */
static bool handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	if (__builtin_expect(trace_mask & TRACE_EXIT, 0))
		trace_exit(v);

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		v->stats[VCPU_STAT_IO]++;
		handle_io(v);
		return true;
	case KVM_EXIT_MMIO:
		v->stats[VCPU_STAT_MMIO]++;
		iobus_access(&v->vm->mmio, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
			     run->mmio.is_write);
		return true;
	case KVM_EXIT_HLT:
		/* Only without an in-kernel LAPIC; ours has one, so a halt here means no wake-up. */
		v->stats[VCPU_STAT_HLT]++;
		vm_fail(v->vm, "vCPU %u halted with no way to wake it", v->id);
		return false;
	case KVM_EXIT_INTR:
		v->stats[VCPU_STAT_INTR]++;
		return true;
	case KVM_EXIT_SHUTDOWN:
		/* A triple fault: on a PC, the reset line. */
		v->stats[VCPU_STAT_SHUTDOWN]++;
		vm_request_stop(v->vm, STOP_RESET);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		v->stats[VCPU_STAT_SYSTEM_EVENT]++;
		handle_system_event(v);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		vm_fail(v->vm, "vCPU %u: KVM could not enter the guest (hardware reason 0x%llx)", v->id,
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		vm_fail(v->vm, "vCPU %u: KVM internal error, suberror %u", v->id,
			run->internal.suberror);
		return false;
	default:
		v->stats[VCPU_STAT_OTHER]++;
		vm_fail(v->vm, "vCPU %u: unhandled KVM exit reason %u", v->id, run->exit_reason);
		return false;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	char name[16];
	sigset_t set;

	snprintf(name, sizeof(name), "vcpu%u", v->id);
	pthread_setname_np(pthread_self(), name);
	sandbox_enter(SANDBOX_VCPU);
	sigemptyset(&set);
	sigaddset(&set, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	while (!atomic_load(&v->vm->stopping)) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				v->stats[VCPU_STAT_INTR]++;
				continue;
			}
			vm_fail(v->vm, "vCPU %u: KVM_RUN failed: %s", v->id, strerror(errno));
			break;
		}
		if (!handle_exit(v))
			break;
	}
	return NULL;
}

int vcpu_start(struct vcpu *v)
{
	pthread_attr_t attr;
	int r;

	/* A vCPU thread needs little stack: exits are handled in a few frames. */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	r = pthread_create(&v->thread, &attr, vcpu_thread, v);
	pthread_attr_destroy(&attr);
	if (r)
		return -r;
	v->started = true;
	return 0;
}

void vcpu_kick(struct vcpu *v)
{
	if (!v->started)
		return;
	/* immediate_exit closes the race with a thread that is about to enter KVM_RUN. */
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(v->thread, VCPU_KICK_SIGNAL);
}

void vcpu_destroy(struct vcpu *v)
{
	if (v->run)
		munmap(v->run, v->vm->vcpu_mmap_size);
	if (v->fd >= 0)
		close(v->fd);
}

/*
 * The syscall sandbox: a seccomp-bpf allow-list of what the main, vCPU and
 * disk I/O threads call once the VM is built (x86-64 only, like the rest of
 * minivmm). Anything else raises SIGSYS; the handler names the call and ends
 * the process. The list was taken from the code and from `strace -f` of
 * guest boots; glibc's choices (clone3, rseq, newfstatat, clock_nanosleep)
 * are listed beside the calls our code makes. Adding a syscall or an ioctl
 * to a path that runs after vm_start() means adding it here too.
 */
#include "vmm/sandbox.h"
#include "vmm/console.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "the sandbox's syscall numbers are x86-64's"
#endif

#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER_BUILD 1
#endif
#endif
#ifndef SANDBOX_SANITIZER_BUILD
#define SANDBOX_SANITIZER_BUILD 0
#endif

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41 /* glibc >= 2.39 names thread stacks with it */
#endif

#define X32_SYSCALL_BIT 0x40000000u
#define MAX_INSNS       400

/* Allowed with any arguments. */
static const int plain_calls[] = {
	/* event loop, eventfds, console, disk I/O thread */
	SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64, SYS_pwrite64, SYS_preadv,
	SYS_pwritev, SYS_close, SYS_lseek, SYS_epoll_wait, SYS_epoll_pwait, SYS_epoll_pwait2,
	SYS_epoll_ctl, SYS_ppoll, SYS_poll,
	/* libaio backend: submit, reap, flush, discard/write-zeroes, close */
	SYS_io_submit, SYS_io_getevents, SYS_io_pgetevents, SYS_io_cancel, SYS_io_destroy,
	SYS_fdatasync, SYS_fsync, SYS_fallocate,
	SYS_flock, /* blkfile_close unlocks the disk at exit */
	/*
	 * io_uring backend: submit and reap only. io_uring_setup and
	 * io_uring_register run in vblk_create(), before the filter, and stay
	 * forbidden: no new ring, and the disk rings are restricted to
	 * READV/WRITEV/FSYNC on their registered file (blk_file_uring.c), which
	 * is what seccomp cannot see into.
	 */
	SYS_io_uring_enter,
	/* time: the vDSO falls back to these on clock sources it cannot read */
	SYS_nanosleep, SYS_clock_nanosleep, SYS_clock_gettime, SYS_clock_getres,
	SYS_gettimeofday, SYS_time, SYS_sched_yield,
	/* threads: locks, creation (clone itself is checked below), exit */
	SYS_futex, SYS_set_robust_list, SYS_get_robust_list, SYS_rseq, SYS_set_tid_address,
	SYS_gettid, SYS_getpid, SYS_exit, SYS_exit_group, SYS_restart_syscall,
	/* signals: the vCPU kick, the SIGSYS handler, abort() */
	SYS_rt_sigreturn, SYS_rt_sigprocmask, SYS_rt_sigaction, SYS_sigaltstack,
	/* malloc and thread stacks (mmap and mprotect are checked below) */
	SYS_munmap, SYS_madvise, SYS_brk, SYS_mremap,
	/* stdio on stderr, getrandom for malloc's tcache */
	SYS_fstat, SYS_newfstatat, SYS_getrandom,
};

/* What each thread role never calls (sandbox_enter); the process list still applies. */
static const int vcpu_denied[] = {
	SYS_io_submit, SYS_io_getevents, SYS_io_pgetevents, SYS_io_cancel, SYS_io_destroy,
	SYS_io_uring_enter, SYS_io_uring_register, SYS_fallocate, SYS_fdatasync, SYS_fsync,
	SYS_pread64, SYS_pwrite64, SYS_preadv, SYS_pwritev, SYS_epoll_wait, SYS_epoll_pwait,
	SYS_epoll_pwait2, SYS_epoll_ctl,
};
static const int disk_io_denied[] = { SYS_ioctl, SYS_clone, SYS_clone3 };

static bool process_filter_installed;

/*
 * ioctl requests: KVM_RUN and what device handlers and the exit path send.
 * Compared on the low 32 bits, the width the kernel's ioctl() takes.
 */
static const unsigned int ioctl_requests[] = {
	KVM_RUN,
	KVM_IRQ_LINE,        /* UART interrupt (vm.c) */
	KVM_IRQ_LINE_STATUS,
	KVM_SET_GSI_ROUTING, /* MSI-X table writes (irq.c) */
	KVM_IRQFD,
	KVM_IOEVENTFD,       /* doorbells follow a moved BAR (pci_transport.c) */
	KVM_SIGNAL_MSI,
	KVM_GET_REGS,        /* --debug after stop (vm.c) */
	KVM_GET_MP_STATE,
	TCGETS, TCSETS, TCSETSW, TCSETSF, /* console_restore, isatty */
};

/* pthread_create's clone: a thread sharing everything, never a new process. */
#define THREAD_CLONE_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)

struct prog {
	struct sock_filter insn[MAX_INSNS];
	unsigned int n;
};

static unsigned int emit(struct prog *p, struct sock_filter f)
{
	if (p->n < MAX_INSNS)
		p->insn[p->n] = f;
	return p->n++;
}

static unsigned int emit_stmt(struct prog *p, uint16_t code, uint32_t k)
{
	return emit(p, (struct sock_filter)BPF_STMT(code, k));
}

/* "if (A == k) fall through, else skip the block": patched by end_block(). */
static unsigned int begin_block(struct prog *p, uint32_t k)
{
	return emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 0));
}

static void end_block(struct prog *p, unsigned int at)
{
	if (p->n < MAX_INSNS)
		p->insn[at].jf = (uint8_t)(p->n - at - 1);
}

static void allow_if_eq(struct prog *p, uint32_t k)
{
	unsigned int at = begin_block(p, k);

	emit_stmt(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	end_block(p, at);
}

static void load_arg_lo(struct prog *p, unsigned int i)
{
	emit_stmt(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[i]));
}

static void load_arg_hi(struct prog *p, unsigned int i)
{
	emit_stmt(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[i]) + 4);
}

/* Allows nr only if (arg & mask) == value on the low 32 bits, and the high 32 bits are 0. */
static void allow_masked(struct prog *p, int nr, unsigned int arg, uint32_t mask, uint32_t value)
{
	unsigned int at = begin_block(p, nr);

	load_arg_hi(p, arg);
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0));
	emit_stmt(p, BPF_RET | BPF_K, SECCOMP_RET_TRAP);
	load_arg_lo(p, arg);
	emit_stmt(p, BPF_ALU | BPF_AND | BPF_K, mask);
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, 0, 1));
	emit_stmt(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	emit_stmt(p, BPF_RET | BPF_K, SECCOMP_RET_TRAP);
	end_block(p, at);
}

/* Allows nr only if the low 32 bits of arg are one of vals[]. */
static void allow_arg_in(struct prog *p, int nr, unsigned int arg, const uint32_t *vals, size_t n)
{
	unsigned int at = begin_block(p, nr);

	load_arg_lo(p, arg);
	for (size_t i = 0; i < n; i++)
		allow_if_eq(p, vals[i]);
	emit_stmt(p, BPF_RET | BPF_K, SECCOMP_RET_TRAP);
	end_block(p, at);
}

static int build(struct prog *p)
{
	const uint32_t prctl_ops[] = { PR_SET_NAME, PR_GET_NAME, PR_SET_VMA };
	const uint32_t own_pid[] = { (uint32_t)getpid() };
	uint32_t ioctls[sizeof(ioctl_requests) / sizeof(ioctl_requests[0])];
	unsigned int at;

	for (size_t i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++)
		ioctls[i] = ioctl_requests[i];
	p->n = 0;

	/* Another ABI (i386 int 0x80, x32) would give the numbers other meanings. */
	emit_stmt(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0));
	emit_stmt(p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	emit_stmt(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1));
	emit_stmt(p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);

	for (size_t i = 0; i < sizeof(plain_calls) / sizeof(plain_calls[0]); i++)
		allow_if_eq(p, plain_calls[i]);

	/* Each block below leaves A loaded with an argument, so it ends in a return. */
	allow_arg_in(p, SYS_ioctl, 1, ioctls, sizeof(ioctls) / sizeof(ioctls[0]));
	allow_arg_in(p, SYS_prctl, 0, prctl_ops, 3);
	allow_arg_in(p, SYS_tgkill, 0, own_pid, 1); /* pthread_kill and abort() */
	/* No new executable memory: guest bytes never become host code. */
	allow_masked(p, SYS_mmap, 2, PROT_EXEC, 0);
	allow_masked(p, SYS_mprotect, 2, PROT_EXEC, 0);
	allow_masked(p, SYS_clone, 0, THREAD_CLONE_FLAGS, THREAD_CLONE_FLAGS);
	/* sandbox_enter(): a thread may only add a filter for itself (no TSYNC, no listener). */
	allow_masked(p, SYS_seccomp, 1, 0xffffffffu, 0);
	/* clone3 passes its flags in memory seccomp cannot read: ENOSYS makes glibc use clone. */
	at = begin_block(p, SYS_clone3);
	emit_stmt(p, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	end_block(p, at);

	emit_stmt(p, BPF_RET | BPF_K, SECCOMP_RET_TRAP);
	return p->n <= MAX_INSNS ? 0 : -E2BIG;
}

/* Async-signal-safe: writes "minivmm: ... N ..." with write(2) only. */
static char *put_str(char *p, char *end, const char *s)
{
	while (*s && p < end)
		*p++ = *s++;
	return p;
}

static char *put_uint(char *p, char *end, unsigned long v)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < (int)sizeof(digits));
	while (n && p < end)
		*p++ = digits[--n];
	return p;
}

static void sigsys_handler(int sig, siginfo_t *si, void *uctx)
{
	char line[200], name[17] = "";
	char *p = line, *end = line + sizeof(line) - 1;

	(void)sig;
	(void)uctx;
	prctl(PR_GET_NAME, name, 0, 0, 0);
	p = put_str(p, end, "minivmm: sandbox: system call ");
	p = put_uint(p, end, (unsigned long)si->si_syscall);
	p = put_str(p, end, " is not allowed (thread ");
	p = put_str(p, end, name[0] ? name : "?");
	p = put_str(p, end, "); stopping. --no-sandbox runs without the sandbox\n");
	console_restore();
	if (write(STDERR_FILENO, line, p - line) < 0) {
		/* nothing left to tell */
	}
	_exit(1);
}

bool sandbox_skipped_in_this_build(void)
{
	return SANDBOX_SANITIZER_BUILD;
}

int sandbox_apply(char *err, size_t errlen)
{
	static struct prog p;
	struct sock_fprog fprog;
	struct sigaction sa = { .sa_sigaction = sigsys_handler, .sa_flags = SA_SIGINFO };
	long r;

	if (build(&p) < 0) {
		snprintf(err, errlen, "sandbox: the filter has more than %d instructions", MAX_INSNS);
		return -E2BIG;
	}
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		snprintf(err, errlen, "sandbox: sigaction(SIGSYS): %s", strerror(errno));
		return -errno;
	}
	/* Without a new privilege ever granted (no setuid exec), an unprivileged process may filter. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "sandbox: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -errno;
	}
	fprog = (struct sock_fprog){ .len = (unsigned short)p.n, .filter = p.insn };
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fprog);
	if (r != 0) {
		/* r > 0: the id of a thread that could not be synchronised. */
		int e = r < 0 ? errno : EAGAIN;

		snprintf(err, errlen, "sandbox: installing the seccomp filter failed: %s "
			 "(--no-sandbox runs without it)", strerror(e));
		return -e;
	}
	process_filter_installed = true;
	return 0;
}

/* Traps the role's calls, allows the rest (which the process filter then judges). */
static void build_role(struct prog *p, const int *denied, size_t n)
{
	unsigned int at;

	p->n = 0;
	emit_stmt(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < n; i++) {
		at = begin_block(p, (uint32_t)denied[i]);
		emit_stmt(p, BPF_RET | BPF_K, SECCOMP_RET_TRAP);
		end_block(p, at);
	}
	emit_stmt(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW); /* a few dozen instructions */
}

void sandbox_enter(enum sandbox_role role)
{
	struct prog p;
	struct sock_fprog fprog;
	const int *denied = role == SANDBOX_VCPU ? vcpu_denied : disk_io_denied;
	size_t n = role == SANDBOX_VCPU ? sizeof(vcpu_denied) / sizeof(vcpu_denied[0])
					: sizeof(disk_io_denied) / sizeof(disk_io_denied[0]);

	if (!process_filter_installed)
		return;
	build_role(&p, denied, n);
	fprog = (struct sock_fprog){ .len = (unsigned short)p.n, .filter = p.insn };
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) {
		/* Cannot happen where the process filter went in; never run a thread unfiltered. */
		console_restore();
		fprintf(stderr, "minivmm: sandbox: narrowing a thread's filter failed: %s\n",
			strerror(errno));
		_exit(1);
	}
}

int sandbox_install(bool enabled, char *err, size_t errlen)
{
	if (!enabled || SANDBOX_SANITIZER_BUILD)
		return 0;
	return sandbox_apply(err, errlen);
}

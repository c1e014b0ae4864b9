/* minivmm: parse the command line, build the VM, run the event loop, exit in one place. */
#include "vmm/config.h"
#include "vmm/console.h"
#include "vmm/kvm.h"
#include "vmm/sandbox.h"
#include "vmm/trace.h"
#include "vmm/vm.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

enum { EV_STOP, EV_SIGNAL, EV_TIMER, EV_STDIN };

struct loop {
	struct vm *vm;
	int epfd, sigfd, timerfd;
	bool stdin_open;    /* not yet at EOF */
	bool stdin_polled;  /* registered with epoll (regular files cannot be) */
	bool stdin_waiting; /* the UART queue was full: retry after a short sleep */
};

/*
 * The one error line: messages quote user input (paths, option values), so
 * control bytes are escaped and a newline in a file name cannot split it.
 */
static void print_error(const char *msg)
{
	fputs("minivmm: error: ", stderr);
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(stderr, "\\x%02x", *p);
		else
			fputc(*p, stderr);
	}
	fputc('\n', stderr);
}

static int add_fd(int epfd, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* Moves host input into the UART; returns true if the user typed the quit escape. */
static bool pump_stdin(struct loop *l)
{
	uint8_t buf[4096];
	size_t room = uart_rx_space(&l->vm->uart);
	bool quit = false;
	ssize_t n;

	if (room == 0) {
		l->stdin_waiting = true;
		return false;
	}
	l->stdin_waiting = false;
	n = read(STDIN_FILENO, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return false;
	if (n <= 0) {
		/* EOF or error: the guest keeps running without more input. */
		if (l->stdin_polled)
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, STDIN_FILENO, NULL);
		l->stdin_open = false;
		return false;
	}
	if (console_is_tty())
		n = console_filter_escape(buf, n, &quit);
	uart_push_input(&l->vm->uart, buf, n);
	return quit;
}

static int run_loop(struct loop *l)
{
	struct vm *vm = l->vm;

	for (;;) {
		struct epoll_event evs[4];
		int timeout = -1, n;

		/* Regular-file stdin and a full UART queue are polled by timer instead. */
		if (l->stdin_open && (!l->stdin_polled || l->stdin_waiting))
			timeout = l->stdin_waiting ? 10 : 0;
		if (l->stdin_waiting && l->stdin_polled)
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, STDIN_FILENO, NULL);
		n = epoll_wait(l->epfd, evs, 4, timeout);
		if (n < 0 && errno != EINTR)
			return STOP_ERROR;
		if (l->stdin_waiting && l->stdin_polled && l->stdin_open)
			add_fd(l->epfd, STDIN_FILENO, EV_STDIN);
		if (n == 0 && l->stdin_open && pump_stdin(l))
			return 130;
		for (int i = 0; i < n; i++) {
			struct signalfd_siginfo si;
			uint64_t v;

			switch (evs[i].data.u64) {
			case EV_STOP:
				return vm->stop_status;
			case EV_SIGNAL:
				if (read(l->sigfd, &si, sizeof(si)) == sizeof(si))
					return 128 + (int)si.ssi_signo;
				break;
			case EV_TIMER:
				if (read(l->timerfd, &v, sizeof(v)) == sizeof(v))
					return STOP_TIMEOUT;
				break;
			case EV_STDIN:
				if (pump_stdin(l))
					return 130;
				break;
			}
		}
	}
}

static int setup_loop(struct loop *l, struct vm *vm, unsigned int timeout, char *err, size_t errlen)
{
	sigset_t set;

	*l = (struct loop){ .vm = vm, .sigfd = -1, .timerfd = -1, .stdin_open = true };
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1); /* only vCPU threads take the kick signal */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigdelset(&set, SIGUSR1);
	signal(SIGPIPE, SIG_IGN);

	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (l->epfd < 0 || l->sigfd < 0 || add_fd(l->epfd, vm->stop_fd, EV_STOP) < 0 ||
	    add_fd(l->epfd, l->sigfd, EV_SIGNAL) < 0) {
		snprintf(err, errlen, "setting up the event loop: %s", strerror(errno));
		return -errno;
	}
	if (timeout) {
		struct itimerspec its = { .it_value.tv_sec = timeout };

		l->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
		if (l->timerfd < 0 || timerfd_settime(l->timerfd, 0, &its, NULL) < 0 ||
		    add_fd(l->epfd, l->timerfd, EV_TIMER) < 0) {
			snprintf(err, errlen, "setting up --timeout: %s", strerror(errno));
			return -errno;
		}
	}
	if (add_fd(l->epfd, STDIN_FILENO, EV_STDIN) == 0)
		l->stdin_polled = true;
	else if (errno != EPERM) /* EPERM: a regular file, read by polling; else: no stdin */
		l->stdin_open = false;
	return 0;
}

int main(int argc, char **argv)
{
	static struct config cfg;
	static struct vm vm;
	struct loop loop;
	char err[512] = "";
	int status;

	switch (config_parse(&cfg, argc, argv, err, sizeof(err))) {
	case CONFIG_EXIT_OK:
		return 0;
	case CONFIG_ERROR:
		print_error(err);
		return STOP_ERROR;
	case CONFIG_OK:
		break;
	}
	trace_mask = cfg.trace;
	if (vm_prepare_memory(&vm, &cfg, err, sizeof(err)) < 0 || vm_create(&vm, err, sizeof(err)) < 0 ||
	    setup_loop(&loop, &vm, cfg.timeout, err, sizeof(err)) < 0) {
		print_error(err);
		vm_destroy(&vm);
		return STOP_ERROR;
	}
	if (kvm_host_is_pvm())
		fprintf(stderr, "minivmm: note: host KVM is kvm_pvm (no VMX/SVM): every instruction of "
				"a non-PVM guest is emulated, so a stock Linux kernel will not boot here\n");
	/* Every fd is open and no thread runs yet: the vCPU and I/O threads inherit the filter. */
	if (sandbox_install(cfg.sandbox, err, sizeof(err)) < 0) {
		print_error(err);
		vm_destroy(&vm);
		return STOP_ERROR;
	}

	console_enter_raw();
	if (vm_start(&vm, err, sizeof(err)) < 0) {
		vm_stop_vcpus(&vm);
		console_restore();
		print_error(err);
		vm_destroy(&vm);
		return STOP_ERROR;
	}
	status = run_loop(&loop);
	vm_stop_vcpus(&vm);
	console_restore();
	if (cfg.stats)
		vm_print_stats(&vm, stderr);
	if (cfg.debug)
		vm_print_vcpu_state(&vm, stderr);
	if (status == STOP_VM_FAIL && vm.fail_msg[0])
		print_error(vm.fail_msg);
	if (status == STOP_TIMEOUT)
		fprintf(stderr, "minivmm: --timeout of %u s expired\n", cfg.timeout);
	vm_destroy(&vm);
	return status;
}

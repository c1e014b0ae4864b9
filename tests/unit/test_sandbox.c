/* The syscall sandbox: allowed calls work in a filtered child, forbidden ones end it with one line. */
#include "tests/unit/check.h"
#include "vmm/sandbox.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

enum probe {
	PROBE_ALLOWED,  /* what minivmm's threads do: must all work */
	PROBE_SOCKET,
	PROBE_EXECVE,
	PROBE_OPENAT,
	PROBE_FORK,     /* clone without CLONE_THREAD */
	PROBE_IOCTL,    /* an ioctl request not on the list */
	PROBE_MMAP_EXEC,
	PROBE_IN_THREAD, /* a forbidden call from a thread created after the filter */
	PROBE_VCPU_DISK, /* a vCPU-role thread syncing a file (allowed to the process) */
	PROBE_IO_IOCTL,  /* a disk-I/O-role thread sending an ioctl the process may send */
	PROBE_URING_SETUP,    /* no new io_uring once the VM runs */
	PROBE_URING_REGISTER, /* nor changes to an existing ring's files or restrictions */
};

static void *thread_body(void *arg)
{
	(*(int *)arg)++;
	return NULL;
}

/* Each role keeps what that thread does: the vCPU its eventfd writes, the I/O thread its preads. */
static void *thread_vcpu_allowed(void *arg)
{
	int *fds = arg;
	char c = 'v';

	sandbox_enter(SANDBOX_VCPU);
	fds[2] = write(fds[1], &c, 1) == 1 && read(fds[0], &c, 1) == 1 && c == 'v';
	return NULL;
}

static void *thread_io_allowed(void *arg)
{
	int *fds = arg;
	char c;

	sandbox_enter(SANDBOX_DISK_IO);
	fds[2] = pread(fds[3], &c, 1, 0) == 1 && fdatasync(fds[3]) == 0;
	return NULL;
}

static void *thread_vcpu_disk(void *arg)
{
	sandbox_enter(SANDBOX_VCPU);
	fdatasync(*(int *)arg);
	return NULL;
}

static void *thread_io_ioctl(void *arg)
{
	struct termios t;

	(void)arg;
	sandbox_enter(SANDBOX_DISK_IO);
	ioctl(STDIN_FILENO, TCGETS, &t);
	return NULL;
}

static void *thread_forbidden(void *arg)
{
	(void)arg;
	socket(AF_INET, SOCK_STREAM, 0);
	return NULL;
}

/* Child side: returns the exit status, or does not return when the sandbox stops it. */
static int run_probe(enum probe probe)
{
	char err[256], file[] = "/tmp/minivmm-sandbox-XXXXXX";
	int fds[4], n = 0;
	pthread_t t;

	if (pipe(fds) < 0)
		return 90;
	/* A file for the I/O role, opened before the filter (which forbids open). */
	fds[3] = mkstemp(file);
	if (fds[3] < 0 || write(fds[3], "x", 1) != 1)
		return 92;
	unlink(file);
	if (sandbox_apply(err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 91;
	}
	switch (probe) {
	case PROBE_ALLOWED: {
		struct timespec ts = { 0, 1000 };
		void *big = malloc(8 << 20); /* mmap */
		char c = 'x';

		if (!big || write(fds[1], &c, 1) != 1 || read(fds[0], &c, 1) != 1 || c != 'x')
			return 10;
		free(big);
		if (nanosleep(&ts, NULL) < 0 || clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
			return 11;
		/* io_uring_enter is the io_uring backend's one call at run time. */
		if (syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0) != -1 || errno != EBADF)
			return 14;
		/* clone3 is refused softly so that glibc falls back to clone. */
		if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
			return 12;
		if (!sandbox_skipped_in_this_build()) {
			/* ASan's thread start reads /proc: threads are checked in the normal build. */
			if (pthread_create(&t, NULL, thread_body, &n) || pthread_join(t, NULL) || n != 1)
				return 13;
			fds[2] = 0;
			if (pthread_create(&t, NULL, thread_vcpu_allowed, fds) ||
			    pthread_join(t, NULL) || fds[2] != 1)
				return 14;
			fds[2] = 0;
			if (pthread_create(&t, NULL, thread_io_allowed, fds) ||
			    pthread_join(t, NULL) || fds[2] != 1)
				return 15;
			/* The roles narrow only their own thread: this one still syncs. */
			if (fdatasync(fds[3]) != 0)
				return 16;
		}
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	case PROBE_SOCKET:
		socket(AF_INET, SOCK_STREAM, 0);
		break;
	case PROBE_EXECVE: {
		char *argv[] = { "/bin/true", NULL };

		execve("/bin/true", argv, NULL);
		break;
	}
	case PROBE_OPENAT:
		fopen("/etc/hostname", "r");
		break;
	case PROBE_FORK:
		if (fork() == 0)
			_exit(0);
		break;
	case PROBE_IOCTL:
		ioctl(fds[0], FIONREAD, &n);
		break;
	case PROBE_MMAP_EXEC:
		mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		break;
	case PROBE_VCPU_DISK:
		if (pthread_create(&t, NULL, thread_vcpu_disk, &fds[3]) == 0)
			pthread_join(t, NULL);
		break;
	case PROBE_IO_IOCTL:
		if (pthread_create(&t, NULL, thread_io_ioctl, NULL) == 0)
			pthread_join(t, NULL);
		break;
	case PROBE_IN_THREAD:
		if (pthread_create(&t, NULL, thread_forbidden, NULL) == 0)
			pthread_join(t, NULL);
		break;
	case PROBE_URING_SETUP: {
		char params[120] = { 0 }; /* struct io_uring_params */

		syscall(SYS_io_uring_setup, 4, params);
		break;
	}
	case PROBE_URING_REGISTER:
		syscall(SYS_io_uring_register, fds[0], 0, NULL, 0);
		break;
	}
	return 20; /* the forbidden call came back */
}

/* Runs probe in a child; returns its exit status (or 128 + signal) and its stderr in out. */
static int in_child(enum probe probe, char *out, size_t outlen)
{
	int fds[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		_exit(run_probe(probe));
	}
	close(fds[1]);
	while (got + 1 < outlen && (n = read(fds[0], out + got, outlen - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void expect_stopped(enum probe probe, long nr)
{
	char out[512], want[64];
	int status = in_child(probe, out, sizeof(out));

	snprintf(want, sizeof(want), "system call %ld is not allowed", nr);
	CHECK(status == 1);
	CHECK(strstr(out, want) != NULL);
	CHECK(strstr(out, "--no-sandbox") != NULL);
	CHECK(strchr(out, '\n') == out + strlen(out) - 1); /* one line */
	if (status != 1 || !strstr(out, want))
		fprintf(stderr, "probe %d: status %d, stderr: %s\n", probe, status, out);
}

int main(void)
{
	char out[512], err[64];

	CHECK(in_child(PROBE_ALLOWED, out, sizeof(out)) == 0);
	if (out[0])
		fprintf(stderr, "allowed probe said: %s", out);
	expect_stopped(PROBE_SOCKET, SYS_socket);
	expect_stopped(PROBE_EXECVE, SYS_execve);
	expect_stopped(PROBE_OPENAT, SYS_openat);
	expect_stopped(PROBE_FORK, SYS_clone);
	expect_stopped(PROBE_IOCTL, SYS_ioctl);
	expect_stopped(PROBE_MMAP_EXEC, SYS_mmap);
	if (!sandbox_skipped_in_this_build())
		expect_stopped(PROBE_IN_THREAD, SYS_socket);
	if (!sandbox_skipped_in_this_build()) {
		expect_stopped(PROBE_VCPU_DISK, SYS_fdatasync);
		expect_stopped(PROBE_IO_IOCTL, SYS_ioctl);
	}
	expect_stopped(PROBE_URING_SETUP, SYS_io_uring_setup);
	expect_stopped(PROBE_URING_REGISTER, SYS_io_uring_register);
	/* Disabled, it installs nothing: this process can still open files afterwards. */
	CHECK(sandbox_install(false, err, sizeof(err)) == 0);
	CHECK(access("/", F_OK) == 0);
	return check_summary();
}

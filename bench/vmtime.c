// SPDX-License-Identifier: MIT
/*
 * vmtime: runs a VMM, times it and samples its memory, for bench/.
 *
 *   vmtime [-m MARKER] [-r RAM_BYTES] [-s SAMPLE_MS] [-t TIMEOUT_S] [-o LOG] -- CMD...
 *
 * Starts CMD with stdin on /dev/null and stdout+stderr on a pipe, copies what
 * it prints to LOG and prints one line on stdout:
 *
 *   ready_ms=R exit_ms=E status=S [guest_kb=G total_kb=T hwm_kb=H]
 *
 * R: milliseconds from just before fork to the first MARKER on the console
 * (-1 if it never came), E: to the reaping of CMD, S: its exit status
 * (128+N for signal N). With -r, /proc/PID/smaps is read every 50 ms for
 * SAMPLE_MS (default 1000) after the marker: G is the largest Rss of CMD's
 * guest RAM (the anonymous private mappings of RAM_BYTES to RAM_BYTES + 8 MiB,
 * as minivmm and QEMU map it), T the largest total Rss, H the VmHWM (peak Rss)
 * at the last sample. Statically linked so it runs in the harness VM as is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct mem {
	unsigned long long guest_kb, total_kb, hwm_kb;
	int found;
};

/* One pass over /proc/PID/smaps and status; 0 on success. */
static int sample(pid_t pid, unsigned long long ram, struct mem *m)
{
	char path[64], line[512];
	unsigned long long guest = 0, total = 0, kb;
	unsigned long long lo, hi, off, ino;
	unsigned int maj, mn;
	char perms[8];
	int is_guest = 0, n, found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		n = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &lo, &hi, perms, &off, &maj,
			   &mn, &ino, &n) == 7 &&
		    n > 0) {
			const char *name = line + n;
			int anon = ino == 0 && (name[0] == '\n' || name[0] == '\0' ||
						!strncmp(name, "[anon", 5));

			is_guest = anon && perms[3] == 'p' && hi - lo >= ram &&
				   hi - lo <= ram + (8ull << 20);
			found |= is_guest;
			continue;
		}
		if (sscanf(line, "Rss: %llu kB", &kb) == 1) {
			total += kb;
			if (is_guest)
				guest += kb;
		}
	}
	fclose(f);
	if (guest > m->guest_kb)
		m->guest_kb = guest;
	if (total > m->total_kb)
		m->total_kb = total;
	m->found |= found;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
			m->hwm_kb = kb;
	fclose(f);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: vmtime [-m MARKER] [-r RAM_BYTES] [-s SAMPLE_MS] "
			"[-t TIMEOUT_S] [-o LOG] -- CMD...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *marker = "minivmm-guest: ready", *logpath = NULL;
	unsigned long long ram = 0;
	double t0, t_ready = -1, t_exit, sample_ms = 1000, timeout_ms = 120e3;
	char buf[4096], win[256 + sizeof(buf)];
	size_t win_len = 0, mlen;
	struct mem m = {0};
	int p[2], opt, status, log = -1, eof = 0, killed = 0;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+m:r:s:t:o:")) != -1) {
		switch (opt) {
		case 'm':
			marker = optarg;
			break;
		case 'r':
			ram = strtoull(optarg, NULL, 0);
			break;
		case 's':
			sample_ms = atof(optarg);
			break;
		case 't':
			timeout_ms = atof(optarg) * 1e3;
			break;
		case 'o':
			logpath = optarg;
			break;
		default:
			usage();
		}
	}
	mlen = strlen(marker);
	if (optind >= argc || mlen == 0 || mlen > 255)
		usage();
	if (logpath) {
		log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (log < 0) {
			perror(logpath);
			return 1;
		}
	}
	if (pipe2(p, O_CLOEXEC)) {
		perror("pipe");
		return 1;
	}
	t0 = now_ms();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(126);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "vmtime: cannot run %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while (!eof) {
		struct pollfd pfd = {.fd = p[0], .events = POLLIN};
		double t = now_ms();
		int sampling = ram && t_ready >= 0 && t - t_ready < sample_ms;

		if (!killed && t - t0 > timeout_ms) {
			kill(pid, SIGKILL);
			killed = 1;
		}
		if (sampling)
			sample(pid, ram, &m);
		if (poll(&pfd, 1, sampling ? 50 : 200) < 0 && errno != EINTR)
			break;
		if (!(pfd.revents & (POLLIN | POLLHUP)))
			continue;
		ssize_t n = read(p[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			eof = 1;
			break;
		}
		if (log >= 0 && write(log, buf, n) != n)
			perror("vmtime: log");
		if (t_ready >= 0)
			continue;
		/* Keep the last mlen-1 bytes so a marker split across reads is found. */
		memcpy(win + win_len, buf, n);
		win_len += n;
		if (memmem(win, win_len, marker, mlen)) {
			t_ready = now_ms();
		} else if (win_len >= mlen) {
			memmove(win, win + win_len - (mlen - 1), mlen - 1);
			win_len = mlen - 1;
		}
	}
	/* A last sample in case CMD closed its output without exiting. */
	if (ram && t_ready >= 0)
		sample(pid, ram, &m);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("waitpid");
			return 1;
		}
	}
	t_exit = now_ms() - t0;
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("ready_ms=%.1f exit_ms=%.1f status=%d", t_ready >= 0 ? t_ready - t0 : -1.0, t_exit,
	       status);
	if (ram) {
		if (!m.found)
			fprintf(stderr, "vmtime: no anonymous mapping of %llu bytes in the VMM\n",
				ram);
		printf(" guest_kb=%llu total_kb=%llu hwm_kb=%llu", m.found ? m.guest_kb : 0,
		       m.total_kb, m.hwm_kb);
	}
	printf("%s\n", killed ? " timeout=1" : "");
	return 0;
}

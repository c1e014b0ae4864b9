/* Command-line parsing: every option checked here, so later code can trust cfg. */
#include "vmm/config.h"
#include "vmm/trace.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int config_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s)
		return -EINVAL;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default:
		return -EINVAL;
	}
	if (*end == 'i' || *end == 'B' || *end == 'b') /* "512MiB", "512MB" */
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end != '\0')
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v > max)
		return -ERANGE;
	*out = (unsigned int)v;
	return 0;
}

int config_parse_disk(char *arg, struct config_disk *disk, char *err, size_t errlen)
{
	char *save = NULL, *tok;
	bool cache_set = false, aio_set = false;

	*disk = (struct config_disk){ .cache = CONFIG_CACHE_NONE };
	if (!*arg) {
		set_err(err, errlen, "--disk: empty argument");
		return -EINVAL;
	}
	/* The first token without "=" is the path: "--disk FILE" and "--disk FILE,ro" work. */
	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *val = strchr(tok, '=');

		if (val)
			*val++ = '\0';
		if ((!strcmp(tok, "path") && disk->path) || (!strcmp(tok, "ro") && disk->readonly) ||
		    (!strcmp(tok, "serial") && disk->serial) || (!strcmp(tok, "cache") && cache_set) ||
		    (!strcmp(tok, "aio") && aio_set) || (!strcmp(tok, "queues") && disk->queues)) {
			set_err(err, errlen, "--disk: key '%s' given twice", tok);
			return -EINVAL;
		}
		if (!strcmp(tok, "path") && val && *val) {
			disk->path = val;
		} else if (!disk->path && !val && tok == arg) {
			disk->path = tok;
		} else if (!strcmp(tok, "ro") && !val) {
			disk->readonly = true;
		} else if (!strcmp(tok, "serial") && val) {
			if (strlen(val) > 20) {
				set_err(err, errlen, "--disk: serial '%s' is longer than 20 bytes", val);
				return -EINVAL;
			}
			disk->serial = val;
		} else if (!strcmp(tok, "cache") && val && !strcmp(val, "none")) {
			disk->cache = CONFIG_CACHE_NONE;
			cache_set = true;
		} else if (!strcmp(tok, "cache") && val && !strcmp(val, "writeback")) {
			disk->cache = CONFIG_CACHE_WRITEBACK;
			cache_set = true;
		} else if (!strcmp(tok, "aio") && val && !strcmp(val, "libaio")) {
			disk->aio = CONFIG_AIO_LIBAIO;
			aio_set = true;
		} else if (!strcmp(tok, "aio") && val && !strcmp(val, "io_uring")) {
			disk->aio = CONFIG_AIO_IO_URING;
			aio_set = true;
		} else if (!strcmp(tok, "queues") && val) {
			if (parse_uint(val, CONFIG_MAX_QUEUES, &disk->queues) < 0 || !disk->queues) {
				set_err(err, errlen, "--disk: queues '%s': give a number from 1 to %d",
					val, CONFIG_MAX_QUEUES);
				return -EINVAL;
			}
		} else {
			set_err(err, errlen, "--disk: unknown or malformed key '%s%s%s'", tok,
				val ? "=" : "", val ? val : "");
			return -EINVAL;
		}
	}
	if (!disk->path) {
		set_err(err, errlen, "--disk: no path given");
		return -EINVAL;
	}
	return 0;
}

void config_usage(FILE *out)
{
	fprintf(out,
		"usage: minivmm --kernel PATH [options]\n"
		"\n"
		"Boots a Linux bzImage on KVM with an 8250 console on stdin/stdout.\n"
		"\n"
		"  -k, --kernel PATH     Linux bzImage, or ELF vmlinux with a PVH entry (required)\n"
		"  -i, --initrd PATH     initial ramdisk\n"
		"  -c, --cmdline STR     kernel command line; console=ttyS0 and reboot=acpi are added\n"
		"                        unless it sets console= or reboot= itself\n"
		"  -m, --memory SIZE     guest RAM, e.g. 512M, 2G (default 512M)\n"
		"      --prefault        allocate all guest RAM at start (default: as the guest touches it)\n"
		"      --hugepages       back guest RAM with 2 MiB hugetlbfs pages (vm.nr_hugepages)\n"
		"  -p, --cpus N          number of vCPUs, 1-%d (default 1)\n"
		"  -d, --disk SPEC       virtio-blk disk: FILE or path=FILE[,ro][,serial=S][,cache=none|writeback]\n"
		"                        [,queues=N (1-%d, default: one per vCPU)][,aio=libaio|io_uring]\n"
		"  -t, --timeout SECS    stop the guest after SECS seconds (exit status 124)\n"
		"      --stats           print VM exit counts and per-disk, per-queue I/O counts at exit\n"
		"      --debug           log unhandled port and MMIO accesses to stderr\n"
		"      --trace[=CATS]    trace events to stderr; CATS: all (default) or a list of\n"
		"                        exit,pci,virtio,msix,blk\n"
		"      --no-sandbox      run without the seccomp syscall allow-list (for debugging)\n"
		"  -h, --help            this text\n"
		"  -V, --version         print the version\n"
		"\n"
		"Console: the terminal is raw while the guest runs; type Ctrl-A then x to quit.\n"
		"\n"
		"Exit status:\n"
		"  0        the guest powered off\n"
		"  1        minivmm error (bad option, unreadable file, no usable KVM)\n"
		"  2        the VM failed (KVM internal error, failed entry)\n"
		"  3        the guest reset (reboot, triple fault, panic with panic=-1)\n"
		"  124      --timeout expired\n"
		"  130/143  stopped by SIGINT/SIGTERM\n"
		"  N        the guest wrote byte N to the exit device at I/O port 0xf4\n",
		CONFIG_MAX_CPUS, CONFIG_MAX_QUEUES);
}

/* True if the command line has a parameter starting with name (e.g. "console="). */
static bool cmdline_has(const char *cmdline, const char *name)
{
	const char *p = cmdline;

	while ((p = strstr(p, name))) {
		if (p == cmdline || p[-1] == ' ')
			return true;
		p++;
	}
	return false;
}

/*
 * Appends what a guest needs on minivmm unless the user chose otherwise:
 * console=ttyS0, our only console; reboot=acpi, because Linux picks EFI
 * reboot on a hardware-reduced ACPI machine (efi_reboot_required()) and with
 * no EFI firmware that jumps into nowhere.
 */
static int build_cmdline(char *out, size_t len, const char *user)
{
	int n = snprintf(out, len, "%s", user);

	if (n >= 0 && (size_t)n < len && !cmdline_has(user, "console="))
		n += snprintf(out + n, len - n, "%sconsole=ttyS0", n ? " " : "");
	if (n >= 0 && (size_t)n < len && !cmdline_has(user, "reboot="))
		n += snprintf(out + n, len - n, "%sreboot=acpi", n ? " " : "");
	return n >= 0 && (size_t)n < len ? 0 : -E2BIG;
}

enum config_result config_parse(struct config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	enum { OPT_STATS = 256, OPT_DEBUG, OPT_TRACE, OPT_NO_SANDBOX, OPT_PREFAULT, OPT_HUGEPAGES };
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'p' },
		{ "disk", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "trace", optional_argument, NULL, OPT_TRACE },
		{ "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
		{ "prefault", no_argument, NULL, OPT_PREFAULT },
		{ "hugepages", no_argument, NULL, OPT_HUGEPAGES },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	const char *cmdline = NULL;
	uint32_t seen = 0;
	int c, r;

	*cfg = (struct config){ .memory = 512ull << 20, .cpus = 1, .sandbox = true };
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":k:i:c:m:p:d:t:hV", opts, NULL)) != -1) {
		/* Every option but --disk is given at most once: a repeat is a mistake, not an override. */
		for (unsigned int i = 0; opts[i].name; i++) {
			if (opts[i].val != c || c == 'd')
				continue;
			if (seen & (1u << i)) {
				set_err(err, errlen, "option '--%s' given twice", opts[i].name);
				return CONFIG_ERROR;
			}
			seen |= 1u << i;
		}
		switch (c) {
		case 'k':
			cfg->kernel = optarg;
			break;
		case 'i':
			cfg->initrd = optarg;
			break;
		case 'c':
			cmdline = optarg;
			break;
		case 'm':
			r = config_parse_size(optarg, &cfg->memory);
			if (r < 0 || cfg->memory < CONFIG_MIN_MEMORY || cfg->memory > CONFIG_MAX_MEMORY) {
				set_err(err, errlen,
					"--memory '%s': %s (give a size from 32M to 1T, e.g. 512M)",
					optarg,
					r == -EINVAL ? "not a size"
					: (r == 0 && cfg->memory < CONFIG_MIN_MEMORY) ? "too small"
										      : "too large");
				return CONFIG_ERROR;
			}
			break;
		case 'p':
			r = parse_uint(optarg, CONFIG_MAX_CPUS, &cfg->cpus);
			if (r < 0 || cfg->cpus == 0) {
				set_err(err, errlen, "--cpus '%s': give a number from 1 to %d", optarg,
					CONFIG_MAX_CPUS);
				return CONFIG_ERROR;
			}
			break;
		case 'd':
			if (cfg->ndisks == CONFIG_MAX_DISKS) {
				set_err(err, errlen, "--disk: at most %d disks", CONFIG_MAX_DISKS);
				return CONFIG_ERROR;
			}
			if (config_parse_disk(optarg, &cfg->disks[cfg->ndisks], err, errlen) < 0)
				return CONFIG_ERROR;
			cfg->ndisks++;
			break;
		case 't':
			r = parse_uint(optarg, 365u * 24 * 3600, &cfg->timeout);
			if (r < 0 || cfg->timeout == 0) {
				set_err(err, errlen, "--timeout '%s': give a whole number of seconds > 0",
					optarg);
				return CONFIG_ERROR;
			}
			break;
		case OPT_STATS:
			cfg->stats = true;
			break;
		case OPT_DEBUG:
			cfg->debug = true;
			break;
		case OPT_NO_SANDBOX:
			cfg->sandbox = false;
			break;
		case OPT_PREFAULT:
			cfg->prefault = true;
			break;
		case OPT_HUGEPAGES:
			cfg->hugepages = true;
			break;
		case OPT_TRACE:
			if ((optarg && !*optarg) || trace_parse(optarg, &cfg->trace) < 0) {
				set_err(err, errlen, "--trace '%s': categories are all or %s", optarg,
					trace_categories);
				return CONFIG_ERROR;
			}
			break;
		case 'h':
			config_usage(stdout);
			return CONFIG_EXIT_OK;
		case 'V':
			printf("minivmm %s\n", MINIVMM_VERSION);
			return CONFIG_EXIT_OK;
		case ':':
			set_err(err, errlen, "option '%s' needs an argument", argv[optind - 1]);
			return CONFIG_ERROR;
		default:
			set_err(err, errlen, "unknown option '%s' (see --help)", argv[optind - 1]);
			return CONFIG_ERROR;
		}
	}
	if (optind < argc) {
		set_err(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
		return CONFIG_ERROR;
	}
	if (!cfg->kernel || !*cfg->kernel) {
		set_err(err, errlen, "no kernel given: use --kernel PATH (see --help)");
		return CONFIG_ERROR;
	}
	if (cfg->hugepages && cfg->memory % (2ull << 20)) {
		set_err(err, errlen, "--hugepages: --memory must be a multiple of 2M");
		return CONFIG_ERROR;
	}
	if (cfg->initrd && !*cfg->initrd) {
		set_err(err, errlen, "--initrd: empty path");
		return CONFIG_ERROR;
	}
	for (unsigned int i = 0; i < cfg->ndisks; i++)
		for (unsigned int j = 0; j < i; j++)
			if (!strcmp(cfg->disks[i].path, cfg->disks[j].path)) {
				set_err(err, errlen, "--disk '%s' given twice", cfg->disks[i].path);
				return CONFIG_ERROR;
			}
	/* One queue per vCPU lets each CPU submit without sharing a ring (blk-mq). */
	for (unsigned int i = 0; i < cfg->ndisks; i++)
		if (!cfg->disks[i].queues)
			cfg->disks[i].queues = cfg->cpus < CONFIG_MAX_QUEUES ? cfg->cpus : CONFIG_MAX_QUEUES;
	if (build_cmdline(cfg->cmdline, sizeof(cfg->cmdline), cmdline ? cmdline : "") < 0) {
		set_err(err, errlen, "--cmdline is longer than %d bytes", CONFIG_MAX_CMDLINE - 1);
		return CONFIG_ERROR;
	}
	return CONFIG_OK;
}

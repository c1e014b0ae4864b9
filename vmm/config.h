/* The command line, parsed into a plain struct before anything touches KVM. */
#ifndef MINIVMM_VMM_CONFIG_H
#define MINIVMM_VMM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONFIG_MIN_MEMORY  (32ull << 20)
#define CONFIG_MAX_MEMORY  (1ull << 40)
#define CONFIG_MAX_CPUS    64
#define CONFIG_MAX_CMDLINE 4096
#define CONFIG_MAX_DISKS   8
#define CONFIG_MAX_QUEUES  16 /* per disk; the default is one per vCPU up to this */

enum config_cache { CONFIG_CACHE_NONE, CONFIG_CACHE_WRITEBACK };
enum config_aio { CONFIG_AIO_LIBAIO, CONFIG_AIO_IO_URING };

struct config_disk {
	const char *path;
	const char *serial; /* NULL: none */
	bool readonly;
	enum config_cache cache;
	enum config_aio aio;
	unsigned int queues; /* 1..CONFIG_MAX_QUEUES; 0 from config_parse_disk: config_parse picks */
};

struct config {
	const char *kernel;
	const char *initrd;            /* NULL: none */
	char cmdline[CONFIG_MAX_CMDLINE]; /* final command line, console= added */
	uint64_t memory;               /* bytes */
	unsigned int cpus;
	unsigned int timeout;          /* seconds, 0: none */
	bool stats;
	bool debug;
	bool sandbox;                  /* seccomp allow-list after set-up; --no-sandbox clears it */
	bool prefault;                 /* --prefault: allocate all guest RAM at start */
	bool hugepages;                /* --hugepages: guest RAM in 2 MiB hugetlb pages */
	unsigned int trace;            /* enum trace_cat bits */
	struct config_disk disks[CONFIG_MAX_DISKS];
	unsigned int ndisks;
};

enum config_result {
	CONFIG_OK,
	CONFIG_EXIT_OK, /* --help or --version was printed */
	CONFIG_ERROR,   /* err holds one line naming the cause */
};

/* Parses argv into cfg; on CONFIG_ERROR, err (errlen bytes) names the cause. Not thread-safe (getopt). */
enum config_result config_parse(struct config *cfg, int argc, char **argv, char *err, size_t errlen);

/* "512M", "2G", "1048576": bytes, or -EINVAL / -ERANGE. Pure. */
int config_parse_size(const char *s, uint64_t *out);

/*
 * Parses one --disk argument ("FILE" or "path=FILE,ro,serial=S,cache=none,
 * queues=N,aio=libaio|io_uring"); pure. queues is left 0 unless given.
 */
int config_parse_disk(char *arg, struct config_disk *disk, char *err, size_t errlen);

void config_usage(FILE *out);

#endif

/* gmem_ptr must refuse anything not wholly inside one slot; gmem_map_ram aligns guest RAM. */
#include "tests/unit/check.h"
#include "vmm/gmem.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

/*
 * Guest RAM lands on a 2 MiB boundary, whatever the address space looks like
 * before (odd-sized mappings in between shift where plain mmap puts it),
 * every byte of it is usable, the slack is given back, and one munmap of the
 * size frees it.
 */
/* The THPeligible field of the smaps entry that starts at p, or -1. */
static int thp_eligible(const void *p)
{
	char line[256], start[32];
	int found = 0, v = -1;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	snprintf(start, sizeof(start), "%lx-", (unsigned long)(uintptr_t)p);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, start, strlen(start)) == 0)
			found = 1;
		else if (found && sscanf(line, "THPeligible: %d", &v) == 1)
			break;
	}
	fclose(f);
	return v;
}

/*
 * Guest RAM is eligible for transparent huge pages whenever the host allows
 * them at all: on a host set to "madvise" that needs our MADV_HUGEPAGE.
 */
static void test_map_ram_thp(void)
{
	char mode[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");
	uint64_t size = 8ull << 20;
	uint8_t *p;

	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = 0;
		fclose(f);
	}
	p = gmem_map_ram(size, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	if (strstr(mode, "[always]") || strstr(mode, "[madvise]"))
		CHECK(thp_eligible(p) == 1);
	else
		printf("test_gmem: host THP mode '%.*s': eligibility not checked\n",
		       (int)strcspn(mode, "\n"), mode);
	munmap(p, size);
}

static void test_map_ram(void)
{
	static const uint64_t sizes[] = { 64ull << 20, (2ull << 20) + 4096, 5000, 3ull << 20 };

	for (unsigned int i = 0; i < 8; i++) {
		uint64_t size = sizes[i % 4];
		void *spacer =
		    mmap(NULL, 4096 * (i + 1), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uint8_t *p = gmem_map_ram(size, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);

		CHECK(spacer != MAP_FAILED);
		CHECK(p != MAP_FAILED);
		if (p == MAP_FAILED)
			continue;
		CHECK(((uintptr_t)p & (GMEM_RAM_ALIGN - 1)) == 0);
		p[0] = 1;
		p[size - 1] = 2;
		CHECK(p[0] == 1 && p[size - 1] == 2);
		/* The page after the end is not ours any more (msync: ENOMEM when unmapped). */
		CHECK(msync(p + ((size + 4095) & ~4095ull), 4096, MS_ASYNC) < 0 && errno == ENOMEM);
		CHECK(munmap(p, size) == 0);
		CHECK(msync(p, 4096, MS_ASYNC) < 0 && errno == ENOMEM);
	}
	test_map_ram_thp();
	CHECK(gmem_map_ram(0, MAP_PRIVATE | MAP_ANONYMOUS) == MAP_FAILED && errno == EINVAL);
	CHECK(gmem_map_ram(UINT64_MAX, MAP_PRIVATE | MAP_ANONYMOUS) == MAP_FAILED);
}

int main(void)
{
	static uint8_t lo[4096], hi[4096];
	struct gmem m = { 0 };

	CHECK(gmem_add_slot(&m, 0, sizeof(lo), lo) == 0);
	CHECK(gmem_add_slot(&m, 0x100000000ull, sizeof(hi), hi) == 0);
	CHECK(gmem_add_slot(&m, 0x800, 16, lo) < 0); /* overlap */

	CHECK(gmem_ptr(&m, 0, 1) == lo);
	CHECK(gmem_ptr(&m, 4095, 1) == lo + 4095);
	CHECK(gmem_ptr(&m, 4095, 2) == NULL);       /* straddles the end */
	CHECK(gmem_ptr(&m, 4096, 1) == NULL);       /* hole */
	CHECK(gmem_ptr(&m, 0, 0) == NULL);          /* zero length */
	CHECK(gmem_ptr(&m, UINT64_MAX, 2) == NULL); /* wraps */
	CHECK(gmem_ptr(&m, 0x100000000ull + 10, 100) == hi + 10);
	CHECK(gmem_ptr(&m, 0xfff, 0x100000000ull) == NULL);
	CHECK(m.ram_size == 8192);
	test_map_ram();
	return check_summary();
}

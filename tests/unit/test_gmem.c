/* gmem_ptr must refuse anything not wholly inside one slot; gmem_map_ram aligns guest RAM. */
#include "tests/unit/check.h"
#include "vmm/gmem.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

/*
 * Guest RAM lands on a 2 MiB boundary, whatever the address space looks like
 * before (odd-sized mappings in between shift where plain mmap puts it),
 * every byte of it is usable, the slack is given back, and one munmap of the
 * size frees it.
 */
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

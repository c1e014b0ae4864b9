/* gmem_ptr must refuse anything not wholly inside one slot. */
#include "tests/unit/check.h"
#include "vmm/gmem.h"

#include <stdint.h>

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
	return check_summary();
}

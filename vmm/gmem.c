/* Guest physical memory lookups, bounds-checked against the slot table. */
#include "vmm/gmem.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

void *gmem_ptr(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	uint64_t end;

	if (len == 0 || __builtin_add_overflow(gpa, len, &end))
		return NULL;
	for (unsigned int i = 0; i < m->nslots; i++) {
		const struct gmem_slot *s = &m->slots[i];

		if (gpa >= s->gpa && end <= s->gpa + s->size)
			return s->hva + (gpa - s->gpa);
	}
	return NULL;
}

int gmem_add_slot(struct gmem *m, uint64_t gpa, uint64_t size, void *hva)
{
	uint64_t end;

	if (m->nslots == GMEM_MAX_SLOTS || size == 0 || __builtin_add_overflow(gpa, size, &end))
		return -EINVAL;
	for (unsigned int i = 0; i < m->nslots; i++) {
		const struct gmem_slot *s = &m->slots[i];

		if (gpa < s->gpa + s->size && s->gpa < end)
			return -EINVAL;
	}
	m->slots[m->nslots++] = (struct gmem_slot){ .gpa = gpa, .size = size, .hva = hva };
	m->ram_size += size;
	return 0;
}

bool gmem_read(const struct gmem *m, void *dst, uint64_t gpa, uint64_t len)
{
	const void *p = gmem_ptr(m, gpa, len);

	if (!p)
		return false;
	memcpy(dst, p, len);
	return true;
}

bool gmem_write(const struct gmem *m, uint64_t gpa, const void *src, uint64_t len)
{
	void *p = gmem_ptr(m, gpa, len);

	if (!p)
		return false;
	memcpy(p, src, len);
	return true;
}

void *gmem_map_ram(uint64_t size, int flags)
{
	uint64_t len, span;
	uint8_t *p, *a;

	/* munmap works in whole pages (4 KiB on x86-64): the tail starts after the last one. */
	if (size == 0 || __builtin_add_overflow(size, 4095, &span) ||
	    __builtin_add_overflow(span & ~4095ull, GMEM_RAM_ALIGN, &len) || len > SIZE_MAX) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	/* Reserve one alignment unit more, then give back what lies outside the aligned part. */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		return MAP_FAILED;
	a = (uint8_t *)(((uintptr_t)p + GMEM_RAM_ALIGN - 1) & ~(uintptr_t)(GMEM_RAM_ALIGN - 1));
	if (a > p)
		munmap(p, a - p);
	span &= ~4095ull;
	munmap(a + span, p + len - (a + span));
	/* Only advice: a kernel without THP says EINVAL, and 4 KiB pages still work. */
	madvise(a, span, MADV_HUGEPAGE);
	return a;
}

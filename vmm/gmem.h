/* Guest physical memory: the one place where a guest address becomes a host pointer. */
#ifndef MINIVMM_VMM_GMEM_H
#define MINIVMM_VMM_GMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GMEM_MAX_SLOTS 4

struct gmem_slot {
	uint64_t gpa;  /* first guest-physical address of the slot */
	uint64_t size; /* bytes */
	uint8_t *hva;  /* host mapping of gpa */
};

struct gmem {
	struct gmem_slot slots[GMEM_MAX_SLOTS];
	unsigned int nslots;
	uint64_t ram_size; /* total bytes of guest RAM over all slots */
};

/*
 * The host pointer for [gpa, gpa + len), or NULL unless the whole range lies
 * inside one slot (the end is computed with an overflow check). len == 0 is
 * refused too: a zero-length guest buffer is never something to touch.
 * Safe from any thread once the slots are set up; the slots never change.
 */
void *gmem_ptr(const struct gmem *m, uint64_t gpa, uint64_t len);

/* Adds a slot; -EINVAL if it overlaps another or the table is full. Set-up only. */
int gmem_add_slot(struct gmem *m, uint64_t gpa, uint64_t size, void *hva);

/*
 * GMEM_RAM_ALIGN: KVM maps guest memory with 2 MiB pages in the guest's
 * nested page tables only where a slot's guest-physical and host-virtual
 * addresses agree modulo 2 MiB (and the host backs the range with a huge
 * page); a slot that disagrees is mapped 4 KiB at a time, one nested page
 * fault per page the guest touches first.
 */
#define GMEM_RAM_ALIGN (2ull << 20)

/*
 * mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0) for guest RAM, placed
 * at a GMEM_RAM_ALIGN boundary (the slack around it is unmapped again, so
 * munmap(p, size) releases all of it) and advised MADV_HUGEPAGE, so that a
 * host whose transparent huge pages are "madvise" (not only "always") backs
 * it with 2 MiB pages, as QEMU and kvmtool ask too. MAP_FAILED with errno on
 * failure.
 */
void *gmem_map_ram(uint64_t size, int flags);

/* Copies between guest memory and a host buffer; false if the range is not all RAM. */
bool gmem_read(const struct gmem *m, void *dst, uint64_t gpa, uint64_t len);
bool gmem_write(const struct gmem *m, uint64_t gpa, const void *src, uint64_t len);

#endif

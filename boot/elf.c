/*
 * ELF64 vmlinux checks for a PVH boot. Every offset and size read from the
 * file is bounded by the file size with overflow-checked arithmetic before
 * anything is read through it.
 */
#include "boot/elf.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

bool elf_is_elf(const uint8_t *data, size_t size)
{
	return size >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0;
}

/* True if [off, off + len) lies inside a file of size bytes. */
static bool in_file(uint64_t off, uint64_t len, size_t size)
{
	uint64_t end;

	return !__builtin_add_overflow(off, len, &end) && end <= size;
}

/* Note name and descriptor sizes are 32-bit; padded in 64 bits they cannot wrap. */
static uint64_t align4(uint32_t v)
{
	return ((uint64_t)v + 3) & ~3ull;
}

/*
 * Looks for the Xen PHYS32_ENTRY note in one PT_NOTE segment. Returns 1 with
 * *entry set, 0 if the segment has none, -ENOEXEC (err set) if it is malformed.
 */
static int find_pvh_note(const uint8_t *data, uint64_t off, uint64_t len, uint32_t *entry,
			 char *err, size_t errlen)
{
	uint64_t pos = 0;

	while (len - pos >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		uint64_t name_len, desc_len;

		memcpy(&nh, data + off + pos, sizeof(nh));
		pos += sizeof(nh);
		name_len = align4(nh.n_namesz);
		desc_len = align4(nh.n_descsz);
		if (name_len > len - pos || desc_len > len - pos - name_len) {
			snprintf(err, errlen, "malformed ELF note (runs past its PT_NOTE segment)");
			return -ENOEXEC;
		}
		if (nh.n_namesz == 4 && memcmp(data + off + pos, "Xen", 4) == 0 &&
		    nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY) {
			const uint8_t *d = data + off + pos + name_len;
			uint64_t v = 0;

			/* Linux writes .long or a pointer-sized word, depending on the version. */
			if (nh.n_descsz != 4 && nh.n_descsz != 8) {
				snprintf(err, errlen,
					 "PVH entry note has %u bytes (expected 4 or 8)",
					 nh.n_descsz);
				return -ENOEXEC;
			}
			memcpy(&v, d, nh.n_descsz); /* little-endian host and file */
			if (v > UINT32_MAX) {
				snprintf(err, errlen, "PVH entry 0x%llx is above 4 GiB",
					 (unsigned long long)v);
				return -ENOEXEC;
			}
			*entry = (uint32_t)v;
			return 1;
		}
		pos += name_len + desc_len;
	}
	return 0;
}

static int check_header(const Elf64_Ehdr *eh, size_t size, char *err, size_t errlen)
{
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64) {
		snprintf(err, errlen, "ELF file is not a 64-bit little-endian x86-64 image");
		return -ENOEXEC;
	}
	if (eh->e_type != ET_EXEC) {
		snprintf(err, errlen, "ELF file is not an executable (e_type %u): not a vmlinux",
			 eh->e_type);
		return -ENOEXEC;
	}
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > ELF_MAX_PHDRS) {
		snprintf(err, errlen,
			 "ELF program header table is malformed (%u entries of %u bytes)",
			 eh->e_phnum, eh->e_phentsize);
		return -ENOEXEC;
	}
	if (!in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), size)) {
		snprintf(err, errlen, "truncated ELF file (program headers run past its end)");
		return -ENOEXEC;
	}
	return 0;
}

static int add_load(struct elf_kernel *k, const Elf64_Phdr *ph, size_t size, uint64_t min_addr,
		    uint64_t max_addr, char *err, size_t errlen)
{
	uint64_t end;

	if (ph->p_filesz > ph->p_memsz) {
		snprintf(err, errlen, "ELF segment at 0x%llx has more file bytes than memory",
			 (unsigned long long)ph->p_paddr);
		return -ENOEXEC;
	}
	if (!in_file(ph->p_offset, ph->p_filesz, size)) {
		snprintf(err, errlen, "truncated ELF file (segment at 0x%llx runs past its end)",
			 (unsigned long long)ph->p_paddr);
		return -ENOEXEC;
	}
	if (__builtin_add_overflow(ph->p_paddr, ph->p_memsz, &end) || ph->p_paddr < min_addr ||
	    end > max_addr) {
		snprintf(err, errlen,
			 "ELF segment 0x%llx-0x%llx is outside guest RAM 0x%llx-0x%llx (give more "
			 "--memory?)",
			 (unsigned long long)ph->p_paddr,
			 (unsigned long long)ph->p_paddr + ph->p_memsz,
			 (unsigned long long)min_addr, (unsigned long long)max_addr);
		return -ENOEXEC;
	}
	for (unsigned int i = 0; i < k->nseg; i++) {
		const struct elf_segment *s = &k->seg[i];

		if (ph->p_paddr < s->paddr + s->memsz && s->paddr < end) {
			snprintf(err, errlen, "ELF segments at 0x%llx and 0x%llx overlap",
				 (unsigned long long)s->paddr, (unsigned long long)ph->p_paddr);
			return -ENOEXEC;
		}
	}
	if (k->nseg == ELF_MAX_LOADS) {
		snprintf(err, errlen, "ELF file has more than %d loadable segments", ELF_MAX_LOADS);
		return -ENOEXEC;
	}
	k->seg[k->nseg++] = (struct elf_segment){.paddr = ph->p_paddr,
						 .offset = ph->p_offset,
						 .filesz = ph->p_filesz,
						 .memsz = ph->p_memsz};
	if (k->nseg == 1 || ph->p_paddr < k->start)
		k->start = ph->p_paddr;
	if (end > k->end)
		k->end = end;
	return 0;
}

int elf_parse_pvh(const uint8_t *data, size_t size, uint64_t min_addr, uint64_t max_addr,
		  struct elf_kernel *k, char *err, size_t errlen)
{
	Elf64_Ehdr eh;
	bool have_entry = false, entry_in_code = false;
	int r;

	memset(k, 0, sizeof(*k));
	if (size < sizeof(eh) || !elf_is_elf(data, size)) {
		snprintf(err, errlen, "not an ELF file (or shorter than an ELF header)");
		return -ENOEXEC;
	}
	memcpy(&eh, data, sizeof(eh));
	r = check_header(&eh, size, err, errlen);
	if (r < 0)
		return r;

	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, data + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		/* Empty loads are skipped; one with file bytes but no memory is refused. */
		if (ph.p_type == PT_LOAD && (ph.p_memsz || ph.p_filesz)) {
			r = add_load(k, &ph, size, min_addr, max_addr, err, errlen);
			if (r < 0)
				return r;
		} else if (ph.p_type == PT_NOTE && !have_entry) {
			if (!in_file(ph.p_offset, ph.p_filesz, size)) {
				snprintf(err, errlen,
					 "truncated ELF file (PT_NOTE runs past its end)");
				return -ENOEXEC;
			}
			r = find_pvh_note(data, ph.p_offset, ph.p_filesz, &k->pvh_entry, err,
					  errlen);
			if (r < 0)
				return r;
			have_entry = r == 1;
		}
	}
	if (k->nseg == 0) {
		snprintf(err, errlen, "ELF file has no loadable segments");
		return -ENOEXEC;
	}
	if (!have_entry) {
		snprintf(
		    err, errlen,
		    "ELF vmlinux has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): build it with "
		    "CONFIG_PVH=y or boot its bzImage");
		return -ENOEXEC;
	}
	/* The entry must be code minivmm loads: one of the executable segments' file bytes. */
	for (unsigned int i = 0; i < eh.e_phnum && !entry_in_code; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, data + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		entry_in_code = ph.p_type == PT_LOAD && (ph.p_flags & PF_X) &&
				k->pvh_entry >= ph.p_paddr &&
				k->pvh_entry - ph.p_paddr < ph.p_filesz;
	}
	if (!entry_in_code) {
		snprintf(err, errlen, "PVH entry 0x%x is not inside an executable segment",
			 k->pvh_entry);
		return -ENOEXEC;
	}
	return 0;
}

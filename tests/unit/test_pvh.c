/*
 * ELF vmlinux checks and the PVH boot, on synthetic images: a good one, then
 * each hostile variant (truncated, bad program headers, overlapping or
 * out-of-RAM segments, missing or malformed notes), then random corruption.
 */
#include "boot/cpu_state.h"
#include "boot/elf.h"
#include "boot/layout.h"
#include "boot/pvh.h"
#include "boot/zeropage.h"
#include "tests/unit/check.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IMG_SIZE  0x4000
#define PH_OFF	  64
#define NOTE_OFF  0x400
#define TEXT_OFF  0x1000
#define DATA_OFF  0x3000
#define TEXT_ADDR 0x1000000ull
#define DATA_ADDR 0x1200000ull
#define ENTRY	  (TEXT_ADDR + 0x10)
#define MIN_ADDR  BOOT_KERNEL_ADDR
#define MAX_ADDR  (64ull << 20)

/* Image layout: ELF header, 3 program headers (text, data, notes), notes, text, data. */
enum { PH_TEXT, PH_DATA, PH_NOTE, NPH };

static Elf64_Phdr *phdr(uint8_t *img, int i)
{
	return (Elf64_Phdr *)(img + PH_OFF + i * sizeof(Elf64_Phdr));
}

static Elf64_Ehdr *ehdr(uint8_t *img)
{
	return (Elf64_Ehdr *)img;
}

/* Appends one note at *pos; returns a pointer to its header. */
static Elf64_Nhdr *add_note(uint8_t *img, size_t *pos, const char *name, uint32_t type,
			    const void *desc, uint32_t descsz)
{
	Elf64_Nhdr *nh = (Elf64_Nhdr *)(img + *pos);
	uint32_t namesz = (uint32_t)strlen(name) + 1;

	nh->n_namesz = namesz;
	nh->n_descsz = descsz;
	nh->n_type = type;
	*pos += sizeof(*nh);
	memcpy(img + *pos, name, namesz);
	*pos += (namesz + 3) & ~3u;
	memcpy(img + *pos, desc, descsz);
	*pos += (descsz + 3) & ~3u;
	return nh;
}

/* entry_size: 4 or 8 bytes of PVH entry note descriptor, as different Linux versions write. */
static uint8_t *make_elf(unsigned int entry_size)
{
	uint8_t *img = calloc(1, IMG_SIZE);
	Elf64_Ehdr *eh = ehdr(img);
	uint64_t entry = ENTRY;
	uint8_t build_id[20] = {1, 2, 3};
	size_t pos = NOTE_OFF;

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = TEXT_ADDR;
	eh->e_phoff = PH_OFF;
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = NPH;

	*phdr(img, PH_TEXT) = (Elf64_Phdr){.p_type = PT_LOAD,
					   .p_flags = PF_R | PF_X,
					   .p_offset = TEXT_OFF,
					   .p_vaddr = 0xffffffff81000000ull,
					   .p_paddr = TEXT_ADDR,
					   .p_filesz = 0x2000,
					   .p_memsz = 0x2000,
					   .p_align = 0x1000};
	*phdr(img, PH_DATA) = (Elf64_Phdr){.p_type = PT_LOAD,
					   .p_flags = PF_R | PF_W,
					   .p_offset = DATA_OFF,
					   .p_paddr = DATA_ADDR,
					   .p_filesz = 0x800,
					   .p_memsz = 0x3000};
	/* Other notes first: the parser must walk past them. */
	add_note(img, &pos, "GNU", NT_GNU_BUILD_ID, build_id, sizeof(build_id));
	add_note(img, &pos, "Xen", 6, "linux", 6); /* XEN_ELFNOTE_GUEST_OS */
	add_note(img, &pos, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &entry, entry_size);
	*phdr(img, PH_NOTE) =
	    (Elf64_Phdr){.p_type = PT_NOTE, .p_offset = NOTE_OFF, .p_filesz = pos - NOTE_OFF};
	memset(img + TEXT_OFF, 0xcc, 0x2000);
	memset(img + DATA_OFF, 0xdd, 0x800);
	return img;
}

static int parse(uint8_t *img, size_t size, struct elf_kernel *k, char *err)
{
	return elf_parse_pvh(img, size, MIN_ADDR, MAX_ADDR, k, err, 256);
}

/* parse() must fail with -ENOEXEC and an error containing what. */
static bool refused(uint8_t *img, size_t size, const char *what)
{
	struct elf_kernel k;
	char err[256] = "";
	int r = parse(img, size, &k, err);

	if (r != -ENOEXEC || !strstr(err, what)) {
		fprintf(stderr, "  expected a refusal naming '%s', got %d '%s'\n", what, r, err);
		return false;
	}
	return true;
}

static void test_good(void)
{
	uint8_t *img = make_elf(4);
	struct elf_kernel k;
	char err[256];

	CHECK(elf_is_elf(img, IMG_SIZE));
	CHECK(!elf_is_elf(img, 3));
	CHECK(!elf_is_elf((const uint8_t *)"MZ\0\0", 4));
	CHECK(parse(img, IMG_SIZE, &k, err) == 0);
	CHECK(k.nseg == 2);
	CHECK(k.pvh_entry == ENTRY);
	CHECK(k.start == TEXT_ADDR);
	CHECK(k.end == DATA_ADDR + 0x3000);
	CHECK(k.seg[1].filesz == 0x800 && k.seg[1].memsz == 0x3000 && k.seg[1].offset == DATA_OFF);
	free(img);

	/* Newer Linux writes the entry as a pointer-sized word. */
	img = make_elf(8);
	CHECK(parse(img, IMG_SIZE, &k, err) == 0);
	CHECK(k.pvh_entry == ENTRY);
	free(img);
}

static void test_header(void)
{
	uint8_t *img = make_elf(4);

	CHECK(refused(img, 40, "not an ELF file"));
	img[EI_CLASS] = ELFCLASS32;
	CHECK(refused(img, IMG_SIZE, "64-bit"));
	img[EI_CLASS] = ELFCLASS64;
	img[EI_DATA] = ELFDATA2MSB;
	CHECK(refused(img, IMG_SIZE, "little-endian"));
	img[EI_DATA] = ELFDATA2LSB;
	ehdr(img)->e_machine = EM_386;
	CHECK(refused(img, IMG_SIZE, "x86-64"));
	ehdr(img)->e_machine = EM_X86_64;
	ehdr(img)->e_type = ET_DYN;
	CHECK(refused(img, IMG_SIZE, "not an executable"));
	ehdr(img)->e_type = ET_EXEC;
	free(img);
}

static void test_phdrs(void)
{
	uint8_t *img = make_elf(4);

	/* truncated inside the program headers, inside a segment, inside the notes */
	CHECK(refused(img, PH_OFF + 2 * sizeof(Elf64_Phdr), "truncated"));
	CHECK(refused(img, TEXT_OFF + 0x100, "truncated"));
	CHECK(refused(img, NOTE_OFF + 8, "truncated"));

	ehdr(img)->e_phentsize = 32;
	CHECK(refused(img, IMG_SIZE, "program header table"));
	ehdr(img)->e_phentsize = sizeof(Elf64_Phdr);
	ehdr(img)->e_phnum = 0;
	CHECK(refused(img, IMG_SIZE, "program header table"));
	ehdr(img)->e_phnum = 0xffff; /* PN_XNUM */
	CHECK(refused(img, IMG_SIZE, "program header table"));
	ehdr(img)->e_phnum = NPH;
	ehdr(img)->e_phoff = ~0ull - 16; /* offset + size wraps */
	CHECK(refused(img, IMG_SIZE, "truncated"));
	ehdr(img)->e_phoff = PH_OFF;

	/* a segment with more file bytes than memory, or file bytes past the end */
	phdr(img, PH_DATA)->p_filesz = 0x4000;
	CHECK(refused(img, IMG_SIZE, "more file bytes"));
	phdr(img, PH_DATA)->p_memsz = 0x4000;
	CHECK(refused(img, IMG_SIZE, "truncated"));
	phdr(img, PH_DATA)->p_filesz = 0x800;
	phdr(img, PH_DATA)->p_memsz = 0x3000;
	phdr(img, PH_DATA)->p_offset = ~0ull - 0x100;
	CHECK(refused(img, IMG_SIZE, "truncated"));
	phdr(img, PH_DATA)->p_offset = DATA_OFF;
	/*
	 * Found by fuzz_elf_pvh: file bytes but no memory at all. Such a segment
	 * was skipped as empty, yet the entry could point into it: code that is
	 * never loaded.
	 */
	phdr(img, PH_TEXT)->p_memsz = 0;
	CHECK(refused(img, IMG_SIZE, "more file bytes"));
	phdr(img, PH_TEXT)->p_memsz = 0x2000;

	/* no loadable segment at all */
	phdr(img, PH_TEXT)->p_type = PT_NULL;
	phdr(img, PH_DATA)->p_type = PT_NULL;
	CHECK(refused(img, IMG_SIZE, "no loadable"));
	free(img);

	/* more PT_LOAD headers than the loader keeps */
	img = make_elf(4);
	{
		uint8_t *big = calloc(1, 0x2000 + IMG_SIZE);
		unsigned int n = ELF_MAX_LOADS + 1;

		memcpy(big, img, IMG_SIZE);
		ehdr(big)->e_phnum = n + 1;
		ehdr(big)->e_phoff = IMG_SIZE;
		for (unsigned int i = 0; i < n; i++)
			*(Elf64_Phdr *)(big + IMG_SIZE + i * sizeof(Elf64_Phdr)) =
			    (Elf64_Phdr){.p_type = PT_LOAD,
					 .p_flags = PF_X,
					 .p_offset = TEXT_OFF,
					 .p_paddr = TEXT_ADDR + i * 0x100000ull,
					 .p_filesz = 0x10,
					 .p_memsz = 0x10};
		*(Elf64_Phdr *)(big + IMG_SIZE + n * sizeof(Elf64_Phdr)) = *phdr(img, PH_NOTE);
		CHECK(refused(big, 0x2000 + IMG_SIZE, "more than"));
		free(big);
	}
	free(img);
}

static void test_segments_vs_ram(void)
{
	uint8_t *img = make_elf(4);

	/* overlapping: data moved into text */
	phdr(img, PH_DATA)->p_paddr = TEXT_ADDR + 0x1000;
	CHECK(refused(img, IMG_SIZE, "overlap"));
	/* the same range twice */
	phdr(img, PH_DATA)->p_paddr = TEXT_ADDR;
	CHECK(refused(img, IMG_SIZE, "overlap"));
	/* below the first MiB: over minivmm's boot structures */
	phdr(img, PH_DATA)->p_paddr = 0x7000;
	CHECK(refused(img, IMG_SIZE, "outside guest RAM"));
	/* past the end of RAM, ending exactly at it (fits), and wrapping the address space */
	phdr(img, PH_DATA)->p_paddr = MAX_ADDR - 0x1000;
	CHECK(refused(img, IMG_SIZE, "outside guest RAM"));
	phdr(img, PH_DATA)->p_paddr = MAX_ADDR - 0x3000;
	{
		struct elf_kernel k;
		char err[256];

		CHECK(parse(img, IMG_SIZE, &k, err) == 0 && k.end == MAX_ADDR);
	}
	phdr(img, PH_DATA)->p_paddr = ~0ull - 0x1000;
	CHECK(refused(img, IMG_SIZE, "outside guest RAM"));
	free(img);
}

static void test_notes(void)
{
	uint8_t *img = make_elf(4);
	size_t pos = NOTE_OFF;
	Elf64_Nhdr *nh;
	uint64_t high = 0x100001000ull;

	/* the PVH note is the third; find it and vary it */
	pos += sizeof(Elf64_Nhdr) + 4 + 20;
	pos += sizeof(Elf64_Nhdr) + 4 + 8;
	nh = (Elf64_Nhdr *)(img + pos);
	CHECK(nh->n_type == XEN_ELFNOTE_PHYS32_ENTRY);

	nh->n_type = 17;
	CHECK(refused(img, IMG_SIZE, "no PVH entry note"));
	nh->n_type = XEN_ELFNOTE_PHYS32_ENTRY;
	memcpy(img + pos + sizeof(*nh), "Xem", 4); /* another owner's type 18 */
	CHECK(refused(img, IMG_SIZE, "no PVH entry note"));
	memcpy(img + pos + sizeof(*nh), "Xen", 4);
	nh->n_descsz = 2;
	CHECK(refused(img, IMG_SIZE, "2 bytes"));
	nh->n_descsz = 4;
	phdr(img, PH_NOTE)->p_type = PT_NULL; /* notes not described at all */
	CHECK(refused(img, IMG_SIZE, "no PVH entry note"));
	phdr(img, PH_NOTE)->p_type = PT_NOTE;

	/* sizes running past the segment, including ones that wrap when padded */
	nh->n_namesz = 0xffffffff;
	CHECK(refused(img, IMG_SIZE, "malformed"));
	nh->n_namesz = 4;
	nh->n_descsz = 0xfffffffd;
	CHECK(refused(img, IMG_SIZE, "malformed"));
	nh->n_descsz = 4;
	phdr(img, PH_NOTE)->p_filesz -= 2; /* the last descriptor is cut */
	CHECK(refused(img, IMG_SIZE, "malformed"));
	free(img);

	/* the entry: above 4 GiB, in the data segment, past the text's file bytes */
	img = make_elf(8);
	pos = NOTE_OFF + 2 * sizeof(Elf64_Nhdr) + 4 + 20 + 4 + 8;
	memcpy(img + pos + sizeof(Elf64_Nhdr) + 4, &high, 8);
	CHECK(refused(img, IMG_SIZE, "above 4 GiB"));
	high = DATA_ADDR + 0x10;
	memcpy(img + pos + sizeof(Elf64_Nhdr) + 4, &high, 8);
	CHECK(refused(img, IMG_SIZE, "not inside an executable segment"));
	high = TEXT_ADDR + 0x2000;
	memcpy(img + pos + sizeof(Elf64_Nhdr) + 4, &high, 8);
	CHECK(refused(img, IMG_SIZE, "not inside an executable segment"));
	high = TEXT_ADDR + 0x1fff;
	memcpy(img + pos + sizeof(Elf64_Nhdr) + 4, &high, 8);
	{
		struct elf_kernel k;
		char err[256];

		CHECK(parse(img, IMG_SIZE, &k, err) == 0 && k.pvh_entry == TEXT_ADDR + 0x1fff);
	}
	free(img);
}

/* Random corruption of a good image: the parser may refuse, never crash (ASan watches). */
static void test_corruption(void)
{
	uint8_t *good = make_elf(8), *img = malloc(IMG_SIZE);
	unsigned int seed = 12345, accepted = 0;

	for (int round = 0; round < 20000; round++) {
		struct elf_kernel k;
		char err[256];
		size_t size = IMG_SIZE;

		memcpy(img, good, IMG_SIZE);
		/* hit the headers and notes, where the parser looks */
		for (int i = 0; i < 1 + round % 4; i++) {
			size_t at = rand_r(&seed) % (NOTE_OFF + 0x80);

			img[at] = (uint8_t)rand_r(&seed);
		}
		if (round % 7 == 0)
			size = rand_r(&seed) % IMG_SIZE;
		if (parse(img, size, &k, err) == 0) {
			accepted++;
			CHECK(k.nseg >= 1 && k.nseg <= ELF_MAX_LOADS);
			for (unsigned int i = 0; i < k.nseg; i++) {
				CHECK(k.seg[i].offset + k.seg[i].filesz <= size);
				CHECK(k.seg[i].paddr >= MIN_ADDR &&
				      k.seg[i].paddr + k.seg[i].memsz <= MAX_ADDR);
			}
		}
	}
	CHECK(accepted > 0); /* some corruption hits bytes nobody reads */
	free(img);
	free(good);
}

static void test_start_info(void)
{
	uint8_t buf[PVH_INFO_SIZE];
	struct pvh_info_args a = {.info_addr = BOOT_PVH_INFO_ADDR,
				  .ram_size = 5ull << 30,
				  .cmdline_addr = BOOT_CMDLINE_ADDR,
				  .rsdp_addr = BOOT_ACPI_ADDR,
				  .initrd_addr = 0x10000000,
				  .initrd_size = 12345};
	struct boot_e820_entry e820[PVH_MEMMAP_MAX];
	unsigned int n = boot_build_e820(e820, 5ull << 30);
	struct hvm_start_info si;
	struct hvm_modlist_entry mod;
	struct hvm_memmap_table_entry e;

	pvh_build_start_info(buf, &a);
	memcpy(&si, buf, sizeof(si));
	CHECK(si.magic == 0x336ec578);
	CHECK(si.version == 1);
	CHECK(si.cmdline_paddr == BOOT_CMDLINE_ADDR);
	CHECK(si.rsdp_paddr == BOOT_ACPI_ADDR);
	CHECK(si.nr_modules == 1);
	CHECK(si.modlist_paddr == BOOT_PVH_INFO_ADDR + PVH_MODLIST_OFFSET);
	CHECK(si.memmap_paddr == BOOT_PVH_INFO_ADDR + PVH_MEMMAP_OFFSET);
	CHECK(si.memmap_entries == n && n <= PVH_MEMMAP_MAX);
	CHECK(si.reserved == 0 && si.flags == 0);
	memcpy(&mod, buf + PVH_MODLIST_OFFSET, sizeof(mod));
	CHECK(mod.paddr == 0x10000000 && mod.size == 12345 && mod.cmdline_paddr == 0);
	for (unsigned int i = 0; i < n; i++) {
		memcpy(&e, buf + PVH_MEMMAP_OFFSET + i * sizeof(e), sizeof(e));
		CHECK(e.addr == e820[i].addr && e.size == e820[i].size && e.type == e820[i].type);
		CHECK(e.reserved == 0);
	}
	/* the RAM above 4 GiB is in the map */
	memcpy(&e, buf + PVH_MEMMAP_OFFSET + (n - 1) * sizeof(e), sizeof(e));
	CHECK(e.addr == MEM_4G && e.size == (2ull << 30) && e.type == 1);

	a.initrd_size = 0;
	pvh_build_start_info(buf, &a);
	memcpy(&si, buf, sizeof(si));
	CHECK(si.nr_modules == 0 && si.modlist_paddr == 0);
}

static void test_initrd(void)
{
	uint64_t addr;

	CHECK(pvh_place_initrd(0x3000000, 512ull << 20, 10000, &addr) == 0);
	CHECK(addr % 4096 == 0 && addr + 10000 <= (512ull << 20));
	CHECK(addr + 10000 > (512ull << 20) - 4096);
	/* with RAM above the gap, still below it (and so below 4 GiB, as Linux reads 32 bits) */
	CHECK(pvh_place_initrd(0x3000000, 8ull << 30, 1 << 20, &addr) == 0);
	CHECK(addr + (1 << 20) <= MEM_32BIT_GAP_START);
	CHECK(pvh_place_initrd(0x3000000, 64ull << 20, 20ull << 20, &addr) == -ENOSPC);
	CHECK(pvh_place_initrd(0x3000000, 64ull << 20, 100ull << 20, &addr) == -ENOSPC);
	CHECK(pvh_place_initrd(0x3000000, 64ull << 20, 0, &addr) == -ENOSPC);
}

static int copies;

static int copy_from_image(void *ctx, void *dst, uint64_t off, uint64_t len)
{
	copies++;
	memcpy(dst, (uint8_t *)ctx + off, len);
	return 0;
}

static int copy_fails(void *ctx, void *dst, uint64_t off, uint64_t len)
{
	(void)ctx, (void)dst, (void)off, (void)len;
	return -EIO;
}

static void test_load(void)
{
	const uint64_t ram_size = MAX_ADDR;
	uint8_t *img = make_elf(4), *ram = calloc(1, ram_size);
	struct gmem m = {0};
	struct elf_kernel k;
	struct boot_pvh_args a = {.image = img,
				  .kernel = &k,
				  .cmdline = "console=ttyS0 quiet",
				  .initrd_size = 1 << 20,
				  .rsdp_addr = BOOT_ACPI_ADDR};
	struct hvm_start_info si;
	uint64_t gdt_cs32;
	char err[256], longline[PVH_CMDLINE_MAX + 2];

	CHECK(gmem_add_slot(&m, 0, ram_size, ram) == 0);
	CHECK(elf_parse_pvh(img, IMG_SIZE, MIN_ADDR, ram_size, &k, err, sizeof(err)) == 0);
	CHECK(boot_pvh_load(&m, &a, err, sizeof(err)) == 0);
	CHECK(ram[TEXT_ADDR] == 0xcc && ram[TEXT_ADDR + 0x1fff] == 0xcc);
	CHECK(ram[DATA_ADDR] == 0xdd && ram[DATA_ADDR + 0x7ff] == 0xdd);
	CHECK(ram[DATA_ADDR + 0x800] == 0); /* bss */
	CHECK(!strcmp((char *)ram + BOOT_CMDLINE_ADDR, "console=ttyS0 quiet"));
	memcpy(&si, ram + BOOT_PVH_INFO_ADDR, sizeof(si));
	CHECK(si.magic == PVH_START_MAGIC && si.nr_modules == 1);
	CHECK(a.initrd_addr >= k.end && a.initrd_addr + (1 << 20) <= ram_size);
	memcpy(&gdt_cs32, ram + BOOT_GDT_ADDR + BOOT_CS32, 8);
	CHECK(((gdt_cs32 >> 40) & 0xff) == 0x9b); /* present code, read, accessed */
	CHECK(((gdt_cs32 >> 52) & 0xf) == 0xc);	  /* G and D: 32-bit, 4 GiB */

	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	a.cmdline = longline;
	CHECK(boot_pvh_load(&m, &a, err, sizeof(err)) == -E2BIG);
	CHECK(strstr(err, "2047") != NULL);
	a.cmdline = "";

	a.initrd_size = ram_size;
	CHECK(boot_pvh_load(&m, &a, err, sizeof(err)) == -ENOSPC);
	CHECK(strstr(err, "initrd") != NULL);

	/* segments through a copy callback (minivmm's pread), and its failure */
	a.initrd_size = 0;
	memset(ram + TEXT_ADDR, 0, 0x2000);
	a.copy = copy_from_image;
	a.copy_ctx = img;
	copies = 0;
	CHECK(boot_pvh_load(&m, &a, err, sizeof(err)) == 0);
	CHECK(copies == 2 && ram[TEXT_ADDR + 0x1fff] == 0xcc);
	a.copy = copy_fails;
	CHECK(boot_pvh_load(&m, &a, err, sizeof(err)) == -EIO);
	CHECK(strstr(err, "segment") != NULL);
	free(ram);
	free(img);
}

static void test_cpu_state(void)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	memset(&s, 0xff, sizeof(s));
	boot_pvh_cpu_sregs(&s);
	CHECK((s.cr0 & 1) && !(s.cr0 & 0x80000000ull)); /* PE, no paging */
	CHECK(s.cr4 == 0 && s.efer == 0);
	CHECK(s.cs.db == 1 && s.cs.l == 0 && s.cs.base == 0 && s.cs.limit == 0xffffffff);
	CHECK(s.cs.selector == BOOT_CS32 && (s.cs.type & 8));
	CHECK(s.ds.db == 1 && s.ss.limit == 0xffffffff && !(s.ds.type & 8));
	CHECK(s.tr.type == 11 && s.tr.limit == 0x67 && s.tr.base == 0);
	boot_pvh_cpu_regs(&r, 0x1000850, BOOT_PVH_INFO_ADDR);
	CHECK(r.rip == 0x1000850 && r.rbx == BOOT_PVH_INFO_ADDR);
	CHECK(!(r.rflags & ((1u << 9) | (1u << 8) | (1u << 17))));
}

int main(void)
{
	test_good();
	test_header();
	test_phdrs();
	test_segments_vs_ram();
	test_notes();
	test_corruption();
	test_start_info();
	test_initrd();
	test_load();
	test_cpu_state();
	return check_summary();
}

/*
 * boot/acpi.c and boot/acpi_aml.c: every table's checksum and length, the
 * links RSDP -> XSDT -> tables -> DSDT, one LAPIC per vCPU, the FADT's
 * hardware-reduced registers, the DSDT's AML bytes, -ENOSPC and -EINVAL.
 * Offsets are the ACPI 6.4 spec's, read with raw loads rather than through
 * acpi.c's structs, so a wrong struct layout fails here.
 *
 * With a directory argument it also writes RSDP and each table as SIG.dat for
 * `iasl -d` (tests/unit/test_acpi_iasl.sh).
 */
#include "boot/acpi.h"
#include "boot/acpi_aml.h"
#include "boot/layout.h"
#include "devices/platform.h"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The table ports must be the ones the platform device answers on. */
_Static_assert(ACPI_SLEEP_CONTROL_PORT == PLATFORM_ACPI_SLEEP_CTL, "sleep control port");
_Static_assert(ACPI_SLEEP_STATUS_PORT == PLATFORM_ACPI_SLEEP_STS, "sleep status port");
_Static_assert(ACPI_RESET_PORT == PLATFORM_ACPI_RESET, "reset port");
_Static_assert(ACPI_RESET_VALUE == PLATFORM_ACPI_RESET_VAL, "reset value");
_Static_assert(ACPI_S5_SLP_TYP == PLATFORM_ACPI_S5_TYPE, "S5 sleep type");
_Static_assert(ACPI_LAPIC_ADDR == LAPIC_ADDR && ACPI_IOAPIC_ADDR == IOAPIC_ADDR, "APICs");
_Static_assert(ACPI_TABLES_MAX == BOOT_ACPI_SIZE, "ACPI area");

#define HDR 36

static uint8_t buf[ACPI_TABLES_MAX];

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint8_t sum8(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

/* The table at gpa if its header and whole length lie inside the used bytes. */
static const uint8_t *table_at(uint64_t gpa, int used)
{
	uint64_t off = gpa - BOOT_ACPI_ADDR;
	const uint8_t *t;

	if (gpa < BOOT_ACPI_ADDR || off + HDR > (uint64_t)used)
		return NULL;
	t = buf + off;
	if (rd32(t + 4) < HDR || off + rd32(t + 4) > (uint64_t)used)
		return NULL;
	return t;
}

/* Signature, checksum over the length, OEM ID; NULL if anything is off. */
static const uint8_t *check_table(uint64_t gpa, int used, const char *sig)
{
	const uint8_t *t = table_at(gpa, used);

	CHECK(t != NULL);
	if (!t)
		return NULL;
	CHECK(!memcmp(t, sig, 4));
	CHECK(sum8(t, rd32(t + 4)) == 0);
	CHECK(!memcmp(t + 10, "MINVMM", 6));
	return memcmp(t, sig, 4) ? NULL : t;
}

static void dump(const char *dir, const char *name, const uint8_t *p, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(fwrite(p, 1, len, f) == len);
	fclose(f);
}

static void check_gas_port8(const uint8_t *g, uint16_t port)
{
	CHECK(g[0] == 1); /* system I/O */
	CHECK(g[1] == 8); /* bit width */
	CHECK(g[2] == 0); /* bit offset */
	CHECK(g[3] == 1); /* byte access */
	CHECK(rd64(g + 4) == port);
}

static void check_fadt(const uint8_t *f, uint64_t dsdt)
{
	uint32_t flags = rd32(f + 112);
	uint16_t boot_arch = rd16(f + 109);

	CHECK(rd32(f + 4) == 276);
	CHECK(f[8] == 6);	  /* revision */
	CHECK(rd32(f + 36) == 0); /* no FACS */
	CHECK(rd64(f + 132) == 0);
	CHECK(rd32(f + 40) == (uint32_t)dsdt);
	CHECK(rd64(f + 140) == dsdt);	 /* X_DSDT */
	CHECK(rd16(f + 46) == 0);	 /* SCI_INT unused when reduced */
	CHECK(flags & (1u << 20));	 /* HW_REDUCED_ACPI */
	CHECK(flags & (1u << 10));	 /* RESET_REG_SUP */
	CHECK(boot_arch & (1u << 2));	 /* VGA not present */
	CHECK(!(boot_arch & (1u << 1))); /* no 8042 */
	CHECK(!(boot_arch & (1u << 5))); /* CMOS RTC present */
	check_gas_port8(f + 116, 0x602); /* RESET_REG */
	CHECK(f[128] == 0x01);		 /* RESET_VALUE */
	check_gas_port8(f + 244, 0x600); /* SLEEP_CONTROL_REG */
	check_gas_port8(f + 256, 0x601); /* SLEEP_STATUS_REG */
	CHECK(!memcmp(f + 268, "MINIVMM", 7));
	for (int off = 148; off < 244; off++) /* X_PM1a_EVT_BLK .. X_GPE1_BLK */
		CHECK(f[off] == 0);
}

/* Walks the MADT's entries; every one must have its type's length. */
static void check_madt(const uint8_t *m, unsigned int nr_vcpus)
{
	uint32_t len = rd32(m + 4), off = 44;
	unsigned int lapics = 0, ioapics = 0, isos = 0, nmis = 0;

	CHECK(len == 44 + 8 * nr_vcpus + 12 + 10 + 6);
	CHECK(rd32(m + 36) == 0xfee00000);
	CHECK(rd32(m + 40) == 1); /* PCAT_COMPAT */
	while (off + 2 <= len && m[off + 1] >= 2 && off + m[off + 1] <= len) {
		const uint8_t *e = m + off;

		switch (e[0]) {
		case 0:
			CHECK(e[1] == 8);
			CHECK(e[2] == lapics && e[3] == lapics); /* UID = APIC ID = index */
			CHECK(rd32(e + 4) & 1);			 /* enabled */
			lapics++;
			break;
		case 1:
			CHECK(e[1] == 12);
			CHECK(e[2] == 0 && rd32(e + 4) == 0xfec00000 && rd32(e + 8) == 0);
			ioapics++;
			break;
		case 2:
			CHECK(e[1] == 10);
			CHECK(e[2] == 0 && e[3] == 0 && rd32(e + 4) == 2);
			isos++;
			break;
		case 4:
			CHECK(e[1] == 6);
			CHECK(e[2] == 0xff && e[5] == 1); /* all processors, LINT1 */
			nmis++;
			break;
		default:
			CHECK(!"unexpected MADT entry");
		}
		off += e[1];
	}
	CHECK(off == len);
	CHECK(lapics == nr_vcpus);
	CHECK(ioapics == 1 && isos == 1 && nmis == 1);
}

static void check_mcfg(const uint8_t *m)
{
	CHECK(rd32(m + 4) == 44 + 16);
	CHECK(rd64(m + 44) == 0xe0000000);
	CHECK(rd16(m + 52) == 0);	 /* segment */
	CHECK(m[54] == 0 && m[55] == 0); /* buses 0-0 */
}

static int has(const uint8_t *p, size_t len, const void *needle, size_t n)
{
	return memmem(p, len, needle, n) != NULL;
}

static void check_dsdt(const uint8_t *d)
{
	size_t len = rd32(d + 4);
	/* Name(_S5_, Package(4) {5, 0, 0, 0}) */
	static const uint8_t s5[] = {0x08, '_',	 'S',  '5',  '_',  0x12, 0x07,
				     0x04, 0x0a, 0x05, 0x00, 0x00, 0x00};
	/* Name(_HID, EISAID("PNP0A08")), Name(_CID, EISAID("PNP0A03")) */
	static const uint8_t hid[] = {0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x08,
				      0x08, '_', 'C', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03};
	/* DWordMemory window 0xc0000000-0xdfffffff, length 0x20000000 */
	static const uint8_t mem[] = {0x87, 0x17, 0x00, 0x00, 0x0c, 0x01, 0,	0,    0,
				      0,    0x00, 0x00, 0x00, 0xc0, 0xff, 0xff, 0xff, 0xdf};
	/* IO(Decode16, 0x3f8, 0x3f8, 1, 8), IRQNoFlags() {4} */
	static const uint8_t com1[] = {0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03,
				       0x01, 0x08, 0x22, 0x10, 0x00};

	CHECK(d[8] == 2); /* 64-bit integers */
	CHECK(has(d + HDR, len - HDR, "_S5_", 4));
	CHECK(has(d + HDR, len - HDR, s5, sizeof(s5)));
	CHECK(has(d + HDR, len - HDR, "PCI0", 4));
	CHECK(has(d + HDR, len - HDR, hid, sizeof(hid)));
	CHECK(has(d + HDR, len - HDR, mem, sizeof(mem)));
	CHECK(has(d + HDR, len - HDR, com1, sizeof(com1)));
}

/* Builds for nr_vcpus and follows every link from the RSDP. */
static void check_tables(unsigned int nr_vcpus, const char *dir)
{
	struct acpi_config cfg;
	const uint8_t *rsdp = buf, *xsdt, *fadt = NULL, *madt = NULL, *mcfg = NULL, *dsdt;
	uint64_t rsdp_gpa = 0;
	unsigned int n;
	int used;

	acpi_config_default(&cfg, nr_vcpus);
	memset(buf, 0xa5, sizeof(buf));
	used = acpi_build(buf, sizeof(buf), &cfg, &rsdp_gpa);
	CHECK(used > 0 && used <= (int)sizeof(buf));
	if (used <= 0)
		return;
	CHECK(rsdp_gpa == BOOT_ACPI_ADDR);
	for (size_t i = (size_t)used; i < sizeof(buf); i++)
		if (buf[i]) {
			CHECK(!"bytes past the tables are not zero");
			break;
		}

	CHECK(!memcmp(rsdp, "RSD PTR ", 8));
	CHECK(sum8(rsdp, 20) == 0);
	CHECK(sum8(rsdp, 36) == 0);
	CHECK(rsdp[15] == 2);	      /* revision */
	CHECK(rd32(rsdp + 20) == 36); /* length */
	CHECK(!memcmp(rsdp + 9, "MINVMM", 6));

	xsdt = check_table(rd64(rsdp + 24), used, "XSDT");
	if (!xsdt)
		return;
	n = (rd32(xsdt + 4) - HDR) / 8;
	CHECK(rd32(xsdt + 4) == HDR + 8 * n);
	CHECK(n == 3);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t gpa = rd64(xsdt + HDR + 8 * i);
		const uint8_t *t = table_at(gpa, used);

		CHECK(t != NULL);
		if (!t)
			continue;
		if (!memcmp(t, "FACP", 4))
			fadt = check_table(gpa, used, "FACP");
		else if (!memcmp(t, "APIC", 4))
			madt = check_table(gpa, used, "APIC");
		else if (!memcmp(t, "MCFG", 4))
			mcfg = check_table(gpa, used, "MCFG");
		else
			CHECK(!"unexpected table in the XSDT");
	}
	CHECK(fadt && madt && mcfg);
	if (!fadt || !madt || !mcfg)
		return;
	dsdt = check_table(rd64(fadt + 140), used, "DSDT");
	check_fadt(fadt, rd64(fadt + 140));
	check_madt(madt, nr_vcpus);
	check_mcfg(mcfg);
	if (dsdt)
		check_dsdt(dsdt);
	if (dir && dsdt) {
		dump(dir, "rsdp", rsdp, 36);
		dump(dir, "xsdt", xsdt, rd32(xsdt + 4));
		dump(dir, "facp", fadt, rd32(fadt + 4));
		dump(dir, "apic", madt, rd32(madt + 4));
		dump(dir, "mcfg", mcfg, rd32(mcfg + 4));
		dump(dir, "dsdt", dsdt, rd32(dsdt + 4));
	}
}

/* Every length short of the need fails with -ENOSPC and writes nothing past len. */
static void check_too_small(void)
{
	struct acpi_config cfg;
	uint64_t rsdp;
	int need, r, bad = 0, spill = 0;

	acpi_config_default(&cfg, 8);
	need = acpi_build(buf, sizeof(buf), &cfg, &rsdp);
	CHECK(need > 0);
	for (int len = 0; len < need; len++) {
		memset(buf, 0xa5, sizeof(buf));
		r = acpi_build(buf, (size_t)len, &cfg, &rsdp);
		bad += r != -ENOSPC;
		for (int i = len; i < need; i++)
			spill += buf[i] != 0xa5;
	}
	CHECK(bad == 0);
	CHECK(spill == 0);
	CHECK(acpi_build(buf, (size_t)need, &cfg, &rsdp) == need); /* exact fit */
}

static void check_bad_config(void)
{
	struct acpi_config cfg;
	uint64_t rsdp;

	acpi_config_default(&cfg, 0);
	CHECK(acpi_build(buf, sizeof(buf), &cfg, &rsdp) == -EINVAL);
	acpi_config_default(&cfg, ACPI_MAX_VCPUS + 1);
	CHECK(acpi_build(buf, sizeof(buf), &cfg, &rsdp) == -EINVAL);
	acpi_config_default(&cfg, ACPI_MAX_VCPUS);
	CHECK(acpi_build(buf, sizeof(buf), &cfg, &rsdp) > 0);
	acpi_config_default(&cfg, 1);
	cfg.base += 4;
	CHECK(acpi_build(buf, sizeof(buf), &cfg, &rsdp) == -EINVAL);
	acpi_config_default(&cfg, 1);
	cfg.ecam_base += 0x1000;
	CHECK(acpi_build(buf, sizeof(buf), &cfg, &rsdp) == -EINVAL);
	acpi_config_default(&cfg, 1);
	cfg.mmio_size = 0;
	CHECK(acpi_build(buf, sizeof(buf), &cfg, &rsdp) == -EINVAL);
	acpi_config_default(&cfg, 1);
	cfg.mmio_base = 0xf0000000;
	cfg.mmio_size = 0x20000000; /* past 4 GiB */
	CHECK(acpi_build(buf, sizeof(buf), &cfg, &rsdp) == -EINVAL);
}

/* Emits with f into a scratch buffer; returns acpi_aml_finish(). */
static int aml_run(void (*f)(struct acpi_aml *), uint8_t *out, size_t cap)
{
	struct acpi_aml a;

	acpi_aml_init(&a, out, cap);
	f(&a);
	return acpi_aml_finish(&a);
}

static void emit_integers(struct acpi_aml *a)
{
	acpi_aml_integer(a, 0);
	acpi_aml_integer(a, 1);
	acpi_aml_integer(a, 0xff);
	acpi_aml_integer(a, 0x100);
	acpi_aml_integer(a, 0x10000);
	acpi_aml_integer(a, 0x100000000ull);
}

static void emit_names(struct acpi_aml *a)
{
	acpi_aml_name(a, "\\_SB.PCI0");
	acpi_aml_name(a, "A.B.C");
	acpi_aml_name(a, "^X1");
}

/* 100 and 5000 byte buffers need 2- and 3-byte PkgLengths (20.2.4). */
static void emit_big_buffers(struct acpi_aml *a)
{
	acpi_aml_buffer(a);
	for (int i = 0; i < 100; i++)
		acpi_aml_integer(a, 0); /* one byte each */
	acpi_aml_close(a);
	acpi_aml_buffer(a);
	for (int i = 0; i < 5000; i++)
		acpi_aml_integer(a, 0);
	acpi_aml_close(a);
}

static void emit_bad_name(struct acpi_aml *a)
{
	acpi_aml_name(a, "1ABC");
}

static void emit_long_seg(struct acpi_aml *a)
{
	acpi_aml_name(a, "ABCDE");
}

static void emit_bad_eisaid(struct acpi_aml *a)
{
	acpi_aml_eisaid(a, "PNP0A0G");
}

static void emit_unclosed(struct acpi_aml *a)
{
	acpi_aml_scope(a, "\\_SB");
}

static void emit_extra_close(struct acpi_aml *a)
{
	acpi_aml_close(a);
}

static void emit_bad_window(struct acpi_aml *a)
{
	acpi_aml_rd_io_window(a, 0, 0xffff); /* length 0x10000 does not fit a word */
}

static void check_aml(void)
{
	static uint8_t out[8192];
	static const uint8_t ints[] = {0x00, 0x01, 0x0a, 0xff, 0x0b, 0x00, 0x01,
				       0x0c, 0x00, 0x00, 0x01, 0x00, 0x0e, 0x00,
				       0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
	static const uint8_t names[] = {0x08, 0x5c, 0x2e, '_', 'S',  'B',  '_', 'P', 'C', 'I', '0',
					0x08, 0x2f, 3,	  'A', '_',  '_',  '_', 'B', '_', '_', '_',
					'C',  '_',  '_',  '_', 0x08, 0x5e, 'X', '1', '_', '_'};
	int n;

	n = aml_run(emit_integers, out, sizeof(out));
	CHECK(n == (int)sizeof(ints) && !memcmp(out, ints, sizeof(ints)));
	n = aml_run(emit_names, out, sizeof(out));
	CHECK(n == (int)sizeof(names) && !memcmp(out, names, sizeof(names)));

	n = aml_run(emit_big_buffers, out, sizeof(out));
	/* 100 bytes: BufferOp, PkgLength 0x40|lo, hi; BufferSize 0x0a 100. */
	CHECK(n == (1 + 2 + 2 + 100) + (1 + 3 + 3 + 5000));
	CHECK(out[0] == 0x11 && out[1] == (0x40 | (104 & 0xf)) && out[2] == 104 >> 4);
	CHECK(out[3] == 0x0a && out[4] == 100);
	/* 5000 bytes: PkgLength 3 + WordConst 3 + 5000 = 5006 = 0x138e. */
	CHECK(out[105] == 0x11 && out[106] == (0x80 | 0xe) && out[107] == 0x38 && out[108] == 0x1);
	CHECK(out[109] == 0x0b && rd16(out + 110) == 5000);

	CHECK(aml_run(emit_bad_name, out, sizeof(out)) == -EINVAL);
	CHECK(aml_run(emit_long_seg, out, sizeof(out)) == -EINVAL);
	CHECK(aml_run(emit_bad_eisaid, out, sizeof(out)) == -EINVAL);
	CHECK(aml_run(emit_unclosed, out, sizeof(out)) == -EINVAL);
	CHECK(aml_run(emit_extra_close, out, sizeof(out)) == -EINVAL);
	CHECK(aml_run(emit_bad_window, out, sizeof(out)) == -EINVAL);
	CHECK(aml_run(emit_big_buffers, out, 200) == -ENOSPC);
}

int main(int argc, char **argv)
{
	check_tables(1, NULL);
	check_tables(4, NULL);
	check_tables(8, NULL);
	check_tables(64, NULL);
	check_tables(ACPI_MAX_VCPUS, NULL);
	check_too_small();
	check_bad_config();
	check_aml();
	if (argc > 1)
		check_tables(8, argv[1]);
	return check_summary();
}

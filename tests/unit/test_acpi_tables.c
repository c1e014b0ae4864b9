/*
 * ACPI tables: checksums, lengths, links from the RSDP down, one LAPIC per
 * vCPU, the hardware-reduced FADT registers. With a directory argument it
 * also writes each table there as NAME.dat for `iasl -d` (tests/unit/iasl.sh).
 */
#include "boot/acpi_tables.h"
#include "boot/layout.h"
#include "devices/platform.h"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint8_t buf[BOOT_ACPI_SIZE];

static const uint8_t *table_at(uint64_t gpa)
{
	return gpa >= BOOT_ACPI_ADDR && gpa < BOOT_ACPI_ADDR + sizeof(buf)
		       ? buf + (gpa - BOOT_ACPI_ADDR)
		       : NULL;
}

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void dump(const char *dir, const uint8_t *t)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%.4s.dat", dir, (const char *)t);
	f = fopen(path, "w");
	if (f) {
		fwrite(t, 1, u32(t + 4), f);
		fclose(f);
	}
}

static void check_tables(unsigned int ncpus, const char *dir)
{
	struct acpit_config c = { .ncpus = ncpus, .base = BOOT_ACPI_ADDR };
	const uint8_t *rsdp, *xsdt, *fadt = NULL, *madt = NULL, *mcfg = NULL, *dsdt;
	uint64_t rsdp_gpa;
	unsigned int lapics = 0;
	int used = acpit_build(buf, sizeof(buf), &c, &rsdp_gpa);

	CHECK(used > 0);
	rsdp = table_at(rsdp_gpa);
	CHECK(rsdp && !memcmp(rsdp, "RSD PTR ", 8));
	CHECK(acpit_checksum(rsdp, 20) == 0 && acpit_checksum(rsdp, 36) == 0);
	CHECK(rsdp[15] == 2);
	xsdt = table_at(u64(rsdp + 24));
	CHECK(xsdt && !memcmp(xsdt, "XSDT", 4));
	if (!xsdt)
		return;
	CHECK(acpit_checksum(xsdt, u32(xsdt + 4)) == 0);
	if (dir)
		dump(dir, xsdt);
	for (uint32_t off = 36; off < u32(xsdt + 4); off += 8) {
		const uint8_t *t = table_at(u64(xsdt + off));

		CHECK(t != NULL);
		if (!t)
			continue;
		CHECK(acpit_checksum(t, u32(t + 4)) == 0);
		if (!memcmp(t, "FACP", 4))
			fadt = t;
		else if (!memcmp(t, "APIC", 4))
			madt = t;
		else if (!memcmp(t, "MCFG", 4))
			mcfg = t;
		if (dir)
			dump(dir, t);
	}
	CHECK(fadt && madt && mcfg);
	if (!fadt || !madt || !mcfg)
		return;
	/* FADT: revision 6, 276 bytes, HW_REDUCED and RESET_REG_SUP, our ports. */
	CHECK(fadt[8] == 6 && u32(fadt + 4) == 276);
	CHECK(u32(fadt + 112) & (1u << 20));
	CHECK(u32(fadt + 112) & (1u << 10));
	CHECK(u64(fadt + 116 + 4) == PLATFORM_ACPI_RESET && fadt[128] == PLATFORM_ACPI_RESET_VAL);
	CHECK(u64(fadt + 244 + 4) == PLATFORM_ACPI_SLEEP_CTL);
	CHECK(u64(fadt + 256 + 4) == PLATFORM_ACPI_SLEEP_STS);
	CHECK(!(fadt[109] & 2)); /* no 8042 */
	dsdt = table_at(u64(fadt + 140));
	CHECK(dsdt && !memcmp(dsdt, "DSDT", 4) && acpit_checksum(dsdt, u32(dsdt + 4)) == 0);
	CHECK(dsdt && memmem(dsdt, u32(dsdt + 4), "_S5_", 4) && memmem(dsdt, u32(dsdt + 4), "PCI0", 4));
	if (dsdt && dir)
		dump(dir, dsdt);
	/* MADT: entries fill the table exactly; one enabled LAPIC per vCPU with APIC ID = index. */
	CHECK(u32(madt + 36) == LAPIC_ADDR);
	{
		uint32_t off = 44, len = u32(madt + 4);
		bool ioapic = false;

		while (off + 2 <= len && madt[off + 1] >= 2) {
			if (madt[off] == 0) {
				CHECK(madt[off + 3] == lapics && (madt[off + 4] & 1));
				lapics++;
			}
			if (madt[off] == 1)
				ioapic = u32(madt + off + 4) == IOAPIC_ADDR;
			off += madt[off + 1];
		}
		CHECK(off == len);
		CHECK(ioapic);
	}
	CHECK(lapics == ncpus);
	CHECK(u64(mcfg + 44) == PCI_ECAM_BASE && mcfg[54] == 0 && mcfg[55] == 0);
}

int main(int argc, char **argv)
{
	struct acpit_config c = { .ncpus = 1, .base = BOOT_ACPI_ADDR };
	uint64_t rsdp;

	check_tables(1, NULL);
	check_tables(8, NULL);
	check_tables(4, argc > 1 ? argv[1] : NULL);
	CHECK(acpit_build(buf, 100, &c, &rsdp) == -ENOSPC);
	c.ncpus = 0;
	CHECK(acpit_build(buf, sizeof(buf), &c, &rsdp) == -EINVAL);
	return check_summary();
}

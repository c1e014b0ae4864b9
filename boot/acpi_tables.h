/* ACPI tables for the guest: RSDP, XSDT, FADT (hardware-reduced), DSDT, MADT, MCFG. */
#ifndef MINIVMM_BOOT_ACPI_TABLES_H
#define MINIVMM_BOOT_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

struct acpit_config {
	unsigned int ncpus;  /* one LAPIC per vCPU, APIC ID = index */
	uint64_t base;       /* guest-physical address the buffer is copied to */
};

/*
 * Builds every table into buf (which will live at cfg->base) and returns the
 * bytes used, or -ENOSPC. *rsdp is the RSDP's guest address (at base). Pure.
 */
int acpit_build(uint8_t *buf, size_t len, const struct acpit_config *cfg, uint64_t *rsdp);

/* The byte checksum ACPI wants: the sum of all bytes of a table is zero. */
uint8_t acpit_checksum(const void *p, size_t len);

#endif

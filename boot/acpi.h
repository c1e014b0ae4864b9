/* ACPI tables for the guest: a pure function that fills a buffer (ACPI 6.4). */
#ifndef MINIVMM_BOOT_ACPI_H
#define MINIVMM_BOOT_ACPI_H

#include <stddef.h>
#include <stdint.h>

/*
 * The platform the tables describe (docs/CONVENTIONS.md). The devices answer
 * at these ports; the unit test checks they match devices/platform.h.
 */
#define ACPI_SLEEP_CONTROL_PORT 0x600 /* SLP_TYP (bits 2-4) + SLP_EN (bit 5), 8 bits */
#define ACPI_SLEEP_STATUS_PORT	0x601
#define ACPI_RESET_PORT		0x602
#define ACPI_RESET_VALUE	0x01
#define ACPI_S5_SLP_TYP		5     /* \_S5 package value: power-off */
#define ACPI_PCI_CONF1_PORT	0xcf8 /* 8 ports: address + data */
#define ACPI_COM1_PORT		0x3f8
#define ACPI_COM1_IRQ		4
#define ACPI_RTC_PORT		0x70
#define ACPI_LAPIC_ADDR		0xfee00000u
#define ACPI_IOAPIC_ADDR	0xfec00000u

#define ACPI_MAX_VCPUS	255	/* UID/APIC ID 0xff means "all processors" */
#define ACPI_TABLES_MAX 0x20000 /* 0xe0000-0xfffff */

struct acpi_config {
	unsigned int nr_vcpus; /* 1..ACPI_MAX_VCPUS; vCPU i has APIC ID and UID i */
	uint64_t base;	       /* gpa the buffer is copied to; 16-byte aligned */
	uint64_t ecam_base;    /* PCI ECAM for bus 0 (1 MiB), 1 MiB aligned, below 4 GiB */
	uint32_t mmio_base;    /* 32-bit PCI MMIO window for BARs */
	uint32_t mmio_size;
};

/* The config minivmm uses: boot/layout.h addresses and nr_vcpus. Pure. */
void acpi_config_default(struct acpi_config *cfg, unsigned int nr_vcpus);

/*
 * Builds RSDP (at cfg->base), XSDT, FADT, DSDT, MADT and MCFG into buf, which
 * the caller then copies to cfg->base. Returns the bytes used (the rest of buf
 * is zeroed), -ENOSPC if len is too small, or -EINVAL for a bad config.
 * *rsdp_gpa gets the RSDP's guest address (for boot_params.acpi_rsdp_addr).
 * Pure: no globals, no I/O; any thread, before the first KVM_RUN.
 */
int acpi_build(void *buf, size_t len, const struct acpi_config *cfg, uint64_t *rsdp_gpa);

/* The byte that makes the sum of len bytes at p zero (ACPI 5.2.6 Checksum). */
uint8_t acpi_checksum(const void *p, size_t len);

#endif

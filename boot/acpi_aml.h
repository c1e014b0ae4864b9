/*
 * A small AML byte encoder (ACPI 6.4 chapter 20) with the resource descriptors
 * (6.4) our DSDT needs. Internal to boot/acpi.c and its tests.
 *
 * Errors are sticky: the first one (-ENOSPC when the buffer is full, -EINVAL
 * for a bad name, value or nesting) stops all later writes and is what
 * acpi_aml_finish() returns, so callers check once at the end.
 */
#ifndef MINIVMM_BOOT_ACPI_AML_H
#define MINIVMM_BOOT_ACPI_AML_H

#include <stddef.h>
#include <stdint.h>

#define ACPI_AML_MAX_DEPTH 8

struct acpi_aml {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;
	unsigned int depth;
	struct {
		size_t gap; /* offset of the bytes reserved for PkgLength (+ BufferSize) */
		int buffer; /* a Buffer: BufferSize goes after the PkgLength */
	} open[ACPI_AML_MAX_DEPTH];
};

void acpi_aml_init(struct acpi_aml *a, void *buf, size_t cap);

/* Bytes used, or the first error. Also -EINVAL if a scope is still open. */
int acpi_aml_finish(const struct acpi_aml *a);

/* Integer as the shortest of ZeroOp, OneOp, Byte/Word/DWord/QWordConst (20.2.3). */
void acpi_aml_integer(struct acpi_aml *a, uint64_t v);

/* EISAID("PNP0A03"): a DWordConst with the compressed EISA ID (6.1.5). */
void acpi_aml_eisaid(struct acpi_aml *a, const char *id);

/* Name(NAME, ...): NameOp and the name string; the caller writes the object next. */
void acpi_aml_name(struct acpi_aml *a, const char *path);

/*
 * Open a Scope, Device, Package or Buffer; acpi_aml_close() ends the innermost
 * one and writes its PkgLength (20.2.4). Paths are AML name strings in ASL
 * spelling: "\\_SB", "PCI0", "\\_SB.PCI0"; short segments are padded with '_'.
 */
void acpi_aml_scope(struct acpi_aml *a, const char *path);
void acpi_aml_device(struct acpi_aml *a, const char *path);
void acpi_aml_package(struct acpi_aml *a, uint8_t nr_elements);
void acpi_aml_buffer(struct acpi_aml *a);
void acpi_aml_close(struct acpi_aml *a);

/* Resource descriptors (6.4.2, 6.4.3), inside a Buffer; finish with acpi_aml_rd_end(). */
void acpi_aml_rd_io(struct acpi_aml *a, uint16_t base, uint8_t len);
void acpi_aml_rd_irq(struct acpi_aml *a, unsigned int irq);
void acpi_aml_rd_bus_numbers(struct acpi_aml *a, uint16_t min, uint16_t max);
void acpi_aml_rd_io_window(struct acpi_aml *a, uint16_t min, uint16_t max);
void acpi_aml_rd_mem_window(struct acpi_aml *a, uint32_t min, uint32_t max);
void acpi_aml_rd_mem_fixed(struct acpi_aml *a, uint32_t base, uint32_t len);
void acpi_aml_rd_end(struct acpi_aml *a);

#endif

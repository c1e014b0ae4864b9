/*
 * ACPI tables (ACPI 6.4): Debian's kernels have no MP-table parser, so this is
 * how the guest finds its CPUs, IOAPIC, PCI host bridge, power-off and reset.
 * The FADT is hardware-reduced (5.2.9, HW_REDUCED_ACPI): no PM1 blocks, SCI,
 * GPEs or FACS to emulate; sleep and reset are three byte-wide I/O ports.
 */
#include "boot/acpi.h"
#include "boot/acpi_aml.h"
#include "boot/layout.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#define ACPI_OEM_ID	   "MINVMM"
#define ACPI_OEM_TABLE_ID  "MINIVMM "
#define ACPI_CREATOR_ID	   "MVMM"
#define ACPI_TABLE_ALIGN   16	     /* the RSDP must be; the rest follow suit */
#define ACPI_ECAM_BUS_SIZE 0x100000u /* 32 devices * 8 functions * 4 KiB */

/* System Description Table Header, 5.2.6. */
struct acpi_table_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_table_header) == 36, "ACPI 6.4 5.2.6");

/* Root System Description Pointer, 5.2.5.3 (revision 2: XSDT address). */
struct acpi_rsdp {
	char signature[8];
	uint8_t checksum; /* over the first 20 bytes (the ACPI 1.0 part) */
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* over the whole structure */
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI 6.4 5.2.5.3");

/* Generic Address Structure, 5.2.3.2. */
struct acpi_gas {
	uint8_t address_space_id;
	uint8_t register_bit_width;
	uint8_t register_bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "ACPI 6.4 5.2.3.2");

#define ACPI_GAS_SYSTEM_IO   1
#define ACPI_GAS_ACCESS_BYTE 1

/* Fixed ACPI Description Table, 5.2.9, revision 6 (ACPI 6.0+ adds the hypervisor id). */
struct acpi_fadt {
	struct acpi_table_header header;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t fadt_minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_identity;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_fadt) == 276, "ACPI 6.4 5.2.9, FADT revision 6");
/* The fields Linux and minivmm rely on, at their Table 5.9 offsets. */
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "ACPI 6.4 Table 5.9");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "ACPI 6.4 Table 5.9");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "ACPI 6.4 Table 5.9");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "ACPI 6.4 Table 5.9");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "ACPI 6.4 Table 5.9");
_Static_assert(offsetof(struct acpi_fadt, hypervisor_vendor_identity) == 268, "ACPI 6.4 Table 5.9");

#define ACPI_FADT_REVISION	6
#define ACPI_FADT_MINOR_VERSION 4 /* ACPI 6.4 */
/* FADT Flags (Table 5.10). */
#define ACPI_FADT_PWR_BUTTON	  (1u << 4) /* no fixed power button (none at all) */
#define ACPI_FADT_SLP_BUTTON	  (1u << 5) /* no fixed sleep button */
#define ACPI_FADT_RESET_REG_SUP	  (1u << 10)
#define ACPI_FADT_HW_REDUCED_ACPI (1u << 20)
/*
 * IA-PC Boot Architecture Flags (5.2.9.3). Only "VGA Not Present": without
 * the 8042 flag (bit 1) Linux's acpi_parse_fadt() marks the i8042 absent and
 * never probes it, and without "CMOS RTC Not Present" (bit 5) rtc-cmos binds
 * to our minimal RTC.
 */
#define ACPI_IAPC_VGA_NOT_PRESENT (1u << 2)

/* Multiple APIC Description Table, 5.2.12. */
struct acpi_madt {
	struct acpi_table_header header;
	uint32_t local_interrupt_controller_address;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "ACPI 6.4 5.2.12");

#define ACPI_MADT_REVISION    5
#define ACPI_MADT_PCAT_COMPAT 1u /* KVM's irqchip includes the dual 8259s */

/* Processor Local APIC Structure, 5.2.12.2. */
struct acpi_madt_local_apic {
	uint8_t type;
	uint8_t length;
	uint8_t acpi_processor_uid;
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_local_apic) == 8, "ACPI 6.4 5.2.12.2");

/* I/O APIC Structure, 5.2.12.3. */
struct acpi_madt_io_apic {
	uint8_t type;
	uint8_t length;
	uint8_t io_apic_id;
	uint8_t reserved;
	uint32_t io_apic_address;
	uint32_t global_system_interrupt_base;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_io_apic) == 12, "ACPI 6.4 5.2.12.3");

/* Interrupt Source Override Structure, 5.2.12.5. */
struct acpi_madt_interrupt_source_override {
	uint8_t type;
	uint8_t length;
	uint8_t bus;
	uint8_t source;
	uint32_t global_system_interrupt;
	uint16_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_interrupt_source_override) == 10, "ACPI 6.4 5.2.12.5");

/* Local APIC NMI Structure, 5.2.12.7. */
struct acpi_madt_local_apic_nmi {
	uint8_t type;
	uint8_t length;
	uint8_t acpi_processor_uid;
	uint16_t flags;
	uint8_t local_apic_lint;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_local_apic_nmi) == 6, "ACPI 6.4 5.2.12.7");

#define ACPI_MADT_TYPE_LOCAL_APIC     0
#define ACPI_MADT_TYPE_IO_APIC	      1
#define ACPI_MADT_TYPE_INT_OVERRIDE   2
#define ACPI_MADT_TYPE_LOCAL_APIC_NMI 4
#define ACPI_MADT_LAPIC_ENABLED	      1u
#define ACPI_MADT_ALL_PROCESSORS      0xff
#define ACPI_MADT_FLAGS_CONFORMING    0 /* polarity and trigger as the bus says */

/* PCI Express memory mapped configuration table (PCI Firmware spec 3.3, 4.1.2). */
struct acpi_mcfg {
	struct acpi_table_header header;
	uint8_t reserved[8];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_mcfg) == 44, "PCI Firmware 3.3 4.1.2");

struct acpi_mcfg_allocation {
	uint64_t base_address;
	uint16_t pci_segment_group_number;
	uint8_t start_bus_number;
	uint8_t end_bus_number;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_mcfg_allocation) == 16, "PCI Firmware 3.3 4.1.2");

#define ACPI_XSDT_ENTRIES 3 /* FADT, MADT, MCFG; the DSDT hangs off the FADT */

/* The output buffer: tables are carved from it in order, 16-byte aligned. */
struct acpi_out {
	uint8_t *buf;
	size_t cap;
	size_t used;
	uint64_t base;
};

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return (uint8_t)-sum;
}

/* Reserves size bytes; NULL (the caller returns -ENOSPC) when they do not fit. */
static void *acpi_alloc(struct acpi_out *o, size_t size, uint64_t *gpa)
{
	size_t off = (o->used + ACPI_TABLE_ALIGN - 1) & ~(size_t)(ACPI_TABLE_ALIGN - 1);

	if (off > o->cap || size > o->cap - off)
		return NULL;
	o->used = off + size;
	*gpa = o->base + off;
	return o->buf + off;
}

/* Fills the header and, last, the checksum over the whole table (5.2.6). */
static void acpi_finish_table(void *table, const char *sig, uint32_t length, uint8_t revision)
{
	struct acpi_table_header *h = table;

	memcpy(h->signature, sig, sizeof(h->signature));
	h->length = length;
	h->revision = revision;
	memcpy(h->oem_id, ACPI_OEM_ID, sizeof(h->oem_id));
	memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, sizeof(h->oem_table_id));
	h->oem_revision = 1;
	memcpy(h->creator_id, ACPI_CREATOR_ID, sizeof(h->creator_id));
	h->creator_revision = 1;
	h->checksum = 0;
	h->checksum = acpi_checksum(h, length);
}

/*
 * \_SB.PCI0 _CRS: Linux's ACPI root bridge driver takes the root bus's
 * resources from here (pci=nocrs aside), so the windows are where BARs may go.
 */
static void acpi_dsdt_pci0_crs(struct acpi_aml *a, const struct acpi_config *cfg)
{
	acpi_aml_name(a, "_CRS");
	acpi_aml_buffer(a);
	acpi_aml_rd_bus_numbers(a, 0, 0);
	/* Consumed by the bridge itself, so the windows below skip it. */
	acpi_aml_rd_io(a, ACPI_PCI_CONF1_PORT, 8);
	acpi_aml_rd_io_window(a, 0x0000, ACPI_PCI_CONF1_PORT - 1);
	acpi_aml_rd_io_window(a, ACPI_PCI_CONF1_PORT + 8, 0xffff); /* from 0xd00 */
	acpi_aml_rd_mem_window(a, cfg->mmio_base, cfg->mmio_base + (cfg->mmio_size - 1));
	acpi_aml_rd_end(a);
	acpi_aml_close(a);
}

/* PNP0A08 is a PCIe root bridge; the PNP0A03 _CID is what PCI-only code matches. */
static void acpi_dsdt_pci0(struct acpi_aml *a, const struct acpi_config *cfg)
{
	acpi_aml_device(a, "PCI0");
	acpi_aml_name(a, "_HID");
	acpi_aml_eisaid(a, "PNP0A08");
	acpi_aml_name(a, "_CID");
	acpi_aml_eisaid(a, "PNP0A03");
	acpi_aml_name(a, "_SEG");
	acpi_aml_integer(a, 0);
	acpi_aml_name(a, "_BBN");
	acpi_aml_integer(a, 0);
	acpi_aml_name(a, "_UID");
	acpi_aml_integer(a, 0);
	acpi_dsdt_pci0_crs(a, cfg);
	acpi_aml_close(a);
}

/*
 * The ECAM window as a motherboard resource (PNP0C02): the PCI Firmware spec
 * (4.1.2) requires MCFG ranges to be reserved this way, and Linux's
 * pci_mmcfg_late_init() otherwise logs "not reserved in ACPI motherboard
 * resources" and falls back to checking e820 (newer kernels may drop ECAM).
 */
static void acpi_dsdt_ecam(struct acpi_aml *a, const struct acpi_config *cfg)
{
	acpi_aml_device(a, "ECAM");
	acpi_aml_name(a, "_HID");
	acpi_aml_eisaid(a, "PNP0C02");
	acpi_aml_name(a, "_UID");
	acpi_aml_integer(a, 0);
	acpi_aml_name(a, "_CRS");
	acpi_aml_buffer(a);
	acpi_aml_rd_mem_fixed(a, (uint32_t)cfg->ecam_base, ACPI_ECAM_BUS_SIZE);
	acpi_aml_rd_end(a);
	acpi_aml_close(a);
	acpi_aml_close(a);
}

/*
 * COM1 as a PnP device. Hardware-reduced ACPI makes Linux drop the legacy PIC
 * (acpi_generic_reduced_hw_init), so ISA IRQs get no identity mapping; this
 * _CRS is how 8250_pnp learns port and IRQ and registers GSI 4 through ACPI.
 */
static void acpi_dsdt_com1(struct acpi_aml *a)
{
	acpi_aml_device(a, "COM1");
	acpi_aml_name(a, "_HID");
	acpi_aml_eisaid(a, "PNP0501");
	acpi_aml_name(a, "_UID");
	acpi_aml_integer(a, 1);
	acpi_aml_name(a, "_CRS");
	acpi_aml_buffer(a);
	acpi_aml_rd_io(a, ACPI_COM1_PORT, 8);
	acpi_aml_rd_irq(a, ACPI_COM1_IRQ);
	acpi_aml_rd_end(a);
	acpi_aml_close(a);
	acpi_aml_close(a);
}

/*
 * The CMOS clock, so rtc-cmos binds through PnP. No IRQ: minivmm's RTC has
 * no alarms or update interrupts, and without one rtc-cmos just reads time.
 */
static void acpi_dsdt_rtc(struct acpi_aml *a)
{
	acpi_aml_device(a, "RTC");
	acpi_aml_name(a, "_HID");
	acpi_aml_eisaid(a, "PNP0B00");
	acpi_aml_name(a, "_CRS");
	acpi_aml_buffer(a);
	acpi_aml_rd_io(a, ACPI_RTC_PORT, 2);
	acpi_aml_rd_end(a);
	acpi_aml_close(a);
	acpi_aml_close(a);
}

/*
 * \_S5 (ACPI 6.4 7.4, \_Sx): {SLP_TYPa, SLP_TYPb, reserved, reserved}. On a
 * hardware-reduced machine ACPICA writes SLP_TYPa << 2 | SLP_EN to the sleep
 * control register, which minivmm's platform device takes as power-off.
 */
static void acpi_dsdt_s5(struct acpi_aml *a)
{
	acpi_aml_name(a, "_S5");
	acpi_aml_package(a, 4);
	acpi_aml_integer(a, ACPI_S5_SLP_TYP);
	acpi_aml_integer(a, 0);
	acpi_aml_integer(a, 0);
	acpi_aml_integer(a, 0);
	acpi_aml_close(a);
}

/*
 * At the DSDT's top level the scope is the root, so "_SB" means "\_SB"; the
 * names carry no root prefix, as iasl's namepath optimizer would emit them
 * (tests/unit/test_acpi_iasl.sh compares our AML with iasl's, byte for byte).
 */
static void acpi_dsdt_body(struct acpi_aml *a, const struct acpi_config *cfg)
{
	acpi_dsdt_s5(a);
	acpi_aml_scope(a, "_SB");
	acpi_dsdt_pci0(a, cfg);
	acpi_dsdt_ecam(a, cfg);
	acpi_dsdt_com1(a);
	acpi_dsdt_rtc(a);
	acpi_aml_close(a);
}

/* Differentiated System Description Table, 5.2.11.1: header + AML. */
static int acpi_build_dsdt(struct acpi_out *o, const struct acpi_config *cfg, uint64_t *gpa)
{
	const size_t hdr = sizeof(struct acpi_table_header);
	struct acpi_aml a;
	uint8_t *t = acpi_alloc(o, hdr, gpa);
	int n;

	if (!t)
		return -ENOSPC;
	acpi_aml_init(&a, t + hdr, o->cap - o->used);
	acpi_dsdt_body(&a, cfg);
	n = acpi_aml_finish(&a);
	if (n < 0)
		return n;
	o->used += (size_t)n;
	/* Revision 2: integers are 64 bits wide (5.2.11.1). */
	acpi_finish_table(t, "DSDT", (uint32_t)(hdr + (size_t)n), 2);
	return 0;
}

static struct acpi_gas acpi_gas_port8(uint16_t port)
{
	struct acpi_gas g = {
	    .address_space_id = ACPI_GAS_SYSTEM_IO,
	    .register_bit_width = 8,
	    .access_size = ACPI_GAS_ACCESS_BYTE,
	    .address = port,
	};

	return g;
}

/*
 * FADT (5.2.9). Hardware-reduced: everything about PM1/GPE/SMI/SCI stays zero
 * and no FACS is given (allowed when HW_REDUCED_ACPI is set); sleep goes
 * through SLEEP_CONTROL_REG / SLEEP_STATUS_REG (4.8.3.7), reset through
 * RESET_REG (4.8.3.6). Linux then skips SCI setup and the legacy PIC/PIT.
 */
static int acpi_build_fadt(struct acpi_out *o, uint64_t dsdt, uint64_t *gpa)
{
	struct acpi_fadt *f = acpi_alloc(o, sizeof(*f), gpa);

	if (!f)
		return -ENOSPC;
	/* X_DSDT wins when set; DSDT too, equal, for readers that only know it. */
	f->dsdt = dsdt <= UINT32_MAX ? (uint32_t)dsdt : 0;
	f->x_dsdt = dsdt;
	f->iapc_boot_arch = ACPI_IAPC_VGA_NOT_PRESENT;
	f->flags = ACPI_FADT_HW_REDUCED_ACPI | ACPI_FADT_RESET_REG_SUP | ACPI_FADT_PWR_BUTTON |
		   ACPI_FADT_SLP_BUTTON;
	f->reset_reg = acpi_gas_port8(ACPI_RESET_PORT);
	f->reset_value = ACPI_RESET_VALUE;
	f->fadt_minor_version = ACPI_FADT_MINOR_VERSION;
	f->sleep_control_reg = acpi_gas_port8(ACPI_SLEEP_CONTROL_PORT);
	f->sleep_status_reg = acpi_gas_port8(ACPI_SLEEP_STATUS_PORT);
	memcpy(&f->hypervisor_vendor_identity, "MINIVMM", 8);
	acpi_finish_table(f, "FACP", sizeof(*f), ACPI_FADT_REVISION);
	return 0;
}

static uint8_t *acpi_madt_put(uint8_t *p, const void *entry, size_t len)
{
	memcpy(p, entry, len);
	return p + len;
}

static uint8_t *acpi_madt_lapics(uint8_t *p, unsigned int nr_vcpus)
{
	for (unsigned int i = 0; i < nr_vcpus; i++) {
		/* UID = APIC ID = index: vcpu i's KVM vcpu id and initial APIC ID. */
		struct acpi_madt_local_apic e = {
		    .type = ACPI_MADT_TYPE_LOCAL_APIC,
		    .length = sizeof(e),
		    .acpi_processor_uid = (uint8_t)i,
		    .apic_id = (uint8_t)i,
		    .flags = ACPI_MADT_LAPIC_ENABLED,
		};

		p = acpi_madt_put(p, &e, sizeof(e));
	}
	return p;
}

/* MADT (5.2.12): the CPUs, the IOAPIC, the PIT's reroute and LINT1 as NMI. */
static int acpi_build_madt(struct acpi_out *o, unsigned int nr_vcpus, uint64_t *gpa)
{
	const struct acpi_madt_io_apic ioapic = {
	    .type = ACPI_MADT_TYPE_IO_APIC,
	    .length = sizeof(ioapic),
	    .io_apic_id = 0,
	    .io_apic_address = ACPI_IOAPIC_ADDR,
	    .global_system_interrupt_base = 0,
	};
	/* ISA IRQ 0 (the PIT) is wired to IOAPIC pin 2, as on a PC and in KVM's routing. */
	const struct acpi_madt_interrupt_source_override iso = {
	    .type = ACPI_MADT_TYPE_INT_OVERRIDE,
	    .length = sizeof(iso),
	    .bus = 0, /* ISA */
	    .source = 0,
	    .global_system_interrupt = 2,
	    .flags = ACPI_MADT_FLAGS_CONFORMING,
	};
	/* LINT1 of every local APIC is the NMI input (edge, high: conforming for NMI). */
	const struct acpi_madt_local_apic_nmi nmi = {
	    .type = ACPI_MADT_TYPE_LOCAL_APIC_NMI,
	    .length = sizeof(nmi),
	    .acpi_processor_uid = ACPI_MADT_ALL_PROCESSORS,
	    .flags = ACPI_MADT_FLAGS_CONFORMING,
	    .local_apic_lint = 1,
	};
	size_t size = sizeof(struct acpi_madt) + nr_vcpus * sizeof(struct acpi_madt_local_apic) +
		      sizeof(ioapic) + sizeof(iso) + sizeof(nmi);
	struct acpi_madt *m = acpi_alloc(o, size, gpa);
	uint8_t *p;

	if (!m)
		return -ENOSPC;
	m->local_interrupt_controller_address = ACPI_LAPIC_ADDR;
	m->flags = ACPI_MADT_PCAT_COMPAT;
	p = acpi_madt_lapics((uint8_t *)(m + 1), nr_vcpus);
	p = acpi_madt_put(p, &ioapic, sizeof(ioapic));
	p = acpi_madt_put(p, &iso, sizeof(iso));
	acpi_madt_put(p, &nmi, sizeof(nmi));
	acpi_finish_table(m, "APIC", (uint32_t)size, ACPI_MADT_REVISION);
	return 0;
}

/* MCFG: one ECAM allocation, segment 0, bus 0 only (what the host bridge decodes). */
static int acpi_build_mcfg(struct acpi_out *o, uint64_t ecam_base, uint64_t *gpa)
{
	const struct acpi_mcfg_allocation alloc = {
	    .base_address = ecam_base,
	    .pci_segment_group_number = 0,
	    .start_bus_number = 0,
	    .end_bus_number = 0,
	};
	size_t size = sizeof(struct acpi_mcfg) + sizeof(alloc);
	struct acpi_mcfg *m = acpi_alloc(o, size, gpa);

	if (!m)
		return -ENOSPC;
	memcpy(m + 1, &alloc, sizeof(alloc));
	acpi_finish_table(m, "MCFG", (uint32_t)size, 1);
	return 0;
}

/* XSDT (5.2.8): 64-bit pointers, unaligned after the 36-byte header. */
static int acpi_build_xsdt(struct acpi_out *o, const uint64_t *entries, size_t n, uint64_t *gpa)
{
	size_t size = sizeof(struct acpi_table_header) + n * sizeof(uint64_t);
	struct acpi_table_header *x = acpi_alloc(o, size, gpa);

	if (!x)
		return -ENOSPC;
	memcpy(x + 1, entries, n * sizeof(uint64_t));
	acpi_finish_table(x, "XSDT", (uint32_t)size, 1);
	return 0;
}

/* RSDP (5.2.5.3): revision 2, no RSDT; Linux follows the XSDT. */
static void acpi_fill_rsdp(struct acpi_rsdp *r, uint64_t xsdt)
{
	memcpy(r->signature, "RSD PTR ", sizeof(r->signature));
	memcpy(r->oem_id, ACPI_OEM_ID, sizeof(r->oem_id));
	r->revision = 2;
	r->rsdt_address = 0;
	r->length = sizeof(*r);
	r->xsdt_address = xsdt;
	r->checksum = 0;
	r->checksum = acpi_checksum(r, 20);
	r->extended_checksum = 0;
	r->extended_checksum = acpi_checksum(r, sizeof(*r));
}

static int acpi_config_check(const struct acpi_config *cfg, size_t len)
{
	uint64_t mmio_end = (uint64_t)cfg->mmio_base + cfg->mmio_size;

	if (cfg->nr_vcpus < 1 || cfg->nr_vcpus > ACPI_MAX_VCPUS)
		return -EINVAL;
	if (cfg->base % ACPI_TABLE_ALIGN || cfg->base > UINT64_MAX - len)
		return -EINVAL;
	/* 4.1.2: the base is aligned to the buses' size; our PNP0C02 _CRS is 32-bit. */
	if (cfg->ecam_base % ACPI_ECAM_BUS_SIZE ||
	    cfg->ecam_base > (1ull << 32) - ACPI_ECAM_BUS_SIZE)
		return -EINVAL;
	if (!cfg->mmio_size || mmio_end > (1ull << 32))
		return -EINVAL;
	return 0;
}

void acpi_config_default(struct acpi_config *cfg, unsigned int nr_vcpus)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nr_vcpus = nr_vcpus;
	cfg->base = BOOT_ACPI_ADDR;
	cfg->ecam_base = PCI_ECAM_BASE;
	cfg->mmio_base = (uint32_t)PCI_MMIO_BASE;
	cfg->mmio_size = (uint32_t)PCI_MMIO_SIZE;
}

int acpi_build(void *buf, size_t len, const struct acpi_config *cfg, uint64_t *rsdp_gpa)
{
	struct acpi_out o = {.buf = buf, .cap = len, .base = cfg->base};
	uint64_t dsdt, xsdt, entries[ACPI_XSDT_ENTRIES];
	struct acpi_rsdp *rsdp;
	int r;

	r = acpi_config_check(cfg, len);
	if (r)
		return r;
	if (len)
		memset(buf, 0, len);
	/* First, at base: a guest without acpi_rsdp_addr scans 0xe0000-0xfffff for it. */
	rsdp = acpi_alloc(&o, sizeof(*rsdp), rsdp_gpa);
	if (!rsdp)
		return -ENOSPC;
	r = acpi_build_dsdt(&o, cfg, &dsdt);
	if (!r)
		r = acpi_build_fadt(&o, dsdt, &entries[0]);
	if (!r)
		r = acpi_build_madt(&o, cfg->nr_vcpus, &entries[1]);
	if (!r)
		r = acpi_build_mcfg(&o, cfg->ecam_base, &entries[2]);
	if (!r)
		r = acpi_build_xsdt(&o, entries, ACPI_XSDT_ENTRIES, &xsdt);
	if (r)
		return r;
	acpi_fill_rsdp(rsdp, xsdt);
	return (int)o.used;
}

/*
 * ACPI tables (ACPI 6.4). Debian's kernels have no MP-table support, so this
 * is how the guest finds its CPUs and IOAPIC. The FADT is hardware-reduced
 * (5.2.9, flag HW_REDUCED_ACPI): power-off and reset are two I/O ports, with no
 * PM1 blocks, SCI or GPEs to emulate.
 */
#include "boot/acpi_tables.h"
#include "boot/layout.h"
#include "devices/platform.h"

#include <errno.h>
#include <string.h>

#define OEM_ID       "MINVMM"
#define OEM_TABLE_ID "MINIVMM "

struct acpi_header {
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

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

/* Generic Address Structure (5.2.3.2). */
struct acpi_gas {
	uint8_t space_id; /* 1: system I/O */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size; /* 1: byte */
	uint64_t address;
} __attribute__((packed));

struct acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl, dsdt;
	uint8_t reserved0, preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk, pm2_cnt_blk, pm_tmr_blk;
	uint32_t gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len, gpe0_blk_len, gpe1_blk_len;
	uint8_t gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t fadt_minor_version;
	uint64_t x_firmware_ctrl, x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg, sleep_status_reg;
	uint64_t hypervisor_vendor_identity;
} __attribute__((packed));

struct acpi_madt_lapic {
	uint8_t type, length, processor_uid, apic_id;
	uint32_t flags;
} __attribute__((packed));

struct acpi_madt_ioapic {
	uint8_t type, length, ioapic_id, reserved;
	uint32_t address, gsi_base;
} __attribute__((packed));

struct acpi_madt_iso {
	uint8_t type, length, bus, source;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));

struct acpi_madt_lapic_nmi {
	uint8_t type, length, processor_uid;
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));

struct acpi_mcfg_alloc {
	uint64_t base;
	uint16_t segment;
	uint8_t start_bus, end_bus;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_header) == 36, "ACPI 5.2.6");
_Static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI 5.2.5.3");
_Static_assert(sizeof(struct acpi_gas) == 12, "ACPI 5.2.3.2");
_Static_assert(sizeof(struct acpi_fadt) == 276, "ACPI 6.x 5.2.9, FADT revision 6");
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "ACPI 5.2.12.2");
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "ACPI 5.2.12.3");
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "ACPI 5.2.12.5");
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "ACPI 5.2.12.7");
_Static_assert(sizeof(struct acpi_mcfg_alloc) == 16, "PCI Firmware spec 4.1.2");

#define FADT_PWR_BUTTON      (1u << 4)  /* no fixed power button */
#define FADT_SLP_BUTTON      (1u << 5)  /* no fixed sleep button */
#define FADT_RESET_REG_SUP   (1u << 10)
#define FADT_HW_REDUCED_ACPI (1u << 20)
#define IAPC_VGA_NOT_PRESENT (1u << 2)  /* no 8042 flag: Linux then skips probing it */

uint8_t acpit_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return (uint8_t)-sum;
}

static void header(struct acpi_header *h, const char *sig, uint32_t length, uint8_t revision)
{
	memcpy(h->signature, sig, 4);
	h->length = length;
	h->revision = revision;
	memcpy(h->oem_id, OEM_ID, 6);
	memcpy(h->oem_table_id, OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, "MVMM", 4);
	h->creator_revision = 1;
	h->checksum = 0;
	h->checksum = acpit_checksum(h, length);
}

/* --- AML (ACPI 20.2), just the few terms the DSDT needs --- */

struct aml {
	uint8_t *b;
	size_t n, cap;
};

static void aml_put(struct aml *a, const void *p, size_t len)
{
	if (a->n + len <= a->cap)
		memcpy(a->b + a->n, p, len);
	a->n += len; /* past cap: the caller sees n > cap and reports -ENOSPC */
}

static void aml_byte(struct aml *a, uint8_t v)
{
	aml_put(a, &v, 1);
}

/* PkgLength (20.2.4) counts itself; 1 to 3 bytes are enough for our sizes. */
static void aml_pkglength(struct aml *a, size_t body)
{
	size_t total;

	if (body + 1 < 0x40) {
		aml_byte(a, body + 1);
	} else if (body + 2 < 0x1000) {
		total = body + 2;
		aml_byte(a, 0x40 | (total & 0xf));
		aml_byte(a, total >> 4);
	} else {
		total = body + 3;
		aml_byte(a, 0x80 | (total & 0xf));
		aml_byte(a, (total >> 4) & 0xff);
		aml_byte(a, total >> 12);
	}
}

/* Wraps the bytes from start to the end as op PkgLength body (Scope, Device, Package, Buffer). */
static void aml_wrap(struct aml *a, size_t start, const uint8_t *op, size_t oplen)
{
	uint8_t body[1024];
	size_t len = a->n - start;

	if (a->n > a->cap || len > sizeof(body)) {
		a->n = a->cap + 1;
		return;
	}
	memcpy(body, a->b + start, len);
	a->n = start;
	aml_put(a, op, oplen);
	aml_pkglength(a, len);
	aml_put(a, body, len);
}

static void aml_name(struct aml *a, const char *seg)
{
	aml_byte(a, 0x08); /* NameOp */
	aml_put(a, seg, 4);
}

static void aml_dword(struct aml *a, uint32_t v)
{
	aml_byte(a, 0x0c); /* DWordPrefix */
	aml_put(a, &v, 4);
}

static void aml_int(struct aml *a, uint32_t v)
{
	if (v <= 1) {
		aml_byte(a, v); /* ZeroOp / OneOp */
	} else if (v <= 0xff) {
		aml_byte(a, 0x0a); /* BytePrefix */
		aml_byte(a, v);
	} else {
		aml_dword(a, v);
	}
}

/* EISAID("PNP0A03") as the compressed 32-bit form (ACPI 19.6.35). */
static uint32_t eisaid(const char *id)
{
	uint32_t hex = 0;

	for (int i = 3; i < 7; i++)
		hex = hex << 4 | (uint32_t)(id[i] <= '9' ? id[i] - '0' : id[i] - 'A' + 10);
	uint8_t b0 = ((id[0] - 0x40) << 2) | ((id[1] - 0x40) >> 3);
	uint8_t b1 = (((id[1] - 0x40) & 7) << 5) | (id[2] - 0x40);

	return b0 | b1 << 8 | ((hex >> 8) & 0xff) << 16 | (hex & 0xff) << 24;
}

static void aml_word_space(struct aml *a, uint8_t type, uint8_t type_flags, uint16_t min,
			   uint16_t max)
{
	/* Word Address Space Descriptor (6.4.3.5.3): producer, fixed min and max. */
	uint16_t f[5] = { 0, min, max, 0, (uint16_t)(max - min + 1) };

	aml_byte(a, 0x88);
	aml_byte(a, 13);
	aml_byte(a, 0);
	aml_byte(a, type);
	aml_byte(a, 0x0c);
	aml_byte(a, type_flags);
	aml_put(a, f, sizeof(f));
}

static void aml_dword_memory(struct aml *a, uint32_t min, uint32_t max)
{
	/* DWord Address Space Descriptor (6.4.3.5.2), read-write, non-cacheable. */
	uint32_t f[5] = { 0, min, max, 0, max - min + 1 };

	aml_byte(a, 0x87);
	aml_byte(a, 23);
	aml_byte(a, 0);
	aml_byte(a, 0);    /* memory range */
	aml_byte(a, 0x0c); /* min and max fixed, producer */
	aml_byte(a, 0x01); /* read-write */
	aml_put(a, f, sizeof(f));
}

static void aml_io(struct aml *a, uint16_t base, uint8_t len)
{
	uint8_t d[8] = { 0x47, 1, base & 0xff, base >> 8, base & 0xff, base >> 8, 1, len };

	aml_put(a, d, sizeof(d));
}

static void aml_end_tag(struct aml *a)
{
	aml_byte(a, 0x79);
	aml_byte(a, 0);
}

/* Name(_CRS, ResourceTemplate() { ... }) around what emit() writes. */
static void aml_crs(struct aml *a, void (*emit)(struct aml *))
{
	static const uint8_t buffer_op = 0x11;
	size_t start, inner;

	aml_name(a, "_CRS");
	start = a->n;
	inner = a->n;
	emit(a);
	aml_end_tag(a);
	/* BufferSize comes before the bytes, inside the Buffer's PkgLength. */
	{
		uint8_t bytes[256];
		size_t len = a->n - inner;

		if (len > sizeof(bytes) || a->n > a->cap) {
			a->n = a->cap + 1;
			return;
		}
		memcpy(bytes, a->b + inner, len);
		a->n = inner;
		aml_int(a, len);
		aml_put(a, bytes, len);
	}
	aml_wrap(a, start, &buffer_op, 1);
}

static void pci0_resources(struct aml *a)
{
	aml_word_space(a, 2, 0, 0, 0);             /* bus numbers 0-0 */
	aml_io(a, 0xcf8, 8);                        /* configuration mechanism #1 */
	aml_word_space(a, 1, 3, 0x0000, 0x0cf7);    /* I/O window below 0xcf8 */
	aml_word_space(a, 1, 3, 0x0d00, 0xffff);    /* and above it */
	aml_dword_memory(a, PCI_MMIO_BASE, PCI_MMIO_BASE + PCI_MMIO_SIZE - 1);
}

static void com1_resources(struct aml *a)
{
	uint8_t irq[3] = { 0x22, 1 << 4, 0 }; /* IRQNoFlags() {4} */

	aml_io(a, 0x3f8, 8);
	aml_put(a, irq, sizeof(irq));
}

static void rtc_resources(struct aml *a)
{
	aml_io(a, 0x70, 2); /* no IRQ 8: our RTC never raises alarms or update interrupts */
}

static void ecam_resources(struct aml *a)
{
	/* Memory32Fixed(ReadWrite, ECAM, 1 MiB) (6.4.3.4) */
	uint32_t base = PCI_ECAM_BASE, len = PCI_ECAM_SIZE;
	uint8_t d[12] = { 0x86, 9, 0, 1 };

	memcpy(d + 4, &base, 4);
	memcpy(d + 8, &len, 4);
	aml_put(a, d, sizeof(d));
}

static void dsdt_body(struct aml *a)
{
	static const uint8_t package_op = 0x12, scope_op = 0x10, device_op[2] = { 0x5b, 0x82 };
	size_t pkg, scope, dev;

	/* \_S5: SLP_TYP 5, what the sleep control register handler treats as power-off. */
	aml_name(a, "_S5_");
	pkg = a->n;
	aml_byte(a, 4);
	aml_int(a, PLATFORM_ACPI_S5_TYPE);
	aml_int(a, 0);
	aml_int(a, 0);
	aml_int(a, 0);
	aml_wrap(a, pkg, &package_op, 1);

	scope = a->n;
	aml_put(a, "\\_SB_", 5);

	dev = a->n;
	aml_put(a, "PCI0", 4);
	aml_name(a, "_HID");
	aml_dword(a, eisaid("PNP0A08"));
	aml_name(a, "_CID");
	aml_dword(a, eisaid("PNP0A03"));
	aml_name(a, "_SEG");
	aml_int(a, 0);
	aml_name(a, "_BBN");
	aml_int(a, 0);
	aml_name(a, "_UID");
	aml_int(a, 0);
	aml_crs(a, pci0_resources);
	aml_wrap(a, dev, device_op, 2);

	dev = a->n;
	aml_put(a, "COM1", 4);
	aml_name(a, "_HID");
	aml_dword(a, eisaid("PNP0501"));
	aml_name(a, "_UID");
	aml_int(a, 1);
	aml_crs(a, com1_resources);
	aml_wrap(a, dev, device_op, 2);

	/*
	 * Motherboard resources: the PCI Firmware spec (4.1.2) wants MCFG ranges
	 * reserved here; Linux otherwise leans on the e820 reservation alone.
	 */
	dev = a->n;
	aml_put(a, "RES0", 4);
	aml_name(a, "_HID");
	aml_dword(a, eisaid("PNP0C02"));
	aml_crs(a, ecam_resources);
	aml_wrap(a, dev, device_op, 2);

	/* The CMOS clock, so rtc-cmos binds through PnP instead of guessing. */
	dev = a->n;
	aml_put(a, "RTC_", 4);
	aml_name(a, "_HID");
	aml_dword(a, eisaid("PNP0B00"));
	aml_crs(a, rtc_resources);
	aml_wrap(a, dev, device_op, 2);

	aml_wrap(a, scope, &scope_op, 1);
}

/* --- the tables --- */

struct layout {
	uint8_t *buf;
	size_t len, used;
	uint64_t base;
};

/* Reserves size bytes, 16-byte aligned; NULL when the buffer is full. */
static void *alloc(struct layout *l, size_t size, uint64_t *gpa)
{
	size_t off = (l->used + 15) & ~(size_t)15;

	if (off + size > l->len)
		return NULL;
	l->used = off + size;
	*gpa = l->base + off;
	return l->buf + off;
}

static int build_dsdt(struct layout *l, uint64_t *gpa)
{
	uint8_t aml[1024];
	struct aml a = { .b = aml, .cap = sizeof(aml) };
	struct acpi_header *h;

	dsdt_body(&a);
	if (a.n > a.cap)
		return -ENOSPC;
	h = alloc(l, sizeof(*h) + a.n, gpa);
	if (!h)
		return -ENOSPC;
	memcpy(h + 1, aml, a.n);
	header(h, "DSDT", sizeof(*h) + a.n, 2);
	return 0;
}

static int build_fadt(struct layout *l, uint64_t dsdt, uint64_t *gpa)
{
	struct acpi_fadt *f = alloc(l, sizeof(*f), gpa);
	const struct acpi_gas port8 = { .space_id = 1, .bit_width = 8, .access_size = 1 };

	if (!f)
		return -ENOSPC;
	memset(f, 0, sizeof(*f));
	f->dsdt = (uint32_t)dsdt;
	f->x_dsdt = dsdt;
	f->flags = FADT_HW_REDUCED_ACPI | FADT_RESET_REG_SUP | FADT_PWR_BUTTON | FADT_SLP_BUTTON;
	f->iapc_boot_arch = IAPC_VGA_NOT_PRESENT;
	f->reset_reg = port8;
	f->reset_reg.address = PLATFORM_ACPI_RESET;
	f->reset_value = PLATFORM_ACPI_RESET_VAL;
	f->sleep_control_reg = port8;
	f->sleep_control_reg.address = PLATFORM_ACPI_SLEEP_CTL;
	f->sleep_status_reg = port8;
	f->sleep_status_reg.address = PLATFORM_ACPI_SLEEP_STS;
	f->fadt_minor_version = 4;
	memcpy(&f->hypervisor_vendor_identity, "MINIVMM", 7);
	header(&f->h, "FACP", sizeof(*f), 6);
	return 0;
}

static int build_madt(struct layout *l, unsigned int ncpus, uint64_t *gpa)
{
	size_t size = sizeof(struct acpi_header) + 8 + ncpus * sizeof(struct acpi_madt_lapic) +
		      sizeof(struct acpi_madt_ioapic) + sizeof(struct acpi_madt_iso) +
		      sizeof(struct acpi_madt_lapic_nmi);
	uint8_t *t = alloc(l, size, gpa), *p;
	uint32_t lapic_addr = LAPIC_ADDR, flags = 1; /* PCAT_COMPAT: 8259s present (KVM has them) */

	if (!t)
		return -ENOSPC;
	memset(t, 0, size);
	p = t + sizeof(struct acpi_header);
	memcpy(p, &lapic_addr, 4);
	memcpy(p + 4, &flags, 4);
	p += 8;
	for (unsigned int i = 0; i < ncpus; i++) {
		struct acpi_madt_lapic e = { 0, sizeof(e), i, i, 1 /* enabled */ };

		memcpy(p, &e, sizeof(e));
		p += sizeof(e);
	}
	{
		struct acpi_madt_ioapic io = { 1, sizeof(io), 0, 0, IOAPIC_ADDR, 0 };
		struct acpi_madt_iso iso = { 2, sizeof(iso), 0, 0, 2, 0 }; /* PIT IRQ 0 is GSI 2 */
		struct acpi_madt_lapic_nmi nmi = { 4, sizeof(nmi), 0xff, 0, 1 }; /* LINT1, all CPUs */

		memcpy(p, &io, sizeof(io));
		p += sizeof(io);
		memcpy(p, &iso, sizeof(iso));
		p += sizeof(iso);
		memcpy(p, &nmi, sizeof(nmi));
	}
	header((struct acpi_header *)t, "APIC", size, 5);
	return 0;
}

static int build_mcfg(struct layout *l, uint64_t *gpa)
{
	size_t size = sizeof(struct acpi_header) + 8 + sizeof(struct acpi_mcfg_alloc);
	uint8_t *t = alloc(l, size, gpa);
	struct acpi_mcfg_alloc e = { .base = PCI_ECAM_BASE, .segment = 0, .start_bus = 0,
				     .end_bus = 0 };

	if (!t)
		return -ENOSPC;
	memset(t, 0, size);
	memcpy(t + sizeof(struct acpi_header) + 8, &e, sizeof(e));
	header((struct acpi_header *)t, "MCFG", size, 1);
	return 0;
}

int acpit_build(uint8_t *buf, size_t len, const struct acpit_config *cfg, uint64_t *rsdp_gpa)
{
	struct layout l = { .buf = buf, .len = len, .base = cfg->base };
	uint64_t dsdt, fadt, madt, mcfg, xsdt_gpa;
	struct acpi_rsdp *rsdp;
	struct acpi_header *xsdt;
	uint64_t entries[3];

	if (cfg->ncpus == 0 || cfg->ncpus > 255)
		return -EINVAL;
	memset(buf, 0, len);
	/* The RSDP goes first, at base: 0xe0000 is where a BIOS-less guest scans for it. */
	rsdp = alloc(&l, sizeof(*rsdp), rsdp_gpa);
	if (!rsdp || build_dsdt(&l, &dsdt) || build_fadt(&l, dsdt, &fadt) ||
	    build_madt(&l, cfg->ncpus, &madt) || build_mcfg(&l, &mcfg))
		return -ENOSPC;
	entries[0] = fadt;
	entries[1] = madt;
	entries[2] = mcfg;
	xsdt = alloc(&l, sizeof(*xsdt) + sizeof(entries), &xsdt_gpa);
	if (!xsdt)
		return -ENOSPC;
	memcpy(xsdt + 1, entries, sizeof(entries));
	header(xsdt, "XSDT", sizeof(*xsdt) + sizeof(entries), 1);

	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, OEM_ID, 6);
	rsdp->revision = 2;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = xsdt_gpa;
	rsdp->checksum = acpit_checksum(rsdp, 20);
	rsdp->extended_checksum = acpit_checksum(rsdp, sizeof(*rsdp));
	return (int)l.used;
}

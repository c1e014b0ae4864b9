/*
 * AML encoder: the few terms of ACPI 6.4 chapter 20 and the resource
 * descriptors of 6.4 that our DSDT uses, written straight into the table
 * buffer. Nested objects reserve room for their PkgLength when opened; close
 * writes the shortest encoding and slides the body down over the spare bytes.
 */
#include "boot/acpi_aml.h"

#include <errno.h>
#include <string.h>

/* Opcodes, ACPI 6.4 20.2 (AML grammar). */
#define AML_ZERO_OP	      0x00
#define AML_ONE_OP	      0x01
#define AML_NAME_OP	      0x08
#define AML_BYTE_PREFIX	      0x0a
#define AML_WORD_PREFIX	      0x0b
#define AML_DWORD_PREFIX      0x0c
#define AML_QWORD_PREFIX      0x0e
#define AML_SCOPE_OP	      0x10
#define AML_BUFFER_OP	      0x11
#define AML_PACKAGE_OP	      0x12
#define AML_DUAL_NAME_PREFIX  0x2e
#define AML_MULTI_NAME_PREFIX 0x2f
#define AML_ROOT_CHAR	      0x5c
#define AML_PARENT_PREFIX     0x5e
#define AML_EXT_OP_PREFIX     0x5b
#define AML_DEVICE_OP	      0x82 /* after AML_EXT_OP_PREFIX */

#define AML_PKGLENGTH_MAX 4 /* 20.2.4: a lead byte and up to three more */
#define AML_INTEGER_MAX	  9 /* QWordPrefix + 8 bytes */
#define AML_MAX_SEGS	  16

/* Small and large resource items, 6.4.2 and 6.4.3. */
#define RD_IRQ_NOFLAGS 0x22 /* small item 0x04, 2 bytes: IRQNoFlags() */
#define RD_IO	       0x47 /* small item 0x08, 7 bytes */
#define RD_END_TAG     0x79 /* small item 0x0f, 1 byte */
#define RD_MEM32_FIXED 0x86
#define RD_DWORD_ADDR  0x87
#define RD_WORD_ADDR   0x88

/* Address space descriptor fields, 6.4.3.5. */
#define RD_SPACE_MEMORY	      0
#define RD_SPACE_IO	      1
#define RD_SPACE_BUS	      2
#define RD_GEN_PRODUCER_FIXED 0x0c /* _MAF and _MIF set, positive decode, producer */
#define RD_IO_ENTIRE_RANGE    0x03 /* _RNG: ISA and non-ISA ports */
#define RD_MEM_RW_UNCACHED    0x01 /* _RW set, _MEM non-cacheable */

static void aml_fail(struct acpi_aml *a, int err)
{
	if (!a->err)
		a->err = err;
}

static void aml_put(struct acpi_aml *a, const void *p, size_t n)
{
	if (a->err)
		return;
	if (n > a->cap - a->len) {
		aml_fail(a, -ENOSPC);
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void aml_byte(struct acpi_aml *a, uint8_t v)
{
	aml_put(a, &v, 1);
}

static void put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void acpi_aml_init(struct acpi_aml *a, void *buf, size_t cap)
{
	memset(a, 0, sizeof(*a));
	a->buf = buf;
	a->cap = cap;
}

int acpi_aml_finish(const struct acpi_aml *a)
{
	if (a->err)
		return a->err;
	if (a->depth)
		return -EINVAL;
	return (int)a->len;
}

/* The shortest integer encoding (20.2.3); returns its length. */
static size_t integer_encode(uint64_t v, uint8_t out[AML_INTEGER_MAX])
{
	unsigned int bytes;

	if (v <= 1) {
		out[0] = v ? AML_ONE_OP : AML_ZERO_OP;
		return 1;
	}
	if (v <= 0xff) {
		out[0] = AML_BYTE_PREFIX;
		bytes = 1;
	} else if (v <= 0xffff) {
		out[0] = AML_WORD_PREFIX;
		bytes = 2;
	} else if (v <= 0xffffffff) {
		out[0] = AML_DWORD_PREFIX;
		bytes = 4;
	} else {
		out[0] = AML_QWORD_PREFIX; /* needs a revision 2 DSDT (64-bit integers) */
		bytes = 8;
	}
	put_le(out + 1, v, bytes);
	return 1 + bytes;
}

void acpi_aml_integer(struct acpi_aml *a, uint64_t v)
{
	uint8_t enc[AML_INTEGER_MAX];

	aml_put(a, enc, integer_encode(v, enc));
}

/*
 * PkgLength (20.2.4) counts its own bytes plus the rest; one byte holds up to
 * 63, longer forms put the low nibble in the lead byte and 8 bits per extra
 * byte. Returns the encoding's length, 0 if rest is too large.
 */
static size_t pkglength_encode(size_t rest, uint8_t out[AML_PKGLENGTH_MAX])
{
	size_t total;

	if (rest + 1 < 0x40) {
		out[0] = (uint8_t)(rest + 1);
		return 1;
	}
	for (size_t n = 2; n <= AML_PKGLENGTH_MAX; n++) {
		total = rest + n;
		if (total >> (4 + 8 * (n - 1)))
			continue;
		out[0] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
		put_le(out + 1, total >> 4, n - 1);
		return n;
	}
	return 0;
}

static int is_lead_char(char c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

/* One NameSeg (20.2.2) from 1-4 characters of s, padded with '_'. */
static int nameseg_encode(const char *s, size_t n, uint8_t out[4])
{
	if (n == 0 || n > 4 || !is_lead_char(s[0]))
		return -EINVAL;
	for (size_t i = 0; i < 4; i++) {
		char c = i < n ? s[i] : '_';

		if (!is_lead_char(c) && !(c >= '0' && c <= '9'))
			return -EINVAL;
		out[i] = (uint8_t)c;
	}
	return 0;
}

/* Splits "A.B.C" into NameSegs; returns the count or -EINVAL. */
static int namepath_segs(const char *p, uint8_t segs[AML_MAX_SEGS][4])
{
	int n = 0;

	while (*p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		if (n == AML_MAX_SEGS || nameseg_encode(p, len, segs[n]))
			return -EINVAL;
		n++;
		p += len;
		if (*p == '.' && !*++p)
			return -EINVAL; /* trailing dot */
	}
	return n;
}

/* NameString (20.2.2): root or parent prefixes, then one, two or many NameSegs. */
static void aml_namestring(struct acpi_aml *a, const char *path)
{
	uint8_t segs[AML_MAX_SEGS][4];
	int n;

	if (*path == '\\') {
		aml_byte(a, AML_ROOT_CHAR);
		path++;
	}
	while (*path == '^') {
		aml_byte(a, AML_PARENT_PREFIX);
		path++;
	}
	n = namepath_segs(path, segs);
	if (n < 0) {
		aml_fail(a, n);
		return;
	}
	if (n == 0) {
		aml_byte(a, AML_ZERO_OP); /* NullName: "\" alone */
	} else if (n == 2) {
		aml_byte(a, AML_DUAL_NAME_PREFIX);
	} else if (n > 2) {
		aml_byte(a, AML_MULTI_NAME_PREFIX);
		aml_byte(a, (uint8_t)n);
	}
	aml_put(a, segs, 4 * (size_t)n);
}

void acpi_aml_name(struct acpi_aml *a, const char *path)
{
	aml_byte(a, AML_NAME_OP);
	aml_namestring(a, path);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * EISA ID (6.1.5): three letters of 5 bits each ('A' is 1) in a big-endian
 * 16-bit word, then four hex digits in two bytes, most significant first.
 */
void acpi_aml_eisaid(struct acpi_aml *a, const char *id)
{
	uint8_t enc[5] = {AML_DWORD_PREFIX};
	uint16_t vendor = 0;
	int d[4];

	if (strlen(id) != 7) {
		aml_fail(a, -EINVAL);
		return;
	}
	for (int i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			aml_fail(a, -EINVAL);
			return;
		}
		vendor = (uint16_t)(vendor << 5 | (id[i] - 'A' + 1));
	}
	for (int i = 0; i < 4; i++) {
		d[i] = hex_digit(id[3 + i]);
		if (d[i] < 0) {
			aml_fail(a, -EINVAL);
			return;
		}
	}
	enc[1] = vendor >> 8;
	enc[2] = vendor & 0xff;
	enc[3] = (uint8_t)(d[0] << 4 | d[1]);
	enc[4] = (uint8_t)(d[2] << 4 | d[3]);
	aml_put(a, enc, sizeof(enc));
}

/* Reserves the PkgLength (and a Buffer's BufferSize) to be filled by close. */
static void aml_open(struct acpi_aml *a, int buffer)
{
	uint8_t gap[AML_PKGLENGTH_MAX + AML_INTEGER_MAX] = {0};

	if (a->depth == ACPI_AML_MAX_DEPTH) {
		aml_fail(a, -EINVAL);
		return;
	}
	a->open[a->depth].gap = a->len;
	a->open[a->depth].buffer = buffer;
	a->depth++;
	aml_put(a, gap, AML_PKGLENGTH_MAX + (buffer ? AML_INTEGER_MAX : 0));
}

void acpi_aml_close(struct acpi_aml *a)
{
	uint8_t head[AML_PKGLENGTH_MAX + AML_INTEGER_MAX], size[AML_INTEGER_MAX];
	size_t gap, body, body_len, size_len = 0, head_len;

	if (!a->depth) {
		aml_fail(a, -EINVAL);
		return;
	}
	a->depth--;
	if (a->err)
		return;
	gap = a->open[a->depth].gap;
	body = gap + AML_PKGLENGTH_MAX + (a->open[a->depth].buffer ? AML_INTEGER_MAX : 0);
	body_len = a->len - body;
	if (a->open[a->depth].buffer)
		size_len = integer_encode(body_len, size);
	head_len = pkglength_encode(size_len + body_len, head);
	if (!head_len) {
		aml_fail(a, -ENOSPC);
		return;
	}
	memcpy(head + head_len, size, size_len);
	head_len += size_len;
	memcpy(a->buf + gap, head, head_len);
	memmove(a->buf + gap + head_len, a->buf + body, body_len);
	a->len = gap + head_len + body_len;
}

/* DefScope := ScopeOp PkgLength NameString TermList (20.2.5.1) */
void acpi_aml_scope(struct acpi_aml *a, const char *path)
{
	aml_byte(a, AML_SCOPE_OP);
	aml_open(a, 0);
	aml_namestring(a, path);
}

/* DefDevice := DeviceOp PkgLength NameString TermList (20.2.5.2) */
void acpi_aml_device(struct acpi_aml *a, const char *path)
{
	aml_byte(a, AML_EXT_OP_PREFIX);
	aml_byte(a, AML_DEVICE_OP);
	aml_open(a, 0);
	aml_namestring(a, path);
}

/* DefPackage := PackageOp PkgLength NumElements PackageElementList (20.2.5.4) */
void acpi_aml_package(struct acpi_aml *a, uint8_t nr_elements)
{
	aml_byte(a, AML_PACKAGE_OP);
	aml_open(a, 0);
	aml_byte(a, nr_elements);
}

/* DefBuffer := BufferOp PkgLength BufferSize ByteList (20.2.5.4) */
void acpi_aml_buffer(struct acpi_aml *a)
{
	aml_byte(a, AML_BUFFER_OP);
	aml_open(a, 1);
}

/* I/O Port Descriptor (6.4.2.5): a fixed range, 16-bit decode. */
void acpi_aml_rd_io(struct acpi_aml *a, uint16_t base, uint8_t len)
{
	uint8_t d[8] = {RD_IO, 0x01 /* _DEC: 16-bit */};

	put_le(d + 2, base, 2); /* _MIN */
	put_le(d + 4, base, 2); /* _MAX */
	d[6] = 1;		/* _ALN */
	d[7] = len;		/* _LEN */
	aml_put(a, d, sizeof(d));
}

/* IRQ Descriptor (6.4.2.1) without the info byte: ISA default, edge, active high. */
void acpi_aml_rd_irq(struct acpi_aml *a, unsigned int irq)
{
	uint8_t d[3] = {RD_IRQ_NOFLAGS};

	if (irq > 15) {
		aml_fail(a, -EINVAL);
		return;
	}
	put_le(d + 1, 1u << irq, 2);
	aml_put(a, d, sizeof(d));
}

/*
 * Word Address Space Descriptor (6.4.3.5.3). Min and max fixed, so by the
 * 6.4.3.5 rules _GRA is 0 and _LEN is max - min + 1, which must fit 16 bits.
 */
static void rd_word(struct acpi_aml *a, uint8_t type, uint8_t type_flags, uint16_t min,
		    uint16_t max)
{
	uint8_t d[16] = {RD_WORD_ADDR, 13, 0, type, RD_GEN_PRODUCER_FIXED, type_flags};
	uint32_t len = (uint32_t)max - min + 1;

	if (max < min || len > 0xffff) {
		aml_fail(a, -EINVAL);
		return;
	}
	put_le(d + 8, min, 2);
	put_le(d + 10, max, 2);
	put_le(d + 14, len, 2); /* _GRA (d + 6) and _TRA (d + 12) stay 0 */
	aml_put(a, d, sizeof(d));
}

void acpi_aml_rd_bus_numbers(struct acpi_aml *a, uint16_t min, uint16_t max)
{
	rd_word(a, RD_SPACE_BUS, 0, min, max);
}

void acpi_aml_rd_io_window(struct acpi_aml *a, uint16_t min, uint16_t max)
{
	rd_word(a, RD_SPACE_IO, RD_IO_ENTIRE_RANGE, min, max);
}

/* DWord Address Space Descriptor (6.4.3.5.2), memory, non-cacheable read-write. */
void acpi_aml_rd_mem_window(struct acpi_aml *a, uint32_t min, uint32_t max)
{
	uint8_t d[26] = {RD_DWORD_ADDR,	    23, 0, RD_SPACE_MEMORY, RD_GEN_PRODUCER_FIXED,
			 RD_MEM_RW_UNCACHED};
	uint64_t len = (uint64_t)max - min + 1;

	if (max < min || len > 0xffffffff) {
		aml_fail(a, -EINVAL);
		return;
	}
	put_le(d + 10, min, 4);
	put_le(d + 14, max, 4);
	put_le(d + 22, len, 4); /* _GRA (d + 6) and _TRA (d + 18) stay 0 */
	aml_put(a, d, sizeof(d));
}

/* 32-Bit Fixed Memory Range Descriptor (6.4.3.4), read-write. */
void acpi_aml_rd_mem_fixed(struct acpi_aml *a, uint32_t base, uint32_t len)
{
	uint8_t d[12] = {RD_MEM32_FIXED, 9, 0, 0x01 /* _RW */};

	put_le(d + 4, base, 4);
	put_le(d + 8, len, 4);
	aml_put(a, d, sizeof(d));
}

/* End Tag (6.4.2.9); a zero checksum means "treat as correct". */
void acpi_aml_rd_end(struct acpi_aml *a)
{
	uint8_t d[2] = {RD_END_TAG, 0};

	aml_put(a, d, sizeof(d));
}

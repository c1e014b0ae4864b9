/* The tiny guests' runtime; see lib.h. */
#include "lib.h"

#include <asm/bootparam.h>

unsigned long mmio_count;

void putc(char c)
{
	outb(COM1, c);
}

void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

void put_hex(uint64_t v, int digits)
{
	puts("0x");
	while (digits--)
		putc("0123456789abcdef"[(v >> (4 * digits)) & 0xf]);
}

void put_dec(uint64_t v)
{
	char buf[21];
	int i = sizeof(buf);

	buf[--i] = '\0';
	do
		buf[--i] = '0' + v % 10;
	while (v /= 10);
	puts(buf + i);
}

void put_kv(const char *s, uint64_t v)
{
	puts(s);
	put_hex(v, v > 0xffffffff ? 16 : v > 0xffff ? 8 : 4);
	putc('\n');
}

void guest_exit(uint8_t status)
{
	outb(EXIT_PORT, status);
	for (;;)
		__asm__ volatile("cli; hlt");
}

unsigned long cmdline_uint(const void *zero_page, const char *key, unsigned long dflt)
{
	const struct boot_params *bp = zero_page;
	const char *p = (const char *)(uintptr_t)bp->hdr.cmd_line_ptr;

	/* minivmm appends console= and reboot=: look for key as a whole word. */
	while (p && *p) {
		const char *k = key, *q = p;

		while (*k && *q == *k)
			k++, q++;
		if (!*k && *q == '=' && (p == (const char *)(uintptr_t)bp->hdr.cmd_line_ptr ||
					 p[-1] == ' ')) {
			unsigned long v = 0;

			for (q++; *q >= '0' && *q <= '9'; q++)
				v = v * 10 + (*q - '0');
			return v;
		}
		p++;
	}
	return dflt;
}

int pci_find(uint16_t vendor, uint16_t device)
{
	uint32_t want = (uint32_t)device << 16 | vendor;

	/* An empty slot reads as all ones; each read is one MMIO exit to minivmm. */
	for (unsigned int dev = 0; dev < 32; dev++)
		if (mmio_read32(ecam(dev, 0)) == want)
			return dev;
	return -1;
}

/* rep stosb / movsb: one instruction each, and gcc cannot turn them back into a memset call. */
void *memset(void *d, int c, size_t n)
{
	void *p = d;

	__asm__ volatile("rep stosb" : "+D"(p), "+c"(n) : "a"(c) : "memory");
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *p = d;

	__asm__ volatile("rep movsb" : "+D"(p), "+S"(s), "+c"(n) : : "memory");
	return d;
}

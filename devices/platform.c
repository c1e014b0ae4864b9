/* Platform ports; each handler is a few lines, so they share a file. */
#include "devices/platform.h"

#include <string.h>
#include <time.h>

#define ACPI_SLP_EN       0x20 /* ACPI 6.x 4.8.3.7: sleep control register bit 5 */
#define ACPI_SLP_TYP(v)   (((v) >> 2) & 7)
#define I8042_CMD_RESET   0xfe /* pulse the CPU reset line */

static void exit_write(void *opaque, uint64_t offset, const void *data, uint32_t len)
{
	struct platform *p = opaque;

	(void)offset;
	(void)len;
	p->stop(p->ctx, *(const uint8_t *)data);
}

static void zero_read(void *opaque, uint64_t offset, void *data, uint32_t len)
{
	(void)opaque;
	(void)offset;
	memset(data, 0, len); /* i8042 status 0: input buffer empty, so a reset write is never delayed */
}

static void ignore_write(void *opaque, uint64_t offset, const void *data, uint32_t len)
{
	(void)opaque;
	(void)offset;
	(void)data;
	(void)len;
}

static void i8042_cmd_write(void *opaque, uint64_t offset, const void *data, uint32_t len)
{
	struct platform *p = opaque;

	(void)len;
	(void)offset;
	if (*(const uint8_t *)data == I8042_CMD_RESET)
		p->stop(p->ctx, STOP_RESET);
}

static void acpi_write(void *opaque, uint64_t offset, const void *data, uint32_t len)
{
	struct platform *p = opaque;
	uint8_t v = *(const uint8_t *)data;

	(void)len;
	switch (PLATFORM_ACPI_SLEEP_CTL + offset) {
	case PLATFORM_ACPI_SLEEP_CTL:
		if ((v & ACPI_SLP_EN) && ACPI_SLP_TYP(v) == PLATFORM_ACPI_S5_TYPE)
			p->stop(p->ctx, STOP_POWEROFF);
		break;
	case PLATFORM_ACPI_RESET:
		if (v == PLATFORM_ACPI_RESET_VAL)
			p->stop(p->ctx, STOP_RESET);
		break;
	}
}

static uint8_t bcd(int v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

uint8_t platform_rtc_reg(uint8_t index, const struct tm *t)
{
	switch (index) {
	case 0x00: return bcd(t->tm_sec);
	case 0x02: return bcd(t->tm_min);
	case 0x04: return bcd(t->tm_hour);
	case 0x06: return bcd(t->tm_wday + 1);
	case 0x07: return bcd(t->tm_mday);
	case 0x08: return bcd(t->tm_mon + 1);
	case 0x09: return bcd(t->tm_year % 100);
	case 0x32: return bcd(19 + t->tm_year / 100); /* century */
	case 0x0a: return 0x26;                       /* 32.768 kHz divider, no update in progress */
	case 0x0b: return 0x02;                       /* 24-hour mode, BCD, no interrupts */
	case 0x0d: return 0x80;                       /* battery good: the time is valid */
	default: return 0;
	}
}

static void rtc_read(void *opaque, uint64_t offset, void *data, uint32_t len)
{
	struct platform *p = opaque;
	time_t now = time(NULL);
	struct tm t;

	memset(data, 0, len);
	if (offset != 1)
		return;
	gmtime_r(&now, &t);
	pthread_mutex_lock(&p->rtc_lock);
	*(uint8_t *)data = platform_rtc_reg(p->rtc_index, &t);
	pthread_mutex_unlock(&p->rtc_lock);
}

static void rtc_write(void *opaque, uint64_t offset, const void *data, uint32_t len)
{
	struct platform *p = opaque;

	(void)len;
	/* Bit 7 of the index port is the NMI mask; setting the time is not supported. */
	if (offset == 0) {
		pthread_mutex_lock(&p->rtc_lock);
		p->rtc_index = *(const uint8_t *)data & 0x7f;
		pthread_mutex_unlock(&p->rtc_lock);
	}
}

static const struct iobus_ops exit_ops = { .read = zero_read, .write = exit_write };
static const struct iobus_ops i8042_data_ops = { .read = zero_read, .write = ignore_write };
static const struct iobus_ops i8042_cmd_ops = { .read = zero_read, .write = i8042_cmd_write };
static const struct iobus_ops acpi_ops = { .read = zero_read, .write = acpi_write };
static const struct iobus_ops rtc_ops = { .read = rtc_read, .write = rtc_write };

void platform_init(struct platform *p, void (*stop)(void *, int), void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->stop = stop;
	p->ctx = ctx;
	pthread_mutex_init(&p->rtc_lock, NULL);
	/*
	 * glibc reads /etc/localtime on the first gmtime_r() too; do it now,
	 * before the syscall sandbox forbids open, not on the first RTC read.
	 */
	tzset();
}

int platform_register(struct platform *p, struct iobus *pio)
{
	int r;

	r = iobus_register(pio, PLATFORM_EXIT_PORT, 1, &exit_ops, p);
	if (!r)
		r = iobus_register(pio, PLATFORM_I8042_DATA, 1, &i8042_data_ops, p);
	/* 0x61-0x63 between them belong to KVM's in-kernel PIT (speaker port). */
	if (!r)
		r = iobus_register(pio, PLATFORM_I8042_CMD, 1, &i8042_cmd_ops, p);
	if (!r)
		r = iobus_register(pio, PLATFORM_RTC_PORT, 2, &rtc_ops, p);
	if (!r)
		r = iobus_register(pio, PLATFORM_ACPI_SLEEP_CTL, 3, &acpi_ops, p);
	return r;
}

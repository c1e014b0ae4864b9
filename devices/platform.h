/* The small PC platform ports: exit device, i8042 reset line, ACPI sleep/reset registers, CMOS RTC. */
#ifndef MINIVMM_DEVICES_PLATFORM_H
#define MINIVMM_DEVICES_PLATFORM_H

#include "vmm/iobus.h"

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#define PLATFORM_EXIT_PORT       0xf4
#define PLATFORM_I8042_DATA      0x60
#define PLATFORM_I8042_CMD       0x64
#define PLATFORM_RTC_PORT        0x70
#define PLATFORM_ACPI_SLEEP_CTL  0x600
#define PLATFORM_ACPI_SLEEP_STS  0x601
#define PLATFORM_ACPI_RESET      0x602
#define PLATFORM_ACPI_RESET_VAL  0x01
#define PLATFORM_ACPI_S5_TYPE    5

/* How the guest asked to stop, mapped to minivmm's exit statuses (docs/CONVENTIONS.md). */
#define STOP_POWEROFF 0
#define STOP_ERROR    1
#define STOP_VM_FAIL  2
#define STOP_RESET    3
#define STOP_TIMEOUT  124

struct platform {
	void (*stop)(void *ctx, int status); /* first caller wins; any thread */
	void *ctx;
	pthread_mutex_t rtc_lock;
	uint8_t rtc_index;
};

void platform_init(struct platform *p, void (*stop)(void *, int), void *ctx);

/* Claims all the platform's ports on the port bus. Set-up only. */
int platform_register(struct platform *p, struct iobus *pio);

/* CMOS register value for the given time (BCD, 24 h, as Linux's rtc-cmos expects). Pure. */
uint8_t platform_rtc_reg(uint8_t index, const struct tm *utc);

#endif

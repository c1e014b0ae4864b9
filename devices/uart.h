/* An 8250/16550A UART (COM1): the guest's console. */
#ifndef MINIVMM_DEVICES_UART_H
#define MINIVMM_DEVICES_UART_H

#include "vmm/iobus.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_COM1_BASE 0x3f8
#define UART_COM1_IRQ  4
#define UART_RX_SIZE   65536 /* host input waiting for the guest: a pasted or piped script */

struct uart {
	pthread_mutex_t lock; /* vCPU threads (register access) vs main thread (input) */
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thre_pending; /* the "transmitter empty" interrupt is waiting to be seen */
	bool irq_level;
	uint8_t loop_byte; /* loopback mode: the last byte sent, read back by the driver */
	bool loop_full;
	uint8_t rx[UART_RX_SIZE];
	size_t rx_head, rx_count;
	void (*set_irq)(void *ctx, bool level); /* drives the interrupt line */
	void (*tx)(void *ctx, uint8_t byte);    /* a byte the guest sent */
	void *ctx;
};

extern const struct iobus_ops uart_ops;

void uart_init(struct uart *u, void (*set_irq)(void *, bool), void (*tx)(void *, uint8_t), void *ctx);
void uart_destroy(struct uart *u);

/* Queues host input for the guest; returns how many bytes were taken. Main thread. */
size_t uart_push_input(struct uart *u, const uint8_t *buf, size_t len);

/* Free bytes in the input queue. */
size_t uart_rx_space(struct uart *u);

#endif

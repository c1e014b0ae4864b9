/* 8250 register behaviour: what Linux's probe, console and tty code rely on. */
#include "devices/uart.h"
#include "tests/unit/check.h"

#include <linux/serial_reg.h>
#include <string.h>

static struct uart u;
static int irq_level, irq_changes;
static char out[256];
static size_t out_len;

static void set_irq(void *ctx, bool level)
{
	(void)ctx;
	irq_level = level;
	irq_changes++;
}

static void tx(void *ctx, uint8_t b)
{
	(void)ctx;
	if (out_len < sizeof(out))
		out[out_len++] = (char)b;
}

static uint8_t rd(unsigned int reg)
{
	uint8_t v;

	uart_ops.read(&u, reg, &v, 1);
	return v;
}

static void wr(unsigned int reg, uint8_t v)
{
	uart_ops.write(&u, reg, &v, 1);
}

int main(void)
{
	uart_init(&u, set_irq, tx, NULL);

	/* Scratch register and loopback: Linux's autoconfig tests both. */
	wr(UART_SCR, 0xa5);
	CHECK(rd(UART_SCR) == 0xa5);
	wr(UART_MCR, UART_MCR_LOOP | 0x0a);
	CHECK((rd(UART_MSR) & 0xf0) == 0x90);
	wr(UART_TX, 'L');
	CHECK(rd(UART_LSR) & UART_LSR_DR);
	CHECK(rd(UART_RX) == 'L');
	CHECK(out_len == 0); /* looped back, not sent */
	wr(UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
	CHECK((rd(UART_MSR) & 0xb0) == 0xb0);

	/* FIFO enable shows as 16550A in IIR bits 7:6. */
	wr(UART_FCR, UART_FCR_ENABLE_FIFO);
	CHECK((rd(UART_IIR) & 0xc0) == 0xc0);

	/* Divisor latch. */
	wr(UART_LCR, UART_LCR_DLAB);
	wr(UART_DLL, 1);
	wr(UART_DLM, 0);
	CHECK(rd(UART_DLL) == 1);
	wr(UART_LCR, UART_LCR_WLEN8);

	/* Transmit, and the THRE interrupt when enabled. */
	wr(UART_TX, 'h');
	wr(UART_TX, 'i');
	CHECK(out_len == 2 && !memcmp(out, "hi", 2));
	CHECK(rd(UART_LSR) & UART_LSR_THRE);
	CHECK(!irq_level);
	wr(UART_IER, UART_IER_THRI);
	CHECK(irq_level);
	CHECK((rd(UART_IIR) & 0x0f) == UART_IIR_THRI); /* reading IIR acknowledges it */
	CHECK(!irq_level);
	CHECK((rd(UART_IIR) & 0x0f) == UART_IIR_NO_INT);
	wr(UART_IER, 0);

	/* Host input stays hidden until the driver enables receive interrupts. */
	CHECK(uart_push_input(&u, (const uint8_t *)"ab", 2) == 2);
	CHECK(!(rd(UART_LSR) & UART_LSR_DR));
	CHECK(rd(UART_RX) == 0);
	wr(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR); /* must not drop input */
	wr(UART_IER, UART_IER_RDI);
	CHECK(irq_level);
	CHECK((rd(UART_IIR) & 0x0f) == UART_IIR_RDI);
	CHECK(rd(UART_LSR) & UART_LSR_DR);
	CHECK(rd(UART_RX) == 'a');
	CHECK(rd(UART_RX) == 'b');
	CHECK(!(rd(UART_LSR) & UART_LSR_DR));
	CHECK(!irq_level);

	/* OUT2 gates the interrupt line. */
	wr(UART_MCR, 0);
	uart_push_input(&u, (const uint8_t *)"c", 1);
	CHECK(!irq_level);
	wr(UART_MCR, UART_MCR_OUT2);
	CHECK(irq_level);
	CHECK(rd(UART_RX) == 'c');

	/* The input queue is bounded. */
	{
		static uint8_t big[UART_RX_SIZE + 10];

		CHECK(uart_push_input(&u, big, sizeof(big)) == UART_RX_SIZE);
		CHECK(uart_rx_space(&u) == 0);
	}
	uart_destroy(&u);
	return check_summary();
}

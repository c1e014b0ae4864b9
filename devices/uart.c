/*
 * 8250/16550A UART. Transmission is instant, so the transmitter is always
 * empty; input comes from a host-side queue. Registers and bits follow the
 * 16550A data sheet and Linux's include/uapi/linux/serial_reg.h names.
 */
#include "devices/uart.h"

#include <linux/serial_reg.h>
#include <string.h>

/*
 * Host input is only shown to the guest while it listens (receive interrupts
 * on): Linux drains the receiver while it probes and opens the port, which
 * would otherwise eat the first bytes of a piped script.
 */
static bool rx_visible(const struct uart *u)
{
	return u->rx_count && (u->ier & UART_IER_RDI);
}

/* Data ready: in loopback mode only the looped-back byte counts, never host input. */
static bool data_ready(const struct uart *u)
{
	if (u->mcr & UART_MCR_LOOP)
		return u->loop_full;
	return rx_visible(u);
}

static uint8_t iir(const struct uart *u)
{
	uint8_t fifo = (u->fcr & UART_FCR_ENABLE_FIFO) ? 0xc0 : 0;

	if (data_ready(u) && (u->ier & UART_IER_RDI))
		return fifo | UART_IIR_RDI;
	if ((u->ier & UART_IER_THRI) && u->thre_pending)
		return fifo | UART_IIR_THRI;
	return fifo | UART_IIR_NO_INT;
}

/* On a PC, OUT2 gates the UART's interrupt onto the ISA bus. */
static void update_irq(struct uart *u)
{
	bool level = !(iir(u) & UART_IIR_NO_INT) && (u->mcr & UART_MCR_OUT2);

	if (level != u->irq_level) {
		u->irq_level = level;
		u->set_irq(u->ctx, level);
	}
}

static void rx_put(struct uart *u, uint8_t b)
{
	if (u->rx_count == UART_RX_SIZE)
		return; /* overrun: drop, as the hardware would */
	u->rx[(u->rx_head + u->rx_count) % UART_RX_SIZE] = b;
	u->rx_count++;
}

static uint8_t rx_get(struct uart *u)
{
	uint8_t b;

	if (!u->rx_count)
		return 0;
	b = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_RX_SIZE;
	u->rx_count--;
	return b;
}

static uint8_t msr(const struct uart *u)
{
	uint8_t m = 0;

	if (!(u->mcr & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS; /* a cable is plugged in */
	/* Loopback wires the modem outputs back to the inputs; Linux's probe checks this. */
	if (u->mcr & UART_MCR_DTR)
		m |= UART_MSR_DSR;
	if (u->mcr & UART_MCR_RTS)
		m |= UART_MSR_CTS;
	if (u->mcr & UART_MCR_OUT1)
		m |= UART_MSR_RI;
	if (u->mcr & UART_MCR_OUT2)
		m |= UART_MSR_DCD;
	return m;
}

static uint8_t reg_read(struct uart *u, unsigned int reg)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t v;

	switch (reg) {
	case UART_RX:
		if (dlab)
			return u->dll;
		if (u->mcr & UART_MCR_LOOP) {
			u->loop_full = false;
			return u->loop_byte;
		}
		return rx_visible(u) ? rx_get(u) : 0;
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		v = iir(u);
		/* Reading IIR is how the driver acknowledges "transmitter empty". */
		if ((v & 0x0f) == UART_IIR_THRI)
			u->thre_pending = false;
		return v;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		v = UART_LSR_THRE | UART_LSR_TEMT;
		if (data_ready(u))
			v |= UART_LSR_DR;
		return v;
	case UART_MSR:
		return msr(u);
	default:
		return u->scr;
	}
}

static void reg_write(struct uart *u, unsigned int reg, uint8_t v)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_TX:
		if (dlab) {
			u->dll = v;
		} else {
			if (u->mcr & UART_MCR_LOOP) {
				u->loop_byte = v;
				u->loop_full = true;
			} else
				u->tx(u->ctx, v);
			u->thre_pending = true;
		}
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = v;
		} else {
			/* Enabling THRI with an empty transmitter interrupts at once (8250 behaviour Linux relies on). */
			if ((v & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
				u->thre_pending = true;
			u->ier = v & 0x0f;
		}
		break;
	case UART_FCR:
		/*
		 * Clearing the receive FIFO is ignored: our queue is the wire, not
		 * the 16-byte FIFO, and host input must not be lost to a re-open.
		 */
		u->fcr = v & (UART_FCR_ENABLE_FIFO | 0xc0);
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		u->mcr = v & 0x1f;
		break;
	case UART_LSR:
	case UART_MSR:
		break; /* read-only */
	default:
		u->scr = v;
		break;
	}
}

static void uart_read(void *opaque, uint64_t offset, void *data, uint32_t len)
{
	struct uart *u = opaque;

	memset(data, 0, len);
	pthread_mutex_lock(&u->lock);
	*(uint8_t *)data = reg_read(u, offset & 7);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

static void uart_write(void *opaque, uint64_t offset, const void *data, uint32_t len)
{
	struct uart *u = opaque;

	(void)len;
	pthread_mutex_lock(&u->lock);
	reg_write(u, offset & 7, *(const uint8_t *)data);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

const struct iobus_ops uart_ops = { .read = uart_read, .write = uart_write };

void uart_init(struct uart *u, void (*set_irq)(void *, bool), void (*tx)(void *, uint8_t), void *ctx)
{
	memset(u, 0, sizeof(*u));
	pthread_mutex_init(&u->lock, NULL);
	u->set_irq = set_irq;
	u->tx = tx;
	u->ctx = ctx;
	u->lcr = UART_LCR_WLEN8;
	u->mcr = UART_MCR_OUT2;
}

void uart_destroy(struct uart *u)
{
	pthread_mutex_destroy(&u->lock);
}

size_t uart_push_input(struct uart *u, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&u->lock);
	while (n < len && u->rx_count < UART_RX_SIZE)
		rx_put(u, buf[n++]);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return n;
}

size_t uart_rx_space(struct uart *u)
{
	size_t n;

	pthread_mutex_lock(&u->lock);
	n = UART_RX_SIZE - u->rx_count;
	pthread_mutex_unlock(&u->lock);
	return n;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * 16550A UART on COM1. Interrupt-driven both ways. Output goes into a
 * 1 MiB buffer that a writer thread empties into stdout, so a guest never
 * waits on a reader that is slow or gone (what does not fit is dropped
 * and counted); host input is queued in a buffer the guest drains through
 * RX interrupts, and what does not fit stays with the caller.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hpv/hw.h"
#include "hpv/io.h"
#include "hpv/kvm.h"

enum {
	UART_RX = 0, UART_TX = 0, UART_DLL = 0,
	UART_IER = 1, UART_DLM = 1,
	UART_IIR = 2, UART_FCR = 2,
	UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};

#define IER_RDI  0x01
#define IER_THRI 0x02
#define IER_MASK 0x0f
#define IIR_NO_INT 0x01
#define IIR_THRI   0x02
#define IIR_RDI    0x04
#define IIR_FIFO   0xc0
#define FCR_FIFO_ENABLE 0x01
#define FCR_CLEAR_RCVR  0x02
#define LCR_DLAB 0x80
#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_DR   0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CTS  0x10
#define MSR_DSR  0x20
#define MSR_RI   0x40
#define MSR_DCD  0x80

static uint32_t serial__rx_count(const struct serial *s)
{
	return s->rx_tail - s->rx_head;
}

static uint8_t serial__iir(const struct serial *s)
{
	uint8_t fifo = (s->fcr & FCR_FIFO_ENABLE) ? IIR_FIFO : 0;

	if ((s->ier & IER_RDI) && serial__rx_count(s))
		return fifo | IIR_RDI;
	if ((s->ier & IER_THRI) && s->thri_pending)
		return fifo | IIR_THRI;
	return fifo | IIR_NO_INT;
}

/* Called with the lock held. The line is level-triggered, like ISA IRQ 4. */
static void serial__update_irq(struct serial *s)
{
	int level = !(serial__iir(s) & IIR_NO_INT);

	if (level != s->irq_level) {
		s->irq_level = level;
		if (s->set_irq)
			s->set_irq(s->irq_ctx, level);
	}
}

static void serial__push_rx(struct serial *s, uint8_t c)
{
	if (serial__rx_count(s) < SERIAL_RX_BUF) {
		s->rx[s->rx_tail++ % SERIAL_RX_BUF] = c;
		s->rx_bytes++;
	} else {
		s->rx_dropped++; /* the guest looping back more than it reads */
	}
}

/* Called with the lock held; never waits for the writer. */
static void serial__transmit(struct serial *s, uint8_t c)
{
	if (s->mcr & MCR_LOOP) {
		serial__push_rx(s, c);
		return;
	}
	s->tx_bytes++;
	pthread_mutex_lock(&s->tx_lock);
	if (!s->tx || s->tx_tail - s->tx_head >= SERIAL_TX_BUF) {
		s->tx_dropped++;
	} else {
		s->tx[s->tx_tail++ % SERIAL_TX_BUF] = c;
		pthread_cond_signal(&s->tx_ready);
	}
	pthread_mutex_unlock(&s->tx_lock);
}

/*
 * The writer: the buffer's oldest bytes out, without a lock held while
 * write() waits. A file that cannot take output any more (EPIPE, EBADF)
 * drops it, counted.
 */
static void *serial__writer(void *arg)
{
	struct serial *s = arg;

	pthread_mutex_lock(&s->tx_lock);
	for (;;) {
		uint32_t queued = s->tx_tail - s->tx_head, start = s->tx_head % SERIAL_TX_BUF;
		uint32_t len = queued < SERIAL_TX_BUF - start ? queued : SERIAL_TX_BUF - start;
		ssize_t n;

		if (!queued) {
			pthread_cond_broadcast(&s->tx_progress);
			if (s->writer_stop)
				break;
			pthread_cond_wait(&s->tx_ready, &s->tx_lock);
			continue;
		}
		pthread_mutex_unlock(&s->tx_lock);
		n = write(s->out_fd, s->tx + start, len);
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = s->out_fd, .events = POLLOUT };

			poll(&p, 1, 100);
		}
		pthread_mutex_lock(&s->tx_lock);
		if (n > 0) {
			s->tx_head += n;
			pthread_cond_broadcast(&s->tx_progress);
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			s->tx_dropped += queued;
			s->tx_head = s->tx_tail;
		}
	}
	pthread_mutex_unlock(&s->tx_lock);
	return NULL;
}

void serial__reset(struct serial *s, int out_fd, void (*set_irq)(void *, int), void *ctx)
{
	pthread_condattr_t attr;

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->tx_lock, NULL);
	pthread_cond_init(&s->tx_ready, NULL);
	/* the flush's bound is elapsed time: a step of the wall clock must
	 * not stretch it */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->tx_progress, &attr);
	pthread_condattr_destroy(&attr);
	s->out_fd = out_fd;
	s->set_irq = set_irq;
	s->irq_ctx = ctx;
	s->mcr = MCR_OUT2;
	if (out_fd < 0)
		return;
	/* without a buffer or a writer, output is dropped and counted */
	s->tx = malloc(SERIAL_TX_BUF);
	if (s->tx && !pthread_create(&s->writer, NULL, serial__writer, s))
		s->writer_started = true;
}

static struct timespec serial__after_ms(long ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

/*
 * What is buffered goes out while the reader keeps taking it: for at
 * most SERIAL_FLUSH_MS, and not a moment past SERIAL_STUCK_MS without
 * progress (a reader that is gone), as hpv must end promptly.
 */
#define SERIAL_FLUSH_MS 500
#define SERIAL_STUCK_MS 100

void serial__exit(struct serial *s)
{
	struct timespec end = serial__after_ms(SERIAL_FLUSH_MS), step;
	bool drained;

	if (!s->writer_started)
		goto out;
	pthread_mutex_lock(&s->tx_lock);
	while (s->tx_tail != s->tx_head) {
		uint32_t before = s->tx_head;
		bool last;

		step = serial__after_ms(SERIAL_STUCK_MS);
		last = step.tv_sec > end.tv_sec ||
		       (step.tv_sec == end.tv_sec && step.tv_nsec >= end.tv_nsec);
		if (pthread_cond_timedwait(&s->tx_progress, &s->tx_lock, last ? &end : &step) ==
			    ETIMEDOUT &&
		    (last || s->tx_head == before))
			break;
	}
	drained = s->tx_tail == s->tx_head;
	s->writer_stop = true;
	pthread_cond_signal(&s->tx_ready);
	pthread_mutex_unlock(&s->tx_lock);
	/* a writer stuck in write() on a reader that is gone is cancelled there */
	if (!drained)
		pthread_cancel(s->writer);
	pthread_join(s->writer, NULL);
	s->writer_started = false;
	s->tx_dropped += s->tx_tail - s->tx_head;
	s->tx_head = s->tx_tail;
out:
	free(s->tx);
	s->tx = NULL;
}

uint8_t serial__read(struct serial *s, unsigned int offset)
{
	uint8_t v = 0;

	pthread_mutex_lock(&s->lock);
	switch (offset) {
	case UART_RX:
		if (s->lcr & LCR_DLAB) {
			v = s->dll;
		} else if (serial__rx_count(s)) {
			v = s->rx[s->rx_head++ % SERIAL_RX_BUF];
		}
		break;
	case UART_IER:
		v = (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
		break;
	case UART_IIR:
		v = serial__iir(s);
		/* Reading IIR acknowledges a THRE interrupt. */
		if ((v & 0x0f) == IIR_THRI)
			s->thri_pending = false;
		break;
	case UART_LCR:
		v = s->lcr;
		break;
	case UART_MCR:
		v = s->mcr;
		break;
	case UART_LSR:
		v = LSR_THRE | LSR_TEMT | (serial__rx_count(s) ? LSR_DR : 0);
		break;
	case UART_MSR:
		if (s->mcr & MCR_LOOP) {
			v = ((s->mcr & MCR_RTS) ? MSR_CTS : 0) | ((s->mcr & MCR_DTR) ? MSR_DSR : 0) |
			    ((s->mcr & MCR_OUT1) ? MSR_RI : 0) | ((s->mcr & MCR_OUT2) ? MSR_DCD : 0);
		} else {
			v = MSR_DCD | MSR_DSR | MSR_CTS;
		}
		break;
	case UART_SCR:
		v = s->scr;
		break;
	}
	serial__update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return v;
}

void serial__write(struct serial *s, unsigned int offset, uint8_t val)
{
	pthread_mutex_lock(&s->lock);
	switch (offset) {
	case UART_TX:
		if (s->lcr & LCR_DLAB) {
			s->dll = val;
			break;
		}
		serial__transmit(s, val);
		/* The byte left at once: THR is empty again. */
		s->thri_pending = true;
		break;
	case UART_IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = val;
			break;
		}
		/* Enabling THRI while THR is empty raises it, as on hardware. */
		if ((val & IER_THRI) && !(s->ier & IER_THRI))
			s->thri_pending = true;
		s->ier = val & IER_MASK;
		break;
	case UART_FCR:
		s->fcr = val & FCR_FIFO_ENABLE;
		if (val & FCR_CLEAR_RCVR)
			s->rx_head = s->rx_tail;
		break;
	case UART_LCR:
		s->lcr = val;
		break;
	case UART_MCR:
		s->mcr = val & 0x1f;
		break;
	case UART_SCR:
		s->scr = val;
		break;
	}
	serial__update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

uint32_t serial__receive(struct serial *s, const uint8_t *buf, uint32_t len)
{
	uint32_t n;

	pthread_mutex_lock(&s->lock);
	for (n = 0; n < len && serial__rx_count(s) < SERIAL_RX_BUF; n++)
		serial__push_rx(s, buf[n]);
	serial__update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

static int serial__io(struct kvm_cpu *cpu, uint64_t port, void *data, uint32_t len, bool is_write,
		      void *ctx)
{
	struct serial *s = ctx;

	(void)cpu;
	if (len != 1)
		return -EINVAL;
	if (is_write)
		serial__write(s, port - SERIAL_COM1_PORT, *(uint8_t *)data);
	else
		*(uint8_t *)data = serial__read(s, port - SERIAL_COM1_PORT);
	return 0;
}

static void serial__kvm_irq(void *ctx, int level)
{
	kvm__irq_line(ctx, SERIAL_COM1_IRQ, level);
}

int serial__init(struct kvm *kvm, struct serial *s, int out_fd)
{
	serial__reset(s, out_fd, serial__kvm_irq, kvm);
	return io__register(&kvm->io, HPV_IO_PIO, SERIAL_COM1_PORT, 8, "serial", serial__io, s);
}

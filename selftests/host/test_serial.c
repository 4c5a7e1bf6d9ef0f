// SPDX-License-Identifier: GPL-2.0
/* 16550A register behaviour as Linux's 8250 driver probes and drives it. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "hpv/hw.h"

enum { RX = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

static int irq_level, irq_edges;

static void record_irq(void *ctx, int level)
{
	(void)ctx;
	irq_level = level;
	irq_edges++;
}

FIXTURE(uart)
{
	struct serial s;
	int pipe[2];
};

FIXTURE_SETUP(uart)
{
	ASSERT_EQ(0, pipe2(self->pipe, O_NONBLOCK));
	irq_level = irq_edges = 0;
	serial__reset(&self->s, self->pipe[1], record_irq, NULL);
}

FIXTURE_TEARDOWN(uart)
{
	serial__exit(&self->s);
	close(self->pipe[0]);
	close(self->pipe[1]);
}

TEST_F(uart, scratch_and_divisor_latch)
{
	serial__write(&self->s, SCR, 0x5a);
	EXPECT_EQ(0x5a, serial__read(&self->s, SCR));
	serial__write(&self->s, LCR, 0x83);
	serial__write(&self->s, RX, 0x01);
	serial__write(&self->s, IER, 0x00);
	EXPECT_EQ(0x01, serial__read(&self->s, RX));
	EXPECT_EQ(0x00, serial__read(&self->s, IER));
	serial__write(&self->s, LCR, 0x03);
	/* divisor writes never reach the wire */
	EXPECT_EQ(0, self->s.tx_bytes);
}

TEST_F(uart, identifies_as_16550a)
{
	serial__write(&self->s, FCR, 0x01);
	EXPECT_EQ(0xc0, serial__read(&self->s, IIR) & 0xc0);
	/* no 16750 64-byte FIFO bit, no XScale UUE bit */
	serial__write(&self->s, FCR, 0x21);
	EXPECT_EQ(0, serial__read(&self->s, IIR) & 0x20);
	serial__write(&self->s, IER, 0x40);
	EXPECT_EQ(0, serial__read(&self->s, IER) & 0x40);
}

TEST_F(uart, loopback_reflects_modem_control)
{
	serial__write(&self->s, MCR, 0x10 | 0x0a);
	EXPECT_EQ(0x90, serial__read(&self->s, MSR) & 0xf0);
	serial__write(&self->s, RX, 'L');
	EXPECT_EQ(1, serial__read(&self->s, LSR) & 0x01);
	EXPECT_EQ('L', serial__read(&self->s, RX));
	EXPECT_EQ(0, self->s.tx_bytes);
}

TEST_F(uart, transmit_reaches_the_host_and_raises_thri)
{
	char out[8] = { 0 };

	EXPECT_EQ(0x60, serial__read(&self->s, LSR) & 0x60);
	serial__write(&self->s, IER, 0x02);
	EXPECT_EQ(1, irq_level);
	EXPECT_EQ(0x02, serial__read(&self->s, IIR) & 0x0f);
	/* reading IIR acknowledged it */
	EXPECT_EQ(0, irq_level);
	EXPECT_EQ(0x01, serial__read(&self->s, IIR) & 0x0f);
	serial__write(&self->s, RX, 'h');
	serial__write(&self->s, RX, 'i');
	EXPECT_EQ(1, irq_level);
	serial__exit(&self->s); /* written out */
	EXPECT_EQ(2, read(self->pipe[0], out, sizeof(out)));
	EXPECT_STREQ("hi", out);
	EXPECT_EQ(2, self->s.tx_bytes);
}

TEST_F(uart, thre_reasserts_when_reenabled)
{
	/* Linux's UART_BUG_THRE probe: enable, ack, disable, enable again */
	serial__write(&self->s, IER, 0x02);
	serial__read(&self->s, IIR);
	serial__write(&self->s, IER, 0x00);
	serial__write(&self->s, IER, 0x02);
	EXPECT_EQ(0x02, serial__read(&self->s, IIR) & 0x0f);
}

TEST_F(uart, receive_interrupts_and_fifo_order)
{
	const uint8_t msg[] = "abc";

	serial__receive(&self->s, msg, 3);
	/* RX interrupts off: data waits, line stays low */
	EXPECT_EQ(0, irq_level);
	EXPECT_EQ(1, serial__read(&self->s, LSR) & 0x01);
	serial__write(&self->s, IER, 0x01);
	EXPECT_EQ(1, irq_level);
	EXPECT_EQ(0x04, serial__read(&self->s, IIR) & 0x0f);
	EXPECT_EQ('a', serial__read(&self->s, RX));
	EXPECT_EQ('b', serial__read(&self->s, RX));
	EXPECT_EQ('c', serial__read(&self->s, RX));
	EXPECT_EQ(0, serial__read(&self->s, LSR) & 0x01);
	EXPECT_EQ(0, irq_level);
}

TEST_F(uart, receive_buffer_holds_a_full_burst)
{
	static uint8_t burst[SERIAL_RX_BUF];
	uint32_t got = 0;

	for (uint32_t i = 0; i < sizeof(burst); i++)
		burst[i] = i * 7;
	EXPECT_EQ(sizeof(burst), serial__receive(&self->s, burst, sizeof(burst)));
	/* full: no more fits, and the caller keeps it */
	EXPECT_EQ(0, serial__receive(&self->s, burst, 1));
	while (serial__read(&self->s, LSR) & 0x01) {
		ASSERT_EQ((uint8_t)(got * 7), serial__read(&self->s, RX));
		got++;
	}
	EXPECT_EQ(sizeof(burst), got);
}

TEST_F(uart, fifo_reset_drops_pending_input)
{
	serial__receive(&self->s, (const uint8_t *)"xyz", 3);
	serial__write(&self->s, FCR, 0x03);
	EXPECT_EQ(0, serial__read(&self->s, LSR) & 0x01);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * The UART's register sequences: hw/serial.c driven directly through
 * serial__read, serial__write and serial__receive (and its port handler
 * in the table, with the port sizes KVM delivers), against a model of
 * what the guest must see: bytes received and looped back come out of RX
 * in order and none is invented, host input is taken while there is room,
 * transmitted bytes reach the host in order (through the writer thread
 * into a pipe) or are counted as dropped, LSR.DR says whether
 * one is waiting, registers read back what was written, and the interrupt
 * line (through fake_kvm's KVM_IRQ_LINE) follows the enabled causes.
 *
 * Input: a byte whose low six bits all set give the UART an output file
 * (a writer thread per input costs more than the rest of the input: most
 * of the time goes to starting and joining it), then operations, each an opcode
 * byte (operation, register) and operands.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fake_kvm.h"
#include "fuzz_input.h"
#include "hpv/hw.h"
#include "hpv/io.h"
#include "hpv/kvm.h"

enum { RX = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define LSR_DR   0x01
#define LSR_THRE 0x20
#define MAX_OPS  2048

/* What the guest may expect back. */
struct uart_model {
	uint8_t rx[SERIAL_RX_BUF];
	uint32_t head, tail; /* free-running */
	uint8_t lcr, mcr, ier, scr, dll, dlm;
	uint8_t tx[MAX_OPS]; /* what the host should get, in order */
	uint32_t nr_tx;
};

static struct kvm kvm;
static struct serial uart;
static struct uart_model m;
static int tx_pipe[2] = { -1, -1 };

static uint32_t model__count(void)
{
	return m.tail - m.head;
}

static void model__push(uint8_t c)
{
	if (model__count() < SERIAL_RX_BUF)
		m.rx[m.tail++ % SERIAL_RX_BUF] = c;
}

/*
 * Everything the guest sent, once the UART is shut down: what reached the
 * file is the start of it, in order, and the rest is counted as dropped
 * (serial__exit gives up on a writer that makes no progress).
 */
static void check_tx(bool has_output)
{
	static uint8_t got[MAX_OPS + 1];
	ssize_t n = read(tx_pipe[0], got, sizeof(got));

	if (n < 0)
		n = 0;
	fuzz__check(has_output || !n, "no output file, but %zd bytes out", n);
	fuzz__check(n <= m.nr_tx && !memcmp(got, m.tx, n) && n + uart.tx_dropped == m.nr_tx,
		    "sent %u bytes: %zd reached the file, %llu counted as dropped (writer %s)",
		    m.nr_tx, n, (unsigned long long)uart.tx_dropped,
		    has_output ? "started" : "none");
}

static void uart__write(unsigned int off, uint8_t v)
{
	bool dlab = m.lcr & LCR_DLAB;

	serial__write(&uart, off, v);
	switch (off) {
	case RX:
		if (dlab) {
			m.dll = v;
		} else if (m.mcr & MCR_LOOP) {
			model__push(v);
		} else {
			m.tx[m.nr_tx++] = v;
		}
		break;
	case IER:
		if (dlab)
			m.dlm = v;
		else
			m.ier = v & 0x0f;
		break;
	case FCR:
		if (v & 0x02)
			m.head = m.tail;
		break;
	case LCR: m.lcr = v; break;
	case MCR: m.mcr = v & 0x1f; break;
	case SCR: m.scr = v; break;
	}
}

static void uart__read(unsigned int off)
{
	bool dlab = m.lcr & LCR_DLAB;
	uint8_t v = serial__read(&uart, off);

	switch (off) {
	case RX:
		if (dlab) {
			fuzz__check(v == m.dll, "DLL 0x%x, wrote 0x%x", v, m.dll);
		} else if (model__count()) {
			uint8_t want = m.rx[m.head++ % SERIAL_RX_BUF];

			fuzz__check(v == want, "RX 0x%x, want 0x%x", v, want);
		}
		break;
	case IER:
		fuzz__check(v == (dlab ? m.dlm : m.ier), "IER/DLM 0x%x", v);
		break;
	case IIR:
		/* bit 0 clear: an interrupt pending, which only an enabled cause raises */
		fuzz__check((v & 1) || (m.ier & 0x03), "IIR 0x%x with IER 0x%x", v, m.ier);
		fuzz__check((v & 0x0f) != 0x04 || model__count(), "RDI without data");
		break;
	case LCR: fuzz__check(v == m.lcr, "LCR 0x%x, wrote 0x%x", v, m.lcr); break;
	case MCR: fuzz__check(v == m.mcr, "MCR 0x%x, wrote 0x%x", v, m.mcr); break;
	case LSR:
		fuzz__check(!!(v & LSR_DR) == !!model__count(), "LSR 0x%x with %u bytes queued", v,
			    model__count());
		fuzz__check(v & LSR_THRE, "LSR 0x%x: THR never fills", v);
		break;
	case SCR: fuzz__check(v == m.scr, "SCR 0x%x, wrote 0x%x", v, m.scr); break;
	}
}

/*
 * Host input: up to 1023 bytes from a generator the input seeds, so that a
 * few input bytes fill the 4 KiB queue. What fits is taken, the rest stays
 * with the caller; one byte past the room is as good a test of that as
 * many (and keeps an input's cost bounded by the queue's size).
 */
static void uart__receive(struct fuzz_in *in)
{
	uint8_t buf[1024];
	uint32_t n = fuzz_in__u16(in) % sizeof(buf), x = fuzz_in__u32(in) | 1;
	uint32_t room = SERIAL_RX_BUF - model__count(), took;

	if (n > room + 1)
		n = room + 1;
	for (uint32_t i = 0; i < n; i++) {
		/* xorshift32: no period a 4 KiB ring could hide a misplaced byte in */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = x;
	}
	took = serial__receive(&uart, buf, n);
	fuzz__check(took == (n < room ? n : room), "%u of %u bytes taken with room for %u", took, n,
		    room);
	for (uint32_t i = 0; i < took; i++)
		model__push(buf[i]);
}

/* Through the table, as an exit reaches it: wrong sizes change nothing. */
static void uart__io(struct fuzz_in *in)
{
	static const uint32_t sizes[] = { 1, 2, 4 };
	uint8_t sel = fuzz_in__u8(in);
	uint32_t len = sizes[sel % 3], v = fuzz_in__u32(in);
	unsigned int off = (sel >> 2) & 7;
	int ret;

	if (len == 1) {
		if (sel & 0x80)
			uart__write(off, v);
		else
			uart__read(off);
		return;
	}
	ret = io__access(&kvm.io, NULL, HPV_IO_PIO, SERIAL_COM1_PORT + off, &v, len, sel & 0x80);
	/* (the model knows byte accesses only, as the 8250 driver makes) */
	fuzz__check(ret, "a %u-byte access to COM1 + %u was served", len, off);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	bool has_output = (fuzz_in__u8(&in) & 0x3f) == 0x3f;
	int ret;

	/* (a pipe holds 64 KiB: more than MAX_OPS writes can send) */
	if (tx_pipe[0] < 0)
		fuzz__check(!pipe2(tx_pipe, O_NONBLOCK | O_CLOEXEC), "pipe");
	fake_kvm__reset(1);
	memset(&kvm, 0, sizeof(kvm));
	kvm.sys_fd = fake_kvm.sys_fd;
	kvm.vm_fd = fake_kvm.vm_fd;
	kvm.nr_cpus = 1;
	memset(&m, 0, sizeof(m));
	ret = serial__init(&kvm, &uart, has_output ? tx_pipe[1] : -1);
	fuzz__check(!ret, "serial__init: %d", ret);
	m.mcr = serial__read(&uart, MCR);

	for (int n = 0; n < MAX_OPS && !fuzz_in__empty(&in); n++) {
		uint8_t op = fuzz_in__u8(&in);

		switch (op % 4) {
		case 0: uart__read(op >> 2 & 7); break;
		case 1: uart__write(op >> 2 & 7, fuzz_in__u8(&in)); break;
		case 2: uart__receive(&in); break;
		case 3: uart__io(&in); break;
		}
		fuzz__check(uart.rx_tail - uart.rx_head == model__count(), "%u bytes queued, want %u",
			    uart.rx_tail - uart.rx_head, model__count());
		/* the line follows the enabled causes (THRE's pending flag is the UART's) */
		fuzz__check(fake_kvm.irq_level[SERIAL_COM1_IRQ] ==
				    (((m.ier & 0x01) && model__count()) ||
				     ((m.ier & 0x02) && uart.thri_pending)),
			    "IRQ %d with IER 0x%x, %u bytes", fake_kvm.irq_level[SERIAL_COM1_IRQ],
			    m.ier, model__count());
	}
	serial__exit(&uart);
	check_tx(has_output);
	return 0;
}

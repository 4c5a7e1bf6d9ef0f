/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HPV_HW_H
#define HPV_HW_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct kvm;

/* ACPI PM1a event/control block: poweroff through S5. */
#define PM_PORT_BASE    0x600
#define PM1_EVT_OFFSET  0
#define PM1_CNT_OFFSET  4
#define PM_PORT_LEN     6
/* Reset: the FADT reset register (0xcf9) and the keyboard controller. */
#define RESET_PORT      0xcf9
#define RESET_CF9_VALUE 0x06
#define I8042_CMD_PORT  0x64
#define I8042_CMD_RESET 0xfe

/*
 * Exit device: the guest's init reports its exit status here (a 32-bit
 * write to HPV_EXIT_PORT), and that it has started (any write to
 * HPV_EXIT_PORT + 4). QEMU's isa-debug-exit conventionally sits at 0xf4
 * too, so the same initramfs reports its status under QEMU.
 */
#define HPV_EXIT_PORT   0xf4
#define HPV_EXIT_LEN    8

/* Every device below: COM1 on out_fd (none if < 0), the PM block and
 * reset, the exit device, the CMOS clock, the delay port. */
struct serial;
int hw__init(struct kvm *kvm, struct serial *com1, int out_fd);

int pm__init(struct kvm *kvm);
int exitdev__init(struct kvm *kvm);
int rtc__init(struct kvm *kvm);
int iodelay__init(struct kvm *kvm);

/* 16550A UART */
#define SERIAL_COM1_PORT 0x3f8
#define SERIAL_COM1_IRQ  4
#define SERIAL_RX_BUF    4096
#define SERIAL_TX_BUF    (1u << 20) /* output on its way to out_fd */

/*
 * Neither side ever waits for the other end: the guest's output goes
 * into a buffer a thread of its own writes out (full: dropped, counted),
 * and host input the guest does not take is left to the caller.
 */
struct serial {
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thri_pending;
	uint8_t rx[SERIAL_RX_BUF];
	uint32_t rx_head, rx_tail; /* free-running; tail - head = bytes queued */
	int irq_level;
	uint64_t tx_bytes, rx_bytes, tx_dropped, rx_dropped;
	void (*set_irq)(void *ctx, int level);
	void *irq_ctx;

	/* output: the writer thread drains tx[] into out_fd */
	int out_fd;
	pthread_t writer;
	bool writer_started, writer_stop;
	pthread_mutex_t tx_lock;
	pthread_cond_t tx_ready, tx_progress;
	uint8_t *tx;
	uint32_t tx_head, tx_tail; /* free-running, like rx */
};

/* Ready to use, with a writer thread for out_fd (none if out_fd < 0). */
void serial__reset(struct serial *s, int out_fd, void (*set_irq)(void *, int), void *ctx);
/* Write out what is buffered, waiting at most half a second (a tenth where
 * the reader takes nothing), and stop the writer. */
void serial__exit(struct serial *s);
uint8_t serial__read(struct serial *s, unsigned int offset);
void serial__write(struct serial *s, unsigned int offset, uint8_t val);
/* Queue host input for the guest: how much of it fit (never waits). */
uint32_t serial__receive(struct serial *s, const uint8_t *buf, uint32_t len);
int serial__init(struct kvm *kvm, struct serial *s, int out_fd);

#endif

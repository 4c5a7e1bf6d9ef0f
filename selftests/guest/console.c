// SPDX-License-Identifier: GPL-2.0
/*
 * The console is a 16550A on IRQ 4 and is driven by interrupts both ways:
 * a burst of numbered lines (the host checks none is missing) raises
 * ttyS0's interrupt count, and a line the host types arrives on stdin.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <linux/serial.h>

#include "kselftest.h"

#define BURST_LINES 1000

static long ttys0_interrupts(void)
{
	char line[512];
	long total = -1;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		if (!strstr(line, "ttyS0"))
			continue;
		total = 0;
		strtol(p, &p, 10); /* IRQ number */
		p++;               /* ':' */
		for (;;) {
			char *end;
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			total += v;
			p = end;
		}
	}
	fclose(f);
	return total;
}

int main(void)
{
	const char *probe = getenv("HPV_RX_PROBE");
	struct serial_struct ss;
	long before, after;
	char buf[256];
	int fd;

	ksft_print_header();
	ksft_set_plan(3);

	fd = open("/dev/ttyS0", O_RDWR | O_NOCTTY);
	if (fd < 0 || ioctl(fd, TIOCGSERIAL, &ss))
		ksft_exit_fail_msg("cannot query /dev/ttyS0\n");
	ksft_test_result(ss.type == PORT_16550A && ss.irq == 4, "ttyS0 is a 16550A on IRQ 4 (type %d irq %d)\n",
			 ss.type, ss.irq);

	before = ttys0_interrupts();
	for (int i = 0; i < BURST_LINES; i++) {
		int n = snprintf(buf, sizeof(buf), "hpv-burst %04d %08x\n", i, i * 2654435761u);

		if (write(fd, buf, n) != n)
			break;
	}
	tcdrain(fd);
	after = ttys0_interrupts();
	ksft_print_msg("ttyS0 interrupts %ld -> %ld over a %d-line burst\n", before, after, BURST_LINES);
	/*
	 * At port start-up Linux's 8250 driver checks that THRE re-asserts;
	 * with SMP the IRQ handler on another vCPU can read IIR first and the
	 * driver then adds a backup timer (UART_BUG_THRE) and takes far fewer
	 * interrupts. It is a probe race in the driver, not lost output, so
	 * ask for THRE interrupts, not for one per FIFO load.
	 */
	if (after - before < BURST_LINES / 16)
		ksft_print_msg("few interrupts: the driver runs this port with its THRE backup timer\n");
	ksft_test_result(before >= 0 && after > before, "transmit raised THRE interrupts\n");

	if (!probe) {
		ksft_test_result_skip("receive: HPV_RX_PROBE not set\n");
	} else {
		struct pollfd pfd = { .fd = 0, .events = POLLIN };
		int waited_ms = 0, eofs = 0;
		ssize_t n = 0;

		/*
		 * The host sends the probe only once it sees this line; straight
		 * to the UART, since stdout may be a pipe to the TAP runner.
		 */
		dprintf(fd, "hpv-rx-ready\n");
		buf[0] = 0;
		while (waited_ms < 60000 && !strstr(buf, probe)) {
			int r = poll(&pfd, 1, 1000);

			waited_ms += 1000;
			if (r != 1)
				continue;
			n = read(0, buf, sizeof(buf) - 1);
			buf[n > 0 ? n : 0] = 0;
			if (n <= 0 && ++eofs < 5)
				ksft_print_msg("stdin: read %zd, revents 0x%x\n", n, pfd.revents);
			if (n <= 0)
				usleep(100000);
		}
		if (!strstr(buf, probe)) {
			FILE *f = fopen("/proc/tty/driver/serial", "r");
			char l[256];

			while (f && fgets(l, sizeof(l), f))
				if (!strncmp(l, "0:", 2))
					ksft_print_msg("%s", l);
			if (f)
				fclose(f);
		}
		ksft_test_result(strstr(buf, probe) != NULL && ttys0_interrupts() > after,
				 "a line typed on the host arrived by interrupt\n");
	}
	close(fd);
	ksft_finished();
}

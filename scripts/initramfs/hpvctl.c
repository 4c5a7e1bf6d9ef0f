// SPDX-License-Identifier: GPL-2.0
/*
 * hpvctl: the guest's side of the VMM's exit device.
 *   hpvctl exit N      report exit status N and end the VM
 *   hpvctl init        tell the VMM that init has started (boot time)
 * Under QEMU (scripts/qemu-guest.sh) isa-debug-exit sits at the same port.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <termios.h>
#include <unistd.h>

#define HPV_EXIT_PORT 0xf4

int main(int argc, char **argv)
{
	if (argc < 2 || ioperm(HPV_EXIT_PORT, 8, 1)) {
		fprintf(stderr, "usage: hpvctl exit N | init (needs root)\n");
		return 2;
	}
	if (!strcmp(argv[1], "exit") && argc == 3) {
		/* the UART driver sends from its buffer: let the last lines out first */
		int con = open("/dev/console", O_WRONLY | O_NOCTTY);

		if (con >= 0) {
			tcdrain(con);
			close(con);
		}
		outl(strtoul(argv[2], NULL, 0) & 0xff, HPV_EXIT_PORT);
		return 0;
	}
	if (!strcmp(argv[1], "init")) {
		outl(1, HPV_EXIT_PORT + 4);
		return 0;
	}
	fprintf(stderr, "hpvctl: unknown command %s\n", argv[1]);
	return 2;
}

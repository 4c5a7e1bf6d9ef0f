// SPDX-License-Identifier: GPL-2.0
/* The guest runs the kernel built from our series, booted by our VMM. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "kselftest.h"

int main(void)
{
	char cmdline[4096] = "";
	struct utsname u;
	FILE *f;

	ksft_print_header();
	ksft_set_plan(2);

	uname(&u);
	ksft_print_msg("release %s\n", u.release);
	ksft_test_result(strstr(u.release, "-hybridpv") != NULL, "release carries the series tag\n");

	f = fopen("/proc/cmdline", "r");
	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = 0;
		fclose(f);
	}
	ksft_test_result(strstr(cmdline, "console=ttyS0") != NULL,
			 "command line came through boot_params\n");
	ksft_finished();
}

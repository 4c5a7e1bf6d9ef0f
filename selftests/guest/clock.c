// SPDX-License-Identifier: GPL-2.0
/*
 * Guest time: monotonic time advances and agrees with realtime, sleeps last
 * at least as long as asked, and the wall clock came from the VMM's RTC.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kselftest.h"

static double now(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * CLOCK_REALTIME - CLOCK_MONOTONIC, from the tightest of a few bracketed
 * reads: nested, an exit between two reads can take a millisecond.
 */
static double realtime_offset(void)
{
	double best = 1e9, off = 0;

	for (int i = 0; i < 5; i++) {
		double a = now(CLOCK_MONOTONIC), r = now(CLOCK_REALTIME), b = now(CLOCK_MONOTONIC);

		if (b - a < best) {
			best = b - a;
			off = r - (a + b) / 2;
		}
	}
	return off;
}

int main(void)
{
	const char *host_env = getenv("HPV_HOST_TIME");
	struct timespec req = { 0, 200 * 1000 * 1000 };
	double m0, m1, r0, r1, off0, off1, prev, cur;
	char cs[64] = "?";
	int backwards = 0;
	FILE *f;

	ksft_print_header();
	ksft_set_plan(4);

	f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	if (f) {
		if (fscanf(f, "%63s", cs) != 1)
			strcpy(cs, "?");
		fclose(f);
	}
	ksft_print_msg("clocksource %s\n", cs);

	prev = now(CLOCK_MONOTONIC);
	for (int i = 0; i < 1000000; i++) {
		cur = now(CLOCK_MONOTONIC);
		backwards += cur < prev;
		prev = cur;
	}
	ksft_test_result(!backwards, "monotonic clock never went back in 10^6 reads\n");

	off0 = realtime_offset();
	m0 = now(CLOCK_MONOTONIC);
	r0 = now(CLOCK_REALTIME);
	nanosleep(&req, NULL);
	m1 = now(CLOCK_MONOTONIC);
	r1 = now(CLOCK_REALTIME);
	off1 = realtime_offset();
	ksft_print_msg("200 ms sleep took %.1f ms (realtime %.1f ms)\n", (m1 - m0) * 1e3,
		       (r1 - r0) * 1e3);
	ksft_test_result(m1 - m0 >= 0.2 && m1 - m0 < 10, "sleep is never early, and ends\n");
	ksft_print_msg("realtime - monotonic moved by %.1f us over the sleep\n", (off1 - off0) * 1e6);
	ksft_test_result(off1 - off0 < 0.001 && off0 - off1 < 0.001, "realtime and monotonic advance together\n");

	if (!host_env) {
		ksft_test_result_skip("wall clock: HPV_HOST_TIME not set\n");
	} else {
		/* Nested under TCG a boot can take a minute: allow ten. */
		double skew = r1 - atof(host_env);

		ksft_print_msg("wall clock is %.0f s from the host's launch time\n", skew);
		ksft_test_result(skew > -5 && skew < 600, "wall clock came from the RTC\n");
	}
	ksft_finished();
}

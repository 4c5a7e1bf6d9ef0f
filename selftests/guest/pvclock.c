// SPDX-License-Identifier: GPL-2.0
/*
 * The hybridpv pvclock is the clocksource and time never goes backwards
 * across CPUs: one pinned reader per CPU, each checks every reading against
 * the latest any reader has published before it read.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"

#define READS 1000000

static _Atomic long long latest;
static _Atomic long backwards;
static _Atomic long long worst_ns;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *reader(void *arg)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET((long)arg, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (long i = 0; i < READS; i++) {
		long long seen = atomic_load(&latest);
		long long t = now_ns();

		if (t < seen) {
			long long w = atomic_load(&worst_ns);

			atomic_fetch_add(&backwards, 1);
			while (seen - t > w && !atomic_compare_exchange_weak(&worst_ns, &w, seen - t))
				;
		}
		while (t > seen && !atomic_compare_exchange_weak(&latest, &seen, t))
			;
	}
	return NULL;
}

int main(void)
{
	const char *env = getenv("HPV_EXPECT_HYBRIDPV");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t t[256];
	char cs[64] = "";
	long long t0;
	FILE *f;

	ksft_print_header();
	if (!env || strcmp(env, "on"))
		ksft_exit_skip("the hybridpv pvclock is not expected here\n");
	ksft_set_plan(2);

	f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	if (f) {
		if (fscanf(f, "%63s", cs) != 1)
			cs[0] = 0;
		fclose(f);
	}
	ksft_test_result(!strcmp(cs, "hybridpv-clock"), "clocksource is hybridpv-clock (%s)\n", cs);

	if (cpus > 256)
		cpus = 256;
	t0 = now_ns();
	for (long c = 0; c < cpus; c++)
		pthread_create(&t[c], NULL, reader, (void *)c);
	for (long c = 0; c < cpus; c++)
		pthread_join(t[c], NULL);
	ksft_print_msg("%ld CPUs x %d reads in %.1f s, %ld went back, by up to %lld ns\n", cpus,
		       READS, (now_ns() - t0) / 1e9, atomic_load(&backwards), atomic_load(&worst_ns));
	ksft_test_result(atomic_load(&backwards) == 0, "never backwards across %ld CPUs\n", cpus);
	ksft_finished();
}

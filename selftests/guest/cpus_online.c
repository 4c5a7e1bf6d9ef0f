// SPDX-License-Identifier: GPL-2.0
/*
 * Every vCPU the VMM described in the MADT is online and runs code: a
 * thread pinned to each one must find itself there.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kselftest.h"

static void *where_am_i(void *arg)
{
	long want = (long)arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(want, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return (void *)-1L;
	sched_yield();
	return (void *)(long)sched_getcpu();
}

int main(void)
{
	const char *env = getenv("HPV_EXPECT_CPUS");
	long expect = env ? atol(env) : 0;
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	long conf = sysconf(_SC_NPROCESSORS_CONF);
	int ran = 0;

	ksft_print_header();
	ksft_set_plan(3);
	if (expect <= 0)
		ksft_exit_skip("HPV_EXPECT_CPUS not set\n");

	ksft_print_msg("expected %ld, configured %ld, online %ld\n", expect, conf, online);
	ksft_test_result(conf == expect, "all %ld vCPUs described\n", expect);
	ksft_test_result(online == expect, "all %ld vCPUs online\n", expect);

	for (long cpu = 0; cpu < online; cpu++) {
		pthread_t t;
		void *got;

		if (pthread_create(&t, NULL, where_am_i, (void *)cpu))
			break;
		pthread_join(t, &got);
		if ((long)got == cpu)
			ran++;
		else
			ksft_print_msg("thread pinned to CPU %ld ran on %ld\n", cpu, (long)got);
	}
	ksft_test_result(ran == online && online > 0, "a thread ran on each of %d CPUs\n", ran);
	ksft_finished();
}

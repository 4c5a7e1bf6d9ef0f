/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers the in-guest benchmarks share (built static by initramfs.sh). */
#ifndef HPV_BENCH_H
#define HPV_BENCH_H

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* a failed call ends the benchmark: "<program>: <what>: <errno text>" */
static inline void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what, strerror(errno));
	exit(1);
}

static inline double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* One workload of a benchmark program: time per op for N ops. */
struct bench_workload {
	const char *name;
	double (*fn)(long n);
};

/*
 * "PROGRAM NAME N": runs NAME's workload and prints "<us per op> <ops>",
 * the last line bench/guest/driver.sh reads; status 2 and usage otherwise.
 */
static inline int bench_main(int argc, char **argv, const struct bench_workload *w, size_t nr,
			     const char *usage)
{
	char *end;
	long n;

	if (argc != 3)
		goto usage;
	errno = 0;
	n = strtol(argv[2], &end, 10);
	if (errno || *end || n < 1)
		goto usage;
	for (size_t i = 0; i < nr; i++) {
		if (!strcmp(argv[1], w[i].name)) {
			printf("%.3f %ld\n", w[i].fn(n), n);
			return 0;
		}
	}
usage:
	fprintf(stderr, "usage: %s\n", usage);
	return 2;
}

static inline void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s))
		die("sched_setaffinity");
}

#endif

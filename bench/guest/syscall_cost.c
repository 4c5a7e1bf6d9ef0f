// SPDX-License-Identifier: GPL-2.0
/*
 * Cycles per native system call (getppid), the reference beside the
 * hypercall and CPUID costs: median, min and max of 5 rounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <x86intrin.h>

#define ROUNDS 5
#define ITERS  1000

static int cmp(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	unsigned long long c[ROUNDS];

	for (int r = 0; r < ROUNDS; r++) {
		unsigned long long t0 = __rdtsc();

		for (int i = 0; i < ITERS; i++)
			syscall(SYS_getppid);
		c[r] = (__rdtsc() - t0) / ITERS;
	}
	qsort(c, ROUNDS, sizeof(c[0]), cmp);
	printf("syscall %d %llu %llu %llu\n", ROUNDS * ITERS, c[ROUNDS / 2], c[0], c[ROUNDS - 1]);
	return 0;
}

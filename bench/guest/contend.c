// SPDX-License-Identifier: GPL-2.0
/*
 * Lock-contention workloads for `make bench`'s overcommitted section: one
 * thread per online CPU, all fighting over one lock, so that with more
 * vCPUs than host CPUs a lock holder is often a vCPU the host has
 * preempted. Each prints "<us per op> <ops>" like pvops.
 *
 *   contend mutex N  N pthread-mutex acquisitions in all: a contended
 *                    mutex sleeps and wakes through futex(2), whose hash
 *                    bucket is a kernel spinlock
 *   contend mmap N   N mmap/touch/munmap rounds of 64 KiB in all: each takes
 *                    the process's mmap_lock (a rwsem whose waiters spin
 *                    while the owner runs, vcpu_is_preempted's use) and each
 *                    munmap flushes the TLBs of the other threads' CPUs
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

#define MAP_BYTES (64 * 1024)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_long left; /* operations still to run, shared by the threads */
static atomic_int go;
static unsigned long shared_counter;

/* claim one operation; false once all N are claimed */
static int claim(void)
{
	return atomic_fetch_sub(&left, 1) > 0;
}

static void *mutex_thread(void *arg)
{
	(void)arg;
	while (!atomic_load(&go))
		;
	while (claim()) {
		pthread_mutex_lock(&lock);
		/* a short critical section, long enough to be preempted in */
		for (volatile int k = 0; k < 200; k++)
			shared_counter++;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void *mmap_thread(void *arg)
{
	(void)arg;
	while (!atomic_load(&go))
		;
	while (claim()) {
		char *p = mmap(NULL, MAP_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (p == MAP_FAILED)
			die("mmap");
		p[0] = 1;
		if (munmap(p, MAP_BYTES))
			die("munmap");
	}
	return NULL;
}

static double run_threads(long n, void *(*fn)(void *))
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t threads[256];
	int nthreads = ncpu < 1 ? 1 : ncpu > 256 ? 256 : (int)ncpu;
	double t0;

	atomic_store(&left, n);
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&threads[i], NULL, fn, NULL))
			die("pthread_create");
	t0 = now_ns();
	atomic_store(&go, 1);
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	return (now_ns() - t0) / n / 1e3;
}

static double op_mutex(long n)
{
	return run_threads(n, mutex_thread);
}

static double op_mmap(long n)
{
	return run_threads(n, mmap_thread);
}

static const struct bench_workload workloads[] = {
	{ "mutex", op_mutex },
	{ "mmap", op_mmap },
};

int main(int argc, char **argv)
{
	return bench_main(argc, argv, workloads, sizeof(workloads) / sizeof(workloads[0]),
			  "contend mutex|mmap N (N >= 1)");
}

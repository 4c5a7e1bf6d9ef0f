// SPDX-License-Identifier: GPL-2.0
/*
 * The paravirtual ops' own workloads, for `make bench`: each runs N
 * operations of the kind one op serves and prints "<value> <ops>" (time per
 * operation in microseconds, and the operations run), so that the VM
 * exits counted around it divide into exits per operation. The same binary
 * runs natively and under every VMM.
 *
 *   pvops ipi N      multicast IPIs: membarrier(PRIVATE_EXPEDITED) with a
 *                    spinning thread on every other CPU
 *   pvops tlb N      TLB shootdowns: munmap of a page that threads on every
 *                    other CPU have in their TLBs
 *   pvops timer N    hrtimer expiries: 100 us clock_nanosleep, within
 *                    the poll a hybridpv guest's idle loop runs first
 *   pvops timer_1ms N  the same with 1 ms sleeps, past that poll, so the
 *                    CPU halts until the expiry
 *   pvops idle N     an idle CPU for N seconds (the value is s per op)
 *   pvops wakeup N   wake-ups of an idle CPU: a pipe round trip to a
 *                    thread on CPU 1 that has been blocked for 1 ms, long
 *                    enough for its CPU to stop polling and halt
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* Threads on every other CPU, touching *page when there is one. */
static struct {
	atomic_int stop;
	volatile char *_Atomic page;
	pthread_t threads[256];
	int n;
} others;

static void *other_cpu(void *arg)
{
	pin((int)(long)arg);
	while (!atomic_load(&others.stop)) {
		volatile char *p = atomic_load(&others.page);

		if (p)
			(void)p[0];
	}
	return NULL;
}

static void start_others(void)
{
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);

	pin(0);
	for (int cpu = 1; cpu < ncpu && others.n < 256; cpu++)
		if (pthread_create(&others.threads[others.n++], NULL, other_cpu, (void *)(long)cpu))
			die("pthread_create");
	usleep(10000); /* let them reach their CPUs */
}

static void stop_others(void)
{
	atomic_store(&others.stop, 1);
	for (int i = 0; i < others.n; i++)
		pthread_join(others.threads[i], NULL);
}

static double op_ipi(long n)
{
	double t0;

	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0))
		die("membarrier register");
	start_others();
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0))
			die("membarrier");
	t0 = now_ns() - t0;
	stop_others();
	return t0 / n / 1e3;
}

/* A page stays mapped at one address; each op unmaps and maps it again. */
static double op_tlb(long n)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t = 0;

	if (p == MAP_FAILED)
		die("mmap");
	p[0] = 1;
	atomic_store(&others.page, p);
	start_others();
	for (long i = 0; i < n; i++) {
		double t0;

		usleep(0); /* give the other threads time to touch the page */
		t0 = now_ns();
		if (mmap(p, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
			 0) != p)
			die("mmap");
		t += now_ns() - t0;
		p[0] = 1;
	}
	stop_others();
	return t / n / 1e3;
}

static double sleep_loop(long n, long ns)
{
	struct timespec d = { 0, ns };
	double t0 = now_ns();

	for (long i = 0; i < n; i++)
		if (clock_nanosleep(CLOCK_MONOTONIC, 0, &d, NULL))
			die("clock_nanosleep");
	return (now_ns() - t0) / n / 1e3;
}

static double op_timer(long n)
{
	return sleep_loop(n, 100000);
}

static double op_timer_1ms(long n)
{
	return sleep_loop(n, 1000000);
}

static double op_idle(long n)
{
	double t0 = now_ns();

	sleep((unsigned int)n);
	return (now_ns() - t0) / n / 1e9;
}

static int wake_pipe[2], reply_pipe[2];

static void *wakee(void *arg)
{
	char c;

	(void)arg;
	pin(1);
	while (read(wake_pipe[0], &c, 1) == 1 && c)
		if (write(reply_pipe[1], &c, 1) != 1)
			die("write");
	return NULL;
}

static double op_wakeup(long n)
{
	pthread_t thread;
	double t = 0;
	char c = 1;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		die("wakeup needs 2 CPUs");
	if (pipe(wake_pipe) || pipe(reply_pipe))
		die("pipe");
	pin(0);
	if (pthread_create(&thread, NULL, wakee, NULL))
		die("pthread_create");
	for (long i = 0; i < n; i++) {
		double t0 = now_ns();

		/*
		 * Spin, so that only CPU 1 idles; with few clock reads, since
		 * nested a loop of system calls is what the emulated SVM most
		 * often kills (docs/harness.md).
		 */
		while (now_ns() - t0 < 1e6)
			for (volatile int k = 0; k < 2000; k++)
				;
		t0 = now_ns();
		if (write(wake_pipe[1], &c, 1) != 1 || read(reply_pipe[0], &c, 1) != 1)
			die("pipe round trip");
		t += now_ns() - t0;
	}
	c = 0;
	if (write(wake_pipe[1], &c, 1) != 1)
		die("write");
	pthread_join(thread, NULL);
	return t / n / 1e3;
}

static const struct bench_workload workloads[] = {
	{ "ipi", op_ipi },
	{ "tlb", op_tlb },
	{ "timer", op_timer },
	{ "timer_1ms", op_timer_1ms },
	{ "idle", op_idle },
	{ "wakeup", op_wakeup },
};

int main(int argc, char **argv)
{
	return bench_main(argc, argv, workloads, sizeof(workloads) / sizeof(workloads[0]),
			  "pvops ipi|tlb|timer|timer_1ms|idle|wakeup N (N >= 1)");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * lmbench-style microbenchmarks, written here (lmbench is not packaged and
 * this is not lmbench): each times a loop of N operations with
 * CLOCK_MONOTONIC and prints "<value> <ops>", the time per operation in
 * microseconds (MiB/s for pipe_bw) and how many operations it ran in all,
 * warm-up included, so an outside observer can divide what it counted
 * (VM exits) by it. Repetition and medians are the caller's job.
 *
 *   lat NAME N [ARG]      lat list
 *
 * One table of workloads, as kvm-unit-tests' x86/vmexit.c has.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "bench.h"

#define BW_CHUNK (64 * 1024)	/* lmbench bw_pipe's transfer size */

static const char *self;	/* our own path, for fork_exec */

static void xwrite(int fd, const void *b, size_t n)
{
	if (write(fd, b, n) != (ssize_t)n)
		die("write");
}

static void xread(int fd, void *b, size_t n)
{
	if (read(fd, b, n) != (ssize_t)n)
		die("read");
}

static void xpipe(int p[2])
{
	if (pipe(p))
		die("pipe");
}

static void reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		die("child");
}

/* Each op_* runs n operations and returns the nanoseconds they took. */

static double op_null(long n, long arg)
{
	double t0 = now_ns();

	(void)arg;
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);	/* lmbench's "null" call */
	return now_ns() - t0;
}

/* Through the vDSO where the clocksource allows it, else a system call. */
static double op_clock_gettime(long n, long arg)
{
	double t0 = now_ns();
	struct timespec ts;

	(void)arg;
	for (long i = 0; i < n; i++)
		if (clock_gettime(CLOCK_MONOTONIC, &ts))
			die("clock_gettime");
	return now_ns() - t0;
}

static double op_fork(long n, long exec)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			if (exec) {
				execl(self, "lat", "hello", (char *)NULL);
				_exit(127);
			}
			_exit(0);
		}
		reap(pid);
	}
	return now_ns() - t0;
}

static double op_fork_exec(long n, long arg)
{
	(void)arg;
	return op_fork(n, 1);
}

/* First-touch write faults on anonymous memory: one fault per page (file
 * mappings would map up to 16 pages per fault through fault-around). */
static double op_page_fault(long n, long arg)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, n * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t0, t;

	(void)arg;
	if (m == MAP_FAILED)
		die("mmap");
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		m[i * pg] = 1;
	t = now_ns() - t0;
	munmap(m, n * pg);
	return t;
}

static volatile sig_atomic_t caught;

static void on_usr1(int sig)
{
	(void)sig;
	caught++;
}

static double op_signal(long n, long arg)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	double t0;

	(void)arg;
	caught = 0;
	if (sigaction(SIGUSR1, &sa, NULL))
		die("sigaction");
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		kill(getpid(), SIGUSR1);
	if (caught != n) {
		fprintf(stderr, "lat: %ld of %ld signals caught\n", (long)caught, n);
		exit(1);
	}
	return now_ns() - t0;
}

/*
 * A ring of procs processes joined by pipes passes a one-byte token n
 * times; each hand-over is one context switch plus one pipe write and read
 * (lmbench's lat_ctx subtracts that pipe cost, we do not). RING_CROSS pins
 * process i to CPU i mod ncpus, so every hand-over wakes another CPU;
 * RING_CPU0 pins them all to CPU 0, so every hand-over is a switch there.
 */
enum ring_pinning { RING_FREE, RING_CROSS, RING_CPU0 };

static double ring(long n, int procs, enum ring_pinning pinning)
{
	int p[procs][2], ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	pid_t pid[procs];
	long rounds = n / procs;
	double t0, t;
	char c = 0;

	for (int i = 0; i < procs; i++)
		xpipe(p[i]);
	for (int i = 1; i < procs; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			die("fork");
		if (pid[i] == 0) {
			int in = p[i][0], out = p[(i + 1) % procs][1];

			/* only our two ends, so EOF runs round the ring */
			for (int j = 0; j < procs; j++) {
				if (p[j][0] != in)
					close(p[j][0]);
				if (p[j][1] != out)
					close(p[j][1]);
			}
			if (pinning != RING_FREE)
				pin(pinning == RING_CROSS ? i % ncpu : 0);
			while (read(in, &c, 1) == 1)
				xwrite(out, &c, 1);
			_exit(0);
		}
	}
	if (pinning != RING_FREE)
		pin(0);
	for (int i = 0; i < procs; i++) {
		if (i != 0)
			close(p[i][0]);
		if (i != 1)
			close(p[i][1]);
	}
	/* we keep slot 0's read end and slot 1's write end */
	xwrite(p[1][1], &c, 1);	/* warm-up round */
	xread(p[0][0], &c, 1);
	t0 = now_ns();
	for (long r = 0; r < rounds; r++) {
		xwrite(p[1][1], &c, 1);
		xread(p[0][0], &c, 1);
	}
	t = now_ns() - t0;
	close(p[1][1]);
	for (int i = 1; i < procs; i++)
		reap(pid[i]);
	return t / (rounds * procs) * n;	/* per hand-over, scaled to n */
}

static double op_ctx(long n, long procs)
{
	return ring(n, procs, RING_FREE);
}

static double op_ctx_cross(long n, long procs)
{
	return ring(n, procs, RING_CROSS);
}

static double op_ctx_cpu0(long n, long procs)
{
	return ring(n, procs, RING_CPU0);
}

/* lmbench lat_pipe: a one-byte round trip between two processes */
static double op_pipe_lat(long n, long arg)
{
	(void)arg;
	return ring(n * 2, 2, RING_FREE);
}

/* lmbench bw_pipe: a child writes n 64 KiB chunks, we read them */
static double op_pipe_bw(long n, long arg)
{
	static char buf[BW_CHUNK];
	long left = n * BW_CHUNK;
	double t0;
	int p[2];
	pid_t pid;

	(void)arg;
	xpipe(p);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(p[0]);
		for (long i = 0; i < n; i++)
			xwrite(p[1], buf, BW_CHUNK);
		_exit(0);
	}
	close(p[1]);
	t0 = now_ns();
	while (left > 0) {
		ssize_t r = read(p[0], buf, BW_CHUNK);

		if (r <= 0)
			die("read");
		left -= r;
	}
	t0 = now_ns() - t0;
	reap(pid);
	return t0;
}

static const struct workload {
	const char *name;
	double (*run)(long n, long arg);
	long arg;		/* default ARG */
	int bandwidth;		/* report MiB/s, not microseconds per op */
} workloads[] = {
	{ "null",	op_null,	0, 0 },
	{ "clock_gettime", op_clock_gettime, 0, 0 },
	{ "fork_exit",	op_fork,	0, 0 },
	{ "fork_exec",	op_fork_exec,	0, 0 },
	{ "page_fault",	op_page_fault,	0, 0 },
	{ "signal",	op_signal,	0, 0 },
	{ "pipe_lat",	op_pipe_lat,	0, 0 },
	{ "pipe_bw",	op_pipe_bw,	0, 1 },
	{ "ctx",	op_ctx,		2, 0 },
	{ "ctx_cross",	op_ctx_cross,	2, 0 },
	{ "ctx_cpu0",	op_ctx_cpu0,	2, 0 },
};

#define NWORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

static int usage(const char *why)
{
	fprintf(stderr, "lat: %s; usage: lat NAME N [ARG] (N >= 10), lat list\n", why);
	return 2;
}

static long number(const char *s, long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno || *end || end == s || v < min ? -1 : v;
}

int main(int argc, char **argv)
{
	const struct workload *w = NULL;
	long n, arg, warm;
	double ns;

	if (argc == 2 && !strcmp(argv[1], "hello"))
		return 0;	/* fork_exec's child */
	if (argc == 2 && !strcmp(argv[1], "list")) {
		for (size_t i = 0; i < NWORKLOADS; i++)
			puts(workloads[i].name);
		return 0;
	}
	if (argc < 3 || argc > 4)
		return usage("wrong number of arguments");
	for (size_t i = 0; i < NWORKLOADS; i++)
		if (!strcmp(argv[1], workloads[i].name))
			w = &workloads[i];
	if (!w)
		return usage("unknown workload");
	n = number(argv[2], 10);
	if (n < 0)
		return usage("bad N");
	arg = argc == 4 ? number(argv[3], 2) : w->arg;
	if (arg < 0 || arg > 64)
		return usage("bad ARG (2..64)");
	self = realpath("/proc/self/exe", NULL);
	if (!self)
		die("/proc/self/exe");

	/* lmbench warms up before timing: caches, page tables, the binary */
	warm = n / 10;
	w->run(warm, arg);
	ns = w->run(n, arg);
	if (w->bandwidth)
		printf("%.1f %ld\n", (double)n * BW_CHUNK / (1 << 20) / (ns / 1e9), warm + n);
	else
		printf("%.3f %ld\n", ns / n / 1e3, warm + n);
	return 0;
}

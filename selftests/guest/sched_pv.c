// SPDX-License-Identifier: GPL-2.0
/*
 * What the host tells the guest's scheduler: steal time and which vCPUs
 * are preempted, and the spinlock waits that halt until kicked. Every CPU
 * runs a busy task while /proc/stat's steal column is read around it;
 * writers contending for one file's locks run while vcpu_is_preempted()'s
 * counters are read around it; threads contending for two spinlocks, one
 * taken with interrupts on and one with them off, run while the
 * paravirtual spinlocks' counters are read around them; and expedited
 * membarriers to busy CPUs run while the directed yields are counted.
 *
 * HPV_EXPECT_PVOPS: "on" (the default), "off" or "absent", as in pv_ops.
 * HPV_EXPECT_STEAL: "overcommitted" (more vCPUs than host CPUs, each of
 * them busy: steal must be a large share of the time), "lone" (one vCPU
 * on an idle host: about none), or unset (no bound).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "pv_lib.h"

#define MAX_CPUS 64

/* Steal as a share of all CPU time, in percent, at least and at most */
#define OVERCOMMITTED_MIN_STEAL_PCT 20
#define LONE_MAX_STEAL_PCT 5

static const char *steal_expect(void)
{
	const char *e = getenv("HPV_EXPECT_STEAL");

	return e ? e : "";
}

/* The cpuN lines of /proc/stat: all time, and steal, in USER_HZ ticks */
struct cpu_times {
	long long total[MAX_CPUS];
	long long steal[MAX_CPUS];
	int n;
};

static int read_cpu_times(struct cpu_times *t)
{
	char line[512];
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return -1;
	t->n = 0;
	while (fgets(line, sizeof(line), f) && t->n < MAX_CPUS) {
		long long v[8] = { 0 };
		int cpu;

		if (strncmp(line, "cpu", 3) || line[3] < '0' || line[3] > '9')
			continue;
		if (sscanf(line, "cpu%d %lld %lld %lld %lld %lld %lld %lld %lld", &cpu, &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 9)
			continue;
		t->total[t->n] = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
		t->steal[t->n] = v[7];
		t->n++;
	}
	fclose(f);
	return t->n ? 0 : -1;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static atomic_bool busy_stop;
static atomic_int busy_running;

static void *busy(void *arg)
{
	pin_to((int)(long)arg);
	atomic_fetch_add(&busy_running, 1);
	while (!atomic_load(&busy_stop))
		;
	return NULL;
}

TEST(steal_time_follows_host_contention)
{
	long before = op_counter("pvsteal", "calls");
	int ncpu = online_cpus();
	struct cpu_times t0, t1;
	long long total = 0, steal = 0;
	pthread_t threads[MAX_CPUS];
	int pct;

	ASSERT_LE(ncpu, MAX_CPUS);
	atomic_store(&busy_stop, false);
	ASSERT_EQ(0, read_cpu_times(&t0));
	for (int cpu = 0; cpu < ncpu; cpu++)
		ASSERT_EQ(0, pthread_create(&threads[cpu], NULL, busy, (void *)(long)cpu));
	for (double end = now_s() + 3; now_s() < end;)
		usleep(100000);
	atomic_store(&busy_stop, true);
	for (int cpu = 0; cpu < ncpu; cpu++)
		pthread_join(threads[cpu], NULL);
	ASSERT_EQ(0, read_cpu_times(&t1));
	ASSERT_EQ(t0.n, t1.n);

	for (int cpu = 0; cpu < t1.n; cpu++) {
		/* steal only ever grows */
		EXPECT_GE(t1.steal[cpu], t0.steal[cpu]);
		TH_LOG("cpu%d: %lld of %lld ticks stolen", cpu, t1.steal[cpu] - t0.steal[cpu],
		       t1.total[cpu] - t0.total[cpu]);
		total += t1.total[cpu] - t0.total[cpu];
		steal += t1.steal[cpu] - t0.steal[cpu];
	}
	ASSERT_GT(total, 0);
	pct = (int)(100 * steal / total);
	TH_LOG("%d CPUs busy for 3 s: steal %lld of %lld ticks (%d%%), %s, pvsteal %s", ncpu, steal,
	       total, pct, *steal_expect() ? steal_expect() : "no bound",
	       op_on("pvsteal") ? "on" : "off");
	/* (another hypervisor may account steal of its own) */
	if (strcmp(expect(), "absent") && !op_on("pvsteal"))
		EXPECT_EQ(0, steal);
	if (!strcmp(steal_expect(), "overcommitted"))
		EXPECT_GE(pct, OVERCOMMITTED_MIN_STEAL_PCT);
	if (!strcmp(steal_expect(), "lone"))
		EXPECT_LE(pct, LONE_MAX_STEAL_PCT);
	check_used(_metadata, "pvsteal", before);
}

/*
 * Two threads per CPU append to one file through one shared descriptor,
 * so that each write() contends for the file position's mutex and the
 * inode's rwsem: a waiter spins while the owner's CPU runs
 * (mutex_spin_on_owner() and rwsem_spin_on_owner() ask
 * vcpu_is_preempted()), and a sleeper woken by the owner is placed on an
 * idle CPU (available_idle_cpu() asks too). Nothing is mapped or
 * unmapped, so it sends no TLB shootdowns.
 */
#define LOCK_WRITES 16000

static int lock_fd;

static void *lock_worker(void *arg)
{
	char line[64];

	memset(line, 'x', sizeof(line));
	pin_to((int)(long)arg);
	for (int i = 0; i < LOCK_WRITES; i++)
		if (write(lock_fd, line, sizeof(line)) != sizeof(line))
			return (void *)1;
	return NULL;
}

TEST(preempted_vcpus_are_seen)
{
	long calls = op_counter("pvpreempt", "calls");
	long skipped = op_counter("pvpreempt", "skipped");
	int ncpu = online_cpus(), nthreads = 2 * ncpu;
	char path[] = "/tmp/sched_pv.XXXXXX";
	pthread_t threads[2 * MAX_CPUS];
	void *ret;
	double t;

	if (ncpu < 2)
		SKIP(return, "needs 2 CPUs: one CPU never asks whether another runs");
	ASSERT_LE(ncpu, MAX_CPUS);
	lock_fd = mkstemp(path);
	ASSERT_LE(0, lock_fd);
	unlink(path);
	t = now_s();
	for (int i = 0; i < nthreads; i++)
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, lock_worker, (void *)(long)(i % ncpu)));
	for (int i = 0; i < nthreads; i++) {
		pthread_join(threads[i], &ret);
		EXPECT_EQ(NULL, ret);
	}
	close(lock_fd);
	TH_LOG("%d threads on %d CPUs, %d writes each in %.1f s: pvpreempt calls %ld -> %ld, found preempted %ld -> %ld",
	       nthreads, ncpu, LOCK_WRITES, now_s() - t, calls, op_counter("pvpreempt", "calls"),
	       skipped, op_counter("pvpreempt", "skipped"));
	check_used(_metadata, "pvpreempt", calls);
	/* with more vCPUs than host CPUs, some queries must find one preempted */
	if (!strcmp(expect(), "on") && !strcmp(steal_expect(), "overcommitted"))
		EXPECT_GT(op_counter("pvpreempt", "skipped"), skipped);
}

/*
 * Two threads per CPU take two kernel spinlocks over and over: a
 * FUTEX_WAIT whose value does not match takes the futex hash bucket's
 * lock with interrupts on, and changing the signal mask takes the
 * process's siglock with them off, so that a waiter there wakes only
 * when kicked. With more vCPUs than host CPUs, holders and waiters get
 * preempted by the host, and waiters give up spinning for a halt. A kick
 * that never came would leave a waiter halted with interrupts off for
 * good: each thread must finish within SPIN_DEADLINE_S.
 */
#define SPIN_ROUNDS 50000
#define SPIN_DEADLINE_S 120

static atomic_int spin_word;
static atomic_int spin_done;

struct spin_worker {
	pthread_t thread;
	int cpu;
	double worst_s; /* the longest round */
	int failed;
};

static void *spin_worker(void *arg)
{
	struct spin_worker *w = arg;
	sigset_t usr1;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pin_to(w->cpu);
	for (int i = 0; i < SPIN_ROUNDS; i++) {
		double t = now_s();

		/* the word is never 1: the call only locks, compares, unlocks */
		if (syscall(SYS_futex, &spin_word, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0) != -1 ||
		    errno != EAGAIN)
			w->failed = 1;
		/* a mask that changes each time: the early return skips the lock */
		if (pthread_sigmask(i & 1 ? SIG_UNBLOCK : SIG_BLOCK, &usr1, NULL))
			w->failed = 1;
		t = now_s() - t;
		if (t > w->worst_s)
			w->worst_s = t;
	}
	atomic_fetch_add(&spin_done, 1);
	return NULL;
}

TEST(spinlock_waiters_are_kicked)
{
	long kicks = op_counter("pvspin", "calls");
	long halts = op_counter("pvspin", "skipped");
	int ncpu = online_cpus(), nthreads = 2 * ncpu;
	struct spin_worker workers[2 * MAX_CPUS];
	double t, worst = 0;

	if (ncpu < 2)
		SKIP(return, "needs 2 CPUs: with one no spinlock is contended");
	ASSERT_LE(ncpu, MAX_CPUS);
	atomic_store(&spin_done, 0);
	t = now_s();
	for (int i = 0; i < nthreads; i++) {
		workers[i] = (struct spin_worker){ .cpu = i % ncpu };
		ASSERT_EQ(0, pthread_create(&workers[i].thread, NULL, spin_worker, &workers[i]));
	}
	while (atomic_load(&spin_done) < nthreads && now_s() - t < SPIN_DEADLINE_S)
		usleep(10000);
	ASSERT_EQ(nthreads, atomic_load(&spin_done))
		TH_LOG("%d of %d threads still waiting after %d s: a wake-up was lost",
		       nthreads - atomic_load(&spin_done), nthreads, SPIN_DEADLINE_S);
	for (int i = 0; i < nthreads; i++) {
		pthread_join(workers[i].thread, NULL);
		EXPECT_EQ(0, workers[i].failed);
		if (workers[i].worst_s > worst)
			worst = workers[i].worst_s;
	}
	TH_LOG("%d threads on %d CPUs, %d rounds each in %.1f s, the longest %.1f ms: pvspin %s, kicks %ld -> %ld, halted waits %ld -> %ld",
	       nthreads, ncpu, SPIN_ROUNDS, now_s() - t, worst * 1e3,
	       op_on("pvspin") ? "on" : "off", kicks, op_counter("pvspin", "calls"), halts,
	       op_counter("pvspin", "skipped"));
	if (!strcmp(expect(), "on"))
		EXPECT_TRUE(op_on("pvspin"));
	if (!strcmp(expect(), "off")) {
		EXPECT_FALSE(op_on("pvspin"));
		EXPECT_EQ(kicks, op_counter("pvspin", "calls"));
		EXPECT_EQ(halts, op_counter("pvspin", "skipped"));
	}
	/* with more vCPUs than host CPUs, some waiters must halt and be kicked */
	if (!strcmp(expect(), "on") && !strcmp(steal_expect(), "overcommitted")) {
		EXPECT_GT(op_counter("pvspin", "calls"), kicks);
		EXPECT_GT(op_counter("pvspin", "skipped"), halts);
	}
}

/*
 * A private expedited membarrier IPIs every other CPU that runs one of
 * the process's threads, and waits for each to answer: with busy threads
 * on every other CPU, a function-call IPI to several CPUs, the op's hook.
 * With more vCPUs than host CPUs some of them are preempted, and the
 * sender yields to one. MEMBARRIERS of them, or as many as fit in
 * MEMBARRIER_SECONDS (a nested yield through hpv is slow).
 */
#define MEMBARRIERS 400
#define MEMBARRIER_SECONDS 1

TEST(function_call_ipis_yield_to_preempted_vcpus)
{
	long yields = op_counter("pvyield", "calls");
	int ncpu = online_cpus();
	pthread_t threads[MAX_CPUS];
	double t;
	int n = 0;

	if (ncpu < 3)
		SKIP(return, "needs 3 CPUs: a function-call IPI to one CPU is a single-target one");
	ASSERT_LE(ncpu, MAX_CPUS);
	ASSERT_EQ(0, syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0));
	ASSERT_EQ(0, pin_to(0));
	atomic_store(&busy_stop, false);
	atomic_store(&busy_running, 0);
	for (int cpu = 1; cpu < ncpu; cpu++)
		ASSERT_EQ(0, pthread_create(&threads[cpu], NULL, busy, (void *)(long)cpu));
	/* each on its own CPU: only then do the membarriers reach them */
	while (atomic_load(&busy_running) < ncpu - 1)
		usleep(1000);
	t = now_s();
	for (; n < MEMBARRIERS && now_s() - t < MEMBARRIER_SECONDS; n++)
		ASSERT_EQ(0, syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0));
	atomic_store(&busy_stop, true);
	for (int cpu = 1; cpu < ncpu; cpu++)
		pthread_join(threads[cpu], NULL);
	TH_LOG("%d membarriers to %d busy CPUs in %.1f s: pvyield %s, yields %ld -> %ld",
	       n, ncpu - 1, now_s() - t, op_on("pvyield") ? "on" : "off", yields,
	       op_counter("pvyield", "calls"));
	if (!strcmp(expect(), "on"))
		EXPECT_TRUE(op_on("pvyield"));
	if (!strcmp(expect(), "off")) {
		EXPECT_FALSE(op_on("pvyield"));
		EXPECT_EQ(yields, op_counter("pvyield", "calls"));
	}
	if (!strcmp(expect(), "on") && !strcmp(steal_expect(), "overcommitted"))
		EXPECT_GT(op_counter("pvyield", "calls"), yields);
}

TEST_HARNESS_MAIN

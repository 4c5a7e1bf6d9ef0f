// SPDX-License-Identifier: GPL-2.0
/*
 * Clock reads in the vDSO from the hybridpv pvclock. Under a seccomp
 * filter that fails clock_gettime and gettimeofday system calls, a read
 * succeeds only if the vDSO served it. Its time must agree with the
 * kernel's (vDSO, system call, vDSO in order never go back) and never go
 * back across CPUs.
 *
 * HPV_EXPECT_VDSO: "on" (the host marks the TSC stable: KVM's master
 * clock, or hpv --pvclock-stable force), "off" (reads are system calls: no
 * stable TSC, hybridpv=nopvvdso or --withhold pvvdso), or unset: no
 * expectation about the path, only the agreement and monotonicity checks.
 * HPV_TSC_FORCED=1: TSC_STABLE was forced on a host that does not vouch
 * for its TSCs (nested), where time may go back across CPUs, as hpv's
 * documentation warns: the cross-CPU test then reports what it saw and
 * skips.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "cross_cpu.h"
#include "pv_lib.h"

#define READS_PER_CPU 200000
#define AGREEMENT_ROUNDS 10000

static const char *expect_vdso(void)
{
	const char *e = getenv("HPV_EXPECT_VDSO");

	return e ? e : "";
}

static long long ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static long long vdso_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_ns(&ts);
}

static long long syscall_ns(void)
{
	struct timespec ts;

	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	return ts_ns(&ts);
}

/* From here on, clock system calls fail with EPERM in this process. */
static int refuse_clock_syscalls(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clock_gettime, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_gettimeofday, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

TEST(clock_reads_take_the_expected_path)
{
	struct timespec mono, real;
	struct timeval tv;
	int r_mono, r_real, r_tod;
	bool on = op_on("pvvdso");

	TH_LOG("pvvdso %s, expected '%s'", on ? "on" : "off", expect_vdso());
	ASSERT_EQ(0, refuse_clock_syscalls());
	r_mono = clock_gettime(CLOCK_MONOTONIC, &mono);
	r_real = clock_gettime(CLOCK_REALTIME, &real);
	r_tod = gettimeofday(&tv, NULL);
	TH_LOG("with clock system calls refused: monotonic %d, realtime %d, gettimeofday %d",
	       r_mono, r_real, r_tod);
	if (!strcmp(expect_vdso(), "on")) {
		EXPECT_TRUE(on);
		EXPECT_EQ(0, r_mono);
		EXPECT_EQ(0, r_real);
		EXPECT_EQ(0, r_tod);
	} else if (!strcmp(expect_vdso(), "off")) {
		EXPECT_FALSE(on);
		/* the vDSO fell back to the system call, which the filter refused */
		EXPECT_EQ(-1, r_mono);
		EXPECT_EQ(-1, r_real);
		EXPECT_EQ(-1, r_tod);
	} else {
		/* no expectation: the state must at least match the path */
		EXPECT_EQ(on, r_mono == 0);
	}
}

TEST(vdso_time_agrees_with_the_kernel)
{
	long long worst = 0;
	int behind = 0;

	for (int i = 0; i < AGREEMENT_ROUNDS; i++) {
		long long a = vdso_ns(), b = syscall_ns(), c = vdso_ns();

		if (b < a || c < b) {
			behind++;
			if (a - b > worst)
				worst = a - b;
			if (b - c > worst)
				worst = b - c;
		}
	}
	TH_LOG("%d rounds of vDSO, system call, vDSO: %d out of order, by up to %lld ns",
	       AGREEMENT_ROUNDS, behind, worst);
	EXPECT_EQ(0, behind);
}

TEST(vdso_time_never_goes_back_across_cpus)
{
	struct cross_cpu_order order = { .now_ns = vdso_ns, .reads = READS_PER_CPU };
	int cpus = online_cpus();

	ASSERT_EQ(0, cross_cpu__run(&order, cpus));
	TH_LOG("%d CPUs x %d reads: %ld went back, by up to %lld ns", cpus, READS_PER_CPU,
	       atomic_load(&order.backwards), atomic_load(&order.worst_ns));
	if (getenv("HPV_TSC_FORCED") && !strcmp(getenv("HPV_TSC_FORCED"), "1"))
		SKIP(return, "TSC_STABLE forced on a host that does not vouch for its TSCs");
	EXPECT_EQ(0, atomic_load(&order.backwards));
}

TEST_HARNESS_MAIN

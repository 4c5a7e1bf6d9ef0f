// SPDX-License-Identifier: GPL-2.0
/*
 * The paravirtual ops' argument checks (IPI, vCPU state, timer, idle) and
 * the timer thread, without a VM: KVM ioctls on fd -1 fail, which the
 * code must survive.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "hpv/kvm.h"
#include "hpv/pv.h"
#include "hpv/vcpu.h"

static const struct {
	const char *name;
	uint64_t args[4];
	int64_t ret;
} ipi_cases[] = {
	{ "vector 31 is an exception", { 1, 0, 0, 31 }, -HPV_EINVAL },
	{ "vector 256", { 1, 0, 0, 256 }, -HPV_EINVAL },
	{ "vector 2 (NMI) is not an IPI vector", { 1, 0, 0, 2 }, -HPV_EINVAL },
	{ "min APIC id above 32 bits", { 1, 0, 1ULL << 32, 0xfd }, -HPV_EINVAL },
	{ "no destination", { 0, 0, 0, 0xfd }, 0 },
	{ "ids past the last vCPU are skipped", { 0, 1, 1000, 0xfd }, 0 },
	{ "a vCPU that exists (no VM: not delivered)", { 1, 0, 0, 0xfd }, 0 },
};

TEST(ipi_arguments)
{
	struct kvm kvm = { .vm_fd = -1, .nr_cpus = 4 };
	struct kvm_cpu cpu = { .kvm = &kvm, .fd = -1 };

	for (size_t i = 0; i < sizeof(ipi_cases) / sizeof(ipi_cases[0]); i++) {
		TH_LOG("%s", ipi_cases[i].name);
		EXPECT_EQ(ipi_cases[i].ret, ipi__hypercall(&cpu, ipi_cases[i].args));
	}
}

static const struct {
	const char *name;
	uint64_t val;
	int ret;
	uint32_t msr;
} state_cases[] = {
	{ "reserved bit 1", (1ULL << 20) | 2 | HPV_MSR_ENABLE, -EINVAL, HPV_MSR_VCPU_STATE },
	{ "not 64-byte aligned", (1ULL << 20) + 32 + HPV_MSR_ENABLE, -EINVAL, HPV_MSR_VCPU_STATE },
	{ "beyond RAM", (64ULL << 20) | HPV_MSR_ENABLE, -EINVAL, HPV_MSR_VCPU_STATE },
	{ "straddles the end of RAM", ((64ULL << 20) - 32) | HPV_MSR_ENABLE, -EINVAL,
	  HPV_MSR_VCPU_STATE },
	{ "valid, but KVM refuses (no VM here)", (1ULL << 20) | HPV_MSR_ENABLE, -EIO,
	  HPV_MSR_VCPU_STATE },
	{ "EOI word: bit 1 (not 4-byte aligned)", (1ULL << 20) | 2 | HPV_MSR_ENABLE, -EINVAL, HPV_MSR_PV_EOI },
	{ "EOI word: beyond RAM", (64ULL << 20) | HPV_MSR_ENABLE, -EINVAL, HPV_MSR_PV_EOI },
	{ "EOI word: valid, KVM refuses", ((64ULL << 20) - 4) | HPV_MSR_ENABLE, -EIO,
	  HPV_MSR_PV_EOI },
	{ "not one of our records", HPV_MSR_ENABLE, -EINVAL, HPV_MSR_PVCLOCK },
};

TEST(vcpu_state_msr)
{
	struct kvm kvm = { .ram_size = 64ULL << 20 };
	struct kvm_cpu cpu = { .kvm = &kvm, .fd = -1 };

	kvm.ram = calloc(1, kvm.ram_size);
	for (size_t i = 0; i < sizeof(state_cases) / sizeof(state_cases[0]); i++) {
		TH_LOG("%s", state_cases[i].name);
		EXPECT_EQ(state_cases[i].ret,
			  vcpu_state__set_msr(&cpu, state_cases[i].msr, state_cases[i].val));
		EXPECT_EQ(0, cpu.record_msr[0]);
		EXPECT_EQ(0, cpu.record_msr[1]);
	}
	free(kvm.ram);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Wait up to 2 s for the timer's signal to mark cpu pending. */
static void wait_pending(struct kvm_cpu *cpu, int64_t t0)
{
	while (!__atomic_load_n(&cpu->timer_pending, __ATOMIC_ACQUIRE) &&
	       now_ns() - t0 < 2000000000LL)
		usleep(1000);
}

/*
 * Deadlines are pvclock ns: host CLOCK_MONOTONIC minus kvm->start_ns. The
 * timer signals the thread that armed it (here the test, as a vCPU thread),
 * and timer__deliver() injects the expiry before the next KVM_RUN.
 */
TEST(timer_fires_once_at_its_deadline)
{
	struct kvm kvm = { .vm_fd = -1, .nr_cpus = 2 };
	struct kvm_cpu c0 = { .kvm = &kvm, .fd = -1, .id = 0 }, c1 = c0;
	struct kvm_cpu *cpus[] = { &c0, &c1 };
	uint64_t args[4] = { 0, 0xec };
	int64_t t0;

	c1.id = 1;
	kvm.cpus = cpus;
	kvm.start_ns = now_ns() - 5000000000LL;
	ASSERT_EQ(0, timer__init(&kvm));

	t0 = now_ns();
	args[0] = (uint64_t)(t0 + 20000000 - kvm.start_ns); /* in 20 ms */
	ASSERT_EQ(0, timer__set_hypercall(&c1, args));
	usleep(10000);
	EXPECT_EQ(0, __atomic_load_n(&c1.timer_pending, __ATOMIC_ACQUIRE));
	wait_pending(&c1, t0);
	EXPECT_GE(now_ns() - t0, 20000000);
	EXPECT_EQ(1, c1.timer_pending);
	EXPECT_EQ(0, c0.timer_pending);
	timer__deliver(&c1);
	timer__deliver(&c1);
	EXPECT_EQ(1, c1.timer_fires);
	EXPECT_EQ(0xec, c1.timer_vector);

	/* re-arming replaces the deadline; 0 cancels */
	args[0] = (uint64_t)(now_ns() + 20000000 - kvm.start_ns);
	ASSERT_EQ(0, timer__set_hypercall(&c0, args));
	args[0] = 0;
	ASSERT_EQ(0, timer__set_hypercall(&c0, args));
	usleep(40000);
	EXPECT_EQ(0, c0.timer_pending);

	/* a deadline already past fires at once */
	args[0] = 1;
	t0 = now_ns();
	ASSERT_EQ(0, timer__set_hypercall(&c0, args));
	wait_pending(&c0, t0);
	timer__deliver(&c0);
	EXPECT_EQ(1, c0.timer_fires);
	timer__exit(&kvm);
}

TEST(timer_and_idle_arguments)
{
	struct kvm kvm = { .vm_fd = -1, .nr_cpus = 1 };
	struct kvm_cpu c0 = { .kvm = &kvm, .fd = -1 };
	struct kvm_cpu *cpus[] = { &c0 };
	const uint64_t bad_vector[4] = { 1000, 16 }, huge[4] = { UINT64_MAX, 0xec };
	const uint64_t idle_no_deadline[4] = { 0, 0 };

	kvm.cpus = cpus;
	ASSERT_EQ(0, timer__init(&kvm));
	EXPECT_EQ(-HPV_EINVAL, timer__set_hypercall(&c0, bad_vector));
	EXPECT_EQ(-HPV_EINVAL, timer__idle_hypercall(&c0, bad_vector));
	/* the far future is accepted, not wrapped into the past */
	EXPECT_EQ(0, timer__set_hypercall(&c0, huge));
	usleep(10000);
	EXPECT_EQ(0, c0.timer_pending);
	/* no deadline: vector unchecked; the halt fails without a vCPU */
	EXPECT_EQ(-HPV_EINVAL, timer__idle_hypercall(&c0, idle_no_deadline));
	timer__exit(&kvm);
}

static const struct {
	const char *name;
	uint64_t val;
	uint32_t features;
	int ret;
} record_cases[] = {
	{ "feature not offered", (1ULL << 20) | HPV_MSR_ENABLE, 0, -EINVAL },
	{ "reserved bit 1", (1ULL << 20) | 2 | HPV_MSR_ENABLE, HPV_FEATURE_PV_TIMER_RECORD, -EINVAL },
	{ "not 16-byte aligned", ((1ULL << 20) + 8) | HPV_MSR_ENABLE, HPV_FEATURE_PV_TIMER_RECORD,
	  -EINVAL },
	{ "beyond RAM", (64ULL << 20) | HPV_MSR_ENABLE, HPV_FEATURE_PV_TIMER_RECORD, -EINVAL },
	{ "straddles the end of RAM", ((64ULL << 20) - 8) | HPV_MSR_ENABLE,
	  HPV_FEATURE_PV_TIMER_RECORD, -EINVAL },
	{ "the last 16 bytes of RAM", ((64ULL << 20) - 16) | HPV_MSR_ENABLE,
	  HPV_FEATURE_PV_TIMER_RECORD, 0 },
	{ "unregister", 0, HPV_FEATURE_PV_TIMER_RECORD, 0 },
};

TEST(timer_record_msr)
{
	struct kvm kvm = { .ram_size = 64ULL << 20 };
	struct kvm_cpu cpu = { .kvm = &kvm, .fd = -1, .timer_deadline = 12345 };
	struct hpv_timer *last;

	kvm.ram = calloc(1, kvm.ram_size);
	last = (struct hpv_timer *)(kvm.ram + kvm.ram_size - 16);
	for (size_t i = 0; i < sizeof(record_cases) / sizeof(record_cases[0]); i++) {
		TH_LOG("%s", record_cases[i].name);
		kvm.features = record_cases[i].features;
		EXPECT_EQ(record_cases[i].ret, timer__set_record(&cpu, record_cases[i].val));
		if (record_cases[i].ret)
			continue;
		EXPECT_EQ(record_cases[i].val, cpu.timer_rec_msr);
		EXPECT_EQ(!!(record_cases[i].val & HPV_MSR_ENABLE), cpu.timer_rec != NULL);
	}
	/* a new record starts out with the deadline already armed */
	EXPECT_EQ(12345, last->next);
	EXPECT_EQ(12345, last->armed);
	free(kvm.ram);
}

/*
 * With a record, an expiry does what the guest asks now: a later deadline
 * is armed without an interrupt, one reached raises the vector and a look
 * a little later is armed, and none stops the timer.
 */
TEST(timer_record_moves_raises_and_stops)
{
	struct kvm kvm = { .vm_fd = -1, .nr_cpus = 1, .features = HPV_FEATURE_PV_TIMER_RECORD,
			   .ram_size = 1ULL << 20 };
	struct kvm_cpu c0 = { .kvm = &kvm, .fd = -1 };
	struct kvm_cpu *cpus[] = { &c0 };
	uint64_t args[4] = { 0, 0xec };
	struct hpv_timer *rec;
	int64_t t0, pv;

	kvm.cpus = cpus;
	kvm.ram = calloc(1, kvm.ram_size);
	rec = (struct hpv_timer *)(kvm.ram + 4096);
	kvm.start_ns = now_ns() - 5000000000LL;
	ASSERT_EQ(0, timer__init(&kvm));
	ASSERT_EQ(0, timer__set_record(&c0, 4096 | HPV_MSR_ENABLE));

	t0 = now_ns();
	pv = t0 - kvm.start_ns;
	args[0] = (uint64_t)(pv + 20000000); /* in 20 ms */
	ASSERT_EQ(0, timer__set_hypercall(&c0, args));
	EXPECT_EQ(args[0], rec->next);
	EXPECT_EQ(args[0], rec->armed);

	/* the guest moves its deadline 30 ms later without a call */
	rec->next = args[0] + 30000000;
	wait_pending(&c0, t0);
	timer__deliver(&c0);
	EXPECT_EQ(0, c0.timer_fires);
	EXPECT_EQ(1, c0.timer_rec_moves);
	EXPECT_EQ(args[0] + 30000000, rec->armed);

	/* reached: raised once, next cleared, a look within a few ms armed */
	wait_pending(&c0, t0);
	EXPECT_GE(now_ns() - t0, 50000000);
	timer__deliver(&c0);
	EXPECT_EQ(1, c0.timer_fires);
	EXPECT_EQ(0, rec->next);
	EXPECT_LT(args[0] + 30000000, rec->armed);
	EXPECT_GT(now_ns() - kvm.start_ns + 5000000, (int64_t)rec->armed);

	/* nothing asked for by then: the timer stops, silently */
	t0 = now_ns();
	wait_pending(&c0, t0);
	timer__deliver(&c0);
	EXPECT_EQ(1, c0.timer_fires);
	EXPECT_EQ(1, c0.timer_rec_stops);
	EXPECT_EQ(0, rec->armed);
	EXPECT_EQ(0, c0.timer_deadline);

	/* a signal that came before a re-arm raises nothing */
	args[0] = (uint64_t)(now_ns() - kvm.start_ns + 1000000000);
	ASSERT_EQ(0, timer__set_hypercall(&c0, args));
	c0.timer_pending = 1;
	timer__deliver(&c0);
	EXPECT_EQ(1, c0.timer_fires);
	EXPECT_EQ(2, c0.timer_rec_moves);
	EXPECT_EQ(args[0], rec->armed);
	timer__exit(&kvm);
	free(kvm.ram);
}

/*
 * The routes that fire the timer in KVM: a vector out of range never
 * reaches KVM, and where KVM refuses (its synthetic timer, or the LAPIC
 * and its TSC-deadline MSR), the call fails with the documented error and
 * no POSIX timer stands in.
 */
static const struct {
	const char *name;
	bool timer_kvm, timer_lapic;
	uint64_t bad_vector;
} kvm_timer_routes[] = {
	{ "synthetic timers", true, false, 31 },
	{ "LAPIC timers", false, true, 256 },
};

TEST(timer_routes_in_kvm_report_a_refusal)
{
	for (size_t r = 0; r < sizeof(kvm_timer_routes) / sizeof(kvm_timer_routes[0]); r++) {
		struct kvm kvm = { .vm_fd = -1, .nr_cpus = 1, .timer_kvm = kvm_timer_routes[r].timer_kvm,
				   .timer_lapic = kvm_timer_routes[r].timer_lapic };
		struct kvm_cpu c0 = { .kvm = &kvm, .fd = -1 };
		struct kvm_cpu *cpus[] = { &c0 };
		const uint64_t arm[4] = { 1000, 0xec }, stop[4] = { 0, 0xec };
		const uint64_t bad[4] = { 1000, kvm_timer_routes[r].bad_vector };

		TH_LOG("%s", kvm_timer_routes[r].name);
		kvm.cpus = cpus;
		ASSERT_EQ(0, timer__init(&kvm));
		EXPECT_EQ(-HPV_EINVAL, timer__set_hypercall(&c0, bad));
		EXPECT_EQ(-HPV_EINVAL, timer__set_hypercall(&c0, arm));
		EXPECT_EQ(-HPV_EINVAL, timer__set_hypercall(&c0, stop));
		EXPECT_EQ(-HPV_EINVAL, timer__idle_hypercall(&c0, arm));
		EXPECT_FALSE(c0.timer_created);
		EXPECT_EQ(0, c0.stimer_arms);
		EXPECT_EQ(0, c0.lapic_timer_binds);
		EXPECT_EQ(0, c0.lapic_timer_arms);
		EXPECT_EQ(0, c0.lapic_timer_vector);
		timer__exit(&kvm);
	}
	{
		/* no VM: the synthetic-timer route cannot be set up */
		struct kvm kvm = { .vm_fd = -1, .nr_cpus = 0 };

		EXPECT_GT(0, timer__kvm_init(&kvm));
	}
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * The paravirtual ops' argument checks (IPI, vCPU state and EOI records,
 * timer, idle, kick, yield) and hpv's own timers, through the registration table
 * of a VM without /dev/kvm (fake_vm.h): KVM ioctls fail, which the code
 * must survive, and the POSIX timers signal this thread as they would a
 * vCPU's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "fake_vm.h"
#include "hpv/pv.h"

#define RAM (64ULL << 20)
#define TIMER_VECTOR 0xec

static int64_t call(struct fake_vm *vm, int cpu, uint32_t nr, uint64_t a0, uint64_t a1,
		    uint64_t a2, uint64_t a3)
{
	struct hpv_hypercall_frame frame = { .args = { a0, a1, a2, a3 } };

	if (io__access(&vm->kvm.io, &vm->cpu[cpu], HPV_IO_HYPERCALL, nr, &frame, sizeof(frame),
		       true))
		return -HPV_ENOSYS;
	return frame.ret;
}

/* A VM with the PV layer on the user route, POSIX timers and its record. */
FIXTURE(pv)
{
	struct fake_vm vm;
	struct pv *pv;
};

FIXTURE_SETUP(pv)
{
	const struct pv_config cfg = { .withheld = 0, .route = HPV_ROUTE_USER, .timer = HPV_TIMER_POSIX };

	fake_vm__init(&self->vm, 2, RAM, 1);
	ASSERT_EQ(0, pv__new(&self->vm.kvm, &cfg, &self->pv));
	ASSERT_EQ(0, fake_vm__init_vcpus(&self->vm));
}

FIXTURE_TEARDOWN(pv)
{
	fake_vm__exit(&self->vm);
	pv__free(self->pv);
}

/* pvclock ns now: the host's CLOCK_MONOTONIC less hpv's start, before the
 * guest registered a clock */
static uint64_t pv_now(struct fake_vm *vm)
{
	return (uint64_t)(hpv_now_ns() - vm->kvm.start_ns);
}

/* Until the timer's signal marks the vCPU pending, or 2 s; then deliver. */
static void wait_and_deliver(struct fake_vm *vm, int cpu)
{
	int64_t t0 = hpv_now_ns();

	while (hpv_now_ns() - t0 < 2000000000LL && !vm->run[cpu].immediate_exit)
		usleep(1000);
	vm->run[cpu].immediate_exit = 0;
	fake_vm__pre_run(vm, cpu);
}

/* HPV_HC_SEND_IPI's arguments (the user route). */
FIXTURE(ipi)
{
	struct fake_vm vm;
	struct pv *pv;
};

FIXTURE_VARIANT(ipi)
{
	uint64_t args[4];
	int64_t ret;
};

FIXTURE_VARIANT_ADD(ipi, vector_31_is_an_exception) { { 1, 0, 0, 31 }, -HPV_EINVAL };
FIXTURE_VARIANT_ADD(ipi, vector_256) { { 1, 0, 0, 256 }, -HPV_EINVAL };
FIXTURE_VARIANT_ADD(ipi, nmi_vector_is_not_an_ipi_vector) { { 1, 0, 0, 2 }, -HPV_EINVAL };
FIXTURE_VARIANT_ADD(ipi, min_apic_id_above_32_bits) { { 1, 0, 1ULL << 32, 0xfd }, -HPV_EINVAL };
FIXTURE_VARIANT_ADD(ipi, no_destination) { { 0, 0, 0, 0xfd }, 0 };
FIXTURE_VARIANT_ADD(ipi, ids_past_the_last_vcpu_are_skipped) { { 0, 1, 1000, 0xfd }, 0 };
FIXTURE_VARIANT_ADD(ipi, a_vcpu_that_exists_but_no_vm) { { 1, 0, 0, 0xfd }, 0 };

FIXTURE_SETUP(ipi)
{
	const struct pv_config cfg = { .withheld = 0, .route = HPV_ROUTE_USER, .timer = HPV_TIMER_POSIX };

	fake_vm__init(&self->vm, 4, RAM, 1);
	ASSERT_EQ(0, pv__new(&self->vm.kvm, &cfg, &self->pv));
}

FIXTURE_TEARDOWN(ipi)
{
	fake_vm__exit(&self->vm);
	pv__free(self->pv);
}

TEST_F(ipi, arguments)
{
	const uint64_t *a = variant->args;

	EXPECT_EQ(variant->ret, call(&self->vm, 0, HPV_HC_SEND_IPI, a[0], a[1], a[2], a[3]));
	EXPECT_EQ(0, fake_vm__pv_stat(&self->vm, self->pv, "vcpu0.ipi.sent"));
}

/* HPV_HC_KICK's argument (the user route). */
FIXTURE(kick)
{
	struct fake_vm vm;
	struct pv *pv;
};

FIXTURE_VARIANT(kick)
{
	uint64_t apic_id;
	int64_t ret;
};

FIXTURE_VARIANT_ADD(kick, apic_id_above_32_bits) { 1ULL << 32, -HPV_EINVAL };
FIXTURE_VARIANT_ADD(kick, apic_id_all_ones) { ~0ULL, -HPV_EINVAL };
FIXTURE_VARIANT_ADD(kick, an_id_with_no_vcpu_is_ignored) { 4, 0 };
FIXTURE_VARIANT_ADD(kick, the_largest_32_bit_id_is_ignored) { 0xffffffffULL, 0 };
FIXTURE_VARIANT_ADD(kick, a_vcpu_that_exists_but_no_vm) { 3, 0 };

FIXTURE_SETUP(kick)
{
	const struct pv_config cfg = { .withheld = 0, .route = HPV_ROUTE_USER, .timer = HPV_TIMER_POSIX };

	fake_vm__init(&self->vm, 4, RAM, 1);
	ASSERT_EQ(0, pv__new(&self->vm.kvm, &cfg, &self->pv));
}

FIXTURE_TEARDOWN(kick)
{
	fake_vm__exit(&self->vm);
	pv__free(self->pv);
}

TEST_F(kick, arguments)
{
	EXPECT_EQ(variant->ret, call(&self->vm, 1, HPV_HC_KICK, variant->apic_id, 0, 0, 0));
	/* KVM's wake-up failed (no VM) or was never asked for: nothing counted */
	EXPECT_EQ(0, fake_vm__pv_stat(&self->vm, self->pv, "vcpu1.kick.sent"));
}

/* HPV_HC_SCHED_YIELD's argument (the user route): yields are counted. */
FIXTURE(sched_yield)
{
	struct fake_vm vm;
	struct pv *pv;
};

FIXTURE_VARIANT(sched_yield)
{
	uint64_t apic_id;
	int64_t ret;
	long long yields;
};

FIXTURE_VARIANT_ADD(sched_yield, apic_id_above_32_bits) { 1ULL << 32 | 2, -HPV_EINVAL, 0 };
FIXTURE_VARIANT_ADD(sched_yield, an_id_with_no_vcpu_is_ignored) { 4, 0, 0 };
FIXTURE_VARIANT_ADD(sched_yield, not_to_itself) { 1, 0, 0 };
FIXTURE_VARIANT_ADD(sched_yield, to_another_vcpu) { 3, 0, 1 };

FIXTURE_SETUP(sched_yield)
{
	const struct pv_config cfg = { .withheld = 0, .route = HPV_ROUTE_USER, .timer = HPV_TIMER_POSIX };

	fake_vm__init(&self->vm, 4, RAM, 1);
	ASSERT_EQ(0, pv__new(&self->vm.kvm, &cfg, &self->pv));
}

FIXTURE_TEARDOWN(sched_yield)
{
	fake_vm__exit(&self->vm);
	pv__free(self->pv);
}

TEST_F(sched_yield, arguments)
{
	EXPECT_EQ(variant->ret, call(&self->vm, 1, HPV_HC_SCHED_YIELD, variant->apic_id, 0, 0, 0));
	EXPECT_EQ(variant->yields, fake_vm__pv_stat(&self->vm, self->pv, "vcpu1.yield.yields"));
}

/* The records hpv hands to KVM: checked before KVM sees them. */
FIXTURE(kvm_record)
{
	struct fake_vm vm;
	struct pv *pv;
};

FIXTURE_VARIANT(kvm_record)
{
	uint32_t msr;
	uint64_t val;
	int ret;
};

FIXTURE_VARIANT_ADD(kvm_record, state_reserved_bit_1) {
	HPV_MSR_VCPU_STATE, (1ULL << 20) | 2 | HPV_MSR_ENABLE, -EINVAL };
FIXTURE_VARIANT_ADD(kvm_record, state_not_64_byte_aligned) {
	HPV_MSR_VCPU_STATE, ((1ULL << 20) + 32) | HPV_MSR_ENABLE, -EINVAL };
FIXTURE_VARIANT_ADD(kvm_record, state_beyond_ram) { HPV_MSR_VCPU_STATE, RAM | HPV_MSR_ENABLE, -EINVAL };
FIXTURE_VARIANT_ADD(kvm_record, state_straddles_the_end_of_ram) {
	HPV_MSR_VCPU_STATE, (RAM - 32) | HPV_MSR_ENABLE, -EINVAL };
FIXTURE_VARIANT_ADD(kvm_record, state_valid_but_kvm_refuses) {
	HPV_MSR_VCPU_STATE, (1ULL << 20) | HPV_MSR_ENABLE, -EIO };
FIXTURE_VARIANT_ADD(kvm_record, eoi_not_4_byte_aligned) {
	HPV_MSR_PV_EOI, (1ULL << 20) | 2 | HPV_MSR_ENABLE, -EINVAL };
FIXTURE_VARIANT_ADD(kvm_record, eoi_beyond_ram) { HPV_MSR_PV_EOI, RAM | HPV_MSR_ENABLE, -EINVAL };
FIXTURE_VARIANT_ADD(kvm_record, eoi_valid_but_kvm_refuses) {
	HPV_MSR_PV_EOI, (RAM - 4) | HPV_MSR_ENABLE, -EIO };

/* Set up without the vCPUs' probe, which would withdraw both (no KVM). */
FIXTURE_SETUP(kvm_record)
{
	const struct pv_config cfg = { .withheld = 0, .route = HPV_ROUTE_KVM, .timer = HPV_TIMER_POSIX };

	fake_vm__init(&self->vm, 1, RAM, 1);
	ASSERT_EQ(0, pv__new(&self->vm.kvm, &cfg, &self->pv));
}

FIXTURE_TEARDOWN(kvm_record)
{
	fake_vm__exit(&self->vm);
	pv__free(self->pv);
}

TEST_F(kvm_record, msr_write)
{
	uint64_t back = 1;

	EXPECT_EQ(variant->ret, fake_vm__wrmsr(&self->vm, 0, variant->msr, variant->val));
	EXPECT_EQ(0, fake_vm__rdmsr(&self->vm, 0, variant->msr, &back));
	EXPECT_EQ(0, back);
}

/*
 * Deadlines are pvclock ns: before the guest registers its clock, host
 * CLOCK_MONOTONIC minus hpv's start. The timer signals the thread that
 * armed it (here the test, as a vCPU thread), and the pre-run hook raises
 * the expiry before the next KVM_RUN.
 */
/*
 * The CR3 port is KVM's to serve: a KVM that does not answer
 * KVM_CAP_HYBRIDPV_CR3 (a stock one, one with TDP, or none) gets neither
 * of its features offered, asked for or not.
 */
TEST_F(pv, no_cr3_port_without_kvm_capability)
{
	EXPECT_EQ(0, pv__offered(self->pv) & (HPV_FEATURE_CR3_PORT | HPV_FEATURE_MM_RETIRE));
	EXPECT_NE(0, pv__offered(self->pv) & HPV_FEATURE_PV_IPI);
}

TEST_F(pv, timer_fires_once_at_its_deadline)
{
	int64_t t0 = hpv_now_ns();

	ASSERT_EQ(0, call(&self->vm, 1, HPV_HC_SET_TIMER, pv_now(&self->vm) + 20000000,
			  TIMER_VECTOR, 0, 0));
	usleep(10000);
	EXPECT_EQ(0, self->vm.run[1].immediate_exit);
	wait_and_deliver(&self->vm, 1);
	EXPECT_GE(hpv_now_ns() - t0, 20000000);
	fake_vm__pre_run(&self->vm, 1);
	EXPECT_EQ(1, fake_vm__pv_stat(&self->vm, self->pv, "vcpu1.timer.posix_fires"));
	EXPECT_EQ(0, fake_vm__pv_stat(&self->vm, self->pv, "vcpu0.timer.posix_fires"));

	/* re-arming replaces the deadline; 0 cancels */
	ASSERT_EQ(0, call(&self->vm, 0, HPV_HC_SET_TIMER, pv_now(&self->vm) + 20000000,
			  TIMER_VECTOR, 0, 0));
	ASSERT_EQ(0, call(&self->vm, 0, HPV_HC_SET_TIMER, 0, TIMER_VECTOR, 0, 0));
	usleep(40000);
	EXPECT_EQ(0, self->vm.run[0].immediate_exit);

	/* a deadline already past fires at once */
	ASSERT_EQ(0, call(&self->vm, 0, HPV_HC_SET_TIMER, 1, TIMER_VECTOR, 0, 0));
	wait_and_deliver(&self->vm, 0);
	EXPECT_EQ(1, fake_vm__pv_stat(&self->vm, self->pv, "vcpu0.timer.posix_fires"));
}

TEST_F(pv, timer_and_idle_arguments)
{
	/* a vector out of range, from either call */
	EXPECT_EQ(-HPV_EINVAL, call(&self->vm, 0, HPV_HC_SET_TIMER, 1000, 16, 0, 0));
	EXPECT_EQ(-HPV_EINVAL, call(&self->vm, 0, HPV_HC_IDLE, 1000, 16, 0, 0));
	/* the far future is accepted, not wrapped into the past */
	EXPECT_EQ(0, call(&self->vm, 0, HPV_HC_SET_TIMER, UINT64_MAX, TIMER_VECTOR, 0, 0));
	usleep(10000);
	EXPECT_EQ(0, self->vm.run[0].immediate_exit);
	/* no deadline: the vector is not looked at; the halt fails without a vCPU */
	EXPECT_EQ(-HPV_EINVAL, call(&self->vm, 0, HPV_HC_IDLE, 0, 0, 0, 0));
	EXPECT_EQ(0, fake_vm__pv_stat(&self->vm, self->pv, "vcpu0.idle.halts"));
}

/* Guest values of HPV_MSR_TIMER. */
FIXTURE(timer_record)
{
	struct fake_vm vm;
	struct pv *pv;
};

FIXTURE_VARIANT(timer_record)
{
	uint64_t val;
	uint32_t withheld;
	int ret;
};

FIXTURE_VARIANT_ADD(timer_record, not_offered) {
	(1ULL << 20) | HPV_MSR_ENABLE, HPV_FEATURE_PV_TIMER_RECORD, -EINVAL };
FIXTURE_VARIANT_ADD(timer_record, reserved_bit_1) { (1ULL << 20) | 2 | HPV_MSR_ENABLE, 0, -EINVAL };
FIXTURE_VARIANT_ADD(timer_record, not_16_byte_aligned) {
	((1ULL << 20) + 8) | HPV_MSR_ENABLE, 0, -EINVAL };
FIXTURE_VARIANT_ADD(timer_record, beyond_ram) { RAM | HPV_MSR_ENABLE, 0, -EINVAL };
FIXTURE_VARIANT_ADD(timer_record, straddles_the_end_of_ram) { (RAM - 8) | HPV_MSR_ENABLE, 0, -EINVAL };
FIXTURE_VARIANT_ADD(timer_record, the_last_16_bytes_of_ram) { (RAM - 16) | HPV_MSR_ENABLE, 0, 0 };
FIXTURE_VARIANT_ADD(timer_record, unregister) { 0, 0, 0 };

FIXTURE_SETUP(timer_record)
{
	const struct pv_config cfg = { .withheld = variant->withheld, .route = HPV_ROUTE_KVM,
					       .timer = HPV_TIMER_POSIX };

	fake_vm__init(&self->vm, 1, RAM, 1);
	ASSERT_EQ(0, pv__new(&self->vm.kvm, &cfg, &self->pv));
}

FIXTURE_TEARDOWN(timer_record)
{
	fake_vm__exit(&self->vm);
	pv__free(self->pv);
}

TEST_F(timer_record, msr_write)
{
	struct hpv_timer *last = (void *)(self->vm.kvm.ram + RAM - 16);
	uint64_t deadline = pv_now(&self->vm) + 3600000000000ULL, back = 1;

	/* a new record starts out with the deadline already armed */
	ASSERT_EQ(0, call(&self->vm, 0, HPV_HC_SET_TIMER, deadline, TIMER_VECTOR, 0, 0));
	EXPECT_EQ(variant->ret, fake_vm__wrmsr(&self->vm, 0, HPV_MSR_TIMER, variant->val));
	if (variant->ret)
		return;
	EXPECT_EQ(0, fake_vm__rdmsr(&self->vm, 0, HPV_MSR_TIMER, &back));
	EXPECT_EQ(variant->val, back);
	if (variant->val & HPV_MSR_ENABLE) {
		EXPECT_EQ(deadline, last->next);
		EXPECT_EQ(deadline, last->armed);
	}
}

/*
 * With a record, an expiry does what the guest asks now: a later deadline
 * is armed without an interrupt, one reached raises the vector and a look
 * a little later is armed, and none stops the timer.
 */
TEST_F(pv, timer_record_moves_raises_and_stops)
{
	struct hpv_timer *rec = (void *)(self->vm.kvm.ram + 4096);
	int64_t t0 = hpv_now_ns();
	uint64_t first = pv_now(&self->vm) + 20000000; /* in 20 ms */

	ASSERT_EQ(0, fake_vm__wrmsr(&self->vm, 0, HPV_MSR_TIMER, 4096 | HPV_MSR_ENABLE));
	ASSERT_EQ(0, call(&self->vm, 0, HPV_HC_SET_TIMER, first, TIMER_VECTOR, 0, 0));
	EXPECT_EQ(first, rec->next);
	EXPECT_EQ(first, rec->armed);

	/* the guest moves its deadline 30 ms later without a call */
	rec->next = first + 30000000;
	wait_and_deliver(&self->vm, 0);
	EXPECT_EQ(0, fake_vm__pv_stat(&self->vm, self->pv, "vcpu0.timer.posix_fires"));
	EXPECT_EQ(1, fake_vm__pv_stat(&self->vm, self->pv, "vcpu0.timer.record_moves"));
	EXPECT_EQ(first + 30000000, rec->armed);

	/* reached: raised once, next cleared, a look within a few ms armed */
	wait_and_deliver(&self->vm, 0);
	EXPECT_GE(hpv_now_ns() - t0, 50000000);
	EXPECT_EQ(1, fake_vm__pv_stat(&self->vm, self->pv, "vcpu0.timer.posix_fires"));
	EXPECT_EQ(0, rec->next);
	EXPECT_LT(first + 30000000, rec->armed);
	EXPECT_GT(pv_now(&self->vm) + 5000000, rec->armed);

	/* nothing asked for by then: the timer stops, silently */
	wait_and_deliver(&self->vm, 0);
	EXPECT_EQ(1, fake_vm__pv_stat(&self->vm, self->pv, "vcpu0.timer.posix_fires"));
	EXPECT_EQ(1, fake_vm__pv_stat(&self->vm, self->pv, "vcpu0.timer.record_stops"));
	EXPECT_EQ(0, rec->armed);

	/* a signal that came before a re-arm raises nothing */
	ASSERT_EQ(0, call(&self->vm, 0, HPV_HC_SET_TIMER, pv_now(&self->vm) + 1000000,
			  TIMER_VECTOR, 0, 0));
	usleep(20000);
	ASSERT_EQ(1, self->vm.run[0].immediate_exit);
	first = pv_now(&self->vm) + 1000000000;
	ASSERT_EQ(0, call(&self->vm, 0, HPV_HC_SET_TIMER, first, TIMER_VECTOR, 0, 0));
	wait_and_deliver(&self->vm, 0);
	EXPECT_EQ(1, fake_vm__pv_stat(&self->vm, self->pv, "vcpu0.timer.posix_fires"));
	EXPECT_EQ(2, fake_vm__pv_stat(&self->vm, self->pv, "vcpu0.timer.record_moves"));
	EXPECT_EQ(first, rec->armed);
}

/*
 * The routes that fire the timer in KVM, on a KVM that cannot: the
 * synthetic timers' route falls back to POSIX timers (without the timer
 * record), and where KVM refuses the LAPIC timer the call fails with the
 * documented error and no POSIX timer stands in.
 */
FIXTURE(kvm_timer)
{
	struct fake_vm vm;
	struct pv *pv;
};

FIXTURE_VARIANT(kvm_timer)
{
	enum hpv_timer_route want;
	const char *route;
	int64_t arm_ret;
};

FIXTURE_VARIANT_ADD(kvm_timer, synthetic_timers_fall_back) { HPV_TIMER_STIMER, "posix", 0 };
FIXTURE_VARIANT_ADD(kvm_timer, lapic_timer_refused) { HPV_TIMER_LAPIC, "lapic", -HPV_EINVAL };

FIXTURE_SETUP(kvm_timer)
{
	const struct pv_config cfg = { .withheld = 0, .route = HPV_ROUTE_KVM, .timer = variant->want };

	fake_vm__init(&self->vm, 1, RAM, 1);
	self->vm.kvm.tsc_deadline = true;
	ASSERT_EQ(0, pv__new(&self->vm.kvm, &cfg, &self->pv));
	ASSERT_EQ(0, fake_vm__init_vcpus(&self->vm));
}

FIXTURE_TEARDOWN(kvm_timer)
{
	fake_vm__exit(&self->vm);
	pv__free(self->pv);
}

TEST_F(kvm_timer, refusal)
{
	char *buf = NULL;
	size_t len = 0;
	struct report r = { .format = REPORT_KV, .nr_cpus = 1 };

	r.f = open_memstream(&buf, &len);
	pv__report(self->pv, &r);
	fclose(r.f);
	EXPECT_NE(NULL, strstr(buf, variant->route));
	free(buf);
	EXPECT_EQ(0, pv__offered(self->pv) & HPV_FEATURE_PV_TIMER_RECORD);
	EXPECT_EQ(-HPV_EINVAL, call(&self->vm, 0, HPV_HC_SET_TIMER, 1000, 31, 0, 0));
	EXPECT_EQ(-HPV_EINVAL, call(&self->vm, 0, HPV_HC_SET_TIMER, 1000, 256, 0, 0));
	EXPECT_EQ(variant->arm_ret, call(&self->vm, 0, HPV_HC_SET_TIMER, 3600000000000ULL,
					 TIMER_VECTOR, 0, 0));
	EXPECT_EQ(variant->arm_ret, call(&self->vm, 0, HPV_HC_SET_TIMER, 0, TIMER_VECTOR, 0, 0));
	EXPECT_EQ(0, fake_vm__pv_stat(&self->vm, self->pv, "vcpu0.timer.lvtt_binds") > 0);
	EXPECT_EQ(0, fake_vm__pv_stat(&self->vm, self->pv, "vcpu0.timer.lapic_arms") > 0);
	EXPECT_EQ(0, fake_vm__pv_stat(&self->vm, self->pv, "vcpu0.timer.posix_fires"));
}

/*
 * A feature withheld (--withhold), or not offered (no TSC rate from KVM),
 * is unreachable: its MSR is a #GP and its hypercall unknown.
 */
FIXTURE(withheld)
{
	struct fake_vm vm;
	struct pv *pv;
};

FIXTURE_VARIANT(withheld)
{
	uint32_t withheld;
	uint32_t tsc_khz;
	uint32_t msr;       /* 0: a hypercall instead */
	uint32_t nr;
};

FIXTURE_VARIANT_ADD(withheld, pvclock_msr) { HPV_FEATURE_PVCLOCK, 2600000, HPV_MSR_PVCLOCK, 0 };
FIXTURE_VARIANT_ADD(withheld, vcpu_state_msr) {
	HPV_VCPU_STATE_FEATURES, 2600000, HPV_MSR_VCPU_STATE, 0 };
FIXTURE_VARIANT_ADD(withheld, eoi_msr) { HPV_FEATURE_PV_EOI, 2600000, HPV_MSR_PV_EOI, 0 };
FIXTURE_VARIANT_ADD(withheld, timer_record_msr) {
	HPV_FEATURE_PV_TIMER_RECORD, 2600000, HPV_MSR_TIMER, 0 };
FIXTURE_VARIANT_ADD(withheld, set_timer) { HPV_FEATURE_PV_TIMER, 2600000, 0, HPV_HC_SET_TIMER };
FIXTURE_VARIANT_ADD(withheld, idle) { HPV_FEATURE_PV_IDLE, 2600000, 0, HPV_HC_IDLE };
FIXTURE_VARIANT_ADD(withheld, send_ipi) { HPV_FEATURE_PV_IPI, 2600000, 0, HPV_HC_SEND_IPI };
FIXTURE_VARIANT_ADD(withheld, kick) { HPV_FEATURE_PV_SPINLOCK, 2600000, 0, HPV_HC_KICK };
FIXTURE_VARIANT_ADD(withheld, sched_yield) {
	HPV_FEATURE_PV_SCHED_YIELD, 2600000, 0, HPV_HC_SCHED_YIELD };
FIXTURE_VARIANT_ADD(withheld, no_tsc_rate_pvclock_msr) { 0, 0, HPV_MSR_PVCLOCK, 0 };
FIXTURE_VARIANT_ADD(withheld, no_tsc_rate_timer_record_msr) { 0, 0, HPV_MSR_TIMER, 0 };
FIXTURE_VARIANT_ADD(withheld, no_tsc_rate_set_timer) { 0, 0, 0, HPV_HC_SET_TIMER };

FIXTURE_SETUP(withheld)
{
	const struct pv_config cfg = { .withheld = variant->withheld, .route = HPV_ROUTE_USER,
					       .timer = HPV_TIMER_POSIX };

	fake_vm__init(&self->vm, 1, RAM, 1);
	self->vm.kvm.tsc_khz = variant->tsc_khz;
	ASSERT_EQ(0, pv__new(&self->vm.kvm, &cfg, &self->pv));
	ASSERT_EQ(0, fake_vm__init_vcpus(&self->vm));
}

FIXTURE_TEARDOWN(withheld)
{
	fake_vm__exit(&self->vm);
	pv__free(self->pv);
}

TEST_F(withheld, is_unreachable)
{
	uint64_t val = 0;

	if (variant->msr) {
		EXPECT_EQ(-EINVAL, fake_vm__wrmsr(&self->vm, 0, variant->msr,
						  (1ULL << 20) | HPV_MSR_ENABLE));
		EXPECT_EQ(-EINVAL, fake_vm__wrmsr(&self->vm, 0, variant->msr, 0));
		EXPECT_EQ(-EINVAL, fake_vm__rdmsr(&self->vm, 0, variant->msr, &val));
	} else {
		EXPECT_EQ(-HPV_ENOSYS, call(&self->vm, 0, variant->nr, pv_now(&self->vm) + 1000000,
					    TIMER_VECTOR, 0, TIMER_VECTOR));
	}
}

/* Idle without the timer: it halts, but takes no deadline. */
TEST(idle_takes_no_deadline_when_the_timer_is_withheld)
{
	const struct pv_config cfg = { .withheld = HPV_FEATURE_PV_TIMER, .route = HPV_ROUTE_USER,
					       .timer = HPV_TIMER_POSIX };
	struct fake_vm vm;
	struct pv *pv;

	fake_vm__init(&vm, 1, RAM, 1);
	ASSERT_EQ(0, pv__new(&vm.kvm, &cfg, &pv));
	ASSERT_EQ(0, fake_vm__init_vcpus(&vm));
	EXPECT_EQ(-HPV_EINVAL, call(&vm, 0, HPV_HC_IDLE, pv_now(&vm) + 1000000, TIMER_VECTOR, 0, 0));
	usleep(20000);
	EXPECT_EQ(0, vm.run[0].immediate_exit);
	fake_vm__exit(&vm);
	pv__free(pv);
}

/*
 * KVM's and Hyper-V's own paravirtual MSRs are closed like their CPUID
 * leaves: the filter sends them to hpv, which answers #GP.
 */
TEST(kvm_and_hyperv_msrs_are_refused)
{
	static const uint32_t closed[] = {
		0x11, 0x12, 0x4b564d00, 0x4b564d01, 0x4b564d02, 0x4b564d03, 0x4b564d04,
		0x4b564d06, 0x4b564d08, 0x40000000, 0x40000001, 0x400000b0, 0x400000b1, 0x40000100,
	};
	const struct pv_config cfg = { .withheld = 0, .route = HPV_ROUTE_KVM, .timer = HPV_TIMER_POSIX };
	struct kvm_msr_filter filter;
	struct fake_vm vm;
	struct pv *pv;
	int n;

	fake_vm__init(&vm, 1, RAM, 1);
	ASSERT_EQ(0, kvm__close_pv_msrs(&vm.kvm));
	ASSERT_EQ(0, pv__new(&vm.kvm, &cfg, &pv));
	n = kvm__msr_filter(&vm.kvm, &filter);
	ASSERT_GT(n, 0);
	for (size_t i = 0; i < sizeof(closed) / sizeof(closed[0]); i++) {
		uint64_t val = 1;
		int covered = 0;

		TH_LOG("MSR 0x%x", closed[i]);
		for (int r = 0; r < n; r++)
			covered |= closed[i] >= filter.ranges[r].base &&
				   closed[i] - filter.ranges[r].base < filter.ranges[r].nmsrs &&
				   !(filter.ranges[r].bitmap[(closed[i] - filter.ranges[r].base) / 8] &
				     (1 << ((closed[i] - filter.ranges[r].base) % 8)));
		EXPECT_TRUE(covered);
		EXPECT_EQ(-EINVAL, fake_vm__wrmsr(&vm, 0, closed[i], 1));
		EXPECT_EQ(-EINVAL, fake_vm__rdmsr(&vm, 0, closed[i], &val));
	}
	/* and ours are filtered too, to be served */
	for (uint32_t msr = HPV_MSR_HYPERCALL_PAGE; msr <= HPV_MSR_TIMER; msr++) {
		int covered = 0;

		for (int r = 0; r < n; r++)
			covered |= msr >= filter.ranges[r].base &&
				   msr - filter.ranges[r].base < filter.ranges[r].nmsrs;
		EXPECT_TRUE(covered);
	}
	fake_vm__exit(&vm);
	pv__free(pv);
}

TEST_HARNESS_MAIN

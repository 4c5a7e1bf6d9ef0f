// SPDX-License-Identifier: GPL-2.0
/*
 * The host clock a paravirtual timer counts, against the pvclock. The
 * pvclock is a TSC line and those clocks drift from it (under nested TCG
 * by tens of ppm), so each vCPU's offset is measured again at most every
 * TIMER_CLOCK_RESYNC_NS. The guest's TSC is read first: the offset errs
 * towards firing late, never early, as an early expiry would only make
 * the guest arm the same deadline again.
 *
 * Only while the vCPU runs: on a host whose TSC KVM finds unstable (nested
 * TCG), KVM holds a vCPU's TSC still while it does not enter the guest, a
 * halted vCPU's included, and catches up on the next entry.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "hpv/kvm.h"
#include "hpv/pv/pvclock.h"
#include "hpv/pv/timer_backend.h"
#include "hpv/report.h"
#include "hpv/vcpu.h"

#define TIMER_CLOCK_RESYNC_NS 1000000

struct timer_clock_vcpu {
	int64_t offset; /* the host clock at pvclock time 0 */
	int64_t at;     /* when it was measured (host ns), 0: never */
};

struct timer_clock {
	struct kvm *kvm;
	struct pvclock *clock;
	bool kvm_clock; /* KVM's clock (KVM_GET_CLOCK), else CLOCK_MONOTONIC */
	struct timer_clock_vcpu *vcpu;
};

/* Before the pvclock has a line: the lines as they were set out at start. */
static int64_t timer_clock__initial(const struct timer_clock *tc)
{
	return tc->kvm_clock ? 0 : tc->kvm->start_ns;
}

/*
 * The guest's pvclock reads whatever its TSC says (it may write IA32_TSC),
 * so it can be up to 2^64 ns away from the host's clock: the arithmetic
 * is done in 128 bits and saturates at what the host's 64-bit clock can
 * count. A deadline beyond that never fires; one in the past fires at once.
 */
static int64_t clamp_s64(__int128 v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : (int64_t)v;
}

int64_t timer_clock__offset_between(int64_t host_ns, uint64_t pvclock_ns)
{
	return clamp_s64((__int128)host_ns - pvclock_ns, INT64_MIN, INT64_MAX);
}

uint64_t timer_clock__guest_ns(int64_t host_ns, int64_t offset)
{
	__int128 ns = (__int128)host_ns - offset;

	return ns < 0 ? 0 : ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
}

int64_t timer_clock__offset(struct timer_clock *tc, struct kvm_cpu *cpu)
{
	struct timer_clock_vcpu *v = &tc->vcpu[cpu->id];
	struct kvm_clock_data clock = { 0 };
	int64_t now = hpv_now_ns();
	uint64_t pv;

	if (v->at && now - v->at < TIMER_CLOCK_RESYNC_NS)
		return v->offset;
	if (pvclock__guest_now(tc->clock, cpu, &pv))
		return timer_clock__initial(tc);
	if (!tc->kvm_clock)
		v->offset = timer_clock__offset_between(hpv_now_ns(), pv);
	else if (!ioctl(tc->kvm->vm_fd, KVM_GET_CLOCK, &clock))
		v->offset = timer_clock__offset_between(clamp_s64(clock.clock, 0, INT64_MAX), pv);
	else
		return v->offset;
	v->at = now;
	return v->offset;
}

int64_t timer_clock__last_offset(struct timer_clock *tc, struct kvm_cpu *cpu)
{
	const struct timer_clock_vcpu *v = &tc->vcpu[cpu->id];

	return v->at ? v->offset : timer_clock__initial(tc);
}

/* a zero host deadline would disarm a POSIX timer: the earliest is 1 ns */
int64_t timer_clock__host_deadline(uint64_t deadline, int64_t offset)
{
	return clamp_s64((__int128)deadline + offset, 1, INT64_MAX);
}

void timer_clock__report(struct timer_clock *tc, struct report *r)
{
	int64_t *rel = calloc(tc->kvm->nr_cpus ? tc->kvm->nr_cpus : 1, sizeof(*rel));

	if (!rel)
		return;
	for (int i = 0; i < tc->kvm->nr_cpus; i++)
		rel[i] = clamp_s64((__int128)tc->vcpu[i].offset - timer_clock__initial(tc), INT64_MIN,
				   INT64_MAX);
	report__vcpu_row_signed(r, "timer clock - pvclock ns", "timer.clock_offset_ns", rel,
				sizeof(*rel));
	free(rel);
}

int timer_clock__new(struct kvm *kvm, struct pvclock *clock, bool kvm_clock,
		     struct timer_clock **out)
{
	struct timer_clock *tc = calloc(1, sizeof(*tc));

	if (!tc)
		return -ENOMEM;
	tc->vcpu = calloc(kvm->nr_cpus ? kvm->nr_cpus : 1, sizeof(*tc->vcpu));
	if (!tc->vcpu) {
		free(tc);
		return -ENOMEM;
	}
	tc->kvm = kvm;
	tc->clock = clock;
	tc->kvm_clock = kvm_clock;
	*out = tc;
	return 0;
}

void timer_clock__use_host_clock(struct timer_clock *tc)
{
	tc->kvm_clock = false;
	for (int i = 0; i < tc->kvm->nr_cpus; i++)
		tc->vcpu[i] = (struct timer_clock_vcpu){ 0 };
}

void timer_clock__free(struct timer_clock *tc)
{
	if (!tc)
		return;
	free(tc->vcpu);
	free(tc);
}

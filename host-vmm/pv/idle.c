// SPDX-License-Identifier: GPL-2.0
/*
 * HPV_HC_IDLE: the timer armed and the vCPU halted in one exit. The stub
 * runs STI before the exit, and KVM then blocks the vCPU until an
 * interrupt is pending, the timer expires or a signal arrives.
 *
 * On the kvm route with the LAPIC timer, no exit reaches hpv: the stub
 * arms the deadline through SET_TIMER's stub and halts with HLT, both
 * served in KVM (KVM's halt_exits count those halts, not idle.halts).
 * A halt in user space costs the vCPU thread a return to hpv and an
 * ioctl, which a host with no CPU to spare feels most.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hpv/kvm.h"
#include "hpv/pv/hypercall.h"
#include "hpv/pv/ops.h"
#include "hpv/pv/timer.h"
#include "hpv/report.h"
#include "hpv/vcpu.h"

/* cpuidle-haltpoll's default poll limit */
#define IDLE_POLL_NS 200000u

struct idle_vcpu {
	uint64_t halts;
};

struct idle {
	struct kvm *kvm;
	const uint32_t *offered;
	struct timer *timer;
	struct idle_vcpu *vcpu;
};

/* Polling before halting pays when each vCPU has a host CPU to itself;
 * overcommitted, a polling vCPU only takes time from another. */
uint32_t idle__poll_hint(int nr_cpus)
{
	return nr_cpus <= sysconf(_SC_NPROCESSORS_ONLN) ? IDLE_POLL_NS : 0;
}

int64_t idle__halt(struct idle *idle, struct kvm_cpu *cpu, const uint64_t args[4])
{
	struct kvm_mp_state halted = { .mp_state = KVM_MP_STATE_HALTED };
	int ret;

	/* deadline 0 leaves the timer as it is; a deadline needs the timer */
	if (args[0] && !(__atomic_load_n(idle->offered, __ATOMIC_RELAXED) & HPV_FEATURE_PV_TIMER))
		return -EINVAL;
	if (args[0]) {
		ret = timer__arm(idle->timer, cpu, args[0], args[1]);
		if (ret)
			return ret;
	}
	/* The stub ran STI before the exit, so KVM wakes the vCPU for any
	 * interrupt, one raised before this point included. */
	if (ioctl(cpu->fd, KVM_SET_MP_STATE, &halted) < 0)
		return -EINVAL;
	if (cpu->id < idle->kvm->nr_cpus)
		idle->vcpu[cpu->id].halts++;
	return 0;
}

static int64_t idle__hypercall(void *ctx, struct kvm_cpu *cpu, const uint64_t args[4])
{
	return idle__halt(ctx, cpu, args);
}

static const struct hpv_hypercall idle_call = {
	.nr = HPV_HC_IDLE, .name = "idle", .feature = HPV_FEATURE_PV_IDLE,
	.fn = idle__hypercall, .sti = true,
};
static const struct hpv_hypercall idle_call_lapic = {
	.nr = HPV_HC_IDLE, .name = "idle", .feature = HPV_FEATURE_PV_IDLE,
	.fn = idle__hypercall, .sti = true, .kvm_stub = hpv_stub_lapic_idle,
};

void idle__report(struct idle *idle, struct report *r)
{
	report__vcpu_row(r, "pv idle halts", "idle.halts", &idle->vcpu[0].halts,
			 sizeof(idle->vcpu[0]));
}

int idle__new(struct kvm *kvm, const uint32_t *offered, struct hypercall *hc, struct timer *timer,
	      struct idle **out)
{
	struct idle *idle = calloc(1, sizeof(*idle));
	int ret = -ENOMEM;

	if (!idle)
		return -ENOMEM;
	idle->kvm = kvm;
	idle->offered = offered;
	idle->timer = timer;
	idle->vcpu = calloc(kvm->nr_cpus ? kvm->nr_cpus : 1, sizeof(*idle->vcpu));
	if (idle->vcpu)
		ret = hypercall__register(hc, timer__route(timer) == HPV_TIMER_LAPIC ?
						      &idle_call_lapic : &idle_call, idle);
	if (ret) {
		idle__free(idle);
		return ret;
	}
	*out = idle;
	return 0;
}

void idle__free(struct idle *idle)
{
	if (!idle)
		return;
	free(idle->vcpu);
	free(idle);
}

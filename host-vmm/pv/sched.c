// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU that waits for another: HPV_HC_KICK, with which a paravirtual
 * spinlock's unlocker wakes a waiter that halted (interrupts off or on),
 * and HPV_HC_SCHED_YIELD, with which a vCPU waiting for a preempted one
 * gives up its host CPU. On the kvm route the stubs make KVM_HC_KICK_CPU
 * and KVM_HC_SCHED_YIELD, served in KVM; on the user route they come
 * here. A kick goes to KVM's APIC as that same wake-up (kvm__unhalt); a
 * yield can only be an undirected sched_yield(), as user space cannot
 * pick the thread that runs next.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>

#include "hpv/kvm.h"
#include "hpv/pv/hypercall.h"
#include "hpv/pv/ops.h"
#include "hpv/report.h"
#include "hpv/vcpu.h"

struct sched_vcpu {
	uint64_t kicks;
	uint64_t yields;
};

struct sched {
	struct kvm *kvm;
	struct sched_vcpu *vcpu;
};

/* The target's APIC id, which is its vCPU id here; -EINVAL past 32 bits,
 * and -ENOENT (ignored, as KVM does) for an id with no vCPU. */
static int sched__target(struct sched *s, uint64_t apic_id)
{
	if (apic_id > UINT32_MAX)
		return -EINVAL;
	return apic_id < (uint64_t)s->kvm->nr_cpus ? (int)apic_id : -ENOENT;
}

/* The calling vCPU's counters, or NULL for an id past the last vCPU. */
static struct sched_vcpu *sched__caller(struct sched *s, struct kvm_cpu *cpu)
{
	return cpu->id < s->kvm->nr_cpus ? &s->vcpu[cpu->id] : NULL;
}

int64_t sched__kick(struct sched *s, struct kvm_cpu *cpu, const uint64_t args[4])
{
	int id = sched__target(s, args[0]);
	struct sched_vcpu *me = sched__caller(s, cpu);

	if (id == -EINVAL)
		return -EINVAL;
	if (id >= 0 && kvm__unhalt(s->kvm, (uint32_t)id) && me)
		__atomic_add_fetch(&me->kicks, 1, __ATOMIC_RELAXED);
	return 0;
}

int64_t sched__yield(struct sched *s, struct kvm_cpu *cpu, const uint64_t args[4])
{
	int id = sched__target(s, args[0]);
	struct sched_vcpu *me = sched__caller(s, cpu);

	if (id == -EINVAL)
		return -EINVAL;
	/* as KVM does: no yield to an id with no vCPU, or to oneself */
	if (id < 0 || id == cpu->id)
		return 0;
	sched_yield();
	if (me)
		__atomic_add_fetch(&me->yields, 1, __ATOMIC_RELAXED);
	return 0;
}

static int64_t sched__kick_call(void *ctx, struct kvm_cpu *cpu, const uint64_t args[4])
{
	return sched__kick(ctx, cpu, args);
}

static int64_t sched__yield_call(void *ctx, struct kvm_cpu *cpu, const uint64_t args[4])
{
	return sched__yield(ctx, cpu, args);
}

static const struct hpv_hypercall sched_calls[] = {
	{ .nr = HPV_HC_KICK, .name = "kick", .feature = HPV_FEATURE_PV_SPINLOCK,
	  .fn = sched__kick_call, .kvm_stub = hpv_stub_kvm_kick },
	{ .nr = HPV_HC_SCHED_YIELD, .name = "sched_yield", .feature = HPV_FEATURE_PV_SCHED_YIELD,
	  .fn = sched__yield_call, .kvm_stub = hpv_stub_kvm_sched_yield },
};

void sched__report(struct sched *s, struct report *r)
{
	report__vcpu_row(r, "pv kicks sent (user)", "kick.sent", &s->vcpu[0].kicks,
			 sizeof(s->vcpu[0]));
	report__vcpu_row(r, "pv yields (user)", "yield.yields", &s->vcpu[0].yields,
			 sizeof(s->vcpu[0]));
}

int sched__new(struct kvm *kvm, struct hypercall *hc, struct sched **out)
{
	struct sched *s = calloc(1, sizeof(*s));
	int ret = -ENOMEM;

	if (!s)
		return -ENOMEM;
	s->kvm = kvm;
	s->vcpu = calloc(kvm->nr_cpus ? kvm->nr_cpus : 1, sizeof(*s->vcpu));
	if (s->vcpu) {
		ret = 0;
		for (size_t i = 0; i < sizeof(sched_calls) / sizeof(sched_calls[0]) && !ret; i++)
			ret = hypercall__register(hc, &sched_calls[i], s);
	}
	if (ret) {
		sched__free(s);
		return ret;
	}
	*out = s;
	return 0;
}

void sched__free(struct sched *s)
{
	if (!s)
		return;
	free(s->vcpu);
	free(s);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * HPV_HC_SET_TIMER: one one-shot timer per vCPU on the pvclock's time
 * line, fired by one of three host timers (timer_backend.h):
 *
 * - lapic, the default where KVM emulates the TSC-deadline mode: the
 *   vCPU's own LAPIC timer, which KVM arms and fires; on the kvm route
 *   most calls never come here, as the stub writes the TSC deadline itself.
 *   Deadlines beyond what KVM can time go to a POSIX timer.
 * - posix: a POSIX timer per vCPU in hpv, with the timer record, on which
 *   an idle guest's later deadlines need no call.
 * - kvm: KVM's Hyper-V synthetic timers (nested, they brought the L1 host
 *   down, and they cannot read the timer record).
 *
 * This file picks the route, serves the hypercall and raises what hpv's
 * own timers fire; the backends know nothing of each other.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hybridpv.h"
#include "hpv/kvm.h"
#include "hpv/pv/hypercall.h"
#include "hpv/pv/ops.h"
#include "hpv/pv/timer.h"
#include "hpv/pv/timer_backend.h"
#include "hpv/report.h"
#include "hpv/util.h"
#include "hpv/vcpu.h"

struct timer_vcpu {
	uint64_t fires; /* expiries hpv raised itself */
};

struct timer {
	struct kvm *kvm;
	enum hpv_timer_route route;
	struct timer_clock *tc;
	struct lapic_timer *lapic;  /* lapic route */
	struct stimer *stimer;      /* kvm route */
	struct posix_timer *posix;  /* every route: posix, far deadlines, fall-back */
	struct timer_vcpu *vcpu;
};

static const char *const route_fires_in[] = {
	[HPV_TIMER_LAPIC] = "KVM (LAPIC timers, TSC-deadline mode)",
	[HPV_TIMER_POSIX] = "hpv (POSIX timers)",
	[HPV_TIMER_STIMER] = "KVM (synthetic timers)",
};
static const char *const route_names[] = {
	[HPV_TIMER_LAPIC] = "lapic", [HPV_TIMER_POSIX] = "posix", [HPV_TIMER_STIMER] = "kvm",
};

/* A POSIX timer fired: raise the vector, unless the LAPIC timer (which
 * the stub may have armed since, without telling us) holds a deadline. */
static void timer__expire(void *ctx, struct kvm_cpu *cpu, uint8_t vector)
{
	struct timer *t = ctx;

	if (t->route == HPV_TIMER_LAPIC && lapic_timer__pending(t->lapic, cpu))
		return;
	kvm__signal_msi(t->kvm, cpu->id, vector);
	t->vcpu[cpu->id].fires++;
}

static int timer__arm_backend(struct timer *t, struct kvm_cpu *cpu, uint64_t deadline,
			      uint8_t vector)
{
	int ret;

	switch (t->route) {
	case HPV_TIMER_LAPIC:
		ret = lapic_timer__arm(t->lapic, cpu, deadline, vector);
		if (ret < 0)
			return ret;
		/* One timer at a time: the POSIX one takes what KVM cannot. */
		if (ret || posix_timer__deadline(t->posix, cpu))
			return posix_timer__arm(t->posix, cpu, ret ? deadline : 0, vector);
		return 0;
	case HPV_TIMER_STIMER:
		return stimer__arm(t->stimer, cpu, deadline, vector);
	default:
		return posix_timer__arm(t->posix, cpu, deadline, vector);
	}
}

int timer__arm(struct timer *t, struct kvm_cpu *cpu, uint64_t deadline, uint64_t vector)
{
	int ret;

	if (vector < HPV_VECTOR_MIN || vector > HPV_VECTOR_MAX || cpu->id >= t->kvm->nr_cpus)
		return -EINVAL;
	ret = timer__arm_backend(t, cpu, deadline, (uint8_t)vector);
	if (ret)
		return -EINVAL;
	posix_timer__publish(t->posix, cpu, deadline, deadline);
	return 0;
}

static int64_t timer__set_timer(void *ctx, struct kvm_cpu *cpu, const uint64_t args[4])
{
	return timer__arm(ctx, cpu, args[0], args[1]);
}

static const struct hpv_hypercall set_timer_doorbell = {
	.nr = HPV_HC_SET_TIMER, .name = "set_timer", .feature = HPV_FEATURE_PV_TIMER,
	.fn = timer__set_timer,
};
/* On the LAPIC route the kvm-route stub writes the TSC deadline itself. */
static const struct hpv_hypercall set_timer_lapic = {
	.nr = HPV_HC_SET_TIMER, .name = "set_timer", .feature = HPV_FEATURE_PV_TIMER,
	.fn = timer__set_timer, .kvm_stub = hpv_stub_lapic_set_timer,
};

/*
 * After the last vCPU's set-up: where KVM would not enable its synthetic
 * timers on a vCPU, the POSIX timers take over before the guest runs.
 */
static int timer__vcpu_init(void *ctx, struct kvm_cpu *cpu)
{
	struct timer *t = ctx;

	if (t->route != HPV_TIMER_STIMER || cpu->id != t->kvm->nr_cpus - 1 ||
	    !stimer__status(t->stimer))
		return 0;
	pr_info("KVM's synthetic timers are unavailable (%s): the paravirtual timer uses POSIX timers",
		strerror(-stimer__status(t->stimer)));
	/* the POSIX timers count the host's clock, not KVM's */
	timer_clock__use_host_clock(t->tc);
	t->route = HPV_TIMER_POSIX;
	return 0;
}

static enum hpv_timer_route timer__pick(struct kvm *kvm, uint32_t offered,
					enum hpv_timer_route want)
{
	if (!(offered & HPV_FEATURE_PV_TIMER))
		return HPV_TIMER_POSIX;
	if (want == HPV_TIMER_LAPIC && !kvm->tsc_deadline) {
		pr_info("KVM has no TSC-deadline timer: the paravirtual timer uses POSIX timers");
		return HPV_TIMER_POSIX;
	}
	return want;
}

int timer__new(struct kvm *kvm, struct pvclock *clock, struct hypercall *hc, uint32_t *offered,
	       enum hpv_timer_route want, struct timer **out)
{
	struct kvm_cpu_hooks hooks = { .name = "timer", .init = timer__vcpu_init };
	struct timer *t = calloc(1, sizeof(*t));
	int ret;

	if (!t)
		return -ENOMEM;
	t->kvm = kvm;
	t->route = timer__pick(kvm, *offered, want);
	t->vcpu = calloc(kvm->nr_cpus ? kvm->nr_cpus : 1, sizeof(*t->vcpu));
	ret = t->vcpu ? timer_clock__new(kvm, clock, t->route == HPV_TIMER_STIMER, &t->tc) : -ENOMEM;
	if (ret)
		goto err;
	if (t->route == HPV_TIMER_LAPIC)
		ret = lapic_timer__new(kvm, clock, hc, &t->lapic);
	if (!ret && t->route == HPV_TIMER_STIMER) {
		ret = stimer__new(kvm, t->tc, &t->stimer);
		if (ret) {
			pr_info("KVM's synthetic timers are unavailable (%s): the paravirtual timer uses POSIX timers",
				strerror(-ret));
			timer_clock__use_host_clock(t->tc);
			t->route = HPV_TIMER_POSIX;
			ret = 0;
		}
	}
	/* The record serves hpv's POSIX timers only: KVM's fire without
	 * reading it (and the synthetic timers' route keeps it withdrawn
	 * should it fall back later). */
	if (!(*offered & HPV_FEATURE_PV_TIMER) || t->route != HPV_TIMER_POSIX ||
	    want == HPV_TIMER_STIMER)
		*offered &= ~HPV_FEATURE_PV_TIMER_RECORD;
	if (!ret)
		ret = posix_timer__new(kvm, t->tc, offered, timer__expire, t, &t->posix);
	if (!ret)
		ret = hypercall__register(hc, t->route == HPV_TIMER_LAPIC ? &set_timer_lapic :
									    &set_timer_doorbell, t);
	hooks.ctx = t;
	if (!ret)
		ret = kvm__add_cpu_hooks(kvm, &hooks);
	if (ret)
		goto err;
	*out = t;
	return 0;
err:
	timer__free(t);
	return ret;
}

enum hpv_timer_route timer__route(const struct timer *t)
{
	return t->route;
}

void timer__report(struct timer *t, struct report *r)
{
	report__text(r, "pv timer expiries in %s", route_fires_in[t->route]);
	report__kv(r, "timer.route", "%s", route_names[t->route]);
	timer_clock__report(t->tc, r);
	if (t->stimer)
		stimer__report(t->stimer, r);
	if (t->lapic)
		lapic_timer__report(t->lapic, r);
	report__vcpu_row(r, "pv timer fires (POSIX)", "timer.posix_fires", &t->vcpu[0].fires,
			 sizeof(t->vcpu[0]));
	if (t->posix)
		posix_timer__report(t->posix, r);
}

void timer__free(struct timer *t)
{
	if (!t)
		return;
	posix_timer__free(t->posix);
	stimer__free(t->stimer);
	lapic_timer__free(t->lapic);
	timer_clock__free(t->tc);
	free(t->vcpu);
	free(t);
}

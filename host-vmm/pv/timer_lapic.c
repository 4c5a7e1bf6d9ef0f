// SPDX-License-Identifier: GPL-2.0
/*
 * --pv-timer lapic, the default where KVM emulates the TSC-deadline mode:
 * HPV_HC_SET_TIMER on the vCPU's own LAPIC timer, which KVM arms and fires
 * in the kernel, as it does a fully virtualized guest's: no signal, no
 * trip through hpv for an expiry, and a halted vCPU is woken in the kernel.
 *
 * The guest never programs that timer itself (its ABI is our hypercall):
 * we put LVTT in TSC-deadline mode with the guest's vector when the guest
 * cancels the timer on a vCPU, which it does before its first deadline
 * there, after its own LAPIC clockevent was shut down. Deadlines are
 * pvclock time, turned into TSC values on the pvclock's reference line.
 *
 * On the kvm route the SET_TIMER stub makes that conversion itself and
 * writes IA32_TSC_DEADLINE, an exit KVM serves without us (stubs.S). We
 * keep its data at the end of the hypercall page; it takes the fast way
 * only for the vector bound everywhere, and otherwise rings our doorbell.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hpv/kvm.h"
#include "hpv/pv/hypercall.h"
#include "hpv/pv/pvclock.h"
#include "hpv/pv/timer_backend.h"
#include "hpv/report.h"
#include "hpv/vcpu.h"

#define APIC_LVTT                  0x320
#define APIC_LVT_MASKED            (1u << 16)
#define APIC_LVT_TIMER_TSCDEADLINE (2u << 17)
/* the LVTT bits we own: vector, mask, timer mode */
#define APIC_LVTT_OURS             (0xffu | APIC_LVT_MASKED | (3u << 17))

struct lapic_timer_vcpu {
	uint64_t vector; /* the vector its LVTT was bound to, 0: none */
	uint64_t binds;  /* LVTT set */
	uint64_t arms;   /* deadlines set by hpv */
};

struct lapic_timer {
	struct kvm *kvm;
	struct pvclock *clock;
	struct hypercall *hc;
	/* The vector the stub takes the fast way for: 0 none yet, or
	 * HPV_STUB_TIMER_NONE once two vCPUs bound different ones. Changed
	 * with the hypercall page's lock held. */
	uint64_t stub_vector;
	struct lapic_timer_vcpu *vcpu;
};

/* KVM clears the deadline when the timer fires or is cancelled. */
bool lapic_timer__pending(struct lapic_timer *lt, struct kvm_cpu *cpu)
{
	uint64_t tsc;

	(void)lt;
	return !kvm_cpu__get_msr(cpu, MSR_IA32_TSC_DEADLINE, &tsc) && tsc;
}

/* LVTT: TSC-deadline mode, unmasked, vector; read back when asked to. */
static int lapic_timer__bind(struct lapic_timer *lt, struct kvm_cpu *cpu, uint8_t vector,
			     bool check)
{
	struct lapic_timer_vcpu *v = &lt->vcpu[cpu->id];
	const uint32_t want = APIC_LVT_TIMER_TSCDEADLINE | vector;
	struct kvm_lapic_state lapic;
	uint32_t lvtt;

	if (!check && v->vector == vector)
		return 0;
	if (ioctl(cpu->fd, KVM_GET_LAPIC, &lapic) < 0)
		return -errno;
	memcpy(&lvtt, lapic.regs + APIC_LVTT, sizeof(lvtt));
	if ((lvtt & APIC_LVTT_OURS) != want) {
		lvtt = (lvtt & ~APIC_LVTT_OURS) | want;
		memcpy(lapic.regs + APIC_LVTT, &lvtt, sizeof(lvtt));
		if (ioctl(cpu->fd, KVM_SET_LAPIC, &lapic) < 0)
			return -errno;
		v->binds++;
	}
	v->vector = vector;
	return 0;
}

struct stub_update {
	struct lapic_timer *lt;
	uint8_t vector;
	uint64_t ref_ns, mult, base;
};

/* With the page's lock held: the data for the vector bound everywhere. */
static void lapic_timer__write_stub_data(void *ctx, uint8_t *page)
{
	struct stub_update *u = ctx;
	struct hpv_stub_timer_data *data = (void *)(page + HPV_STUB_TIMER_DATA);

	if (!u->lt->stub_vector)
		u->lt->stub_vector = u->vector;
	else if (u->lt->stub_vector != u->vector)
		u->lt->stub_vector = HPV_STUB_TIMER_NONE;
	if (__atomic_load_n(&data->vector, __ATOMIC_ACQUIRE) == u->lt->stub_vector)
		return;
	__atomic_store_n(&data->vector, HPV_STUB_TIMER_NONE, __ATOMIC_RELEASE);
	data->ref_ns = u->ref_ns;
	data->mult = u->mult;
	data->base = u->base;
	__atomic_store_n(&data->vector, u->lt->stub_vector, __ATOMIC_RELEASE);
}

/*
 * The stub's data, for the vector this vCPU bound. A second vector takes
 * the fast way away for good; a page registered anew starts without it.
 */
static void lapic_timer__publish(struct lapic_timer *lt, uint8_t vector)
{
	struct stub_update u = { .lt = lt, .vector = vector };

	if (hypercall__route(lt->hc) != HPV_ROUTE_KVM ||
	    pvclock__tsc_line(lt->clock, &u.ref_ns, &u.mult, &u.base))
		return;
	hypercall__with_page(lt->hc, lapic_timer__write_stub_data, &u);
}

/*
 * Arm (or, for deadline 0, cancel) cpu's LAPIC timer from its own thread.
 * Returns 1 where the deadline is beyond what KVM can time (or the pvclock
 * has no line yet): the LAPIC timer is then stopped, and the caller arms
 * another timer.
 */
int lapic_timer__arm(struct lapic_timer *lt, struct kvm_cpu *cpu, uint64_t deadline, uint8_t vector)
{
	uint64_t tsc = 0, now;
	int ret;

	ret = lapic_timer__bind(lt, cpu, vector, !deadline);
	if (ret)
		return ret;
	lapic_timer__publish(lt, vector);
	if (deadline && (pvclock__deadline_tsc(lt->clock, deadline, &tsc) ||
			 pvclock__guest_tsc(cpu, &now) ||
			 ((int64_t)(tsc - now) >> HPV_STUB_TIMER_FAR_SHIFT) > 0)) {
		ret = kvm_cpu__set_msr(cpu, MSR_IA32_TSC_DEADLINE, 0);
		return ret ? ret : 1;
	}
	ret = kvm_cpu__set_msr(cpu, MSR_IA32_TSC_DEADLINE, tsc);
	if (!ret && deadline)
		lt->vcpu[cpu->id].arms++;
	return ret;
}

void lapic_timer__report(struct lapic_timer *lt, struct report *r)
{
	report__vcpu_row(r, "pv timer LVTT binds", "timer.lvtt_binds", &lt->vcpu[0].binds,
			 sizeof(lt->vcpu[0]));
	report__vcpu_row(r, "pv timer arms by hpv", "timer.lapic_arms", &lt->vcpu[0].arms,
			 sizeof(lt->vcpu[0]));
}

int lapic_timer__new(struct kvm *kvm, struct pvclock *clock, struct hypercall *hc,
		     struct lapic_timer **out)
{
	struct lapic_timer *lt = calloc(1, sizeof(*lt));

	if (!lt)
		return -ENOMEM;
	lt->vcpu = calloc(kvm->nr_cpus ? kvm->nr_cpus : 1, sizeof(*lt->vcpu));
	if (!lt->vcpu) {
		free(lt);
		return -ENOMEM;
	}
	lt->kvm = kvm;
	lt->clock = clock;
	lt->hc = hc;
	*out = lt;
	return 0;
}

void lapic_timer__free(struct lapic_timer *lt)
{
	if (!lt)
		return;
	free(lt->vcpu);
	free(lt);
}

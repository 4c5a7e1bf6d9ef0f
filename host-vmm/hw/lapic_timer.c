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
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hpv/hypercall.h"
#include "hpv/kvm.h"
#include "hpv/pv.h"
#include "hpv/pvclock.h"
#include "hpv/vcpu.h"

#define APIC_LVTT                  0x320
#define APIC_LVT_MASKED            (1u << 16)
#define APIC_LVT_TIMER_TSCDEADLINE (2u << 17)
/* the LVTT bits we own: vector, mask, timer mode */
#define APIC_LVTT_OURS             (0xffu | APIC_LVT_MASKED | (3u << 17))

static pthread_mutex_t stub_lock = PTHREAD_MUTEX_INITIALIZER;

/* KVM clears the deadline when the timer fires or is cancelled. */
bool lapic_timer__pending(struct kvm_cpu *cpu)
{
	uint64_t tsc;

	return !kvm_cpu__get_msr(cpu, MSR_IA32_TSC_DEADLINE, &tsc) && tsc;
}

/* LVTT: TSC-deadline mode, unmasked, vector; read back when asked to. */
static int lapic_timer__bind(struct kvm_cpu *cpu, uint8_t vector, bool check)
{
	const uint32_t want = APIC_LVT_TIMER_TSCDEADLINE | vector;
	struct kvm_lapic_state lapic;
	uint32_t lvtt;

	if (!check && cpu->lapic_timer_vector == vector)
		return 0;
	if (ioctl(cpu->fd, KVM_GET_LAPIC, &lapic) < 0)
		return -errno;
	memcpy(&lvtt, lapic.regs + APIC_LVTT, sizeof(lvtt));
	if ((lvtt & APIC_LVTT_OURS) != want) {
		lvtt = (lvtt & ~APIC_LVTT_OURS) | want;
		memcpy(lapic.regs + APIC_LVTT, &lvtt, sizeof(lvtt));
		if (ioctl(cpu->fd, KVM_SET_LAPIC, &lapic) < 0)
			return -errno;
		cpu->lapic_timer_binds++;
	}
	cpu->lapic_timer_vector = vector;
	return 0;
}

/*
 * The stub's data, for the vector this vCPU bound. A second vector takes
 * the fast way away for good; a page registered anew starts without it.
 */
static void lapic_timer__publish(struct kvm_cpu *cpu, uint8_t vector)
{
	struct kvm *kvm = cpu->kvm;
	struct hpv_stub_timer_data *data;
	uint64_t ref_ns, mult, base, want;

	if (hpv_stubs.route != HPV_ROUTE_KVM || !(kvm->hypercall_msr & HPV_MSR_ENABLE))
		return;
	data = kvm__gpa_to_host(kvm, (kvm->hypercall_msr & ~0xfffULL) + HPV_STUB_TIMER_DATA,
				sizeof(*data));
	if (!data || pvclock__tsc_line(&ref_ns, &mult, &base))
		return;
	pthread_mutex_lock(&stub_lock);
	if (!kvm->stub_timer_vector)
		kvm->stub_timer_vector = vector;
	else if (kvm->stub_timer_vector != vector)
		kvm->stub_timer_vector = HPV_STUB_TIMER_NONE;
	want = kvm->stub_timer_vector;
	if (__atomic_load_n(&data->vector, __ATOMIC_ACQUIRE) != want) {
		__atomic_store_n(&data->vector, HPV_STUB_TIMER_NONE, __ATOMIC_RELEASE);
		data->ref_ns = ref_ns;
		data->mult = mult;
		data->base = base;
		__atomic_store_n(&data->vector, want, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&stub_lock);
}

/*
 * Arm (or, for deadline 0, cancel) cpu's LAPIC timer from its own thread.
 * Returns 1 where the deadline is beyond what KVM can time (or the pvclock
 * has no line yet): the LAPIC timer is then stopped, and the caller arms
 * another timer.
 */
int lapic_timer__arm(struct kvm_cpu *cpu, uint64_t deadline, uint8_t vector)
{
	uint64_t tsc = 0, now;
	int ret;

	ret = lapic_timer__bind(cpu, vector, !deadline);
	if (ret)
		return ret;
	lapic_timer__publish(cpu, vector);
	if (deadline && (pvclock__deadline_tsc(deadline, &tsc) || pvclock__guest_tsc(cpu, &now) ||
			 ((int64_t)(tsc - now) >> HPV_STUB_TIMER_FAR_SHIFT) > 0)) {
		ret = kvm_cpu__set_msr(cpu, MSR_IA32_TSC_DEADLINE, 0);
		return ret ? ret : 1;
	}
	ret = kvm_cpu__set_msr(cpu, MSR_IA32_TSC_DEADLINE, tsc);
	if (!ret && deadline)
		cpu->lapic_timer_arms++;
	return ret;
}

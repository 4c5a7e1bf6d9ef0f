// SPDX-License-Identifier: GPL-2.0
/*
 * --pv-timer kvm (where KVM has them): the vCPU's Hyper-V synthetic timer
 * 0, armed with KVM_SET_MSRS in direct mode, so KVM raises our vector
 * through its in-kernel LAPIC when the timer expires, as it does for its
 * own LAPIC timer: no signal, no trip through user space, and a halted
 * vCPU is woken in the kernel. Those timers count KVM's clock in 100 ns
 * units, and we set KVM's clock to the pvclock's time line. SynIC, which
 * they need, stays unused otherwise: the guest sees no Hyper-V leaf.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "hpv/kvm.h"
#include "hpv/pv/timer_backend.h"
#include "hpv/report.h"
#include "hpv/vcpu.h"

#define HV_X64_MSR_STIMER0_CONFIG 0x400000b0
#define HV_X64_MSR_STIMER0_COUNT  0x400000b1
#define HV_STIMER_ENABLE          (1ULL << 0)
#define HV_STIMER_AUTO_ENABLE     (1ULL << 3) /* a guest write of the count enables */
#define HV_STIMER_VECTOR_SHIFT    4
#define HV_STIMER_DIRECT_MODE     (1ULL << 12)

struct stimer_vcpu {
	uint64_t arms;
};

struct stimer {
	struct kvm *kvm;
	struct timer_clock *tc;
	int status; /* 0, or why a vCPU could not have them */
	struct stimer_vcpu *vcpu;
};

/* Arm this vCPU's synthetic timer at deadline, or stop it (0), from the
 * vCPU's own thread. */
int stimer__arm(struct stimer *st, struct kvm_cpu *cpu, uint64_t deadline, uint8_t vector)
{
	uint64_t config = HV_STIMER_AUTO_ENABLE | HV_STIMER_DIRECT_MODE |
			  (uint64_t)vector << HV_STIMER_VECTOR_SHIFT;
	struct kvm_msr_entry e[2];
	int64_t host;

	/* A write from us never auto-enables: the count goes in, then the
	 * enable bit; stopping takes the enable bit away first. */
	if (deadline) {
		host = timer_clock__host_deadline(deadline, timer_clock__offset(st->tc, cpu));
		/* in 100 ns units, rounded up */
		e[0] = (struct kvm_msr_entry){ .index = HV_X64_MSR_STIMER0_COUNT,
					       .data = ((uint64_t)host + 99) / 100 };
		e[1] = (struct kvm_msr_entry){ .index = HV_X64_MSR_STIMER0_CONFIG,
					       .data = config | HV_STIMER_ENABLE };
	} else {
		e[0] = (struct kvm_msr_entry){ .index = HV_X64_MSR_STIMER0_CONFIG, .data = config };
		e[1] = (struct kvm_msr_entry){ .index = HV_X64_MSR_STIMER0_COUNT, .data = 0 };
	}
	if (kvm_cpu__set_msrs(cpu, e, 2))
		return -EIO;
	st->vcpu[cpu->id].arms++;
	return 0;
}

int stimer__status(struct stimer *st)
{
	return st->status;
}

/* SynIC on every vCPU: the synthetic timers need it. */
static int stimer__vcpu_init(void *ctx, struct kvm_cpu *cpu)
{
	struct kvm_enable_cap synic = { .cap = KVM_CAP_HYPERV_SYNIC2 };
	struct stimer *st = ctx;

	if (!st->status && ioctl(cpu->fd, KVM_ENABLE_CAP, &synic) < 0)
		st->status = -errno;
	return 0;
}

void stimer__report(struct stimer *st, struct report *r)
{
	report__vcpu_row(r, "pv timer arms (KVM)", "timer.stimer_arms", &st->vcpu[0].arms,
			 sizeof(st->vcpu[0]));
}

/*
 * KVM's clock set to the pvclock's time line. Setting it to the pvclock's
 * time read before the ioctl puts it at most the ioctl's duration behind,
 * so a deadline is never met early.
 */
int stimer__new(struct kvm *kvm, struct timer_clock *tc, struct stimer **out)
{
	struct kvm_cpu_hooks hooks = { .name = "synthetic-timers", .init = stimer__vcpu_init };
	struct kvm_clock_data clock = { 0 };
	struct stimer *st;
	int ret;

	if (ioctl(kvm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_HYPERV_SYNIC2) <= 0)
		return -ENOTSUP;
	clock.clock = (uint64_t)(hpv_now_ns() - kvm->start_ns);
	if (ioctl(kvm->vm_fd, KVM_SET_CLOCK, &clock) < 0)
		return -errno;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->vcpu = calloc(kvm->nr_cpus ? kvm->nr_cpus : 1, sizeof(*st->vcpu));
	st->kvm = kvm;
	st->tc = tc;
	hooks.ctx = st;
	ret = st->vcpu ? kvm__add_cpu_hooks(kvm, &hooks) : -ENOMEM;
	if (ret) {
		stimer__free(st);
		return ret;
	}
	*out = st;
	return 0;
}

void stimer__free(struct stimer *st)
{
	if (!st)
		return;
	free(st->vcpu);
	free(st);
}

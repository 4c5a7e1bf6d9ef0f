// SPDX-License-Identifier: GPL-2.0
/*
 * HPV_MSR_VCPU_STATE: the per-vCPU record whose preempted byte lets the
 * guest skip TLB-flush IPIs to vCPUs that are not running. Only the host
 * kernel knows when a vCPU thread is scheduled out, so hpv hands the record
 * to KVM as its steal-time record (same layout): KVM sets the preempted
 * flag when it schedules the vCPU thread out and, on the next entry, clears
 * it and flushes the guest TLB if the guest asked for that.
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "hpv/io.h"
#include "hpv/kvm.h"
#include "hpv/pv.h"
#include "hpv/util.h"
#include "hpv/vcpu.h"

#define MSR_KVM_STEAL_TIME 0x4b564d03
#define KVM_MSR_ENABLED    1ULL

_Static_assert(sizeof(struct hpv_vcpu_state) == 64, "KVM's steal-time record is 64 bytes");

static int vcpu_state__set_kvm_msr(struct kvm_cpu *cpu, uint64_t val)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} msrs = { .hdr.nmsrs = 1, .e.index = MSR_KVM_STEAL_TIME, .e.data = val };

	return ioctl(cpu->fd, KVM_SET_MSRS, &msrs) == 1 ? 0 : -EIO;
}

/*
 * KVM refuses its steal-time MSR when the host kernel keeps no scheduler
 * run-delay data (CONFIG_SCHED_INFO): then nobody can tell a preempted
 * vCPU, and the feature is not offered.
 */
void vcpu_state__probe(struct kvm_cpu *cpu)
{
	if (!(cpu->kvm->features & HPV_FEATURE_PV_TLB_FLUSH) || !vcpu_state__set_kvm_msr(cpu, 0))
		return;
	cpu->kvm->features &= ~HPV_FEATURE_PV_TLB_FLUSH;
	pr_info("KVM keeps no steal-time record on this host: paravirtual TLB flush not offered");
}

int vcpu_state__set_msr(struct kvm_cpu *cpu, uint64_t val)
{
	uint64_t gpa = val & ~0x3fULL;
	int ret;

	if (val & 0x3e)
		return -EINVAL; /* 64-byte aligned, bits 1-5 reserved */
	if ((val & HPV_MSR_ENABLE) && !kvm__gpa_to_host(cpu->kvm, gpa, sizeof(struct hpv_vcpu_state)))
		return -EINVAL;
	ret = vcpu_state__set_kvm_msr(cpu, (val & HPV_MSR_ENABLE) ? gpa | KVM_MSR_ENABLED : 0);
	if (!ret)
		cpu->vcpu_state_msr = val;
	return ret;
}

static int vcpu_state__msr(struct kvm_cpu *cpu, uint64_t index, void *data, uint32_t len,
			   bool is_write, void *ctx)
{
	uint64_t *val = data;

	(void)index;
	(void)len;
	(void)ctx;
	if (!is_write) {
		*val = cpu->vcpu_state_msr;
		return 0;
	}
	return vcpu_state__set_msr(cpu, *val);
}

int vcpu_state__init(struct kvm *kvm)
{
	return io__register(&kvm->io, HPV_IO_MSR, HPV_MSR_VCPU_STATE, 1, "vcpu-state",
			    vcpu_state__msr, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Per-vCPU records that only the host kernel can keep up to date, which
 * hpv hands to KVM (KVM_SET_MSRS on the vCPU) when the guest registers
 * them through our MSRs:
 * - HPV_MSR_VCPU_STATE becomes KVM's steal-time record (same layout): KVM
 *   sets the preempted flag when it schedules the vCPU thread out and, on
 *   the next entry, clears it and flushes the guest TLB if asked to;
 * - HPV_MSR_PV_EOI becomes KVM's PV EOI word: KVM sets its bit when an
 *   injected interrupt's EOI can be a bit-clear in the guest, and completes
 *   that EOI at the next exit, so the EOI costs no exit of its own.
 */
#include <errno.h>

#include "hpv/io.h"
#include "hpv/kvm.h"
#include "hpv/pv.h"
#include "hpv/util.h"
#include "hpv/vcpu.h"

#define MSR_KVM_STEAL_TIME 0x4b564d03
#define MSR_KVM_PV_EOI_EN  0x4b564d04
#define KVM_MSR_ENABLED    1ULL

_Static_assert(sizeof(struct hpv_vcpu_state) == 64, "KVM's steal-time record is 64 bytes");

static const struct kvm_record {
	uint32_t msr;     /* ours */
	uint32_t kvm_msr; /* KVM's, with the same record layout */
	uint32_t feature;
	uint32_t size;    /* also its alignment */
	const char *name;
	const char *lacks; /* what a host that refuses the MSR cannot do */
} records[HPV_NR_KVM_RECORDS] = {
	{ HPV_MSR_VCPU_STATE, MSR_KVM_STEAL_TIME, HPV_FEATURE_PV_TLB_FLUSH,
	  sizeof(struct hpv_vcpu_state), "vcpu-state",
	  "KVM keeps no steal-time record on this host (no CONFIG_SCHED_INFO): "
	  "paravirtual TLB flush not offered" },
	{ HPV_MSR_PV_EOI, MSR_KVM_PV_EOI_EN, HPV_FEATURE_PV_EOI, sizeof(uint32_t), "pv-eoi",
	  "KVM refuses PV EOI on this host: paravirtual EOI not offered" },
};

static const struct kvm_record *record__find(uint32_t msr, int *slot)
{
	for (int i = 0; i < HPV_NR_KVM_RECORDS; i++) {
		if (records[i].msr == msr) {
			*slot = i;
			return &records[i];
		}
	}
	return NULL;
}

/* Writing 0 fails only where KVM cannot keep the record at all. */
void vcpu_state__probe(struct kvm_cpu *cpu)
{
	for (int i = 0; i < HPV_NR_KVM_RECORDS; i++) {
		if (!(cpu->kvm->features & records[i].feature) ||
		    !kvm_cpu__set_msr(cpu, records[i].kvm_msr, 0))
			continue;
		cpu->kvm->features &= ~records[i].feature;
		pr_info("%s", records[i].lacks);
	}
}

int vcpu_state__set_msr(struct kvm_cpu *cpu, uint32_t index, uint64_t val)
{
	const struct kvm_record *r;
	uint64_t gpa;
	int slot, ret;

	r = record__find(index, &slot);
	if (!r)
		return -EINVAL;
	gpa = val & ~(uint64_t)(r->size - 1);
	if (val & (r->size - 1) & ~HPV_MSR_ENABLE)
		return -EINVAL; /* aligned to its size; the bits below are reserved */
	if ((val & HPV_MSR_ENABLE) && !kvm__gpa_to_host(cpu->kvm, gpa, r->size))
		return -EINVAL;
	ret = kvm_cpu__set_msr(cpu, r->kvm_msr, (val & HPV_MSR_ENABLE) ? gpa | KVM_MSR_ENABLED : 0);
	if (!ret)
		cpu->record_msr[slot] = val;
	return ret;
}

static int vcpu_state__msr(struct kvm_cpu *cpu, uint64_t index, void *data, uint32_t len,
			   bool is_write, void *ctx)
{
	uint64_t *val = data;
	int slot;

	(void)len;
	(void)ctx;
	if (!record__find(index, &slot))
		return -EINVAL;
	if (!is_write) {
		*val = cpu->record_msr[slot];
		return 0;
	}
	return vcpu_state__set_msr(cpu, index, *val);
}

int vcpu_state__init(struct kvm *kvm)
{
	int ret = 0;

	for (int i = 0; i < HPV_NR_KVM_RECORDS && !ret; i++)
		ret = io__register(&kvm->io, HPV_IO_MSR, records[i].msr, 1, records[i].name,
				   vcpu_state__msr, NULL);
	return ret;
}

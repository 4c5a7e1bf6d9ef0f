// SPDX-License-Identifier: GPL-2.0
/*
 * Per-vCPU records that only the host kernel can keep up to date, which
 * hpv hands to KVM (KVM_SET_MSRS on the vCPU) when the guest registers
 * them through our MSRs:
 * - HPV_MSR_VCPU_STATE becomes KVM's steal-time record (same layout): KVM
 *   sets the preempted flag when it schedules the vCPU thread out and, on
 *   the next entry, clears it, adds the time the thread waited to run to
 *   steal, and flushes the guest TLB if asked to;
 * - HPV_MSR_PV_EOI becomes KVM's PV EOI word: KVM sets its bit when an
 *   injected interrupt's EOI can be a bit-clear in the guest, and completes
 *   that EOI at the next exit, so the EOI costs no exit of its own.
 */
#include <errno.h>
#include <stdlib.h>

#include "hpv/kvm.h"
#include "hpv/pv.h"
#include "hpv/pv/ops.h"
#include "hpv/pv/record.h"
#include "hpv/util.h"
#include "hpv/vcpu.h"

#define MSR_KVM_STEAL_TIME 0x4b564d03
#define MSR_KVM_PV_EOI_EN  0x4b564d04
#define KVM_MSR_ENABLED    1ULL

_Static_assert(sizeof(struct hpv_vcpu_state) == 64, "KVM's steal-time record is 64 bytes");

/* Ours, with KVM's MSR of the same record layout. */
static const struct kvm_record {
	struct pv_record_spec spec;
	uint32_t kvm_msr;
	const char *lacks; /* what a host that refuses the MSR cannot do */
} kvm_records[] = {
	{ { HPV_MSR_VCPU_STATE, "vcpu-state", HPV_VCPU_STATE_FEATURES,
	    sizeof(struct hpv_vcpu_state), sizeof(struct hpv_vcpu_state), 0, true },
	  MSR_KVM_STEAL_TIME,
	  "KVM keeps no steal-time record on this host (no CONFIG_SCHED_INFO): "
	  "paravirtual TLB flush, steal time and preemption hints not offered" },
	{ { HPV_MSR_PV_EOI, "pv-eoi", HPV_FEATURE_PV_EOI, sizeof(uint32_t), sizeof(uint32_t), 0,
	    true },
	  MSR_KVM_PV_EOI_EN, "KVM refuses PV EOI on this host: paravirtual EOI not offered" },
};

#define NR_KVM_RECORDS (sizeof(kvm_records) / sizeof(kvm_records[0]))

struct vcpu_records {
	struct kvm *kvm;
	uint32_t *offered;
	struct pv_records sets[NR_KVM_RECORDS];
};

static int vcpu_records__apply(void *ctx, struct kvm_cpu *cpu, uint64_t gpa, void *host)
{
	const struct kvm_record *r = ctx;

	return kvm_cpu__set_msr(cpu, r->kvm_msr, host ? gpa | KVM_MSR_ENABLED : 0);
}

/* Writing 0 fails only where KVM cannot keep the record at all. */
static int vcpu_records__probe(void *ctx, struct kvm_cpu *cpu)
{
	struct vcpu_records *vr = ctx;

	if (cpu->id)
		return 0;
	for (size_t i = 0; i < NR_KVM_RECORDS; i++) {
		const struct kvm_record *r = &kvm_records[i];

		if (!(*vr->offered & r->spec.feature) || !kvm_cpu__set_msr(cpu, r->kvm_msr, 0))
			continue;
		*vr->offered &= ~r->spec.feature;
		pr_info("%s", r->lacks);
	}
	return 0;
}

int vcpu_records__new(struct kvm *kvm, uint32_t *offered, struct vcpu_records **out)
{
	struct vcpu_records *vr = calloc(1, sizeof(*vr));
	struct kvm_cpu_hooks hooks = { .name = "vcpu-records", .init = vcpu_records__probe };
	size_t i;
	int ret = 0;

	if (!vr)
		return -ENOMEM;
	vr->kvm = kvm;
	vr->offered = offered;
	hooks.ctx = vr;
	for (i = 0; i < NR_KVM_RECORDS && !ret; i++)
		ret = pv_records__init(&vr->sets[i], kvm, &kvm_records[i].spec, offered,
				       vcpu_records__apply, (void *)&kvm_records[i]);
	if (!ret)
		ret = kvm__add_cpu_hooks(kvm, &hooks);
	if (ret) {
		vcpu_records__free(vr);
		return ret;
	}
	*out = vr;
	return 0;
}

void vcpu_records__free(struct vcpu_records *vr)
{
	if (!vr)
		return;
	for (size_t i = 0; i < NR_KVM_RECORDS; i++)
		pv_records__exit(&vr->sets[i]);
	free(vr);
}

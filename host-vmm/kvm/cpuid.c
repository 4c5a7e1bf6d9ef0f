// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "hpv/hypercall.h"
#include "hpv/kvm.h"
#include "hpv/vcpu.h"

#define CPUID_HV_BASE  0x40000000u
#define CPUID_HV_LIMIT 0x4fffffffu
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)

/* KVM's LAPIC timer counts at 1 GHz (APIC_BUS_CYCLE_NS = 1). */
#define KVM_LAPIC_TIMER_KHZ 1000000u

static uint32_t sig_word(int i)
{
	uint32_t w;

	memcpy(&w, HPV_SIGNATURE + 4 * i, 4);
	return w;
}

/* The pvclock, and the timer on its time line, need KVM's TSC rate. */
#define HPV_FEATURES_NEED_TSC_KHZ \
	(HPV_FEATURE_PVCLOCK | HPV_FEATURE_PV_TIMER | HPV_FEATURE_PV_TIMER_RECORD)

static void cpuid__add_hybridpv(struct kvm_cpuid2 *c, uint32_t *n, const struct kvm *kvm)
{
	uint32_t features = kvm->features & ~(kvm->tsc_khz ? 0 : HPV_FEATURES_NEED_TSC_KHZ);
	const struct kvm_cpuid_entry2 leaves[] = {
		{ .function = HPV_CPUID_SIGNATURE, .eax = HPV_CPUID_TIMING,
		  .ebx = sig_word(0), .ecx = sig_word(1), .edx = sig_word(2) },
		{ .function = HPV_CPUID_FEATURES, .eax = HPV_ABI_VERSION, .ebx = features },
		{ .function = HPV_CPUID_HYPERCALL, .eax = HPV_MSR_HYPERCALL_PAGE, .ebx = 1,
		  .ecx = HPV_HYPERCALL_STRIDE },
		{ .function = HPV_CPUID_TIMING, .eax = kvm->tsc_khz, .ebx = KVM_LAPIC_TIMER_KHZ,
		  .ecx = kvm->idle_poll_ns },
	};

	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		c->entries[(*n)++] = leaves[i];
}

int cpuid__is_amd(const struct kvm_cpuid2 *supported)
{
	for (uint32_t i = 0; i < supported->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &supported->entries[i];

		if (e->function == 0)
			/* "AuthenticAMD" / "HygonGenuine": ebx "Auth" / "Hygo" */
			return e->ebx == 0x68747541 || e->ebx == 0x6f677948;
	}
	return 0;
}

struct kvm_cpuid2 *cpuid__compose(const struct kvm_cpuid2 *supported, int apic_id,
				   const struct kvm *kvm)
{
	struct kvm_cpuid2 *c;
	uint32_t n = 0;

	c = calloc(1, sizeof(*c) + (supported->nent + 4) * sizeof(c->entries[0]));
	if (!c)
		return NULL;

	for (uint32_t i = 0; i < supported->nent; i++) {
		struct kvm_cpuid_entry2 e = supported->entries[i];

		/* KVM's own paravirt leaves stay hidden: the guest sees a plain
		 * machine (full virtualization) unless we offer our ABI. */
		if (e.function >= CPUID_HV_BASE && e.function <= CPUID_HV_LIMIT)
			continue;

		switch (e.function) {
		case 1:
			e.ebx = (e.ebx & 0x00ffffffu) | ((uint32_t)apic_id << 24);
			e.ecx |= CPUID_1_ECX_HYPERVISOR;
			/* as QEMU does: the LAPIC timer is then one MSR write,
			 * not an emulated MMIO store */
			if (kvm->tsc_deadline)
				e.ecx |= CPUID_1_ECX_TSC_DEADLINE;
			break;
		case 0xb:
		case 0x1f:
			e.edx = apic_id;
			break;
		}
		c->entries[n++] = e;
	}
	if (kvm->hybridpv)
		cpuid__add_hybridpv(c, &n, kvm);
	c->nent = n;
	return c;
}

// SPDX-License-Identifier: GPL-2.0
/* CPUID per vCPU from KVM_GET_SUPPORTED_CPUID; modules append their leaves. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hpv/kvm.h"
#include "hpv/vcpu.h"

#define CPUID_HV_BASE  0x40000000u
#define CPUID_HV_LIMIT 0x4fffffffu
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)

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

int cpuid__append(struct hpv_cpuid *b, const struct kvm_cpuid_entry2 *e)
{
	if (!b->room)
		return -ENOSPC;
	b->c->entries[b->c->nent++] = *e;
	b->room--;
	return 0;
}

int cpuid__compose(const struct kvm_cpuid2 *supported, int apic_id, bool tsc_deadline,
		   struct hpv_cpuid *out)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + (supported->nent + HPV_CPUID_EXTRA) * sizeof(c->entries[0]));
	if (!c)
		return -ENOMEM;

	for (uint32_t i = 0; i < supported->nent; i++) {
		struct kvm_cpuid_entry2 e = supported->entries[i];

		/* KVM's own paravirt leaves stay hidden: the guest sees a plain
		 * machine (full virtualization) unless a module offers its own. */
		if (e.function >= CPUID_HV_BASE && e.function <= CPUID_HV_LIMIT)
			continue;

		switch (e.function) {
		case 1:
			e.ebx = (e.ebx & 0x00ffffffu) | ((uint32_t)apic_id << 24);
			e.ecx |= CPUID_1_ECX_HYPERVISOR;
			/* as QEMU does: the LAPIC timer is then one MSR write,
			 * not an emulated MMIO store */
			if (tsc_deadline)
				e.ecx |= CPUID_1_ECX_TSC_DEADLINE;
			break;
		case 0xb:
		case 0x1f:
			e.edx = apic_id;
			break;
		}
		c->entries[c->nent++] = e;
	}
	out->c = c;
	out->room = HPV_CPUID_EXTRA;
	return 0;
}

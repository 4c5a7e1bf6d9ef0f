// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "hpv/vcpu.h"

#define CPUID_HV_BASE  0x40000000u
#define CPUID_HV_LIMIT 0x4fffffffu
#define CPUID_1_ECX_HYPERVISOR (1u << 31)

struct kvm_cpuid2 *cpuid__compose(const struct kvm_cpuid2 *supported, int apic_id)
{
	struct kvm_cpuid2 *c;
	uint32_t n = 0;

	c = calloc(1, sizeof(*c) + supported->nent * sizeof(c->entries[0]));
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
			break;
		case 0xb:
		case 0x1f:
			e.edx = apic_id;
			break;
		}
		c->entries[n++] = e;
	}
	c->nent = n;
	return c;
}

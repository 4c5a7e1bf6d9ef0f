// SPDX-License-Identifier: GPL-2.0
/*
 * HPV_HC_SEND_IPI served in hpv (the user route): one exit for the whole
 * destination set, then an MSI per destination through the in-kernel
 * irqchip. The kvm route does the same inside KVM (KVM_HC_SEND_IPI).
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "hpv/kvm.h"
#include "hpv/pv.h"
#include "hpv/vcpu.h"

#define MSI_ADDR_BASE 0xfee00000u
#define MSI_DEST_SHIFT 12

int ipi__deliver(struct kvm *kvm, uint32_t apic_id, uint8_t vector)
{
	/* Physical destination, fixed delivery, edge: the vector is all. */
	struct kvm_msi msi = {
		.address_lo = MSI_ADDR_BASE | (apic_id << MSI_DEST_SHIFT),
		.data = vector,
	};

	return ioctl(kvm->vm_fd, KVM_SIGNAL_MSI, &msi) > 0;
}

int64_t ipi__hypercall(struct kvm_cpu *cpu, const uint64_t args[4])
{
	const uint64_t bitmap[2] = { args[0], args[1] };
	uint64_t min = args[2], vector = args[3];
	struct kvm *kvm = cpu->kvm;
	int64_t sent = 0;

	if (vector < HPV_VECTOR_MIN || vector > HPV_VECTOR_MAX || min > UINT32_MAX)
		return -HPV_EINVAL;
	/* Our APIC ids are the vCPU ids; ids past the last vCPU are skipped. */
	for (unsigned int bit = 0; bit < 128; bit++) {
		uint64_t id = min + bit;

		if (!(bitmap[bit / 64] & (1ULL << (bit % 64))))
			continue;
		if (id >= (uint64_t)kvm->nr_cpus)
			break;
		sent += ipi__deliver(kvm, id, vector);
	}
	__atomic_add_fetch(&cpu->ipis_sent, sent, __ATOMIC_RELAXED);
	return sent;
}

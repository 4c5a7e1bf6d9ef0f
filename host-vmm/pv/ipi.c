// SPDX-License-Identifier: GPL-2.0
/*
 * HPV_HC_SEND_IPI. On the kvm route the stub makes KVM_HC_SEND_IPI and KVM
 * serves it; on the user route it comes here: one exit for the whole
 * destination set, then an MSI per destination through the in-kernel
 * irqchip.
 */
#include <errno.h>
#include <stdlib.h>

#include "hpv/kvm.h"
#include "hpv/pv/hypercall.h"
#include "hpv/pv/ops.h"
#include "hpv/report.h"
#include "hpv/vcpu.h"

struct ipi_vcpu {
	uint64_t sent;
};

struct ipi {
	struct kvm *kvm;
	struct ipi_vcpu *vcpu;
};

int64_t ipi__send(struct ipi *ipi, struct kvm_cpu *cpu, const uint64_t args[4])
{
	const uint64_t bitmap[2] = { args[0], args[1] };
	uint64_t min = args[2], vector = args[3];
	struct kvm *kvm = ipi->kvm;
	int64_t sent = 0;

	if (vector < HPV_VECTOR_MIN || vector > HPV_VECTOR_MAX || min > UINT32_MAX)
		return -EINVAL;
	/* Our APIC ids are the vCPU ids; ids past the last vCPU are skipped. */
	for (unsigned int bit = 0; bit < 128; bit++) {
		uint64_t id = min + bit;

		if (!(bitmap[bit / 64] & (1ULL << (bit % 64))))
			continue;
		if (id >= (uint64_t)kvm->nr_cpus)
			break;
		sent += kvm__signal_msi(kvm, id, vector);
	}
	if (cpu->id < kvm->nr_cpus)
		__atomic_add_fetch(&ipi->vcpu[cpu->id].sent, sent, __ATOMIC_RELAXED);
	return sent;
}

static int64_t ipi__hypercall(void *ctx, struct kvm_cpu *cpu, const uint64_t args[4])
{
	return ipi__send(ctx, cpu, args);
}

static const struct hpv_hypercall send_ipi_call = {
	.nr = HPV_HC_SEND_IPI, .name = "send_ipi", .feature = HPV_FEATURE_PV_IPI,
	.fn = ipi__hypercall, .kvm_stub = hpv_stub_kvm_send_ipi,
};

void ipi__report(struct ipi *ipi, struct report *r)
{
	report__vcpu_row(r, "pv ipis sent (user)", "ipi.sent", &ipi->vcpu[0].sent,
			 sizeof(ipi->vcpu[0]));
}

int ipi__new(struct kvm *kvm, struct hypercall *hc, struct ipi **out)
{
	struct ipi *ipi = calloc(1, sizeof(*ipi));
	int ret = -ENOMEM;

	if (!ipi)
		return -ENOMEM;
	ipi->kvm = kvm;
	ipi->vcpu = calloc(kvm->nr_cpus ? kvm->nr_cpus : 1, sizeof(*ipi->vcpu));
	if (ipi->vcpu)
		ret = hypercall__register(hc, &send_ipi_call, ipi);
	if (ret) {
		ipi__free(ipi);
		return ret;
	}
	*out = ipi;
	return 0;
}

void ipi__free(struct ipi *ipi)
{
	if (!ipi)
		return;
	free(ipi->vcpu);
	free(ipi);
}

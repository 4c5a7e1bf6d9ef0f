// SPDX-License-Identifier: GPL-2.0
/*
 * The hybrid ABI's host side: which features are offered, the CPUID
 * leaves that say so, and the modules that serve them. Each module
 * registers its own MSRs, hypercalls and vCPU hooks; this file only
 * creates them in order and reports them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hpv/kvm.h"
#include "hpv/pv.h"
#include "hpv/pv/ops.h"
#include "hpv/pv/pvclock.h"
#include "hpv/report.h"
#include "hpv/vcpu.h"

/* KVM's LAPIC timer counts at 1 GHz (APIC_BUS_CYCLE_NS = 1). */
#define KVM_LAPIC_TIMER_KHZ 1000000u

/* What lives on the pvclock's time line: gone where the clock is. */
#define HPV_FEATURES_ON_PVCLOCK \
	(HPV_FEATURE_PV_TIMER | HPV_FEATURE_PV_TIMER_RECORD | HPV_FEATURE_PVCLOCK_VDSO)

/* The pvclock, and what lives on its time line, need KVM's TSC rate. */
#define HPV_FEATURES_NEED_TSC_KHZ (HPV_FEATURE_PVCLOCK | HPV_FEATURES_ON_PVCLOCK)

struct pv {
	struct kvm *kvm;
	uint32_t offered;      /* HPV_FEATURE_* in CPUID; modules may withdraw at set-up */
	uint32_t idle_poll_ns; /* the guest's idle-poll hint in CPUID */
	struct hypercall *hc;
	struct pvclock *clock;
	struct vcpu_records *records;
	struct timer *timer;
	struct ipi *ipi;
	struct idle *idle;
	struct sched *sched;
	struct mmu *mmu;
};

static uint32_t sig_word(int i)
{
	uint32_t w;

	memcpy(&w, &HPV_SIGNATURE[4 * i], 4);
	return w;
}

uint32_t pv__offered(const struct pv *pv)
{
	return __atomic_load_n(&pv->offered, __ATOMIC_RELAXED);
}

/* vCPU 0 brings KVM's TSC rate: without it, no pvclock and no timer. */
static int pv__vcpu_init(void *ctx, struct kvm_cpu *cpu)
{
	struct pv *pv = ctx;

	if (cpu->id == 0 && !pv->kvm->tsc_khz)
		pv->offered &= ~HPV_FEATURES_NEED_TSC_KHZ;
	return 0;
}

static int pv__cpuid(void *ctx, struct kvm_cpu *cpu, struct hpv_cpuid *cpuid)
{
	struct pv *pv = ctx;
	const struct kvm_cpuid_entry2 leaves[] = {
		{ .function = HPV_CPUID_SIGNATURE, .eax = HPV_CPUID_MMU,
		  .ebx = sig_word(0), .ecx = sig_word(1), .edx = sig_word(2) },
		{ .function = HPV_CPUID_FEATURES, .eax = HPV_ABI_VERSION, .ebx = pv__offered(pv) },
		{ .function = HPV_CPUID_HYPERCALL, .eax = HPV_MSR_HYPERCALL_PAGE, .ebx = 1,
		  .ecx = HPV_HYPERCALL_STRIDE },
		{ .function = HPV_CPUID_TIMING, .eax = pv->kvm->tsc_khz, .ebx = KVM_LAPIC_TIMER_KHZ,
		  .ecx = pv->idle_poll_ns },
	};
	int ret = 0;

	(void)cpu;
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]) && !ret; i++)
		ret = cpuid__append(cpuid, &leaves[i]);
	return ret;
}

int pv__new(struct kvm *kvm, const struct pv_config *cfg, struct pv **out)
{
	struct kvm_cpu_hooks hooks = { .name = "hybridpv", .init = pv__vcpu_init,
				       .cpuid = pv__cpuid };
	struct pv *pv = calloc(1, sizeof(*pv));
	int ret;

	if (!pv)
		return -ENOMEM;
	pv->kvm = kvm;
	pv->offered = HPV_FEATURES_ALL & ~cfg->withheld;
	/* the timer's deadlines and the vDSO's reads are pvclock time */
	if (!(pv->offered & HPV_FEATURE_PVCLOCK))
		pv->offered &= ~HPV_FEATURES_ON_PVCLOCK;
	pv->idle_poll_ns = cfg->idle_poll_given ? cfg->idle_poll_ns : idle__poll_hint(kvm->nr_cpus);
	hooks.ctx = pv;
	ret = kvm__add_cpu_hooks(kvm, &hooks);
	if (!ret)
		ret = hypercall__new(kvm, &pv->offered, cfg->route, cpuid__is_amd(kvm->supported_cpuid),
				     &pv->hc);
	if (!ret)
		ret = pvclock__new(kvm, &pv->offered, cfg->force_tsc_stable, &pv->clock);
	if (!ret)
		ret = vcpu_records__new(kvm, &pv->offered, &pv->records);
	if (!ret)
		ret = timer__new(kvm, pv->clock, pv->hc, &pv->offered, cfg->timer, &pv->timer);
	if (!ret)
		ret = ipi__new(kvm, pv->hc, &pv->ipi);
	if (!ret)
		ret = idle__new(kvm, &pv->offered, pv->hc, pv->timer, &pv->idle);
	if (!ret)
		ret = sched__new(kvm, pv->hc, &pv->sched);
	if (!ret)
		ret = mmu__new(kvm, &pv->offered, cfg->cr3_cache, &pv->mmu);
	if (ret) {
		pv__free(pv);
		return ret;
	}
	*out = pv;
	return 0;
}

void pv__report(struct pv *pv, struct report *r)
{
	hypercall__report_route(pv->hc, r);
	pvclock__report(pv->clock, r);
	report__text(r, "features offered 0x%x", pv__offered(pv));
	report__kv(r, "features.offered", "0x%x", pv__offered(pv));
	timer__report(pv->timer, r);
	idle__report(pv->idle, r);
	ipi__report(pv->ipi, r);
	sched__report(pv->sched, r);
	mmu__report(pv->mmu, r);
	hypercall__report_counts(pv->hc, r);
}

void pv__free(struct pv *pv)
{
	if (!pv)
		return;
	mmu__free(pv->mmu);
	sched__free(pv->sched);
	idle__free(pv->idle);
	ipi__free(pv->ipi);
	timer__free(pv->timer);
	vcpu_records__free(pv->records);
	pvclock__free(pv->clock);
	hypercall__free(pv->hc);
	free(pv);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The paravirtual ops hpv serves, one module each: IPI, the records KVM
 * keeps (vCPU state for the TLB flush, EOI), idle, the spinlock kick, the
 * directed yield. The timer has its own
 * header (hpv/pv/timer.h). Each module registers its MSRs and hypercalls
 * when created and reports its own counters.
 */
#ifndef HPV_PV_OPS_H
#define HPV_PV_OPS_H

#include <stdint.h>

#include "hybridpv.h"

struct hypercall;
struct kvm;
struct kvm_cpu;
struct report;
struct timer;

#define HPV_VECTOR_MIN 32 /* vectors below are exceptions */
#define HPV_VECTOR_MAX 255

/* HPV_HC_SEND_IPI on the user route: one MSI per destination vCPU. */
struct ipi;
int ipi__new(struct kvm *kvm, struct hypercall *hc, struct ipi **out);
int64_t ipi__send(struct ipi *ipi, struct kvm_cpu *cpu, const uint64_t args[4]);
void ipi__report(struct ipi *ipi, struct report *r);
void ipi__free(struct ipi *ipi);

/* HPV_HC_KICK and HPV_HC_SCHED_YIELD on the user route: KVM's wake-up for
 * a halted vCPU, and a yield of the calling vCPU's thread. */
struct sched;
int sched__new(struct kvm *kvm, struct hypercall *hc, struct sched **out);
int64_t sched__kick(struct sched *s, struct kvm_cpu *cpu, const uint64_t args[4]);
int64_t sched__yield(struct sched *s, struct kvm_cpu *cpu, const uint64_t args[4]);
void sched__report(struct sched *s, struct report *r);
void sched__free(struct sched *s);

/* HPV_MSR_VCPU_STATE and HPV_MSR_PV_EOI, handed to KVM's own records. The
 * first vCPU's set-up withdraws (from *offered) what KVM cannot keep. */
struct vcpu_records;
int vcpu_records__new(struct kvm *kvm, uint32_t *offered, struct vcpu_records **out);
void vcpu_records__free(struct vcpu_records *vr);

/* HPV_HC_IDLE: arm the timer (where it is offered) and halt in one exit. */
struct idle;
int idle__new(struct kvm *kvm, const uint32_t *offered, struct hypercall *hc, struct timer *timer,
	      struct idle **out);
int64_t idle__halt(struct idle *idle, struct kvm_cpu *cpu, const uint64_t args[4]);
void idle__report(struct idle *idle, struct report *r);
void idle__free(struct idle *idle);
/* CPUID's idle-poll hint for the guest, in ns. */
uint32_t idle__poll_hint(int nr_cpus);

/*
 * The CR3 port (HPV_FEATURE_CR3_PORT, HPV_FEATURE_MM_RETIRE): KVM serves it
 * in the kernel where its MMU shadows the guest's page tables and it has
 * KVM_CAP_HYBRIDPV_CR3 (our KVM patch). Opted into before the vCPUs exist;
 * withdrawn from *offered where KVM lacks it. -ERANGE: KVM keeps fewer
 * roots than asked.
 */
#define HPV_CR3_PORT 0x4850
struct mmu;
int mmu__new(struct kvm *kvm, uint32_t *offered, uint32_t cache, struct mmu **out);
void mmu__report(struct mmu *mmu, struct report *r);
void mmu__free(struct mmu *mmu);

#endif

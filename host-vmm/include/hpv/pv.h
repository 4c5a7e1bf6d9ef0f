/* SPDX-License-Identifier: GPL-2.0 */
/* The paravirtual ops hpv serves: IPI, vCPU state (TLB flush), timer, idle. */
#ifndef HPV_PV_H
#define HPV_PV_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hybridpv.h"

struct kvm;
struct kvm_cpu;

#define HPV_VECTOR_MIN 32 /* vectors below are exceptions */
#define HPV_VECTOR_MAX 255

/* HPV_HC_SEND_IPI on the user route: one MSI per destination vCPU. */
int64_t ipi__hypercall(struct kvm_cpu *cpu, const uint64_t args[4]);
/* Raise vector on the vCPU with this APIC id; 1 if delivered, 0 if not. */
int ipi__deliver(struct kvm *kvm, uint32_t apic_id, uint8_t vector);

/* HPV_MSR_VCPU_STATE and HPV_MSR_PV_EOI, handed to KVM's own records. */
int vcpu_state__set_msr(struct kvm_cpu *cpu, uint32_t index, uint64_t val);
int vcpu_state__init(struct kvm *kvm);

/* Per-vCPU one-shot timers on the pvclock's time line. */
int timer__set_record(struct kvm_cpu *cpu, uint64_t val);
int timer__init_msr(struct kvm *kvm);
int64_t timer__set_hypercall(struct kvm_cpu *cpu, const uint64_t args[4]);
int64_t timer__idle_hypercall(struct kvm_cpu *cpu, const uint64_t args[4]);
/* The per-vCPU timers' signal: it interrupts that vCPU's KVM_RUN. */
#define HPV_TIMER_SIGNAL SIGUSR2
int timer__init(struct kvm *kvm);
/* Fire the timers with KVM's synthetic timers; -errno where KVM cannot. */
int timer__kvm_init(struct kvm *kvm);
/* The LAPIC-timer mode: arm on cpu's LAPIC timer; 1: too far, use another. */
int lapic_timer__arm(struct kvm_cpu *cpu, uint64_t deadline, uint8_t vector);
/* Whether KVM holds a deadline for cpu's LAPIC timer. */
bool lapic_timer__pending(struct kvm_cpu *cpu);
/* On the vCPU thread before KVM_RUN: inject a POSIX timer's expiry. */
void timer__deliver(struct kvm_cpu *cpu);
void timer__exit(struct kvm *kvm);
void timer__report(struct kvm *kvm, FILE *f);
/* CPUID's idle-poll hint for the guest, in ns. */
uint32_t timer__idle_poll_hint(int nr_cpus);
/* Withdraw the features whose record KVM cannot keep on this host. */
void vcpu_state__probe(struct kvm_cpu *cpu);

#endif

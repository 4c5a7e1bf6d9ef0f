/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HPV_VCPU_H
#define HPV_VCPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

struct kvm;

/* User-space exit reasons we count; KVM_EXIT_* values index it. */
#define HPV_EXIT_REASONS 64

struct kvm_cpu {
	struct kvm *kvm;
	int id; /* also its APIC id */
	int fd;
	int stats_fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;        /* main: the thread exists, join it */
	pthread_t self;      /* the thread, as it set itself before running */
	atomic_bool running; /* set by the thread: kicks now reach it */
	uint64_t user_exits[HPV_EXIT_REASONS];
};

int kvm_cpu__init(struct kvm *kvm, int id, struct kvm_cpu **out);
void kvm_cpu__exit(struct kvm_cpu *cpu);
/* Enter the 64-bit boot protocol: paging on, flat GDT, %rsi = boot_params. */
int kvm_cpu__setup_longmode(struct kvm_cpu *cpu, uint64_t entry, uint64_t boot_params,
			    uint64_t pml4, uint64_t gdt, uint16_t gdt_limit);
int kvm_cpu__start(struct kvm_cpu *cpu);
/* One MSR through KVM_GET_MSRS/KVM_SET_MSRS; -EIO where KVM refuses. */
int kvm_cpu__get_msr(struct kvm_cpu *cpu, uint32_t index, uint64_t *val);
int kvm_cpu__set_msr(struct kvm_cpu *cpu, uint32_t index, uint64_t val);
/* Several at once, in order (at most 4). */
int kvm_cpu__set_msrs(struct kvm_cpu *cpu, const struct kvm_msr_entry *e, uint32_t n);
/* The vCPU's registers at this exit: from kvm_run where KVM syncs them. */
int kvm_cpu__get_regs(struct kvm_cpu *cpu, struct kvm_regs *regs);
int kvm_cpu__set_regs(struct kvm_cpu *cpu, const struct kvm_regs *regs);
/* Make KVM_RUN return (or not start): the pre-run hooks then run. */
void kvm_cpu__kick(struct kvm_cpu *cpu);

/* A vCPU's CPUID while it is composed: the leaves, and room for more. */
struct hpv_cpuid {
	struct kvm_cpuid2 *c;
	uint32_t room;
};

/* AMD and Hygon take VMMCALL; Intel VMCALL. */
int cpuid__is_amd(const struct kvm_cpuid2 *supported);
/* KVM's supported leaves, our APIC id, no KVM PV leaves; room for
 * HPV_CPUID_EXTRA more. -ENOMEM. */
int cpuid__compose(const struct kvm_cpuid2 *supported, int apic_id, bool tsc_deadline,
		   struct hpv_cpuid *out);
/* Append one leaf; -ENOSPC past the room. */
int cpuid__append(struct hpv_cpuid *b, const struct kvm_cpuid_entry2 *e);

#endif

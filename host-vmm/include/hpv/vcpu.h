/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HPV_VCPU_H
#define HPV_VCPU_H

#include <pthread.h>
#include <time.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

struct kvm;

/* Per-vCPU records KVM keeps for us (hw/vcpu_state.c). */
#define HPV_NR_KVM_RECORDS 2

/* User-space exit reasons we count; KVM_EXIT_* values index it. */
#define HPV_EXIT_REASONS 64

struct kvm_cpu {
	struct kvm *kvm;
	int id;
	int fd;
	int stats_fd;
	struct kvm_run *run;
	pthread_t thread;
	uint64_t user_exits[HPV_EXIT_REASONS];
	uint64_t pvclock_msr; /* last valid HPV_MSR_PVCLOCK value */
	uint64_t host_ns_latch; /* exit device: host time latched by this vCPU */
	uint64_t record_msr[HPV_NR_KVM_RECORDS]; /* last valid HPV_MSR_VCPU_STATE, _PV_EOI */
	timer_t timer;           /* its HPV_HC_SET_TIMER timer, signalling this thread */
	bool timer_created;
	int timer_pending;       /* set by the timer's signal */
	uint8_t timer_vector;
	int64_t timer_clock_offset; /* the timer's host clock at pvclock time 0 */
	int64_t timer_offset_at;    /* when it was measured (host ns), 0: never */
	uint64_t timer_deadline;    /* the pvclock deadline the timer is armed for, 0: none */
	struct hpv_timer *timer_rec; /* the guest's HPV_MSR_TIMER record, NULL: none */
	uint64_t timer_rec_msr;     /* last valid HPV_MSR_TIMER value */
	uint64_t timer_fires, idle_halts, ipis_sent, stimer_arms;
	uint64_t timer_rec_moves, timer_rec_stops; /* expiries the record made silent */
	uint16_t lapic_timer_vector; /* the vector its LVTT was bound to, 0: none */
	uint64_t lapic_timer_binds, lapic_timer_arms; /* LVTT set, deadlines set by hpv */
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
void kvm_cpu__kick(struct kvm_cpu *cpu);

/* CPUID for one vCPU: KVM's supported leaves, our APIC id, no KVM PV leaves. */
/* AMD and Hygon take VMMCALL; Intel VMCALL. */
int cpuid__is_amd(const struct kvm_cpuid2 *supported);
struct kvm_cpuid2 *cpuid__compose(const struct kvm_cpuid2 *supported, int apic_id,
				   const struct kvm *kvm);

#endif

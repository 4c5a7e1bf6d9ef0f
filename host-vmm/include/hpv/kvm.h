/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HPV_KVM_H
#define HPV_KVM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "hpv/io.h"

/* Guest RAM above this address is moved to 4 GiB to leave room for the
 * IOAPIC, LAPIC and future MMIO devices below 4 GiB. */
#define HPV_LOW_RAM_MAX   0xC0000000ULL
#define HPV_HIGH_RAM_BASE 0x100000000ULL

#define HPV_MIN_RAM (64ULL << 20)
#define HPV_MAX_RAM (256ULL << 30)

enum hpv_end {
	HPV_END_NONE,
	HPV_END_POWEROFF,  /* ACPI S5 */
	HPV_END_RESET,     /* reset register, keyboard controller, triple fault */
	HPV_END_STATUS,    /* the guest reported its exit status */
	HPV_END_USER,      /* Ctrl-A x or a signal */
	HPV_END_ERROR,     /* KVM refused to run a vCPU */
};

struct kvm_cpu;

struct kvm {
	int sys_fd;
	int vm_fd;
	int vcpu_mmap_size;

	uint8_t *ram;
	uint64_t ram_size;

	int nr_cpus;
	struct kvm_cpu **cpus;
	struct kvm_cpuid2 *supported_cpuid;
	uint32_t tsc_khz;

	struct hpv_io_table io;

	bool hybridpv;           /* offer the hybridpv CPUID leaves and ABI */
	uint32_t features;       /* HPV_FEATURE_* bits offered in CPUID */
	uint32_t idle_poll_ns;   /* the guest's idle-poll hint in CPUID */
	uint64_t hypercall_msr;  /* last valid HPV_MSR_HYPERCALL_PAGE value */
	bool timer_kvm;          /* KVM's synthetic timers fire HPV_HC_SET_TIMER's */
	bool timer_lapic;        /* the vCPUs' LAPIC timers fire them */
	uint16_t stub_timer_vector; /* the LAPIC-timer stub's vector, 0: none yet */
	bool sync_regs;          /* KVM copies the GPRs into kvm_run at each exit */
	bool tsc_deadline;       /* KVM emulates the LAPIC's TSC-deadline mode */

	atomic_int end;          /* enum hpv_end, first writer wins */
	atomic_int exit_status;
	int64_t start_ns;
	int64_t init_reached_ns; /* 0 until the guest's init reports in */
};

int kvm__init(struct kvm *kvm, uint64_t ram_size, int nr_cpus);
void kvm__exit(struct kvm *kvm);
/* Host pointer for [gpa, gpa + len), or NULL if not entirely guest RAM. */
void *kvm__gpa_to_host(struct kvm *kvm, uint64_t gpa, uint64_t len);
int kvm__irq_line(struct kvm *kvm, int irq, int level);
/* Ask every vCPU to stop; the first reason given is kept. */
void kvm__request_end(struct kvm *kvm, enum hpv_end why, int status);
int kvm__max_cpus(struct kvm *kvm);
/* Send guest accesses to every registered MSR to user space. */
int kvm__install_msr_filter(struct kvm *kvm);
int64_t hpv_now_ns(void);

#endif

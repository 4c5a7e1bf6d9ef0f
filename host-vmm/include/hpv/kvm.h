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
	HPV_END_POWEROFF,     /* ACPI S5 */
	HPV_END_RESET,        /* reset register, keyboard controller */
	HPV_END_STATUS,       /* the guest reported its exit status */
	HPV_END_USER,         /* Ctrl-A x or a signal */
	HPV_END_ERROR,        /* KVM refused to run a vCPU */
	HPV_END_TRIPLE_FAULT, /* a reset the guest did not ask for */
};

/* hpv's exit statuses besides the guest's own (which take 0-255 too). */
#define HPV_EXIT_VM_FAILED    1
#define HPV_EXIT_BAD_INPUT    2
#define HPV_EXIT_TRIPLE_FAULT 3

struct kvm_cpu;
struct hpv_cpuid;

/*
 * What a module hooks into every vCPU's life; any slot may be NULL. The
 * vCPU code calls them in registration order and knows no module by name.
 */
struct kvm_cpu_hooks {
	const char *name;
	void *ctx;
	/* After KVM_CREATE_VCPU, before its CPUID is set; -errno fails set-up. */
	int (*init)(void *ctx, struct kvm_cpu *cpu);
	/* Append leaves to the vCPU's CPUID with cpuid__append(). */
	int (*cpuid)(void *ctx, struct kvm_cpu *cpu, struct hpv_cpuid *cpuid);
	/* On the vCPU's own thread, before its first KVM_RUN. */
	int (*start)(void *ctx, struct kvm_cpu *cpu);
	/* On the vCPU's own thread, before every KVM_RUN: pending work. */
	void (*pre_run)(void *ctx, struct kvm_cpu *cpu);
	/* At teardown, after every vCPU thread has ended. */
	void (*exit)(void *ctx, struct kvm_cpu *cpu);
};

#define HPV_MAX_CPU_HOOKS 16
#define HPV_CPUID_EXTRA   16
#define HPV_MAX_CLEANUPS  16

/* What kvm__exit() undoes for a module: its state, freed last. */
struct kvm_cleanup {
	void (*fn)(void *ctx);
	void *ctx;
};

struct kvm {
	int sys_fd;
	int vm_fd;
	int vcpu_mmap_size;

	uint8_t *ram;
	uint64_t ram_size;

	int nr_cpus;
	struct kvm_cpu **cpus;
	struct kvm_cpuid2 *supported_cpuid;
	uint32_t tsc_khz;        /* KVM's guest TSC rate, 0: unknown */
	bool sync_regs;          /* KVM copies the GPRs into kvm_run at each exit */
	bool tsc_deadline;       /* KVM emulates the LAPIC's TSC-deadline mode */

	struct hpv_io_table io;
	struct kvm_cpu_hooks hooks[HPV_MAX_CPU_HOOKS];
	int nr_hooks;
	struct kvm_cleanup cleanups[HPV_MAX_CLEANUPS];
	int nr_cleanups;

	atomic_int end;          /* enum hpv_end, first writer wins */
	atomic_int exit_status;
	int64_t start_ns;
	int64_t init_reached_ns; /* 0 until the guest's init reports in */
};

int kvm__init(struct kvm *kvm, uint64_t ram_size, int nr_cpus);
/* 0 if /dev/kvm runs a guest's instructions natively (VT-x/AMD-V), else
 * -ENOTSUP with one line said. */
int kvm__probe_native(int sys_fd);
void kvm__exit(struct kvm *kvm);
/* At set-up, before the vCPUs are created. */
int kvm__add_cpu_hooks(struct kvm *kvm, const struct kvm_cpu_hooks *hooks);
/* fn(ctx) at kvm__exit(), in reverse order of registration. */
int kvm__add_cleanup(struct kvm *kvm, void (*fn)(void *ctx), void *ctx);
/* Host pointer for [gpa, gpa + len), or NULL if not entirely guest RAM. */
void *kvm__gpa_to_host(struct kvm *kvm, uint64_t gpa, uint64_t len);
int kvm__irq_line(struct kvm *kvm, int irq, int level);
/* A fixed interrupt to the vCPU with this APIC id; 1 if delivered. */
int kvm__signal_msi(struct kvm *kvm, uint32_t apic_id, uint8_t vector);
/* End the halt of the vCPU with this APIC id, as KVM_HC_KICK_CPU does; 1
 * if delivered. */
int kvm__unhalt(struct kvm *kvm, uint32_t apic_id);
/* Ask every vCPU to stop; the first reason given is kept. */
void kvm__request_end(struct kvm *kvm, enum hpv_end why, int status);
int kvm__max_cpus(struct kvm *kvm);
/* Send guest accesses to every registered MSR to user space. */
int kvm__install_msr_filter(struct kvm *kvm);
/* KVM's and Hyper-V's paravirtual MSRs, which hpv does not offer: #GP. */
int kvm__close_pv_msrs(struct kvm *kvm);
struct report;
/* --stats: how often the guest tried them. */
void kvm__report_closed_msrs(struct kvm *kvm, struct report *r);
/* The filter that does it: the number of ranges, or -E2BIG. */
#define HPV_MSR_FILTER_MAX_MSRS 0x1000
struct kvm_msr_filter;
int kvm__msr_filter(const struct kvm *kvm, struct kvm_msr_filter *filter);
int64_t hpv_now_ns(void);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small stand-in for the KVM ioctls hpv makes, so the fuzz targets run
 * without /dev/kvm and the code behind a successful ioctl is fuzzed too.
 * fake_kvm.c defines ioctl(): requests on the fake VM's descriptors are
 * answered here, anything else goes to the real system call.
 *
 * What the guest controls on real hardware (its TSC, its LAPIC registers,
 * its general registers) the fuzz input sets through this state; what KVM
 * may refuse, the input may make it refuse (refuse bits).
 */
#ifndef HPV_FUZZ_FAKE_KVM_H
#define HPV_FUZZ_FAKE_KVM_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#define FAKE_KVM_MAX_CPUS 8
#define FAKE_KVM_NR_IRQS  24 /* the IOAPIC's pins */

/* Requests KVM refuses while their bit is set in fake_kvm.refuse. */
enum {
	FAKE_KVM_REFUSE_GET_MSRS = 1u << 0,
	FAKE_KVM_REFUSE_SET_MSRS = 1u << 1,
	FAKE_KVM_REFUSE_LAPIC = 1u << 2,
	FAKE_KVM_REFUSE_REGS = 1u << 3,
	FAKE_KVM_REFUSE_MP_STATE = 1u << 4,
	FAKE_KVM_REFUSE_MSI = 1u << 5,
	FAKE_KVM_REFUSE_CLOCK = 1u << 6,
	FAKE_KVM_REFUSE_IRQ_LINE = 1u << 7,
	FAKE_KVM_REFUSE_ENABLE_CAP = 1u << 8,
	FAKE_KVM_REFUSE_STEAL_TIME = 1u << 9, /* no CONFIG_SCHED_INFO */
	FAKE_KVM_REFUSE_PV_EOI = 1u << 10,
	FAKE_KVM_REFUSE_STIMER = 1u << 11,    /* SynIC off on the vCPU */
	FAKE_KVM_REFUSE_CPUID = 1u << 12,
};

/* The vCPU MSRs hpv reads or writes with KVM_GET_MSRS/KVM_SET_MSRS. */
enum {
	FAKE_MSR_TSC,
	FAKE_MSR_TSC_DEADLINE,
	FAKE_MSR_STEAL_TIME,
	FAKE_MSR_PV_EOI,
	FAKE_MSR_STIMER0_CONFIG,
	FAKE_MSR_STIMER0_COUNT,
	FAKE_NR_MSRS
};

struct fake_kvm_vcpu {
	int fd;
	uint64_t msr[FAKE_NR_MSRS];
	uint64_t tsc_step; /* how far the TSC moves between two reads */
	struct kvm_lapic_state lapic;
	struct kvm_regs regs;
	uint32_t mp_state;
	uint64_t msis; /* fixed interrupts delivered to it */
};

struct fake_kvm {
	int sys_fd, vm_fd;
	int nr_cpus;
	uint32_t refuse;  /* FAKE_KVM_REFUSE_* */
	uint32_t tsc_khz; /* KVM_GET_TSC_KHZ */
	bool synic;       /* KVM_CAP_HYPERV_SYNIC2 */
	bool tsc_stable;  /* KVM_CLOCK_TSC_STABLE from KVM_GET_CLOCK */
	uint64_t clock, clock_step;
	int irq_level[FAKE_KVM_NR_IRQS];
	uint64_t unknown; /* requests on our descriptors this fake does not model */
	struct fake_kvm_vcpu vcpu[FAKE_KVM_MAX_CPUS];
};

/* The one fake VM of the process. */
extern struct fake_kvm fake_kvm;

/* A fresh VM with nr_cpus vCPUs (descriptors are kept across resets). */
void fake_kvm__reset(int nr_cpus);
struct fake_kvm_vcpu *fake_kvm__vcpu(int fd);

#endif

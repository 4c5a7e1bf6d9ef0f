/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HPV_HYPERCALL_H
#define HPV_HYPERCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "hybridpv.h"
#include "hpv/stubs.h"

struct kvm;
struct kvm_cpu;

/* KVM's in-kernel hypercalls we route to (stubs.S has the same numbers). */
#define KVM_HC_VAPIC_POLL_IRQ 1 /* does nothing, returns 0 */
#define KVM_HC_SEND_IPI       10

#define HPV_FEATURES_ALL                                                                   \
	(HPV_FEATURE_HYPERCALL_PAGE | HPV_FEATURE_PVCLOCK | HPV_FEATURE_PV_IPI |              \
	 HPV_FEATURE_PV_TLB_FLUSH | HPV_FEATURE_PV_TIMER | HPV_FEATURE_PV_IDLE |             \
	 HPV_FEATURE_PV_EOI | HPV_FEATURE_PV_TIMER_RECORD)

/* How a stub reaches its handler. */
enum hpv_route {
	HPV_ROUTE_USER,   /* port-I/O doorbell to hpv */
	HPV_ROUTE_KVM,    /* VMCALL/VMMCALL served inside KVM */
};

/* A template from stubs.S: the bytes [start, end). */
struct hpv_stub {
	const uint8_t *start, *end;
};

struct hpv_hypercall {
	uint32_t nr;
	const char *name;
	uint32_t feature; /* CPUID feature bit that offers it */
	int64_t (*fn)(struct kvm_cpu *cpu, const uint64_t args[4]);
	const struct hpv_stub *kvm_stub; /* [vmcall, vmmcall] into KVM, or NULL */
	bool sti;         /* the doorbell stub enables interrupts (IDLE) */
	bool lapic_timer; /* kvm_stub needs the LAPIC-timer mode (SET_TIMER) */
};

struct hpv_stub_config {
	enum hpv_route route; /* for calls that have a KVM equivalent */
	int amd;              /* VMMCALL rather than VMCALL */
	uint32_t features;    /* offered HPV_FEATURE_* bits; others get -ENOSYS */
	bool lapic_timer;     /* the vCPUs' LAPIC timers fire HPV_HC_SET_TIMER's */
};

extern struct hpv_stub_config hpv_stubs;

extern const struct hpv_hypercall hpv_hypercalls[];
extern const unsigned int hpv_nr_hypercall_entries;

/* Write the stub page: one HPV_HYPERCALL_STRIDE slot per number. */
void hypercall__write_page(uint8_t *page, const struct hpv_stub_config *cfg);
const char *hypercall__route_name(enum hpv_route route);
/* Run hypercall nr with args; unknown numbers give -HPV_ENOSYS. */
int64_t hypercall__dispatch(struct kvm_cpu *cpu, uint32_t nr, const uint64_t args[4]);
/* Validate and apply a write to HPV_MSR_HYPERCALL_PAGE; -EINVAL means #GP. */
int hypercall__set_page_msr(struct kvm *kvm, uint64_t val);
int hypercall__init(struct kvm *kvm);
uint64_t hypercall__count(uint32_t nr);

#endif

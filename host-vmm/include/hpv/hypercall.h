/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HPV_HYPERCALL_H
#define HPV_HYPERCALL_H

#include <stdint.h>

#include "hybridpv.h"

struct kvm;
struct kvm_cpu;

/* The doorbell port the user-space stubs write the hypercall number to. */
#define HPV_HYPERCALL_PORT   0xe0
#define HPV_HYPERCALL_STRIDE 32
#define HPV_HYPERCALL_SLOTS  (4096 / HPV_HYPERCALL_STRIDE)

/* KVM's in-kernel hypercall that does nothing and returns 0. */
#define KVM_HC_VAPIC_POLL_IRQ 1

/* How a stub reaches its handler. */
enum hpv_route {
	HPV_ROUTE_USER,   /* port-I/O doorbell to hpv */
	HPV_ROUTE_KVM,    /* VMCALL/VMMCALL served inside KVM */
};

struct hpv_hypercall {
	uint32_t nr;
	const char *name;
	uint32_t feature; /* CPUID feature bit that offers it */
	int64_t (*fn)(struct kvm_cpu *cpu, const uint64_t args[4]);
	int kvm_nr;       /* KVM hypercall with the same effect, or -1 */
};

struct hpv_stub_config {
	enum hpv_route route; /* for calls that have a KVM equivalent */
	int amd;              /* VMMCALL rather than VMCALL */
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

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

struct hpv_hypercall {
	uint32_t nr;
	const char *name;
	uint32_t feature; /* CPUID feature bit that offers it */
	int64_t (*fn)(struct kvm_cpu *cpu, const uint64_t args[4]);
};

extern const struct hpv_hypercall hpv_hypercalls[];
extern const unsigned int hpv_nr_hypercall_entries;

/* Write the stub page: one HPV_HYPERCALL_STRIDE slot per number. */
void hypercall__write_page(uint8_t *page);
/* Run hypercall nr with args; unknown numbers give -HPV_ENOSYS. */
int64_t hypercall__dispatch(struct kvm_cpu *cpu, uint32_t nr, const uint64_t args[4]);
/* Validate and apply a write to HPV_MSR_HYPERCALL_PAGE; -EINVAL means #GP. */
int hypercall__set_page_msr(struct kvm *kvm, uint64_t val);
int hypercall__init(struct kvm *kvm);
uint64_t hypercall__count(uint32_t nr);

#endif

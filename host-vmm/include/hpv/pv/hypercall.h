/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HPV_PV_HYPERCALL_H
#define HPV_PV_HYPERCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "hybridpv.h"
#include "hpv/pv/record.h"
#include "hpv/pv/stubs.h"

struct kvm;
struct kvm_cpu;
struct report;

/* How a stub reaches its handler. */
enum hpv_route {
	HPV_ROUTE_USER,   /* port-I/O doorbell to hpv */
	HPV_ROUTE_KVM,    /* VMCALL/VMMCALL (or an MSR write) served inside KVM */
};

/* A handler's result: >= 0, or -errno, which the hypercall layer maps to
 * the ABI's -HPV_E* codes. */
typedef int64_t (*hpv_hypercall_fn)(void *ctx, struct kvm_cpu *cpu, const uint64_t args[4]);

/* One hypercall: the module that serves it registers this row. */
struct hpv_hypercall {
	uint32_t nr;
	const char *name;
	uint32_t feature;                /* the HPV_FEATURE_* that offers it */
	hpv_hypercall_fn fn;
	const struct hpv_stub *kvm_stub; /* [vmcall, vmmcall] into KVM on the kvm route, or NULL */
	bool sti;                        /* the doorbell stub enables interrupts first */
};

/* A hypercall through the registration table: arguments in, result out. */
struct hpv_hypercall_frame {
	uint64_t args[4];
	int64_t ret;
};

struct hypercall;

int hypercall__new(struct kvm *kvm, const uint32_t *offered, enum hpv_route route, bool amd,
		   struct hypercall **out);
void hypercall__free(struct hypercall *hc);
/* At set-up: nr below HPV_HYPERCALL_SLOTS - 1 (the last slot stays -ENOSYS). */
int hypercall__register(struct hypercall *hc, const struct hpv_hypercall *call, void *ctx);
/* Serve hypercall nr as the doorbell does: -HPV_ENOSYS if unknown or not
 * offered. */
int64_t hypercall__call(struct hypercall *hc, struct kvm_cpu *cpu, uint32_t nr,
			const uint64_t args[4]);
/* The stub page a registration writes. */
void hypercall__write_page(struct hypercall *hc, uint8_t *page);
/* Run fn on the page the guest registered, with the page's lock held (the
 * guest may move it meanwhile); -ENOENT if it has none. */
int hypercall__with_page(struct hypercall *hc, void (*fn)(void *ctx, uint8_t *page), void *ctx);
enum hpv_route hypercall__route(const struct hypercall *hc);
void hypercall__report_route(struct hypercall *hc, struct report *r);
/* Calls per number, as the doorbell served them. */
void hypercall__report_counts(struct hypercall *hc, struct report *r);
/* -errno to the ABI's error code, the one place the two domains meet. */
int64_t hypercall__abi_error(int64_t err);

#endif

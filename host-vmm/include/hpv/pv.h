/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hybrid ABI's host side: the CPUID leaves, the hypercall page and
 * the paravirtual ops, each a module under pv/. This is what main sees.
 */
#ifndef HPV_PV_H
#define HPV_PV_H

#include <stdbool.h>
#include <stdint.h>

#include "hybridpv.h"
#include "hpv/pv/hypercall.h"
#include "hpv/pv/timer.h"

struct kvm;
struct report;

/* What the vCPU state record serves; any one of them makes it registrable. */
#define HPV_VCPU_STATE_FEATURES \
	(HPV_FEATURE_PV_TLB_FLUSH | HPV_FEATURE_STEAL_TIME | HPV_FEATURE_PV_PREEMPTED)

#define HPV_FEATURES_ALL                                                                   \
	(HPV_FEATURE_HYPERCALL_PAGE | HPV_FEATURE_PVCLOCK | HPV_FEATURE_PV_IPI |              \
	 HPV_FEATURE_PV_TLB_FLUSH | HPV_FEATURE_PV_TIMER | HPV_FEATURE_PV_IDLE |             \
	 HPV_FEATURE_PV_EOI | HPV_FEATURE_PV_TIMER_RECORD | HPV_FEATURE_STEAL_TIME |          \
	 HPV_FEATURE_PV_PREEMPTED | HPV_FEATURE_PV_SPINLOCK | HPV_FEATURE_PV_SCHED_YIELD |   \
	 HPV_FEATURE_PVCLOCK_VDSO | HPV_FEATURE_CR3_PORT | HPV_FEATURE_MM_RETIRE)

struct pv_config {
	uint32_t withheld;            /* HPV_FEATURE_* bits not to offer */
	enum hpv_route route;         /* for the calls KVM can serve */
	enum hpv_timer_route timer;   /* what fires the paravirtual timer */
	bool force_tsc_stable;        /* claim TSC_STABLE whatever KVM says */
	bool idle_poll_given;         /* else the idle-poll hint follows overcommit */
	uint32_t idle_poll_ns;        /* the hint, when given */
	uint32_t cr3_cache;           /* previous roots KVM keeps; 0: its most */
};

struct pv;

/* Before the vCPUs are created: registers every MSR, hypercall and hook. */
int pv__new(struct kvm *kvm, const struct pv_config *cfg, struct pv **out);
/* After the vCPUs are gone. */
void pv__free(struct pv *pv);
void pv__report(struct pv *pv, struct report *r);
/* The features the guest is offered (final once vCPU 0 is set up). */
uint32_t pv__offered(const struct pv *pv);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HPV_PV_PVCLOCK_H
#define HPV_PV_PVCLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "hybridpv.h"

struct kvm;
struct kvm_cpu;
struct report;

/* The record's arithmetic, on its own for tests. */

/* mul/shift so that ns = ((tsc_delta <<|>> shift) * mul) >> 32. */
int pvclock__scale(uint64_t tsc_hz, uint32_t *mul, int8_t *shift);
/* What a guest computes from a record for a given TSC value. */
uint64_t pvclock__read(const struct hpv_pvclock *rec, uint64_t tsc);
/* Fill a record with the odd/even version protocol. */
void pvclock__publish(struct hpv_pvclock *rec, uint64_t tsc, uint64_t ns, uint32_t mul, int8_t shift,
		      uint8_t flags);
/* A record's line inverted: TSC = base + ((ns - system_time) * mult >> 32). */
void pvclock__invert(const struct hpv_pvclock *rec, uint64_t *mult, uint64_t *base);
/* The first TSC at which rec reads ns or later (at most a few ticks after);
 * -ERANGE beyond 64 bits. */
int pvclock__tsc_at(const struct hpv_pvclock *rec, uint64_t ns, uint64_t *tsc);

/* The guest TSC of cpu now (KVM holds a halted vCPU's still on some hosts). */
int pvclock__guest_tsc(struct kvm_cpu *cpu, uint64_t *tsc);

/* The pvclock of one VM: HPV_MSR_PVCLOCK, and the line every record shows. */
struct pvclock;

/*
 * force_stable: set TSC_STABLE in every record whatever KVM reports, for
 * hosts (nested ones) whose vCPU TSCs agree though KVM runs no master
 * clock. If they do not agree, guest time can step back across CPUs.
 */
int pvclock__new(struct kvm *kvm, const uint32_t *offered, bool force_stable,
		 struct pvclock **out);
void pvclock__free(struct pvclock *clock);
/* The pvclock's time now as cpu's guest sees it; -EAGAIN before the first
 * registration. */
int pvclock__guest_now(struct pvclock *clock, struct kvm_cpu *cpu, uint64_t *ns);
/* The reference line as TSC = base + ((ns - ref_ns) * mult >> 32); -EAGAIN
 * before the first registration. */
int pvclock__tsc_line(struct pvclock *clock, uint64_t *ref_ns, uint64_t *mult, uint64_t *base);
/* pvclock__tsc_at() on the reference line; -EAGAIN before there is one. */
int pvclock__deadline_tsc(struct pvclock *clock, uint64_t ns, uint64_t *tsc);
/* --stats: TSC_STABLE, and how far our clock and KVM's ever disagreed. */
void pvclock__report(struct pvclock *clock, struct report *r);

#endif

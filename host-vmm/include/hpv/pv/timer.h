/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HPV_HC_SET_TIMER: one one-shot timer per vCPU on the pvclock's time
 * line, fired by one of three host timers (the route). The timer module
 * picks the route and serves the hypercall; idle arms through it too.
 */
#ifndef HPV_PV_TIMER_H
#define HPV_PV_TIMER_H

#include <stdint.h>

struct hypercall;
struct kvm;
struct kvm_cpu;
struct pvclock;
struct report;

/* What fires the deadlines. */
enum hpv_timer_route {
	HPV_TIMER_LAPIC,  /* the vCPU's LAPIC timer, in KVM ("lapic") */
	HPV_TIMER_POSIX,  /* a POSIX timer in hpv, with the timer record ("posix") */
	HPV_TIMER_STIMER, /* KVM's Hyper-V synthetic timers ("kvm") */
};

struct timer;

/*
 * The route asked for, or the one this KVM can give; withdraws (from
 * *offered) the timer record where the route cannot read it.
 */
int timer__new(struct kvm *kvm, struct pvclock *clock, struct hypercall *hc, uint32_t *offered,
	       enum hpv_timer_route want, struct timer **out);
void timer__free(struct timer *t);
/* Arm cpu's timer at deadline (pvclock ns; 0 cancels) with vector, from
 * cpu's own thread; -EINVAL for a bad vector or where the host refuses. */
int timer__arm(struct timer *t, struct kvm_cpu *cpu, uint64_t deadline, uint64_t vector);
/* The route picked; the LAPIC one never changes once picked. */
enum hpv_timer_route timer__route(const struct timer *t);
void timer__report(struct timer *t, struct report *r);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host timers behind the paravirtual timer, each in its file: the
 * vCPU's LAPIC timer (timer_lapic.c), a POSIX timer with the timer record
 * (timer_posix.c), KVM's synthetic timers (timer_stimer.c). timer.c picks
 * and combines them; they know nothing of each other.
 *
 * A backend's arm() takes a deadline in pvclock ns (0 cancels) and runs on
 * the vCPU's own thread; it returns 0, -errno, or (LAPIC) 1 for a deadline
 * beyond its reach, which another backend then takes.
 */
#ifndef HPV_PV_TIMER_BACKEND_H
#define HPV_PV_TIMER_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

struct hypercall;
struct kvm;
struct kvm_cpu;
struct pvclock;
struct report;

/*
 * The host clock a backend's timer counts (CLOCK_MONOTONIC, or KVM's
 * clock) against the pvclock, per vCPU: the offset is that clock at
 * pvclock time 0, measured while the vCPU runs.
 */
struct timer_clock;
int timer_clock__new(struct kvm *kvm, struct pvclock *clock, bool kvm_clock,
		     struct timer_clock **out);
void timer_clock__free(struct timer_clock *tc);
/* Count CLOCK_MONOTONIC from now on (before the guest runs). */
void timer_clock__use_host_clock(struct timer_clock *tc);
/* Measured again at most every millisecond; from the vCPU's thread. */
int64_t timer_clock__offset(struct timer_clock *tc, struct kvm_cpu *cpu);
/* The offset last measured, for paths where the vCPU may be halted. */
int64_t timer_clock__last_offset(struct timer_clock *tc, struct kvm_cpu *cpu);
/* deadline + offset within [1, INT64_MAX]: a past deadline fires at once. */
int64_t timer_clock__host_deadline(uint64_t deadline, int64_t offset);
/* The offset between a host time and the pvclock time read with it. */
int64_t timer_clock__offset_between(int64_t host_ns, uint64_t pvclock_ns);
/* The pvclock's time at a host time, given the offset. */
uint64_t timer_clock__guest_ns(int64_t host_ns, int64_t offset);
void timer_clock__report(struct timer_clock *tc, struct report *r);

/* The LAPIC timer in TSC-deadline mode, bound to the guest's vector. */
struct lapic_timer;
int lapic_timer__new(struct kvm *kvm, struct pvclock *clock, struct hypercall *hc,
		     struct lapic_timer **out);
void lapic_timer__free(struct lapic_timer *lt);
int lapic_timer__arm(struct lapic_timer *lt, struct kvm_cpu *cpu, uint64_t deadline, uint8_t vector);
/* Whether KVM holds a deadline for cpu's LAPIC timer. */
bool lapic_timer__pending(struct lapic_timer *lt, struct kvm_cpu *cpu);
void lapic_timer__report(struct lapic_timer *lt, struct report *r);

/*
 * POSIX timers, one per vCPU, signalling that vCPU's thread; the expiry is
 * handed to expire() before the vCPU next enters the guest. Registers
 * HPV_MSR_TIMER, the timer record.
 */
struct posix_timer;
typedef void (*posix_timer_expire_fn)(void *ctx, struct kvm_cpu *cpu, uint8_t vector);
int posix_timer__new(struct kvm *kvm, struct timer_clock *tc, const uint32_t *offered,
		     posix_timer_expire_fn expire, void *ctx, struct posix_timer **out);
void posix_timer__free(struct posix_timer *pt);
int posix_timer__arm(struct posix_timer *pt, struct kvm_cpu *cpu, uint64_t deadline, uint8_t vector);
/* The deadline it holds for cpu, 0: none. */
uint64_t posix_timer__deadline(struct posix_timer *pt, struct kvm_cpu *cpu);
/* What the guest wants (next) and when hpv looks again (armed), into cpu's
 * timer record if it registered one. */
void posix_timer__publish(struct posix_timer *pt, struct kvm_cpu *cpu, uint64_t next,
			  uint64_t armed);
void posix_timer__report(struct posix_timer *pt, struct report *r);

/* KVM's Hyper-V synthetic timer 0 in direct mode, on KVM's clock. */
struct stimer;
int stimer__new(struct kvm *kvm, struct timer_clock *tc, struct stimer **out);
void stimer__free(struct stimer *st);
int stimer__arm(struct stimer *st, struct kvm_cpu *cpu, uint64_t deadline, uint8_t vector);
/* 0, or the -errno of a vCPU where KVM refused to enable them. */
int stimer__status(struct stimer *st);
void stimer__report(struct stimer *st, struct report *r);

#endif

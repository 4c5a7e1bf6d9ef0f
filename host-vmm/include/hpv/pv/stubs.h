/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hypercall page's layout, shared by hypercall.c and stubs.S (so
 * nothing here but macros outside __ASSEMBLY__).
 *
 * The last slot holds an -ENOSYS stub, like every slot of a number not
 * offered, and after it the data of the LAPIC-timer stub: hpv's own, not
 * part of the guest ABI, as the stub that reads it is hpv's too.
 */
#ifndef HPV_PV_STUBS_H
#define HPV_PV_STUBS_H

/* The doorbell port the user-space stubs write the hypercall number to. */
#define HPV_HYPERCALL_PORT   0xe0
/* room for the largest stub, the LAPIC-timer one (about 140 bytes) */
#define HPV_HYPERCALL_STRIDE 256
#define HPV_HYPERCALL_SLOTS  (4096 / HPV_HYPERCALL_STRIDE)

/* KVM's in-kernel hypercalls the kvm-route stubs make (linux/kvm_para.h). */
#define KVM_HC_VAPIC_POLL_IRQ 1 /* does nothing, returns 0 */
#define KVM_HC_KICK_CPU       5  /* ends a halt, interrupts off or on */
#define KVM_HC_SEND_IPI       10
#define KVM_HC_SCHED_YIELD    11 /* a directed yield to a vCPU */

/* Where the LAPIC-timer stub finds its data: from the page's start. */
#define HPV_STUB_TIMER_DATA   (4096 - 32)
#define HPV_STUB_TIMER_VECTOR (HPV_STUB_TIMER_DATA + 0)  /* bound on every vCPU; else none */
#define HPV_STUB_TIMER_REF_NS (HPV_STUB_TIMER_DATA + 8)  /* pvclock time of base */
#define HPV_STUB_TIMER_MULT   (HPV_STUB_TIMER_DATA + 16) /* TSC ticks per ns, 32.32 */
#define HPV_STUB_TIMER_BASE   (HPV_STUB_TIMER_DATA + 24) /* guest TSC at ref_ns, rounded up */
/* No vector matches this: every call goes to hpv. */
#define HPV_STUB_TIMER_NONE   0x100

/*
 * KVM turns a TSC-deadline delta into ns as delta * 10^6 / kHz in 64 bits,
 * which wraps from 2^44 ticks on: deadlines 2^42 ticks or more ahead (over
 * 20 minutes at 3.5 GHz) go through hpv, which arms a POSIX timer.
 */
#define HPV_STUB_TIMER_FAR_SHIFT 42

#define MSR_IA32_TSC_DEADLINE 0x6e0

#ifndef __ASSEMBLY__
#include <stdint.h>

struct hpv_stub_timer_data {
	uint64_t vector;
	uint64_t ref_ns;
	uint64_t mult;
	uint64_t base;
};

/* A template from stubs.S: the bytes [start, end). */
struct hpv_stub {
	const uint8_t *start, *end;
};

/* The templates hypercall.c copies. */
extern const struct hpv_stub hpv_stub_kvm_nop[2];      /* [vmcall, vmmcall] */
extern const struct hpv_stub hpv_stub_kvm_send_ipi[2];
extern const struct hpv_stub hpv_stub_kvm_kick[2];
extern const struct hpv_stub hpv_stub_kvm_sched_yield[2];
extern const struct hpv_stub hpv_stub_lapic_set_timer[2]; /* the same for both */
extern const struct hpv_stub hpv_stub_lapic_idle[2];      /* the same for both */
#endif

#endif

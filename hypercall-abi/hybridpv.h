/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hybridpv ABI: the contract between a hybridpv guest kernel and the VMM.
 * The spec is docs/abi.md. The guest series carries an identical copy as
 * its uapi <asm/hybridpv.h>; `make check` fails if the two differ.
 *
 * Rules: numbers and bits are only ever appended, never reused or
 * renumbered; a guest ignores feature bits it does not know; a VMM answers
 * an unknown hypercall with -HPV_ENOSYS. Safe to include from assembly:
 * the structures are hidden from it, the numbers are plain constants.
 */
#ifndef _UAPI_ASM_X86_HYBRIDPV_H
#define _UAPI_ASM_X86_HYBRIDPV_H

#include <linux/const.h>
#ifndef __ASSEMBLY__
#include <linux/types.h>
#endif

/* CPUID leaves */
#define HPV_CPUID_SIGNATURE      0x40000000 /* eax: highest leaf; ebx,ecx,edx: signature */
#define HPV_CPUID_FEATURES       0x40000001 /* eax: ABI version; ebx: features; ecx: hints */
#define HPV_CPUID_HYPERCALL      0x40000002 /* eax: page MSR; ebx: pages; ecx: stub stride */
#define HPV_CPUID_TIMING         0x40000003 /* eax: TSC kHz; ebx: LAPIC kHz; ecx: poll ns */
#define HPV_CPUID_MMU            0x40000004 /* eax: CR3 port; ebx: previous roots kept */

#define HPV_SIGNATURE            "HybridPVHPV!"   /* 12 bytes in ebx, ecx, edx */
#define HPV_ABI_VERSION          1

/* CPUID.HPV_CPUID_FEATURES.ebx */
#define HPV_FEATURE_HYPERCALL_PAGE _BITUL(0)
#define HPV_FEATURE_PVCLOCK        _BITUL(1) /* HPV_MSR_PVCLOCK, struct hpv_pvclock */
#define HPV_FEATURE_PV_IPI         _BITUL(2) /* HPV_HC_SEND_IPI */
#define HPV_FEATURE_PV_TLB_FLUSH   _BITUL(3) /* HPV_MSR_VCPU_STATE, struct hpv_vcpu_state */
#define HPV_FEATURE_PV_TIMER       _BITUL(4) /* HPV_HC_SET_TIMER */
#define HPV_FEATURE_PV_IDLE        _BITUL(5) /* HPV_HC_IDLE */
#define HPV_FEATURE_PV_EOI         _BITUL(6) /* HPV_MSR_PV_EOI */
#define HPV_FEATURE_PV_TIMER_RECORD _BITUL(7) /* HPV_MSR_TIMER, struct hpv_timer */
#define HPV_FEATURE_STEAL_TIME     _BITUL(8) /* HPV_MSR_VCPU_STATE: steal */
#define HPV_FEATURE_PV_PREEMPTED   _BITUL(9) /* HPV_MSR_VCPU_STATE: HPV_VCPU_PREEMPTED */
#define HPV_FEATURE_PV_SPINLOCK    _BITUL(10) /* HPV_HC_KICK */
#define HPV_FEATURE_PV_SCHED_YIELD _BITUL(11) /* HPV_HC_SCHED_YIELD */
#define HPV_FEATURE_PVCLOCK_VDSO   _BITUL(12) /* hpv_pvclock: readable from user space */
#define HPV_FEATURE_CR3_PORT       _BITUL(13) /* HPV_CPUID_MMU: CR3 loads by OUT */
#define HPV_FEATURE_MM_RETIRE      _BITUL(14) /* HPV_CPUID_MMU: page tables retired by OUT */

/* MSRs */
#define HPV_MSR_HYPERCALL_PAGE   0x48505600 /* gpa | HPV_MSR_ENABLE */
#define HPV_MSR_PVCLOCK          0x48505601 /* per vCPU: gpa of its hpv_pvclock | HPV_MSR_ENABLE */
#define HPV_MSR_VCPU_STATE       0x48505602 /* per vCPU: gpa of its hpv_vcpu_state | ENABLE */
#define HPV_MSR_PV_EOI           0x48505603 /* per vCPU: gpa of its EOI word | ENABLE */
#define HPV_MSR_TIMER            0x48505604 /* per vCPU: gpa of its hpv_timer | ENABLE */
#define HPV_MSR_ENABLE           _BITULL(0)

/*
 * Per-vCPU clock record, the layout of pvclock_vcpu_time_info. The VMM
 * makes version odd while it updates the record and even when done:
 *   ns = system_time + (((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul) >> 32
 * (a right shift when tsc_shift is negative). 32 bytes, 32-byte aligned.
 */
#ifndef __ASSEMBLY__
struct hpv_pvclock {
	__u32 version;
	__u32 pad0;
	__u64 tsc_timestamp;
	__u64 system_time;
	__u32 tsc_to_system_mul;
	__s8  tsc_shift;
	__u8  flags;
	__u8  pad[2];
};
#endif

/*
 * TSC_STABLE: every vCPU's TSC counts in one domain, so no cross-CPU
 * fix-up is needed. With HPV_FEATURE_PVCLOCK_VDSO every vCPU's record
 * also carries the same line, so while TSC_STABLE is set a reader on any
 * vCPU may use vCPU 0's record (the vDSO does); the flag can be cleared
 * at any time, and readers must then go back to their own CPU's record.
 */
#define HPV_PVCLOCK_TSC_STABLE   _BITUL(0)

/*
 * Per-vCPU state the host keeps up to date while the guest runs, for any
 * of HPV_FEATURE_PV_TLB_FLUSH, HPV_FEATURE_STEAL_TIME and
 * HPV_FEATURE_PV_PREEMPTED. 64 bytes, 64-byte aligned. The host sets
 * HPV_VCPU_PREEMPTED while the vCPU is runnable but not running, and adds
 * that time to steal; a guest that wants a TLB flush from such a vCPU sets
 * HPV_VCPU_FLUSH_TLB with a compare-and-exchange instead of sending an
 * IPI, and the host flushes that vCPU's TLB before it next runs.
 */
#ifndef __ASSEMBLY__
struct hpv_vcpu_state {
	__u64 steal;      /* ns this vCPU was runnable but not running */
	__u32 version;    /* odd while steal is being updated */
	__u32 flags;
	__u8  preempted;  /* HPV_VCPU_* */
	__u8  pad0[3];
	__u32 pad1[11];
};
#endif

#define HPV_VCPU_PREEMPTED       _BITUL(0)
#define HPV_VCPU_FLUSH_TLB       _BITUL(1)

/*
 * EOI word: a 32-bit, 4-byte aligned word per vCPU. When the host injects
 * an interrupt whose EOI needs no exit it sets HPV_PV_EOI_PENDING; the
 * guest's EOI then only clears the bit (with a single instruction on the
 * same CPU) and writes the APIC's EOI register only if the bit was clear.
 */
#define HPV_PV_EOI_PENDING       _BITUL(0)

/*
 * Per-vCPU timer record, 16 bytes, 16-byte aligned. The guest writes the
 * deadline it wants into next (0: none); the host writes into armed the
 * pvclock time at which it will next read next (0: it will not). When
 * that time passes, the host arms a later next in its place without an
 * interrupt, raises the timer's vector for a next that has been reached
 * (and clears next), and disarms for 0. So a guest that writes next and
 * then reads a non-zero armed not later than next need not call
 * HPV_HC_SET_TIMER. HPV_HC_SET_TIMER and HPV_HC_IDLE with a deadline set
 * both fields to it, as does registration to the deadline the host holds.
 */
#ifndef __ASSEMBLY__
struct hpv_timer {
	__u64 next;       /* written by the guest */
	__u64 armed;      /* written by the host */
};
#endif

/*
 * Hypercalls: call hypercall_page + nr * stride (stride from CPUID) with
 * the arguments in rdi, rsi, rdx, r10; the result comes back in rax, a
 * value >= 0 or a negative HPV_E* code. Other registers are preserved
 * except rcx, r11 and the flags.
 */
#define HPV_HC_NOP               0 /* returns 0: the round-trip cost */
#define HPV_HC_ABI_VERSION       1 /* returns HPV_ABI_VERSION */
/*
 * HPV_HC_SEND_IPI(bitmap_low, bitmap_high, min_apic_id, vector): a fixed
 * interrupt to every vCPU whose APIC id is min_apic_id + n for each bit n
 * set in the 128-bit bitmap; ids with no vCPU are skipped. Vector 32-255.
 * Returns the number of vCPUs it was sent to.
 */
#define HPV_HC_SEND_IPI          2
/*
 * HPV_HC_SET_TIMER(deadline, vector): a one-shot timer for the calling
 * vCPU that raises vector (32-255) on it once the pvclock reads deadline
 * (ns) or later. Re-arming replaces the deadline; deadline 0 cancels.
 */
#define HPV_HC_SET_TIMER         3
/*
 * HPV_HC_IDLE(deadline, vector): HPV_HC_SET_TIMER (unless deadline is 0,
 * which leaves the timer as it is), then enable interrupts and halt until
 * one is pending, in one call: call it with interrupts disabled, like
 * STI; HLT. Returns 0 once the vCPU is woken.
 */
#define HPV_HC_IDLE              4
/*
 * HPV_HC_KICK(apic_id): ends the halt of the vCPU with that APIC id, a
 * HLT executed with interrupts disabled included, so a lock waiter that
 * halts with interrupts off can be woken by the unlocker; a vCPU not
 * halted returns from its next HLT at once. An id with no vCPU is
 * ignored; one above 2^32 - 1 is -HPV_EINVAL. Returns 0.
 */
#define HPV_HC_KICK              5
/*
 * HPV_HC_SCHED_YIELD(apic_id): the calling vCPU gives up its host CPU,
 * to the vCPU with that APIC id where the host can direct it there (as
 * when that vCPU is runnable but preempted, and the caller waits for it
 * to answer an IPI). An id with no vCPU is ignored; one above 2^32 - 1 is
 * -HPV_EINVAL. Returns 0.
 */
#define HPV_HC_SCHED_YIELD       6
#define HPV_NR_HYPERCALLS        7

/*
 * The CR3 port (HPV_FEATURE_CR3_PORT, HPV_FEATURE_MM_RETIRE), offered only
 * where the host shadows the guest's page tables: a 4-byte OUT of a page
 * frame number to the port of CPUID.HPV_CPUID_MMU.eax plus one of these,
 * at CPL 0 (else #GP).
 */
#define HPV_CR3_PORT_LOAD        0 /* load CR3 = pfn << 12, as MOV CR3 does */
#define HPV_CR3_PORT_RETIRE      4 /* the page table at pfn is being torn down */

/* Errors, returned negated */
#define HPV_ENOSYS               38 /* unknown hypercall number */
#define HPV_EINVAL               22 /* bad argument */
#define HPV_EFAULT               14 /* guest address outside guest RAM */

#endif /* _UAPI_ASM_X86_HYBRIDPV_H */

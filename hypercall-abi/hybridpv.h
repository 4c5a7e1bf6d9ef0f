/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hybridpv ABI: the contract between a hybridpv guest kernel and the VMM.
 * The spec is docs/abi.md. The guest series carries an identical copy as
 * include/uapi/asm/hybridpv.h; `make check` fails if the two differ.
 *
 * Rules: numbers and bits are only ever appended, never reused or
 * renumbered; a guest ignores feature bits it does not know; a VMM answers
 * an unknown hypercall with -HPV_ENOSYS.
 */
#ifndef _UAPI_ASM_X86_HYBRIDPV_H
#define _UAPI_ASM_X86_HYBRIDPV_H

#include <linux/types.h>

/* CPUID leaves */
#define HPV_CPUID_SIGNATURE      0x40000000 /* eax: highest leaf; ebx,ecx,edx: signature */
#define HPV_CPUID_FEATURES       0x40000001 /* eax: ABI version; ebx: features; ecx: hints */
#define HPV_CPUID_HYPERCALL      0x40000002 /* eax: page MSR; ebx: pages; ecx: stub stride */
#define HPV_CPUID_TIMING         0x40000003 /* eax: TSC kHz; ebx: LAPIC timer kHz */

#define HPV_SIGNATURE            "HybridPVHPV!"   /* 12 bytes in ebx, ecx, edx */
#define HPV_ABI_VERSION          1

/* CPUID.HPV_CPUID_FEATURES.ebx */
#define HPV_FEATURE_HYPERCALL_PAGE (1u << 0)
#define HPV_FEATURE_PVCLOCK        (1u << 1)

/* MSRs */
#define HPV_MSR_HYPERCALL_PAGE   0x48505600 /* gpa | HPV_MSR_ENABLE */
#define HPV_MSR_ENABLE           (1ULL << 0)

/*
 * Hypercalls: call hypercall_page + nr * stride (stride from CPUID) with
 * the arguments in rdi, rsi, rdx, r10; the result comes back in rax, a
 * value >= 0 or a negative HPV_E* code. Other registers are preserved
 * except rcx, r11 and the flags.
 */
#define HPV_HC_NOP               0 /* returns 0: the round-trip cost */
#define HPV_HC_ABI_VERSION       1 /* returns HPV_ABI_VERSION */
#define HPV_NR_HYPERCALLS        2

/* Errors, returned negated */
#define HPV_ENOSYS               38 /* unknown hypercall number */
#define HPV_EINVAL               22 /* bad argument */
#define HPV_EFAULT               14 /* guest address outside guest RAM */

#endif /* _UAPI_ASM_X86_HYBRIDPV_H */

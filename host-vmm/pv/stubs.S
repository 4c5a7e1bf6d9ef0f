/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hypercall stub templates. hpv copies them into the guest's hypercall
 * page, one per HPV_HYPERCALL_STRIDE slot; they never run on the host.
 * Guest convention: number implied by the slot, arguments in rdi, rsi,
 * rdx, r10, result in rax, rcx and r11 clobbered. Every stub starts with
 * ENDBR64 so the guest may keep IBT on.
 */
#include "hybridpv.h"
#include "hpv/pv/stubs.h"

	.section .rodata, "a"

/* TEMPLATE name: the bytes from hpv_stub_<name> to hpv_stub_<name>_end */
.macro BEGIN name
	.globl hpv_stub_\name, hpv_stub_\name\()_end
hpv_stub_\name:
	endbr64
.endm
.macro END name
hpv_stub_\name\()_end:
.endm

/* Doorbell to hpv: hpv patches the number at hpv_stub_user_nr. */
	.globl hpv_stub_user_nr, hpv_stub_user_sti_nr
BEGIN user
	.byte 0xb8		/* mov $nr, %eax */
hpv_stub_user_nr:
	.long 0
	out %eax, $HPV_HYPERCALL_PORT
	ret
END user

/* The same, with interrupts enabled for the halt that follows the exit. */
BEGIN user_sti
	.byte 0xb8
hpv_stub_user_sti_nr:
	.long 0
	sti			/* its shadow covers the OUT: no wake-up is lost */
	out %eax, $HPV_HYPERCALL_PORT
	ret
END user_sti

/* A number hpv does not offer: answered without an exit. */
BEGIN enosys
	mov $-HPV_ENOSYS, %rax
	ret
END enosys

/*
 * Into KVM: its number in eax, arguments in rbx, rcx, rdx, rsi. Our
 * convention preserves everything but rax, rcx, r11 and the flags, so
 * rbx and rsi are kept.
 */
.macro KVM_CALL nr, insn
	push %rbx
	push %rsi
	mov %rdi, %rbx
	mov %rsi, %rcx
	mov %r10, %rsi
	mov $\nr, %eax
	\insn
	pop %rsi
	pop %rbx
	ret
.endm

/* KVM takes APIC ids as 32 bits: a wider one in reg is refused at label. */
.macro REFUSE_WIDE_ID reg, label
	mov \reg, %rax
	shr $32, %rax
	jnz \label
.endm

.irp insn, vmcall, vmmcall
BEGIN kvm_nop_\insn
	KVM_CALL KVM_HC_VAPIC_POLL_IRQ, \insn
END kvm_nop_\insn

/*
 * KVM takes an ICR; a fixed-mode ICR is just the vector, checked first.
 * KVM takes the lowest APIC id as 32 bits: a wider one is refused here.
 */
BEGIN kvm_send_ipi_\insn
	lea -32(%r10), %rax
	cmp $(255 - 32), %rax
	ja 1f
	REFUSE_WIDE_ID %rdx, 1f
	KVM_CALL KVM_HC_SEND_IPI, \insn
1:	mov $-HPV_EINVAL, %rax
	ret
END kvm_send_ipi_\insn

/*
 * KVM_HC_KICK_CPU(flags 0, APIC id): KVM ends the target's halt (its
 * pv_unhalted flag wakes an HLT with interrupts off too) and yields to
 * it. KVM takes the id as 32 bits: a wider one is refused here.
 */
BEGIN kvm_kick_\insn
	REFUSE_WIDE_ID %rdi, 1f
	push %rbx
	xor %ebx, %ebx
	mov %rdi, %rcx
	mov $KVM_HC_KICK_CPU, %eax
	\insn
	pop %rbx
	ret
1:	mov $-HPV_EINVAL, %rax
	ret
END kvm_kick_\insn

/* KVM_HC_SCHED_YIELD(APIC id): a directed yield; the id as for the kick. */
BEGIN kvm_sched_yield_\insn
	REFUSE_WIDE_ID %rdi, 1f
	KVM_CALL KVM_HC_SCHED_YIELD, \insn
1:	mov $-HPV_EINVAL, %rax
	ret
END kvm_sched_yield_\insn
.endr

/*
 * HPV_HC_SET_TIMER(deadline, vector) on the LAPIC's TSC-deadline timer,
 * which KVM arms and fires in the kernel: the deadline turned into a TSC
 * value and written to IA32_TSC_DEADLINE, an exit KVM serves itself. hpv
 * binds each vCPU's LVTT to the vector when the guest cancels there, the
 * guest's first call on a CPU, and publishes that vector (none once two
 * differ). A cancel, another vector, a deadline before the pvclock began,
 * or one KVM cannot convert goes to hpv through the doorbell.
 *   tsc = base + ((deadline - ref_ns) * mult >> 32)
 * rounds up (hpv's pvclock__tsc_at() is the same in C).
 */
BEGIN lapic_timer
	lea 0(%rip), %r11
	and $-4096, %r11		/* the page, where our data is */
	test %rdi, %rdi
	jz 2f
	/* a vector out of range never matches the one published */
	lea -32(%rsi), %rax
	cmp $(255 - 32), %rax
	ja 2f
	cmp HPV_STUB_TIMER_VECTOR(%r11), %rsi
	jne 2f
	push %rdx
	mov %rdi, %rax
	sub HPV_STUB_TIMER_REF_NS(%r11), %rax
	jb 1f
	mulq HPV_STUB_TIMER_MULT(%r11)
	shrd $32, %rdx, %rax
	shr $32, %rdx
	jnz 1f
	add HPV_STUB_TIMER_BASE(%r11), %rax
	jc 1f
	mov %rax, %rcx			/* the deadline in TSC ticks */
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	sub %rax, %rcx			/* ticks from now */
	add %rcx, %rax
	sar $HPV_STUB_TIMER_FAR_SHIFT, %rcx
	test %rcx, %rcx
	jg 1f
	mov %rax, %rdx
	shr $32, %rdx
	mov $MSR_IA32_TSC_DEADLINE, %ecx
	wrmsr
	pop %rdx
	xor %eax, %eax
	ret
1:	pop %rdx
2:	mov $HPV_HC_SET_TIMER, %eax
	out %eax, $HPV_HYPERCALL_PORT
	ret
END lapic_timer

/*
 * HPV_HC_IDLE(deadline, vector) on the LAPIC route: a deadline goes
 * through the SET_TIMER slot's stub above (a TSC-deadline write, unless
 * it needs hpv), then the vCPU halts with HLT, which KVM serves in the
 * kernel with its own halt polling: no exit to hpv. STI's shadow covers
 * the HLT, so an interrupt that arrives in between still wakes it.
 */
BEGIN lapic_timer_halt
	test %rdi, %rdi
	jz 2f
	.byte 0xe8			/* call the SET_TIMER slot, rel32 */
	.long (HPV_HC_SET_TIMER - HPV_HC_IDLE) * HPV_HYPERCALL_STRIDE - (1f - hpv_stub_lapic_timer_halt)
1:	test %rax, %rax
	jnz 3f
2:	sti
	hlt
	xor %eax, %eax
	ret
3:	mov $-HPV_EINVAL, %rax		/* as hpv answers a deadline it refuses */
	ret
END lapic_timer_halt

	.section .note.GNU-stack, "", @progbits

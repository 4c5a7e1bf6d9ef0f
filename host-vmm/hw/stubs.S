/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hypercall stub templates. hpv copies them into the guest's hypercall
 * page, one per HPV_HYPERCALL_STRIDE slot; they never run on the host.
 * Guest convention: number implied by the slot, arguments in rdi, rsi,
 * rdx, r10, result in rax, rcx and r11 clobbered. Every stub starts with
 * ENDBR64 so the guest may keep IBT on.
 */
#define HPV_HYPERCALL_PORT 0xe0
#define KVM_HC_VAPIC_POLL_IRQ 1
#define KVM_HC_SEND_IPI 10
#define HPV_EINVAL 22
#define HPV_ENOSYS 38

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
 * Into KVM: its number in eax, arguments in rbx, rcx, rdx, rsi (rbx is
 * callee-saved in our convention, so it is kept).
 */
.macro KVM_CALL nr, insn
	push %rbx
	mov %rdi, %rbx
	mov %rsi, %rcx
	mov %r10, %rsi
	mov $\nr, %eax
	\insn
	pop %rbx
	ret
.endm

.irp insn, vmcall, vmmcall
BEGIN kvm_nop_\insn
	KVM_CALL KVM_HC_VAPIC_POLL_IRQ, \insn
END kvm_nop_\insn

/* KVM takes an ICR; a fixed-mode ICR is just the vector, checked first. */
BEGIN kvm_send_ipi_\insn
	lea -32(%r10), %rax
	cmp $(255 - 32), %rax
	ja 1f
	KVM_CALL KVM_HC_SEND_IPI, \insn
1:	mov $-HPV_EINVAL, %rax
	ret
END kvm_send_ipi_\insn
.endr

	.section .note.GNU-stack, "", @progbits

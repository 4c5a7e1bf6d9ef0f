/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry points, the 256 exception/interrupt stubs, the probes that survive
 * a fault, the register-block call, and the AP trampoline.
 *
 * A probe arms its CPU's fixup (the resume address and stack pointer in
 * struct cpu, found from %rsp like every per-CPU thing here); the trap
 * handler sends a fault to that address, so #GP from a refused MSR, #PF
 * from an address past MAXPHYADDR or #UD from a stub just return the
 * vector to the caller.
 */
#define __ASSEMBLY__
#include "hostile.h"

.macro fixup_arm label
	mov %rsp, %r11
	and $-STACK_SIZE, %r11
	lea \label(%rip), %r10
	mov %r10, CPU_FIXUP_RIP(%r11)
	mov %rsp, CPU_FIXUP_RSP(%r11)
.endm

.macro fixup_disarm
	mov %rsp, %r11
	and $-STACK_SIZE, %r11
	movq $0, CPU_FIXUP_RIP(%r11)
	mov $-1, %rax
.endm

/* the trap handler left the vector in struct cpu */
.macro fault_ret
	mov %rsp, %r11
	and $-STACK_SIZE, %r11
	mov CPU_FAULT_VEC(%r11), %rax
	ret
.endm

	.section .head.text, "ax"
	.code32
	/* 1 MiB: the 32-bit entry, for loaders that use it: not supported */
	.globl startup_32
startup_32:
	cli
1:	hlt
	jmp 1b

	.org 0x200
	.code64
	/* 1 MiB + 0x200: the 64-bit entry, %rsi = boot_params */
	.globl startup_64
startup_64:
	cli
	cld
	mov %rsi, %r15
	lea __bss_start(%rip), %rdi
	lea _end(%rip), %rcx
	sub %rdi, %rcx
	shr $3, %rcx
	xor %eax, %eax
	rep stosq
	lea stacks + STACK_SIZE(%rip), %rsp
	mov %r15, %rdi
	call bsp_main
2:	cli
	hlt
	jmp 2b

	.text
/* An AP, from the trampoline: a stack by its LAPIC id, then C. */
	.globl ap_entry64
ap_entry64:
	mov $SEL_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov $LAPIC_BASE_ASM, %edx
	mov 0x20(%rdx), %eax
	shr $24, %eax
	cmp $MAX_CPUS, %eax
	jae 1f
	inc %eax
	shl $14, %rax		/* STACK_SIZE */
	lea stacks(%rip), %rsp
	add %rax, %rsp
	call ap_main
1:	cli
	hlt
	jmp 1b

/* The stubs: vector n at vectors + 16 * n, an error code (0 if the CPU
 * pushes none) and the vector on the stack. */
	.align 16
	.globl vectors
vectors:
	vec = 0
	.rept 256
	.align 16
	.if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp trap_common
	vec = vec + 1
	.endr

trap_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	cld
	call trap_entry
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp
	iretq

/* long probe_rdmsr(uint32_t msr, uint64_t *val): -1, or the fault's vector */
	.globl probe_rdmsr
probe_rdmsr:
	fixup_arm 1f
	mov %edi, %ecx
	rdmsr
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, (%rsi)
	fixup_disarm
	ret
1:	fault_ret

/* long probe_wrmsr(uint32_t msr, uint64_t val) */
	.globl probe_wrmsr
probe_wrmsr:
	fixup_arm 1f
	mov %edi, %ecx
	mov %esi, %eax
	mov %rsi, %rdx
	shr $32, %rdx
	wrmsr
	fixup_disarm
	ret
1:	fault_ret

/* long probe_read(uint64_t addr, int size, uint64_t *val) */
	.globl probe_read
probe_read:
	fixup_arm 5f
	cmp $1, %esi
	je 1f
	cmp $2, %esi
	je 2f
	cmp $4, %esi
	je 4f
	mov (%rdi), %rax
	jmp 9f
1:	movzbl (%rdi), %eax
	jmp 9f
2:	movzwl (%rdi), %eax
	jmp 9f
4:	mov (%rdi), %eax
9:	mov %rax, (%rdx)
	fixup_disarm
	ret
5:	fault_ret

/* long probe_write(uint64_t addr, int size, uint64_t val) */
	.globl probe_write
probe_write:
	fixup_arm 5f
	cmp $1, %esi
	je 1f
	cmp $2, %esi
	je 2f
	cmp $4, %esi
	je 4f
	mov %rdx, (%rdi)
	jmp 9f
1:	mov %dl, (%rdi)
	jmp 9f
2:	mov %dx, (%rdi)
	jmp 9f
4:	mov %edx, (%rdi)
9:	fixup_disarm
	ret
5:	fault_ret

/* long probe_read16(uint64_t addr, void *dst): one 16-byte SSE load
 * (the C code has no SSE: %xmm0 is ours) */
	.globl probe_read16
probe_read16:
	fixup_arm 1f
	movdqu (%rdi), %xmm0
	movdqu %xmm0, (%rsi)
	fixup_disarm
	ret
1:	fault_ret

	.globl probe_write16
probe_write16:
	fixup_arm 1f
	movdqu (%rsi), %xmm0
	movdqu %xmm0, (%rdi)
	fixup_disarm
	ret
1:	fault_ret

/* long probe_movs(void *dst, const void *src, uint64_t count): rep movsb */
	.globl probe_movs
probe_movs:
	fixup_arm 1f
	mov %rdx, %rcx
	rep movsb
	fixup_disarm
	ret
1:	cld
	fault_ret

/* long probe_stos(void *dst, uint8_t val, uint64_t count): rep stosb */
	.globl probe_stos
probe_stos:
	fixup_arm 1f
	mov %esi, %eax
	mov %rdx, %rcx
	rep stosb
	fixup_disarm
	ret
1:	cld
	fault_ret

/*
 * long hostile_call(const void *target, struct regs *r): every general
 * register loaded from r (interrupts on or off as r->if_on says), a call
 * to target, every register stored back into r. -1, or the vector of a
 * fault in the callee (r then holds what went in).
 */
	.globl hostile_call
hostile_call:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rsi		/* 8(%rsp): r */
	push %rdi		/* 0(%rsp): target */
	fixup_arm .Lhc_fault
	testq $1, R_IF(%rsi)
	jz 1f
	sti
	jmp 2f
1:	cli
2:	mov R_RAX(%rsi), %rax
	mov R_RBX(%rsi), %rbx
	mov R_RCX(%rsi), %rcx
	mov R_RDX(%rsi), %rdx
	mov R_RDI(%rsi), %rdi
	mov R_RBP(%rsi), %rbp
	mov R_R8(%rsi), %r8
	mov R_R9(%rsi), %r9
	mov R_R10(%rsi), %r10
	mov R_R11(%rsi), %r11
	mov R_R12(%rsi), %r12
	mov R_R13(%rsi), %r13
	mov R_R14(%rsi), %r14
	mov R_R15(%rsi), %r15
	mov R_RSI(%rsi), %rsi
	call *(%rsp)
	push %rsi
	mov 16(%rsp), %rsi
	mov %rax, R_RAX(%rsi)
	mov %rbx, R_RBX(%rsi)
	mov %rcx, R_RCX(%rsi)
	mov %rdx, R_RDX(%rsi)
	mov %rdi, R_RDI(%rsi)
	mov %rbp, R_RBP(%rsi)
	mov %r8, R_R8(%rsi)
	mov %r9, R_R9(%rsi)
	mov %r10, R_R10(%rsi)
	mov %r11, R_R11(%rsi)
	mov %r12, R_R12(%rsi)
	mov %r13, R_R13(%rsi)
	mov %r14, R_R14(%rsi)
	mov %r15, R_R15(%rsi)
	pop %rax
	mov %rax, R_RSI(%rsi)
	pushfq
	pop %rax
	mov %rax, R_FLAGS(%rsi)
	cld
	fixup_disarm
	jmp 3f
.Lhc_fault:
	cld
	mov %rsp, %r11
	and $-STACK_SIZE, %r11
	mov CPU_FAULT_VEC(%r11), %rax
3:	add $16, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

/* What hostile_call runs: the doorbell rung by hand, and KVM's own
 * hypercall instructions. */
	.globl db_outl, db_sti_outl, db_outb, db_outw, db_inl, db_inb, db_rep_outsl
	.globl kvm_vmmcall, kvm_vmcall
db_outl:
	out %eax, $0xe0
	ret
db_sti_outl:
	sti			/* its shadow covers the OUT, as in hpv's stub */
	out %eax, $0xe0
	ret
db_outb:
	out %al, $0xe0
	ret
db_outw:
	out %ax, $0xe0
	ret
db_inl:
	in $0xe0, %eax
	ret
db_inb:
	in $0xe0, %al
	ret
db_rep_outsl:
	mov $0xe0, %dx
	rep outsl
	ret
kvm_vmmcall:
	vmmcall
	ret
kvm_vmcall:
	vmcall
	ret

/*
 * The AP trampoline, copied to TRAMPOLINE_ADDR (SIPI vector 8): real mode
 * to protected mode to long mode with the BSP's page tables, then
 * TRAMP_ENTRY. Addresses are absolute, for where it is copied.
 */
#define T(x) (TRAMPOLINE_ADDR + (x) - trampoline_start)
	.section .rodata
	.globl trampoline_start, trampoline_end
	.code16
trampoline_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	lgdtl TRAMP_GDTR
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $SEL_CODE32, $T(tramp32)
	.code32
tramp32:
	mov $SEL_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr4, %eax
	or $(0x20 | 0x200 | 0x400), %eax	/* PAE, OSFXSR, OSXMMEXCPT */
	mov %eax, %cr4
	mov (TRAMPOLINE_ADDR + TRAMP_CR3), %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx			/* EFER.LME */
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80000000, %eax			/* PG */
	and $~0xc, %eax				/* EM, TS: SSE usable */
	mov %eax, %cr0
	ljmp $SEL_CODE64, $T(tramp64)
	.code64
tramp64:
	mov (TRAMPOLINE_ADDR + TRAMP_ENTRY), %rax
	jmp *%rax
trampoline_end:

	.section .note.GNU-stack, "", @progbits

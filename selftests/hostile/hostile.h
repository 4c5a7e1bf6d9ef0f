/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hostile guest: a freestanding long-mode image that attacks hpv's
 * guest-facing surface from every vCPU at once (docs/security.md).
 * Shared by the C and the assembly (offsets used by head.S only).
 */
#ifndef HOSTILE_H
#define HOSTILE_H

#define MAX_CPUS    8     /* flat logical APIC mode addresses 8 CPUs */
#define STACK_SIZE  16384 /* per CPU; its struct cpu sits at the bottom */

/* struct cpu's first fields, as head.S sees them */
#define CPU_FIXUP_RIP 0
#define CPU_FIXUP_RSP 8
#define CPU_FAULT_VEC 16

/* struct regs (hostile_call's register block), in this order */
#define R_RAX   0
#define R_RBX   8
#define R_RCX   16
#define R_RDX   24
#define R_RSI   32
#define R_RDI   40
#define R_RBP   48
#define R_R8    56
#define R_R9    64
#define R_R10   72
#define R_R11   80
#define R_R12   88
#define R_R13   96
#define R_R14   104
#define R_R15   112
#define R_IF    120 /* in: run with interrupts enabled */
#define R_FLAGS 128 /* out: RFLAGS after the call */

/* The AP trampoline's page: where SIPI starts the APs (free RAM). */
#define TRAMPOLINE_ADDR 0x8000
/* Its data, patched by the BSP before the SIPI (offsets in the page). */
#define TRAMP_GDTR    0xf00 /* 6-byte GDT pseudo-descriptor */
#define TRAMP_CR3     0xf10
#define TRAMP_ENTRY   0xf18 /* 64-bit address the AP jumps to */

#define LAPIC_BASE_ASM 0xfee00000

#define SEL_CODE64 0x08
#define SEL_DATA   0x10
#define SEL_CODE32 0x18
#define SEL_TSS(id) (0x20 + 16 * (id))

#ifndef __ASSEMBLY__
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hybridpv.h"

/* -std=c11 keeps only the reserved spelling */
#define asm __asm__

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t if_on;
	uint64_t flags;
};

/* What the exception and interrupt stubs push, lowest address first. */
struct frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Counters: one set per CPU, summed at the end. */
enum msr_class { MC_HPV, MC_HPV_OTHER, MC_KVM_PV, MC_HYPERV, MC_OTHER, MC_NR };

struct msr_counts {
	uint64_t writes, wgp, reads, rgp;
};

#define NR_KVM_PV_MSRS 11 /* 0x11, 0x12, 0x4b564d00-0x4b564d08 */
#define NR_KVM_HCALLS  13 /* KVM hypercall numbers 0-12, by number */

struct counts {
	struct msr_counts msr[MC_NR];
	struct msr_counts kvm_pv[NR_KVM_PV_MSRS];
	uint64_t kvm_hc_calls[NR_KVM_HCALLS], kvm_hc_refused[NR_KVM_HCALLS];
	uint64_t hpv_msr_accepted;
	uint64_t stub_calls, stub_faults, doorbells, idles, clobbers;
	uint64_t cpuids, port_reads, port_writes, mmio_reads, mmio_writes, mmio_faults;
	uint64_t tsc_writes, uart_bytes, actions;
	uint64_t exceptions[32], interrupts, watchdog, uart_irqs, timer_irqs;
	uint64_t mismatches;
	uint64_t revivals;   /* the watchdog found stopped, and restarted */
	uint64_t late_ticks; /* a tick late, but there */
};

struct cpu {
	uint64_t fixup_rip; /* set by a probe: where a fault resumes */
	uint64_t fixup_rsp;
	int64_t fault_vec;  /* the vector that took the fixup */
	uint32_t id;        /* the LAPIC id, = index (hpv's ids are the vCPU ids) */
	uint64_t rng;
	uint64_t last_cr2;
	uint64_t hpv_msr_val[5]; /* last value each hybridpv MSR accepted here */
	uint8_t *hcpage;    /* this CPU's own hypercall page (never a chaos target) */
	bool hcpage_ok;     /* it holds stubs */
	volatile bool done;
	struct counts c;
	struct counts snap; /* c when the first stream ended: what the summary sums */
};

/* head.S */
extern uint8_t stacks[MAX_CPUS][STACK_SIZE];
extern const uint8_t vectors[];       /* 256 stubs, 16 bytes apart */
extern const uint8_t trampoline_start[], trampoline_end[];
long hostile_call(const void *target, struct regs *r);
long probe_rdmsr(uint32_t msr, uint64_t *val);
long probe_wrmsr(uint32_t msr, uint64_t val);
long probe_read(uint64_t addr, int size, uint64_t *val);  /* size 1, 2, 4, 8 */
long probe_write(uint64_t addr, int size, uint64_t val);
long probe_read16(uint64_t addr, void *dst);               /* SSE, 16 bytes */
long probe_write16(uint64_t addr, const void *src);
long probe_movs(void *dst, const void *src, uint64_t count); /* rep movsb */
long probe_stos(void *dst, uint8_t val, uint64_t count);     /* rep stosb */
void ap_entry64(void);
/* code the register block is run through (hostile_call targets) */
extern const uint8_t db_outl[], db_sti_outl[], db_outb[], db_outw[], db_inl[], db_inb[];
extern const uint8_t db_rep_outsl[], kvm_vmmcall[], kvm_vmcall[];

static inline struct cpu *this_cpu(void)
{
	uint64_t sp;

	asm volatile("mov %%rsp, %0" : "=r"(sp));
	return (struct cpu *)(sp & ~(uint64_t)(STACK_SIZE - 1));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

static inline void irq_on(void)
{
	asm volatile("sti" ::: "memory");
}

static inline void irq_off(void)
{
	asm volatile("cli" ::: "memory");
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

static inline uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)addr;
}

/* lib.c */
void con_lock(void);
void con_unlock(void);
void con_write(const char *s, size_t n);   /* under the lock */
int vsformat(char *buf, size_t size, const char *fmt, va_list ap);
int sformat(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
uint64_t rnd(struct cpu *c);
uint64_t rnd_below(struct cpu *c, uint64_t n);
uint64_t rnd_wild(struct cpu *c); /* a 64-bit value biased to edges */
void seed_rng(struct cpu *c, uint64_t seed);
void __attribute__((noreturn)) guest_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* hostile.c */
struct machine {
	uint64_t seed;
	int ncpus;          /* in the MADT */
	int asked;          /* started: the APs 1..asked-1 */
	uint32_t features, stride, hcpage_msr, hv_max_leaf;
	bool hybridpv;      /* our signature was found */
	bool amd;
	uint64_t ram[4][2]; /* [start, end) of each RAM range (e820: RAM and reserved) */
	int nram;
	uint64_t low_top, ram_top;
	uint64_t chaos[6][2]; /* [start, end): where in-RAM hostile addresses go */
	int nchaos;
	uint64_t nactions;  /* per CPU */
	bool watchdog;      /* the PIT ticks on every CPU */
	uint64_t pv_tsc, pv_ns; /* the pvclock's line, from the BSP's record */
	uint32_t pv_mul;
	int8_t pv_shift;
	bool pv_ok;
	bool gb_pages;      /* 1 GiB pages: MMIO probes above 4 GiB */
	int end_mode;
	bool aps_keep_going; /* APs keep attacking while the BSP ends the VM */
	bool trace;         /* hostile.trace=1: a line per action (debugging) */
};

extern struct machine m;
extern struct cpu *cpus[MAX_CPUS];
extern volatile int go;

uint64_t pvclock_now(void);
bool watchdog_ticks(struct cpu *c, uint64_t ms); /* a tick within ms? */
void watchdog_ensure(struct cpu *c); /* before a halt only it may end */
extern uint64_t pvclock_max;
void lapic_eoi(void);

/* attack.c */
void attack_stream(struct cpu *c);
void chaos_zones(void); /* once, before the streams start */
bool attack_case(struct cpu *c, const char *name);
void note_mismatch(struct cpu *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t chaos_addr(struct cpu *c, uint64_t align);
bool in_ram(uint64_t gpa, uint64_t len);
extern const uint32_t kvm_pv_msrs[NR_KVM_PV_MSRS];

#define LAPIC_BASE  0xfee00000ULL
#define IOAPIC_BASE 0xfec00000ULL
#define ARENA_BASE  (16ULL << 20) /* the CPUs' own hypercall pages, then chaos */
#define ARENA_HC(i) (ARENA_BASE + (uint64_t)(i) * 4096)
#define ARENA_PV    (ARENA_BASE + 0xf000) /* the BSP's first pvclock record */
#define CHAOS_BASE  (ARENA_BASE + 0x10000)
#define CHAOS_END   (ARENA_BASE + 0x400000)

/* interrupt vectors we use */
#define VEC_WATCHDOG 0x30
#define VEC_UART     0x34
#define VEC_TIMER    0x40 /* our own near timers; attacks use any 32-255 */
#define VEC_SPURIOUS 0xff

enum end_mode { END_POWEROFF, END_STATUS, END_TRIPLE, END_EXEC_MMIO, END_HALT, END_SPIN,
		END_IDLE_HALT, END_NR };
#endif /* __ASSEMBLY__ */
#endif

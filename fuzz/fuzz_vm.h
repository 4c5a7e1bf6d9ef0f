/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM set up as main.c sets it up (COM1, KVM's and Hyper-V's MSRs closed,
 * PM and reset, the exit device, the RTC, port 0x80, the PV layer and the
 * MSR filter), on selftests/host/fake_vm.h's guest RAM and
 * vCPUs and fake_kvm.c's KVM, then driven by a stream of guest operations
 * decoded from the fuzz input: the exits a guest can cause, in any order,
 * on any vCPU, and what a guest changes without an exit (its RAM, TSC,
 * LAPIC timer and registers).
 *
 * The input starts with the VM's configuration (FUZZ_VM_CONFIG_BYTES);
 * each operation is an opcode byte, a vCPU byte and its operands. Beside
 * the sanitizers, the operations check what the ABI promises: a register
 * read returns the last value accepted, a registered record is published
 * whole, an unknown hypercall is -HPV_ENOSYS, the doorbell changes rax
 * only, an unregistered access reads all-ones.
 */
#ifndef HPV_FUZZ_VM_H
#define HPV_FUZZ_VM_H

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "fake_vm.h"
#include "fake_kvm.h"
#include "fuzz_input.h"
#include "fuzz_ram.h"
#include "hpv/boot.h"
#include "hpv/hw.h"
#include "hpv/pv.h"
#include "hpv/pv/hypercall.h"
#include "hpv/pv/ops.h"

#define FUZZ_VM_CONFIG_BYTES 6
/* Records HPV_MSR_HYPERCALL_PAGE ... HPV_MSR_TIMER, and three unregistered. */
#define FUZZ_VM_HPV_MSRS     5
#define FUZZ_VM_MSR_RANGE    8
/* Per input: an operation cap, and how long timers' signals are waited for. */
#define FUZZ_VM_MAX_OPS      512
#define FUZZ_VM_WAIT_US      50

enum fuzz_vm_op {
	FUZZ_OP_ACCESS,   /* any space, address, size and direction */
	FUZZ_OP_DOORBELL, /* a hypercall through the doorbell port */
	FUZZ_OP_WRMSR,    /* an HPV_MSR_* or a neighbour */
	FUZZ_OP_RDMSR,
	FUZZ_OP_POKE,     /* the guest writes its RAM: a record's fields */
	FUZZ_OP_PRE_RUN,  /* what a vCPU does before each KVM_RUN */
	FUZZ_OP_WAIT,     /* a timer's signal, then the pre-run hooks */
	FUZZ_OP_SET_TSC,  /* the guest writes its TSC (KVM serves WRMSR 0x10) */
	FUZZ_OP_SET_LVTT, /* the guest programs its LAPIC timer */
	FUZZ_OP_REPORT,   /* --stats output at this point */
	FUZZ_OP_NR
};

struct fuzz_vm {
	struct fake_vm vm;
	struct serial com1;
	struct pv *pv;
	uint64_t ram_size;
	uint8_t *heap_ram; /* fake_vm's own, swapped for a mapping */
	struct fuzz_ram *ram;
	/* the last value each record MSR accepted, per vCPU (per VM: [0]) */
	uint64_t msr[FUZZ_VM_HPV_MSRS][FAKE_VM_MAX_CPUS];
	int wait_left_us;
};

static inline bool fuzz_vm__per_vm(uint32_t msr)
{
	return msr == HPV_MSR_HYPERCALL_PAGE;
}

static inline void fuzz_vm__free(struct fuzz_vm *f)
{
	f->vm.kvm.ram = f->heap_ram;
	fake_vm__exit(&f->vm);
	pv__free(f->pv);
	serial__exit(&f->com1);
	fuzz_ram__clean(f->ram);
}

/* A page the guest or hpv may have written. */
static inline void fuzz_vm__dirty(struct fuzz_vm *f, uint64_t gpa, uint64_t len)
{
	void *host = kvm__gpa_to_host(&f->vm.kvm, gpa, len);

	if (host)
		fuzz_ram__dirty(f->ram, host, len);
}

/*
 * Decode the configuration and build the VM as main.c does; -1 where
 * main would give up (a vCPU hook refused), after tearing it down.
 * Config bytes: 0: vCPUs, vendor, hypercall route, synced registers,
 * TSC-deadline timer, KVM's stable clock; 1: timer route, RAM size,
 * SynIC, TSC rate; 2: features withheld; 3-4: what KVM refuses;
 * 5: --no-hybridpv, and the prelude a target gives it.
 */
static inline int fuzz_vm__new(struct fuzz_vm *f, struct fuzz_in *in, uint8_t *prelude)
{
	static const uint64_t ram_sizes[] = { HPV_MIN_RAM, 512ULL << 20,
					      HPV_LOW_RAM_MAX + (64ULL << 20), (64ULL << 20) + 4096 };
	static const uint32_t tsc_khz[] = { 2600000, 0, 1000000, 2999999, 5000000, 10000000, 1000,
					    123457 };
	static const enum hpv_timer_route timers[] = { HPV_TIMER_LAPIC, HPV_TIMER_POSIX,
						       HPV_TIMER_STIMER, HPV_TIMER_POSIX };
	uint8_t c[FUZZ_VM_CONFIG_BYTES];
	struct kvm *kvm = &f->vm.kvm;
	struct pv_config cfg;
	int nr_cpus, ret;

	for (int i = 0; i < FUZZ_VM_CONFIG_BYTES; i++)
		c[i] = fuzz_in__u8(in);
	memset(f, 0, sizeof(*f));
	nr_cpus = 1 + (c[0] & 7);
	f->ram_size = ram_sizes[(c[1] >> 2) & 3];
	f->wait_left_us = FUZZ_VM_WAIT_US;
	*prelude = c[5] >> 1;
	cfg = (struct pv_config){ .withheld = c[2],
				  .route = c[0] & 0x10 ? HPV_ROUTE_USER : HPV_ROUTE_KVM,
				  .timer = timers[c[1] & 3] };

	fake_vm__init(&f->vm, nr_cpus, 1, !(c[0] & 0x08));
	f->heap_ram = kvm->ram;
	f->ram = fuzz_ram__get(f->ram_size);
	kvm->ram = f->ram->base;
	kvm->ram_size = f->ram_size;
	fake_kvm__reset(nr_cpus);
	fake_kvm.tsc_stable = c[0] & 0x80;
	fake_kvm.synic = !(c[1] & 0x10);
	fake_kvm.tsc_khz = tsc_khz[c[1] >> 5];
	fake_kvm.refuse = c[3] | (uint32_t)c[4] << 8;
	kvm->sys_fd = fake_kvm.sys_fd;
	kvm->vm_fd = fake_kvm.vm_fd;
	kvm->tsc_khz = fake_kvm.tsc_khz;
	kvm->tsc_deadline = !(c[0] & 0x40);
	kvm->sync_regs = !(c[0] & 0x20);
	for (int i = 0; i < nr_cpus; i++) {
		f->vm.cpu[i].fd = fake_kvm.vcpu[i].fd;
		f->vm.run[i].kvm_valid_regs = kvm->sync_regs ? KVM_SYNC_X86_REGS : 0;
	}

	/* (no output file: no writer thread per input; fuzz_serial has one) */
	ret = hw__init(kvm, &f->com1, -1);
	if (!ret)
		ret = kvm__close_pv_msrs(kvm);
	fuzz__check(!ret, "devices: %s", strerror(-ret));
	if (!(c[5] & 1)) {
		ret = pv__new(kvm, &cfg, &f->pv);
		fuzz__check(!ret, "pv__new: %s", strerror(-ret));
	}
	/* (KVM refusing the filter is main's to report, not a guest input;
	 * the ACPI tables are only RAM contents here: fuzz_boot builds them) */
	kvm__install_msr_filter(kvm);
	/* (the CPUID leaves, also set-up only, are selftests/host's) */
	if (fake_vm__init_vcpus(&f->vm)) {
		fuzz_vm__free(f);
		return -1;
	}
	return 0;
}

static inline struct kvm_regs *fuzz_vm__regs(struct fuzz_vm *f, int cpu)
{
	if (f->vm.run[cpu].kvm_valid_regs & KVM_SYNC_X86_REGS)
		return &f->vm.run[cpu].s.regs.regs;
	return &fake_kvm.vcpu[cpu].regs;
}

/* A guest-physical address near what hpv checks: RAM's ends, the 1 MiB
 * floor, the hole below 4 GiB, a record registered before. */
static inline uint64_t fuzz_vm__gpa(struct fuzz_vm *f, struct fuzz_in *in)
{
	uint64_t low = f->ram_size < HPV_LOW_RAM_MAX ? f->ram_size : HPV_LOW_RAM_MAX;
	uint8_t sel = fuzz_in__u8(in);

	switch (sel % 8) {
	case 0: return (fuzz_in__u32(in) * 32ULL) % low;
	case 1: return low - fuzz_in__u16(in);
	case 2: return HPV_HIGH_RAM_BASE + (f->ram_size - low) - fuzz_in__u16(in);
	case 3: return HPV_HIGH_RAM_BASE + (int16_t)fuzz_in__u16(in);
	case 4: return 0x100000 + (int16_t)fuzz_in__u16(in);
	case 5: return (f->msr[sel / 8 % FUZZ_VM_HPV_MSRS][sel / 64 % 2] & ~0x3fULL) +
		       (int8_t)fuzz_in__u8(in);
	default: return fuzz_in__edgy(in);
	}
}

/* A vector: mostly a valid one, with the range's edges. */
static inline uint64_t fuzz_vm__vector(struct fuzz_in *in)
{
	uint8_t sel = fuzz_in__u8(in);

	return sel < 0xf0 ? fuzz_in__u8(in) : fuzz_in__edgy(in);
}

/* A deadline in pvclock ns: now-ish, past, far, or any. */
static inline uint64_t fuzz_vm__deadline(struct fuzz_vm *f, struct fuzz_in *in)
{
	uint64_t now = (uint64_t)(hpv_now_ns() - f->vm.kvm.start_ns);

	switch (fuzz_in__u8(in) % 4) {
	case 0: return now + (int32_t)fuzz_in__u32(in);
	case 1: return now + ((uint64_t)fuzz_in__u32(in) << (fuzz_in__u8(in) % 32));
	default: return fuzz_in__edgy(in);
	}
}

static inline bool fuzz_vm__abi_result(int64_t ret)
{
	return ret >= 0 || ret == -HPV_ENOSYS || ret == -HPV_EINVAL || ret == -HPV_EFAULT;
}

/* Number and arguments in the registers, "out %eax, $0xe0", as the stubs do. */
static inline void fuzz_vm__doorbell(struct fuzz_vm *f, int cpu, struct fuzz_in *in)
{
	struct kvm_regs *regs = fuzz_vm__regs(f, cpu), before;
	uint8_t sel = fuzz_in__u8(in);
	uint32_t nr = sel < 0xf0 ? sel % (HPV_NR_HYPERCALLS + 2) : fuzz_in__u32(in);
	__u64 *args[4] = { &regs->rdi, &regs->rsi, &regs->rdx, &regs->r10 };
	int ret;

	regs->rax = nr;
	for (int i = 0; i < 4; i++) {
		switch (fuzz_in__u8(in) % 4) {
		case 0: *args[i] = fuzz_vm__deadline(f, in); break;
		case 1: *args[i] = fuzz_vm__vector(in); break;
		case 2: break; /* left from before */
		default: *args[i] = fuzz_in__edgy(in); break;
		}
	}
	before = *regs;
	ret = io__access(&f->vm.kvm.io, &f->vm.cpu[cpu], HPV_IO_PIO, HPV_HYPERCALL_PORT, &nr, 4, true);
	if (!f->pv) {
		fuzz__check(ret == -ENODEV, "a doorbell without the PV layer: %d", ret);
		return;
	}
	if (ret)
		return; /* KVM refused the registers: the guest's rax stays */
	if (f->vm.run[cpu].kvm_valid_regs & KVM_SYNC_X86_REGS)
		fuzz__check(f->vm.run[cpu].kvm_dirty_regs & KVM_SYNC_X86_REGS, "rax not handed back");
	fuzz__check(fuzz_vm__abi_result((int64_t)regs->rax), "hypercall %u returned %lld", nr,
		    (long long)regs->rax);
	fuzz__check(nr < HPV_NR_HYPERCALLS || (int64_t)regs->rax == -HPV_ENOSYS,
		    "unknown hypercall %u returned %lld", nr, (long long)regs->rax);
	fuzz__check(nr != HPV_HC_ABI_VERSION || regs->rax == HPV_ABI_VERSION ||
			    (int64_t)regs->rax == -HPV_ENOSYS,
		    "ABI_VERSION returned %lld", (long long)regs->rax);
	before.rax = regs->rax;
	fuzz__check(!memcmp(&before, regs, sizeof(before)), "hypercall %u changed more than rax",
		    nr);
}

static inline uint32_t fuzz_vm__msr_index(struct fuzz_in *in)
{
	uint8_t sel = fuzz_in__u8(in);

	if (sel < 0xe0)
		return HPV_MSR_HYPERCALL_PAGE + sel % FUZZ_VM_MSR_RANGE;
	if (sel < 0xf0) /* KVM's and Hyper-V's, closed */
		return (sel & 1 ? 0x4b564d00 : 0x40000000) + fuzz_in__u8(in);
	return fuzz_in__u32(in);
}

/*
 * docs/abi.md's rule for each record MSR: the feature that offers it, the
 * record's alignment (the bits below it but the enable bit are reserved)
 * and size, the lowest address.
 */
static const struct {
	uint32_t feature, align, size;
	uint64_t min_gpa;
} fuzz_vm__records[FUZZ_VM_HPV_MSRS] = {
	{ HPV_FEATURE_HYPERCALL_PAGE, 4096, 4096, 1 << 20 },
	{ HPV_FEATURE_PVCLOCK, 32, sizeof(struct hpv_pvclock), 0 },
	{ HPV_VCPU_STATE_FEATURES, 64, sizeof(struct hpv_vcpu_state), 0 },
	{ HPV_FEATURE_PV_EOI, 4, 4, 0 },
	{ HPV_FEATURE_PV_TIMER_RECORD, 16, sizeof(struct hpv_timer), 0 },
};

/* A guest WRMSR, and what an accepted one must have done. */
static inline void fuzz_vm__set_msr(struct fuzz_vm *f, int cpu, uint32_t msr, uint64_t val)
{
	static const uint8_t endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };
	uint32_t k = msr - HPV_MSR_HYPERCALL_PAGE;
	int ret = fake_vm__wrmsr(&f->vm, cpu, msr, val);
	struct kvm *kvm = &f->vm.kvm;
	uint64_t gpa;

	if (k >= FUZZ_VM_HPV_MSRS) {
		fuzz__check(k >= FUZZ_VM_MSR_RANGE || ret, "WRMSR 0x%x is not ours", msr);
		return;
	}
	if (ret)
		return;
	gpa = val & ~((uint64_t)fuzz_vm__records[k].align - 1);
	fuzz__check(f->pv && (pv__offered(f->pv) & fuzz_vm__records[k].feature),
		    "WRMSR 0x%x accepted, its feature not offered", msr);
	fuzz__check(!(val & (fuzz_vm__records[k].align - 1) & ~HPV_MSR_ENABLE),
		    "WRMSR 0x%x accepted 0x%llx: reserved bits set", msr, (unsigned long long)val);
	fuzz__check(!(val & HPV_MSR_ENABLE) ||
			    (gpa >= fuzz_vm__records[k].min_gpa &&
			     kvm__gpa_to_host(kvm, gpa, fuzz_vm__records[k].size)),
		    "WRMSR 0x%x accepted 0x%llx: not in RAM", msr, (unsigned long long)val);
	f->msr[k][fuzz_vm__per_vm(msr) ? 0 : cpu] = val;
	if (!(val & HPV_MSR_ENABLE))
		return;
	/* hpv writes the record from now on (a record never straddles a page) */
	fuzz_vm__dirty(f, val & ~(FUZZ_RAM_PAGE - 1), FUZZ_RAM_PAGE);
	switch (msr) {
	case HPV_MSR_HYPERCALL_PAGE: {
		const uint8_t *page = kvm__gpa_to_host(kvm, val & ~0xfffULL, 0x1000);

		fuzz__check(page, "page 0x%llx accepted outside RAM", (unsigned long long)val);
		for (int nr = 0; nr < HPV_HYPERCALL_SLOTS; nr++)
			fuzz__check(!memcmp(page + nr * HPV_HYPERCALL_STRIDE, endbr64, 4),
				    "slot %d of the page does not start with endbr64", nr);
		break;
	}
	case HPV_MSR_PVCLOCK: {
		const struct hpv_pvclock *rec = kvm__gpa_to_host(kvm, val & ~0x1fULL, sizeof(*rec));

		fuzz__check(rec, "pvclock 0x%llx accepted outside RAM", (unsigned long long)val);
		fuzz__check(!(rec->version & 1), "pvclock left mid-update (version %u)",
			    rec->version);
		break;
	}
	case HPV_MSR_TIMER: {
		const struct hpv_timer *rec = kvm__gpa_to_host(kvm, val & ~0xfULL, sizeof(*rec));

		fuzz__check(rec, "timer record 0x%llx accepted outside RAM", (unsigned long long)val);
		fuzz__check(rec->next == rec->armed, "a new timer record: next %llu, armed %llu",
			    (unsigned long long)rec->next, (unsigned long long)rec->armed);
		break;
	}
	}
}

static inline void fuzz_vm__wrmsr(struct fuzz_vm *f, int cpu, struct fuzz_in *in)
{
	uint32_t msr = fuzz_vm__msr_index(in);
	uint8_t low = fuzz_in__u8(in);
	uint64_t val = low & 0x80 ? fuzz_in__edgy(in) : (fuzz_vm__gpa(f, in) & ~0x3fULL) | (low & 0x3f);

	fuzz_vm__set_msr(f, cpu, msr, val);
}

/*
 * What a booted guest has done before it makes its first calls, for the
 * targets that start there (prelude bits): 1, its hypercall page at 16 MiB;
 * 2, a pvclock per vCPU; 4, a timer record per vCPU; 8, the vCPU state
 * records. Each is an ordinary WRMSR, refused where not offered.
 */
static inline void fuzz_vm__prelude(struct fuzz_vm *f, uint8_t bits)
{
	if (bits & 1)
		fuzz_vm__set_msr(f, 0, HPV_MSR_HYPERCALL_PAGE, (16ULL << 20) | HPV_MSR_ENABLE);
	for (int i = 0; i < f->vm.kvm.nr_cpus; i++) {
		uint64_t base = (17ULL << 20) + i * 256;

		if (bits & 2)
			fuzz_vm__set_msr(f, i, HPV_MSR_PVCLOCK, base | HPV_MSR_ENABLE);
		if (bits & 4)
			fuzz_vm__set_msr(f, i, HPV_MSR_TIMER, (base + 64) | HPV_MSR_ENABLE);
		if (bits & 8)
			fuzz_vm__set_msr(f, i, HPV_MSR_VCPU_STATE, (base + 128) | HPV_MSR_ENABLE);
	}
}

static inline void fuzz_vm__get_msr(struct fuzz_vm *f, int cpu, uint32_t msr)
{
	uint32_t k = msr - HPV_MSR_HYPERCALL_PAGE;
	uint64_t val = 0x5a5a5a5a;
	int ret = fake_vm__rdmsr(&f->vm, cpu, msr, &val);

	if (k < FUZZ_VM_HPV_MSRS && !ret)
		fuzz__check(val == f->msr[k][fuzz_vm__per_vm(msr) ? 0 : cpu],
			    "RDMSR 0x%x on vCPU %d: 0x%llx, the last accepted 0x%llx", msr, cpu,
			    (unsigned long long)val,
			    (unsigned long long)f->msr[k][fuzz_vm__per_vm(msr) ? 0 : cpu]);
	else if (k >= FUZZ_VM_HPV_MSRS && k < FUZZ_VM_MSR_RANGE)
		fuzz__check(ret, "RDMSR 0x%x is not ours", msr);
}

static inline void fuzz_vm__rdmsr(struct fuzz_vm *f, int cpu, struct fuzz_in *in)
{
	fuzz_vm__get_msr(f, cpu, fuzz_vm__msr_index(in));
}

static inline void fuzz_vm__access(struct fuzz_vm *f, int cpu, struct fuzz_in *in)
{
	static const uint32_t pio_sizes[] = { 1, 2, 4 };
	struct hpv_io_table *t = &f->vm.kvm.io;
	/* bits 0-2: space (past the last: none), 3-5: size, 6: write, 7: near a range */
	uint8_t sel = fuzz_in__u8(in);
	enum hpv_io_space space = (sel & 7) < HPV_IO_NR_SPACES ? sel & 7 : HPV_IO_NR_SPACES;
	uint64_t addr;
	uint32_t len;
	uint8_t *data;
	bool found, is_write = sel & 0x40;
	int ret;

	/* half the time at the edge of a registered range */
	if (sel & 0x80 && t->nr) {
		const struct hpv_io_range *r = &t->ranges[fuzz_in__u8(in) % t->nr];
		int16_t off = fuzz_in__u16(in);

		space = r->space;
		addr = (off < 0 ? r->start + r->len : r->start) + off;
	} else {
		addr = fuzz_in__edgy(in);
	}
	/* the sizes KVM delivers: port I/O 1, 2, 4; MMIO 1-8; MSRs 8 */
	switch (space) {
	case HPV_IO_PIO: len = pio_sizes[(sel >> 3 & 7) % 3]; break;
	case HPV_IO_MMIO: len = 1 + (sel >> 3 & 7); break;
	case HPV_IO_HYPERCALL: len = sizeof(struct hpv_hypercall_frame); break;
	default: len = 8; break;
	}
	/* exactly len bytes, so that a handler writing past them is caught */
	data = malloc(len);
	fuzz__check(data, "malloc");
	for (uint32_t i = 0; i < len; i++)
		data[i] = fuzz_in__u8(in);
	if (space == HPV_IO_HYPERCALL)
		((struct hpv_hypercall_frame *)data)->ret = 0x5a5a;

	/* an MSR index is 32 bits in kvm_run; WRMSR and RDMSR check what they did */
	if (space == HPV_IO_MSR) {
		uint64_t v;

		memcpy(&v, data, sizeof(v));
		if (is_write)
			fuzz_vm__set_msr(f, cpu, (uint32_t)addr, v);
		else
			fuzz_vm__get_msr(f, cpu, (uint32_t)addr);
		free(data);
		return;
	}
	found = io__find(t, space, addr, len);
	ret = io__access(t, &f->vm.cpu[cpu], space, addr, data, len, is_write);
	fuzz__check(found || ret == -ENODEV, "unregistered %s 0x%llx: %d", io__space_name(space),
		    (unsigned long long)addr, ret);
	if (ret && !is_write && (space == HPV_IO_PIO || space == HPV_IO_MMIO))
		for (uint32_t i = 0; i < len; i++)
			fuzz__check(data[i] == 0xff, "failed %s read of 0x%llx not all-ones",
				    io__space_name(space), (unsigned long long)addr);
	if (space == HPV_IO_HYPERCALL && !ret && is_write)
		fuzz__check(fuzz_vm__abi_result(((struct hpv_hypercall_frame *)data)->ret),
			    "hypercall %llu returned %lld", (unsigned long long)addr,
			    (long long)((struct hpv_hypercall_frame *)data)->ret);
	free(data);
}

static inline void fuzz_vm__poke(struct fuzz_vm *f, struct fuzz_in *in)
{
	uint64_t gpa = fuzz_vm__gpa(f, in), v = fuzz_in__edgy(in);
	void *host = kvm__gpa_to_host(&f->vm.kvm, gpa, sizeof(v));

	if (host) {
		memcpy(host, &v, sizeof(v));
		fuzz_ram__dirty(f->ram, host, sizeof(v));
	}
}

static inline void fuzz_vm__pre_run(struct fuzz_vm *f, int cpu)
{
	__atomic_store_n(&f->vm.run[cpu].immediate_exit, 0, __ATOMIC_SEQ_CST);
	fake_vm__pre_run(&f->vm, cpu);
}

/* A timer armed in the past signals at once; give its signal a moment. */
static inline void fuzz_vm__wait(struct fuzz_vm *f, int cpu)
{
	int64_t t0 = hpv_now_ns(), waited = 0;

	while (waited < f->wait_left_us * 1000LL &&
	       !__atomic_load_n(&f->vm.run[cpu].immediate_exit, __ATOMIC_SEQ_CST)) {
		sched_yield();
		waited = hpv_now_ns() - t0;
	}
	f->wait_left_us -= waited / 1000;
	fuzz_vm__pre_run(f, cpu);
}

static inline void fuzz_vm__report(struct fuzz_vm *f, bool kv)
{
	static FILE *null;
	struct report r = { .format = kv ? REPORT_KV : REPORT_TEXT, .nr_cpus = f->vm.kvm.nr_cpus };

	if (!null)
		null = fopen("/dev/null", "w");
	r.f = null;
	if (f->pv && r.f)
		pv__report(f->pv, &r);
}

/* One operation; ops[] is the target's mix (repeats weigh). */
static inline void fuzz_vm__op(struct fuzz_vm *f, struct fuzz_in *in, const uint8_t *ops,
			       size_t nr_ops)
{
	uint8_t op = ops[fuzz_in__u8(in) % nr_ops];
	int cpu = fuzz_in__u8(in) % f->vm.kvm.nr_cpus;
	struct fake_kvm_vcpu *v = &fake_kvm.vcpu[cpu];

	switch (op) {
	case FUZZ_OP_ACCESS: fuzz_vm__access(f, cpu, in); break;
	case FUZZ_OP_DOORBELL: fuzz_vm__doorbell(f, cpu, in); break;
	case FUZZ_OP_WRMSR: fuzz_vm__wrmsr(f, cpu, in); break;
	case FUZZ_OP_RDMSR: fuzz_vm__rdmsr(f, cpu, in); break;
	case FUZZ_OP_POKE: fuzz_vm__poke(f, in); break;
	case FUZZ_OP_PRE_RUN: fuzz_vm__pre_run(f, cpu); break;
	case FUZZ_OP_WAIT: fuzz_vm__wait(f, cpu); break;
	case FUZZ_OP_SET_TSC:
		v->msr[FAKE_MSR_TSC] = fuzz_in__edgy(in);
		v->tsc_step = fuzz_in__u8(in) & 0x80 ? fuzz_in__edgy(in) : fuzz_in__u16(in);
		break;
	case FUZZ_OP_SET_LVTT: {
		uint32_t lvtt = fuzz_in__u32(in);

		memcpy(v->lapic.regs + 0x320, &lvtt, sizeof(lvtt));
		break;
	}
	case FUZZ_OP_REPORT: fuzz_vm__report(f, fuzz_in__u8(in) & 1); break;
	}
}

static inline void fuzz_vm__run(struct fuzz_vm *f, struct fuzz_in *in, const uint8_t *ops,
				size_t nr_ops)
{
	for (int n = 0; n < FUZZ_VM_MAX_OPS && !fuzz_in__empty(in); n++)
		fuzz_vm__op(f, in, ops, nr_ops);
}

#endif

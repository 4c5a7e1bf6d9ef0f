// SPDX-License-Identifier: GPL-2.0
/* vCPU threads: set-up, KVM_RUN and a thin exit dispatch. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hpv/kvm.h"
#include "hpv/util.h"
#include "hpv/vcpu.h"

#define HPV_KICK_SIGNAL SIGUSR1

int kvm_cpu__init(struct kvm *kvm, int id, struct kvm_cpu **out)
{
	struct hpv_cpuid cpuid;
	struct kvm_cpu *cpu;
	int ret, h;

	cpu = calloc(1, sizeof(*cpu));
	if (!cpu)
		return -ENOMEM;
	cpu->kvm = kvm;
	cpu->id = id;
	cpu->stats_fd = -1;

	cpu->fd = ioctl(kvm->vm_fd, KVM_CREATE_VCPU, id);
	if (cpu->fd < 0) {
		ret = -errno;
		pr_err("KVM_CREATE_VCPU %d: %s", id, strerror(errno));
		goto err_free;
	}
	cpu->run = mmap(NULL, kvm->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu->fd, 0);
	if (cpu->run == MAP_FAILED) {
		ret = -errno;
		pr_err("mmap vCPU %d: %s", id, strerror(errno));
		goto err_close;
	}
	if (id == 0) {
		int khz = ioctl(cpu->fd, KVM_GET_TSC_KHZ, 0);

		kvm->tsc_khz = khz > 0 ? khz : 0;
	}

	for (h = 0; h < kvm->nr_hooks; h++) {
		const struct kvm_cpu_hooks *hk = &kvm->hooks[h];

		ret = hk->init ? hk->init(hk->ctx, cpu) : 0;
		if (ret) {
			pr_err("vCPU %d: %s: %s", id, hk->name, strerror(-ret));
			goto err_hooks;
		}
	}

	ret = cpuid__compose(kvm->supported_cpuid, id, kvm->tsc_deadline, &cpuid);
	if (ret)
		goto err_hooks;
	for (int i = 0; i < kvm->nr_hooks && !ret; i++)
		if (kvm->hooks[i].cpuid)
			ret = kvm->hooks[i].cpuid(kvm->hooks[i].ctx, cpu, &cpuid);
	if (!ret)
		ret = ioctl(cpu->fd, KVM_SET_CPUID2, cpuid.c) < 0 ? -errno : 0;
	free(cpuid.c);
	if (ret) {
		pr_err("KVM_SET_CPUID2 on vCPU %d: %s", id, strerror(-ret));
		goto err_hooks;
	}

	/* exit handlers then read registers without KVM_GET_REGS */
	if (kvm->sync_regs)
		cpu->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	cpu->stats_fd = ioctl(cpu->fd, KVM_GET_STATS_FD, NULL);
	*out = cpu;
	return 0;

err_hooks:
	while (h-- > 0)
		if (kvm->hooks[h].exit)
			kvm->hooks[h].exit(kvm->hooks[h].ctx, cpu);
	munmap(cpu->run, kvm->vcpu_mmap_size);
err_close:
	close(cpu->fd);
err_free:
	free(cpu);
	return ret;
}

void kvm_cpu__exit(struct kvm_cpu *cpu)
{
	if (!cpu)
		return;
	for (int h = cpu->kvm->nr_hooks - 1; h >= 0; h--)
		if (cpu->kvm->hooks[h].exit)
			cpu->kvm->hooks[h].exit(cpu->kvm->hooks[h].ctx, cpu);
	if (cpu->stats_fd >= 0)
		close(cpu->stats_fd);
	munmap(cpu->run, cpu->kvm->vcpu_mmap_size);
	close(cpu->fd);
	free(cpu);
}

int kvm_cpu__setup_longmode(struct kvm_cpu *cpu, uint64_t entry, uint64_t boot_params,
			    uint64_t pml4, uint64_t gdt, uint16_t gdt_limit)
{
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 0xb,
		.present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = {
		.base = 0, .limit = 0xffffffff, .selector = 0x18, .type = 0x3,
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = entry,
		.rsi = boot_params,
		.rflags = 0x2,
	};

	if (ioctl(cpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.gdt.base = gdt;
	sregs.gdt.limit = gdt_limit;
	sregs.cr3 = pml4;
	sregs.cr4 = 1u << 5;                        /* PAE */
	sregs.cr0 = (1u << 0) | (1u << 31) | (1u << 4); /* PE, PG, ET */
	sregs.efer = (1u << 8) | (1u << 10);        /* LME, LMA */

	if (ioctl(cpu->fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(cpu->fd, KVM_SET_REGS, &regs) < 0 ||
	    ioctl(cpu->fd, KVM_SET_FPU, &fpu) < 0)
		return -errno;
	return 0;
}

static int kvm_cpu__handle_io(struct kvm_cpu *cpu)
{
	struct kvm_run *run = cpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size)
		io__access(&cpu->kvm->io, cpu, HPV_IO_PIO, run->io.port, data, run->io.size, is_write);
	return 0;
}

static int kvm_cpu__handle_mmio(struct kvm_cpu *cpu)
{
	struct kvm_run *run = cpu->run;
	uint32_t len = run->mmio.len <= sizeof(run->mmio.data) ? run->mmio.len : sizeof(run->mmio.data);

	io__access(&cpu->kvm->io, cpu, HPV_IO_MMIO, run->mmio.phys_addr, run->mmio.data, len,
		   run->mmio.is_write);
	return 0;
}

static int kvm_cpu__handle_msr(struct kvm_cpu *cpu, bool is_write)
{
	struct kvm_run *run = cpu->run;
	uint64_t val = run->msr.data;

	run->msr.error = io__access(&cpu->kvm->io, cpu, HPV_IO_MSR, run->msr.index, &val,
				    sizeof(val), is_write) ? 1 : 0;
	if (!is_write)
		run->msr.data = val;
	return 0;
}

static int kvm_cpu__handle_system_event(struct kvm_cpu *cpu)
{
	switch (cpu->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		kvm__request_end(cpu->kvm, HPV_END_POWEROFF, 0);
		return 0;
	case KVM_SYSTEM_EVENT_RESET:
		kvm__request_end(cpu->kvm, HPV_END_RESET, 0);
		return 0;
	default:
		pr_err("vCPU %d: guest crashed (system event %u)", cpu->id, cpu->run->system_event.type);
		return -EIO;
	}
}

/* Returns 0 to keep running, -errno to stop the VM. */
static int kvm_cpu__handle_exit(struct kvm_cpu *cpu)
{
	struct kvm_run *run = cpu->run;

	if (run->exit_reason < HPV_EXIT_REASONS)
		cpu->user_exits[run->exit_reason]++;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return kvm_cpu__handle_io(cpu);
	case KVM_EXIT_MMIO:
		return kvm_cpu__handle_mmio(cpu);
	case KVM_EXIT_X86_RDMSR:
		return kvm_cpu__handle_msr(cpu, false);
	case KVM_EXIT_X86_WRMSR:
		return kvm_cpu__handle_msr(cpu, true);
	case KVM_EXIT_INTR:
		return 0;
	case KVM_EXIT_SHUTDOWN:
		/* Triple fault: what a crashed guest (and Linux's reboot=t)
		 * does; not the success a requested reset is. KVM has
		 * re-initialised the vCPU by now: no state to show. */
		pr_info("vCPU %d: triple fault, the guest resets", cpu->id);
		kvm__request_end(cpu->kvm, HPV_END_TRIPLE_FAULT, HPV_EXIT_TRIPLE_FAULT);
		return 0;
	case KVM_EXIT_SYSTEM_EVENT:
		return kvm_cpu__handle_system_event(cpu);
	case KVM_EXIT_FAIL_ENTRY:
		pr_err("vCPU %d: VM entry failed, hardware reason 0x%llx", cpu->id,
		       (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return -EIO;
	case KVM_EXIT_INTERNAL_ERROR:
		pr_err("vCPU %d: KVM internal error, suberror %u", cpu->id, run->internal.suberror);
		return -EIO;
	default:
		pr_err("vCPU %d: unexpected exit reason %u", cpu->id, run->exit_reason);
		return -EIO;
	}
}

static void kvm_cpu__kick_handler(int sig)
{
	(void)sig;
}

static void kvm_cpu__pre_run(struct kvm_cpu *cpu)
{
	const struct kvm *kvm = cpu->kvm;

	for (int h = 0; h < kvm->nr_hooks; h++)
		if (kvm->hooks[h].pre_run)
			kvm->hooks[h].pre_run(kvm->hooks[h].ctx, cpu);
}

static int kvm_cpu__run_start_hooks(struct kvm_cpu *cpu)
{
	const struct kvm *kvm = cpu->kvm;

	for (int h = 0; h < kvm->nr_hooks; h++) {
		int ret = kvm->hooks[h].start ? kvm->hooks[h].start(kvm->hooks[h].ctx, cpu) : 0;

		if (ret) {
			pr_err("vCPU %d: %s: %s", cpu->id, kvm->hooks[h].name, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static void *kvm_cpu__thread(void *arg)
{
	struct kvm_cpu *cpu = arg;
	struct kvm *kvm = cpu->kvm;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, HPV_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	/* from here a kick reaches this thread; an end asked before is seen below */
	cpu->self = pthread_self();
	atomic_store(&cpu->running, true);
	if (kvm_cpu__run_start_hooks(cpu)) {
		kvm__request_end(kvm, HPV_END_ERROR, HPV_EXIT_VM_FAILED);
		return NULL;
	}

	while (atomic_load(&kvm->end) == HPV_END_NONE) {
		/*
		 * immediate_exit is set by an end request and by modules that
		 * have work for the pre-run hooks (a timer's signal); clearing
		 * it here and checking again after is what keeps either from
		 * being missed.
		 */
		__atomic_store_n(&cpu->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
		if (atomic_load(&kvm->end) != HPV_END_NONE)
			break;
		kvm_cpu__pre_run(cpu);
		if (ioctl(cpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			pr_err("vCPU %d: KVM_RUN: %s", cpu->id, strerror(errno));
			kvm__request_end(kvm, HPV_END_ERROR, HPV_EXIT_VM_FAILED);
			break;
		}
		if (kvm_cpu__handle_exit(cpu)) {
			kvm__request_end(kvm, HPV_END_ERROR, HPV_EXIT_VM_FAILED);
			break;
		}
	}
	return NULL;
}

/*
 * KVM_GET_MSRS/KVM_SET_MSRS take a header with its entries behind it: a
 * buffer of the right size in a union, so no structure ends in the middle
 * of another.
 */
#define KVM_CPU_MAX_MSRS 4
union hpv_msr_list {
	struct kvm_msrs hdr;
	uint8_t bytes[sizeof(struct kvm_msrs) + KVM_CPU_MAX_MSRS * sizeof(struct kvm_msr_entry)];
};

static int kvm_cpu__msrs(struct kvm_cpu *cpu, unsigned long request, struct kvm_msr_entry *e,
			 uint32_t n)
{
	union hpv_msr_list list;

	if (n > KVM_CPU_MAX_MSRS)
		return -E2BIG;
	memset(&list, 0, sizeof(list));
	list.hdr.nmsrs = n;
	memcpy(list.hdr.entries, e, n * sizeof(*e));
	if (ioctl(cpu->fd, request, &list) != (int)n)
		return -EIO;
	memcpy(e, list.hdr.entries, n * sizeof(*e));
	return 0;
}

int kvm_cpu__set_msrs(struct kvm_cpu *cpu, const struct kvm_msr_entry *e, uint32_t n)
{
	struct kvm_msr_entry copy[KVM_CPU_MAX_MSRS];

	if (n > KVM_CPU_MAX_MSRS)
		return -E2BIG;
	memcpy(copy, e, n * sizeof(*e));
	return kvm_cpu__msrs(cpu, KVM_SET_MSRS, copy, n);
}

/* One MSR of the vCPU, as the host sees it. */
int kvm_cpu__get_msr(struct kvm_cpu *cpu, uint32_t index, uint64_t *val)
{
	struct kvm_msr_entry e = { .index = index };
	int ret = kvm_cpu__msrs(cpu, KVM_GET_MSRS, &e, 1);

	if (!ret)
		*val = e.data;
	return ret;
}

int kvm_cpu__set_msr(struct kvm_cpu *cpu, uint32_t index, uint64_t val)
{
	const struct kvm_msr_entry e = { .index = index, .data = val };

	return kvm_cpu__set_msrs(cpu, &e, 1);
}

int kvm_cpu__get_regs(struct kvm_cpu *cpu, struct kvm_regs *regs)
{
	if (cpu->run && (cpu->run->kvm_valid_regs & KVM_SYNC_X86_REGS)) {
		*regs = cpu->run->s.regs.regs;
		return 0;
	}
	return ioctl(cpu->fd, KVM_GET_REGS, regs) < 0 ? -errno : 0;
}

int kvm_cpu__set_regs(struct kvm_cpu *cpu, const struct kvm_regs *regs)
{
	if (cpu->run && (cpu->run->kvm_valid_regs & KVM_SYNC_X86_REGS)) {
		cpu->run->s.regs.regs = *regs;
		cpu->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		return 0;
	}
	return ioctl(cpu->fd, KVM_SET_REGS, regs) < 0 ? -errno : 0;
}

int kvm_cpu__start(struct kvm_cpu *cpu)
{
	/* the process-wide handler; it only has to interrupt KVM_RUN */
	struct sigaction sa = { .sa_handler = kvm_cpu__kick_handler };
	int ret;

	sigemptyset(&sa.sa_mask);
	sigaction(HPV_KICK_SIGNAL, &sa, NULL);
	ret = -pthread_create(&cpu->thread, NULL, kvm_cpu__thread, cpu);
	if (!ret)
		cpu->started = true;
	return ret;
}

void kvm_cpu__kick(struct kvm_cpu *cpu)
{
	/* immediate_exit closes the window between the loop's check and
	 * KVM_RUN; the signal takes a vCPU out of a running guest. */
	__atomic_store_n(&cpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (atomic_load(&cpu->running))
		pthread_kill(cpu->self, HPV_KICK_SIGNAL);
}

void kvm__request_end(struct kvm *kvm, enum hpv_end why, int status)
{
	int none = HPV_END_NONE;

	if (!atomic_compare_exchange_strong(&kvm->end, &none, why))
		return;
	atomic_store(&kvm->exit_status, status);
	for (int i = 0; i < kvm->nr_cpus; i++)
		if (kvm->cpus && kvm->cpus[i])
			kvm_cpu__kick(kvm->cpus[i]);
}

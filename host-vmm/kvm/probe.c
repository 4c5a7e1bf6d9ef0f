// SPDX-License-Identifier: GPL-2.0
/*
 * Does this /dev/kvm run an ordinary guest's instructions natively? A
 * software-only KVM (PVM runs its guests in ring 3 under shadow paging)
 * answers the same ioctls, but it emulates every instruction of a kernel
 * not built for it: Linux then spins in its early boot for minutes
 * without a line of output. So before the real VM, a probe VM runs a
 * 10 000-iteration loop in long mode and one OUT, and KVM's own counter
 * says how many instructions it emulated: none with VT-x/AMD-V.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hpv/kvm.h"
#include "hpv/stats.h"
#include "hpv/util.h"

#define PROBE_RAM      (2ULL << 20)
#define PROBE_CODE     0x100000ULL
#define PROBE_PML4     0x9000ULL
#define PROBE_PORT     0x80
#define PROBE_LOOPS    10000
/* far below the loop's 20 000 instructions, far above what a host needs */
#define PROBE_MAX_EMULATED 1000
#define PROBE_SECONDS  5

/* mov $PROBE_LOOPS, %ecx; 1: dec %ecx; jnz 1b; out %al, $PROBE_PORT; hlt */
static const uint8_t probe_code[] = {
	0xb9, PROBE_LOOPS & 0xff, PROBE_LOOPS >> 8, 0, 0, 0xff, 0xc9, 0x75, 0xfc,
	0xe6, PROBE_PORT, 0xf4,
};

static void probe__alarm(int sig)
{
	(void)sig;
}

static void probe__setup_memory(uint8_t *mem)
{
	static const uint64_t gdt[4] = { 0, 0, 0x00af9b000000ffffULL, 0x00cf93000000ffffULL };
	uint64_t pml4 = (PROBE_PML4 + 0x1000) | 3, pdpt = (PROBE_PML4 + 0x2000) | 3, pd = 0x83;

	memcpy(mem + 0x500, gdt, sizeof(gdt));
	memcpy(mem + PROBE_PML4, &pml4, 8);
	memcpy(mem + PROBE_PML4 + 0x1000, &pdpt, 8);
	memcpy(mem + PROBE_PML4 + 0x2000, &pd, 8);
	memcpy(mem + PROBE_CODE, probe_code, sizeof(probe_code));
}

static int probe__setup_vcpu(int fd)
{
	struct kvm_segment code = { .limit = 0xffffffff, .selector = 0x10, .type = 0xb,
				    .present = 1, .s = 1, .l = 1, .g = 1 };
	struct kvm_segment data = { .limit = 0xffffffff, .selector = 0x18, .type = 0x3,
				    .present = 1, .db = 1, .s = 1, .g = 1 };
	struct kvm_regs regs = { .rip = PROBE_CODE, .rflags = 2 };
	struct kvm_sregs sregs;

	if (ioctl(fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.gdt.base = 0x500;
	sregs.gdt.limit = 31;
	sregs.cr3 = PROBE_PML4;
	sregs.cr4 = 1u << 5;                        /* PAE */
	sregs.cr0 = (1u << 0) | (1u << 31) | (1u << 4); /* PE, PG, ET */
	sregs.efer = (1u << 8) | (1u << 10);        /* LME, LMA */
	if (ioctl(fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	return 0;
}

int kvm__probe_native(int sys_fd)
{
	struct sigaction sa = { .sa_handler = probe__alarm }, old;
	struct kvm_stats stats;
	struct kvm_run *run = MAP_FAILED;
	int vm, cpu = -1, stats_fd = -1, mmap_size, ret;
	uint64_t emulated = 0;
	uint8_t *mem;

	vm = ioctl(sys_fd, KVM_CREATE_VM, 0);
	if (vm < 0)
		return -errno;
	mem = mmap(NULL, PROBE_RAM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		ret = -ENOMEM;
		goto out_vm;
	}
	probe__setup_memory(mem);
	ret = -EIO;
	{
		struct kvm_userspace_memory_region slot = {
			.memory_size = PROBE_RAM, .userspace_addr = (uint64_t)mem,
		};

		if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
			goto out_mem;
	}
	cpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	mmap_size = ioctl(sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (cpu < 0 || mmap_size <= 0 || probe__setup_vcpu(cpu))
		goto out_cpu;
	run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu, 0);
	if (run == MAP_FAILED)
		goto out_cpu;
	stats_fd = ioctl(cpu, KVM_GET_STATS_FD, NULL);

	/* bounded: a KVM that never comes back is no use either */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	alarm(PROBE_SECONDS);
	ret = ioctl(cpu, KVM_RUN, 0) < 0 ? -errno : 0;
	alarm(0);
	sigaction(SIGALRM, &old, NULL);

	if (!kvm_stats__read(stats_fd, &stats))
		emulated = kvm_stats__get(&stats, "insn_emulation");
	if (!ret && (run->exit_reason != KVM_EXIT_IO || run->io.port != PROBE_PORT))
		ret = -EIO;
	if (!ret && emulated > PROBE_MAX_EMULATED)
		ret = -ENOTSUP;
	if (ret)
		pr_err("/dev/kvm cannot run an ordinary guest (KVM emulated %llu instructions of a %d-instruction test loop%s): it needs VT-x or AMD-V; without them use scripts/run.sh, which nests",
		       (unsigned long long)emulated, 2 * PROBE_LOOPS,
		       ret == -EINTR ? " and did not finish it" : "");
	munmap(run, mmap_size);
out_cpu:
	if (stats_fd >= 0)
		close(stats_fd);
	if (cpu >= 0)
		close(cpu);
out_mem:
	munmap(mem, PROBE_RAM);
out_vm:
	close(vm);
	return ret ? -ENOTSUP : 0;
}

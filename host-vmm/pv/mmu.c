// SPDX-License-Identifier: GPL-2.0
/*
 * The CR3 port. Where KVM shadows the guest's page tables, every guest
 * MOV CR3 exits, and without decode assists KVM emulates the instruction
 * to serve it. Our KVM patch (KVM_CAP_HYBRIDPV_CR3) serves a 4-byte OUT
 * to a port instead, in the kernel and without decode, and keeps more
 * previous roots per vCPU than its default 3; at the port's second
 * register it zaps the shadow pages of a page table the guest retires
 * (HPV_FEATURE_MM_RETIRE). hpv opts the VM in before
 * any vCPU exists, sizes that cache, and offers the port in CPUID; KVM
 * then does the rest, so nothing of the guest's reaches hpv here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "hpv/kvm.h"
#include "hpv/pv/ops.h"
#include "hpv/report.h"
#include "hpv/vcpu.h"

/* our KVM patch's capability; not in the system's <linux/kvm.h> */
#ifndef KVM_CAP_HYBRIDPV_CR3
#define KVM_CAP_HYBRIDPV_CR3 0x48505600
#endif

/* what the port serves */
#define HPV_MMU_FEATURES (HPV_FEATURE_CR3_PORT | HPV_FEATURE_MM_RETIRE)

enum mmu_mode { MMU_UNKNOWN, MMU_TDP, MMU_SHADOW };

struct mmu {
	struct kvm *kvm;
	enum mmu_mode mode;
	uint32_t kvm_max; /* previous roots KVM can keep, 0 without the capability */
	uint32_t cache;	  /* what this VM keeps, once opted in */
};

/* Which MMU KVM runs, from its module parameter (npt for SVM, ept for VMX). */
static enum mmu_mode mmu__probe_mode(void)
{
	static const char *const params[] = {"/sys/module/kvm_amd/parameters/npt",
					     "/sys/module/kvm_intel/parameters/ept"};

	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		char v = 0;
		int fd = open(params[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			continue;
		if (read(fd, &v, 1) != 1)
			v = 0;
		close(fd);
		if (v == 'Y' || v == '1')
			return MMU_TDP;
		if (v == 'N' || v == '0')
			return MMU_SHADOW;
	}
	return MMU_UNKNOWN;
}

static int mmu__cpuid(void *ctx, struct kvm_cpu *cpu, struct hpv_cpuid *cpuid)
{
	struct mmu *mmu = ctx;
	const struct kvm_cpuid_entry2 leaf = {
	    .function = HPV_CPUID_MMU,
	    .eax = mmu->cache ? HPV_CR3_PORT : 0,
	    .ebx = mmu->cache,
	};

	(void)cpu;
	return cpuid__append(cpuid, &leaf);
}

int mmu__new(struct kvm *kvm, uint32_t *offered, uint32_t cache, struct mmu **out)
{
	struct kvm_cpu_hooks hooks = {.name = "mmu", .cpuid = mmu__cpuid};
	struct mmu *mmu = calloc(1, sizeof(*mmu));
	int ret;

	if (!mmu)
		return -ENOMEM;
	mmu->kvm = kvm;
	mmu->mode = mmu__probe_mode();
	ret = ioctl(kvm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_HYBRIDPV_CR3);
	mmu->kvm_max = ret > 0 ? (uint32_t)ret : 0;

	if (!mmu->kvm_max || !(*offered & HPV_MMU_FEATURES)) {
		/* under TDP, on a stock KVM, or withheld: MOV CR3 stays */
		*offered &= ~HPV_MMU_FEATURES;
	} else {
		struct kvm_enable_cap cap = {.cap = KVM_CAP_HYBRIDPV_CR3};

		if (cache > mmu->kvm_max) {
			ret = -ERANGE;
			goto err;
		}
		cap.args[0] = HPV_CR3_PORT;
		cap.args[1] = cache ? cache : mmu->kvm_max;
		if (ioctl(kvm->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
			ret = -errno;
			goto err;
		}
		mmu->cache = (uint32_t)cap.args[1];
	}
	hooks.ctx = mmu;
	ret = kvm__add_cpu_hooks(kvm, &hooks);
	if (ret)
		goto err;
	*out = mmu;
	return 0;
err:
	free(mmu);
	return ret;
}

void mmu__report(struct mmu *mmu, struct report *r)
{
	static const char *const modes[] = {
	    [MMU_UNKNOWN] = "unknown", [MMU_TDP] = "tdp", [MMU_SHADOW] = "shadow"};

	report__text(r, "KVM's MMU: %s; CR3 port %s (%u previous roots per vCPU)", modes[mmu->mode],
		     mmu->cache ? "on" : "off", mmu->cache ? mmu->cache : 3);
	report__kv(r, "mmu.mode", "%s", modes[mmu->mode]);
	report__kv(r, "mmu.cr3_port", "%s", mmu->cache ? "on" : "off");
	report__kv(r, "mmu.prev_roots", "%u", mmu->cache ? mmu->cache : 3);
}

void mmu__free(struct mmu *mmu)
{
	free(mmu);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * KVM serves its own paravirtual MSRs (kvmclock, steal time, PV EOI, ...)
 * and Hyper-V's (SynIC, synthetic timers, ...) to any guest that writes
 * them, whatever its CPUID says. hpv hides those interfaces' CPUID leaves
 * and offers its own, so it closes their MSRs too: registered here, they
 * exit to hpv through the MSR filter and get a #GP, counted. hpv's own
 * uses of them (KVM_SET_MSRS from user space) are not filtered.
 *
 * KVM's hypercalls stay reachable: KVM_CAP_ENFORCE_PV_FEATURE_CPUID would
 * refuse them only where KVM's CPUID leaf does not offer them, and such a
 * leaf would make the guest's own KVM support take over. KVM serves them
 * for untrusted guests, acting on the calling VM only.
 */
#include <errno.h>

#include <stdio.h>

#include "hpv/io.h"
#include "hpv/kvm.h"
#include "hpv/report.h"

static const struct {
	uint32_t start, len;
	const char *name;
} closed_msrs[] = {
	{ 0x11, 2, "kvm-clock-legacy" },       /* MSR_KVM_WALL_CLOCK, MSR_KVM_SYSTEM_TIME */
	{ 0x4b564d00, 0x100, "kvm-pv-msrs" },  /* MSR_KVM_WALL_CLOCK_NEW ... */
	{ 0x40000000, 0x200, "hyperv-msrs" },  /* HV_X64_MSR_GUEST_OS_ID ... crash, TSC emulation */
};

static int pv_msrs__refuse(struct kvm_cpu *cpu, uint64_t index, void *data, uint32_t len,
			   bool is_write, void *ctx)
{
	(void)cpu;
	(void)index;
	(void)data;
	(void)len;
	(void)is_write;
	(void)ctx;
	return -EINVAL;
}

void kvm__report_closed_msrs(struct kvm *kvm, struct report *r)
{
	for (int i = 0; i < kvm->io.nr; i++) {
		const struct hpv_io_range *range = &kvm->io.ranges[i];
		char key[64];

		if (range->fn != pv_msrs__refuse)
			continue;
		report__text(r, "refused %s accesses %llu", range->name,
			     (unsigned long long)range->accesses);
		snprintf(key, sizeof(key), "refused.%s", range->name);
		report__kv_u64(r, key, range->accesses);
	}
}

int kvm__close_pv_msrs(struct kvm *kvm)
{
	int ret = 0;

	for (size_t i = 0; i < sizeof(closed_msrs) / sizeof(closed_msrs[0]) && !ret; i++)
		ret = io__register(&kvm->io, HPV_IO_MSR, closed_msrs[i].start, closed_msrs[i].len,
				   closed_msrs[i].name, pv_msrs__refuse, NULL);
	return ret;
}

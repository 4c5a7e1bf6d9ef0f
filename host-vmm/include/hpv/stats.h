/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HPV_STATS_H
#define HPV_STATS_H

#include <stdint.h>
#include <stdio.h>

struct kvm;
struct report;

#define STATS_MAX 128

/* One snapshot of a KVM binary-stats fd (KVM_GET_STATS_FD). */
struct kvm_stats {
	int nr;
	char name[STATS_MAX][48];
	uint64_t value[STATS_MAX];
};

int kvm_stats__read(int fd, struct kvm_stats *out);
/* Value of a named counter, or 0 when KVM does not have it. */
uint64_t kvm_stats__get(const struct kvm_stats *s, const char *name);
/* --stats: VM size, boot time, VMM memory, exits by reason per vCPU. */
void kvm_stats__report(struct kvm *kvm, struct report *r);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A record the guest registers through an MSR: the hypercall page, the
 * pvclock, the vCPU state and EOI words, the timer record. One helper
 * checks every write the same way (the feature is offered, reserved bits
 * clear, aligned, inside guest RAM) and keeps the value per vCPU (or per
 * VM); a module only says what a registration does.
 */
#ifndef HPV_PV_RECORD_H
#define HPV_PV_RECORD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct kvm;
struct kvm_cpu;

struct pv_record_spec {
	uint32_t msr;
	const char *name;
	uint32_t feature;  /* the HPV_FEATURE_* that offers it; otherwise #GP */
	uint32_t size;     /* bytes of guest RAM the record spans */
	uint32_t align;    /* a power of two > 1: bits 1..align-1 are reserved */
	uint64_t min_gpa;  /* lowest guest address allowed */
	bool per_vcpu;     /* one registration per vCPU, else one for the VM */
};

struct pv_record {
	uint64_t msr;  /* the last value accepted */
	void *host;    /* the record in hpv's memory while enabled, else NULL */
};

/*
 * A registration (host set) or its end (host NULL) for cpu, called with the
 * set's lock held; -errno refuses it (#GP) and nothing changes.
 */
typedef int (*pv_record_apply_fn)(void *ctx, struct kvm_cpu *cpu, uint64_t gpa, void *host);

struct pv_records {
	const struct pv_record_spec *spec;
	struct kvm *kvm;
	const uint32_t *offered; /* the features offered, owned by the PV layer */
	pv_record_apply_fn apply;
	void *ctx;
	pthread_mutex_t lock;
	int nr;
	struct pv_record *slot;
};

/*
 * Check an MSR value against spec: 0 and the record's host address (NULL
 * when the value disables it), or -EINVAL for a #GP.
 */
int pv_record__check(const struct pv_record_spec *spec, struct kvm *kvm, uint32_t offered,
		     uint64_t val, void **host);

/* Register spec's MSR in kvm's table; apply may be NULL. */
int pv_records__init(struct pv_records *set, struct kvm *kvm, const struct pv_record_spec *spec,
		     const uint32_t *offered, pv_record_apply_fn apply, void *ctx);
void pv_records__exit(struct pv_records *set);
/* What a guest WRMSR/RDMSR does; -EINVAL means #GP. */
int pv_records__write(struct pv_records *set, struct kvm_cpu *cpu, uint64_t val);
int pv_records__read(struct pv_records *set, struct kvm_cpu *cpu, uint64_t *val);
/* A vCPU's registration (id ignored for a per-VM record), read or changed
 * with the lock held. */
void pv_records__lock(struct pv_records *set);
void pv_records__unlock(struct pv_records *set);
struct pv_record *pv_records__slot(struct pv_records *set, int cpu_id);

#endif

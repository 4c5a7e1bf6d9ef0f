// SPDX-License-Identifier: GPL-2.0
/* Records the guest registers through an MSR: one check, one store. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hybridpv.h"
#include "hpv/io.h"
#include "hpv/kvm.h"
#include "hpv/pv/record.h"
#include "hpv/vcpu.h"

int pv_record__check(const struct pv_record_spec *spec, struct kvm *kvm, uint32_t offered,
		     uint64_t val, void **host)
{
	uint64_t gpa = val & ~((uint64_t)spec->align - 1);

	*host = NULL;
	if (!(offered & spec->feature))
		return -EINVAL;
	if (val & (spec->align - 1) & ~HPV_MSR_ENABLE)
		return -EINVAL;
	if (!(val & HPV_MSR_ENABLE))
		return 0;
	if (gpa < spec->min_gpa)
		return -EINVAL;
	*host = kvm__gpa_to_host(kvm, gpa, spec->size);
	return *host ? 0 : -EINVAL;
}

struct pv_record *pv_records__slot(struct pv_records *set, int cpu_id)
{
	if (!set->spec->per_vcpu)
		return &set->slot[0];
	return cpu_id >= 0 && cpu_id < set->nr ? &set->slot[cpu_id] : NULL;
}

void pv_records__lock(struct pv_records *set)
{
	pthread_mutex_lock(&set->lock);
}

void pv_records__unlock(struct pv_records *set)
{
	pthread_mutex_unlock(&set->lock);
}

int pv_records__write(struct pv_records *set, struct kvm_cpu *cpu, uint64_t val)
{
	const struct pv_record_spec *spec = set->spec;
	struct pv_record *slot;
	void *host;
	int ret;

	ret = pv_record__check(spec, set->kvm, __atomic_load_n(set->offered, __ATOMIC_RELAXED), val,
			       &host);
	if (ret)
		return ret;
	pv_records__lock(set);
	slot = pv_records__slot(set, cpu->id);
	if (!slot) {
		ret = -EINVAL;
	} else {
		if (set->apply)
			ret = set->apply(set->ctx, cpu, val & ~((uint64_t)spec->align - 1), host);
		if (!ret)
			*slot = (struct pv_record){ .msr = val, .host = host };
	}
	pv_records__unlock(set);
	return ret;
}

int pv_records__read(struct pv_records *set, struct kvm_cpu *cpu, uint64_t *val)
{
	struct pv_record *slot;

	if (!(__atomic_load_n(set->offered, __ATOMIC_RELAXED) & set->spec->feature))
		return -EINVAL;
	pv_records__lock(set);
	slot = pv_records__slot(set, cpu->id);
	if (slot)
		*val = slot->msr;
	pv_records__unlock(set);
	return slot ? 0 : -EINVAL;
}

static int pv_records__msr(struct kvm_cpu *cpu, uint64_t index, void *data, uint32_t len,
			   bool is_write, void *ctx)
{
	uint64_t *val = data;

	(void)index;
	(void)len;
	return is_write ? pv_records__write(ctx, cpu, *val) : pv_records__read(ctx, cpu, val);
}

int pv_records__init(struct pv_records *set, struct kvm *kvm, const struct pv_record_spec *spec,
		     const uint32_t *offered, pv_record_apply_fn apply, void *ctx)
{
	int ret;

	memset(set, 0, sizeof(*set));
	set->spec = spec;
	set->kvm = kvm;
	set->offered = offered;
	set->apply = apply;
	set->ctx = ctx;
	set->nr = spec->per_vcpu ? kvm->nr_cpus : 1;
	set->slot = calloc(set->nr > 0 ? set->nr : 1, sizeof(*set->slot));
	if (!set->slot)
		return -ENOMEM;
	pthread_mutex_init(&set->lock, NULL);
	ret = io__register(&kvm->io, HPV_IO_MSR, spec->msr, 1, spec->name, pv_records__msr, set);
	if (ret)
		pv_records__exit(set);
	return ret;
}

void pv_records__exit(struct pv_records *set)
{
	if (!set->slot)
		return;
	pthread_mutex_destroy(&set->lock);
	free(set->slot);
	set->slot = NULL;
}

// SPDX-License-Identifier: GPL-2.0
/* The registration table of ports, MMIO, MSRs and hypercalls, and its dispatch. */
#include <errno.h>
#include <string.h>

#include "hpv/io.h"

int io__register(struct hpv_io_table *t, enum hpv_io_space space, uint64_t start, uint64_t len,
		 const char *name, hpv_io_fn fn, void *ctx)
{
	if (space >= HPV_IO_NR_SPACES || !len || start + len < start || !fn)
		return -EINVAL;
	if (t->nr == HPV_IO_MAX_RANGES)
		return -ENOSPC;
	for (int i = 0; i < t->nr; i++) {
		const struct hpv_io_range *r = &t->ranges[i];

		if (r->space == space && start < r->start + r->len && r->start < start + len)
			return -EEXIST;
	}
	t->ranges[t->nr++] = (struct hpv_io_range){ space, start, len, name, fn, ctx, 0 };
	return 0;
}

const struct hpv_io_range *io__find(const struct hpv_io_table *t, enum hpv_io_space space,
				    uint64_t addr, uint32_t len)
{
	/* An MSR or hypercall range counts registers or numbers, not bytes. */
	if (space == HPV_IO_MSR || space == HPV_IO_HYPERCALL)
		len = 1;
	for (int i = 0; i < t->nr; i++) {
		const struct hpv_io_range *r = &t->ranges[i];

		/* in unsigned differences: addr + len may wrap at 2^64 */
		if (r->space == space && addr >= r->start && len <= r->len &&
		    addr - r->start <= r->len - len)
			return r;
	}
	return NULL;
}

int io__access(struct hpv_io_table *t, struct kvm_cpu *cpu, enum hpv_io_space space, uint64_t addr,
	       void *data, uint32_t len, bool is_write)
{
	const struct hpv_io_range *r = io__find(t, space, addr, len);
	int ret;

	if (!r) {
		if (space < HPV_IO_NR_SPACES)
			__atomic_add_fetch(&t->unhandled[space], 1, __ATOMIC_RELAXED);
		ret = -ENODEV;
	} else {
		/* the table is read-only once vCPUs run; only the count moves */
		__atomic_add_fetch(&((struct hpv_io_range *)r)->accesses, 1, __ATOMIC_RELAXED);
		ret = r->fn(cpu, addr, data, len, is_write, r->ctx);
	}
	if (ret && !is_write && (space == HPV_IO_PIO || space == HPV_IO_MMIO))
		memset(data, 0xff, len);
	return ret;
}

const char *io__space_name(enum hpv_io_space space)
{
	static const char *const names[HPV_IO_NR_SPACES] = { "pio", "mmio", "msr", "hypercall" };

	return space < HPV_IO_NR_SPACES ? names[space] : "?";
}

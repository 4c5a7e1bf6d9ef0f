/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HPV_IO_H
#define HPV_IO_H

#include <stdbool.h>
#include <stdint.h>

struct kvm;
struct kvm_cpu;

/*
 * One table registers every guest-visible access point: port I/O, MMIO,
 * MSRs and hypercall numbers. The exit dispatch only looks an access up
 * here; the modules that own the points register them at set-up.
 */
enum hpv_io_space { HPV_IO_PIO, HPV_IO_MMIO, HPV_IO_MSR, HPV_IO_HYPERCALL, HPV_IO_NR_SPACES };

/*
 * Return 0 on success or -errno. A PIO/MMIO handler that fails reads as
 * all-ones; an MSR handler that fails makes KVM inject #GP; a hypercall's
 * result travels in its frame (hpv/pv/hypercall.h).
 */
typedef int (*hpv_io_fn)(struct kvm_cpu *cpu, uint64_t addr, void *data, uint32_t len,
			 bool is_write, void *ctx);

struct hpv_io_range {
	enum hpv_io_space space;
	uint64_t start;
	uint64_t len; /* bytes; registers for MSRs, numbers for hypercalls */
	const char *name;
	hpv_io_fn fn;
	void *ctx;
	uint64_t accesses; /* updated atomically by every vCPU */
};

#define HPV_IO_MAX_RANGES 64

struct hpv_io_table {
	struct hpv_io_range ranges[HPV_IO_MAX_RANGES];
	int nr;
	/* Accesses nobody registered: counted, never fatal. */
	uint64_t unhandled[HPV_IO_NR_SPACES];
};

/* At set-up, before any vCPU runs: the table is read-only afterwards. */
int io__register(struct hpv_io_table *t, enum hpv_io_space space, uint64_t start, uint64_t len,
		 const char *name, hpv_io_fn fn, void *ctx);
const struct hpv_io_range *io__find(const struct hpv_io_table *t, enum hpv_io_space space,
				    uint64_t addr, uint32_t len);
/* Dispatch one access; -ENODEV (and all-ones for a read) if unregistered. */
int io__access(struct hpv_io_table *t, struct kvm_cpu *cpu, enum hpv_io_space space, uint64_t addr,
	       void *data, uint32_t len, bool is_write);
const char *io__space_name(enum hpv_io_space space);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM without /dev/kvm for the host unit tests: guest RAM, vCPUs whose
 * kvm_run carries synced registers (so exit handlers read and write them
 * there), and every KVM ioctl failing on fd -1, which the code under test
 * must survive. Modules register into it as they would into a real one;
 * the tests then drive it through the registration table, as exits do.
 */
#ifndef HPV_TEST_FAKE_VM_H
#define HPV_TEST_FAKE_VM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpv/io.h"
#include "hpv/kvm.h"
#include "hpv/pv.h"
#include "hpv/report.h"
#include "hpv/vcpu.h"

#define FAKE_VM_MAX_CPUS 8

struct fake_vm {
	struct kvm kvm;
	struct kvm_cpu cpu[FAKE_VM_MAX_CPUS];
	struct kvm_cpu *cpus[FAKE_VM_MAX_CPUS];
	struct kvm_run run[FAKE_VM_MAX_CPUS];
	struct kvm_cpuid2 *supported;
};

/* Vendor leaf 0 (AMD or Intel) and leaf 1: all that cpuid__compose reads. */
static inline void fake_vm__init(struct fake_vm *vm, int nr_cpus, uint64_t ram_size, int amd)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm.sys_fd = vm->kvm.vm_fd = -1;
	vm->kvm.nr_cpus = nr_cpus;
	vm->kvm.ram_size = ram_size;
	vm->kvm.ram = calloc(1, ram_size);
	vm->kvm.tsc_khz = 2600000;
	vm->kvm.start_ns = hpv_now_ns() - 5000000000LL;
	vm->supported = calloc(1, sizeof(*vm->supported) + 2 * sizeof(vm->supported->entries[0]));
	vm->supported->nent = 2;
	vm->supported->entries[0] = (struct kvm_cpuid_entry2){
		.function = 0, .ebx = amd ? 0x68747541 : 0x756e6547 };
	vm->supported->entries[1] = (struct kvm_cpuid_entry2){ .function = 1, .ebx = 0xff000800 };
	vm->kvm.supported_cpuid = vm->supported;
	for (int i = 0; i < nr_cpus; i++) {
		vm->cpu[i] = (struct kvm_cpu){ .kvm = &vm->kvm, .id = i, .fd = -1, .stats_fd = -1,
					       .run = &vm->run[i] };
		vm->run[i].kvm_valid_regs = KVM_SYNC_X86_REGS;
		vm->cpus[i] = &vm->cpu[i];
	}
	vm->kvm.cpus = vm->cpus;
}

/* What kvm_cpu__init() does with the modules' hooks, for every vCPU. */
static inline int fake_vm__init_vcpus(struct fake_vm *vm)
{
	for (int i = 0; i < vm->kvm.nr_cpus; i++)
		for (int h = 0; h < vm->kvm.nr_hooks; h++)
			if (vm->kvm.hooks[h].init) {
				int ret = vm->kvm.hooks[h].init(vm->kvm.hooks[h].ctx, &vm->cpu[i]);

				if (ret)
					return ret;
			}
	return 0;
}

/* The vCPU's CPUID as kvm_cpu__init() would set it; free() the result. */
static inline struct kvm_cpuid2 *fake_vm__cpuid(struct fake_vm *vm, int id)
{
	struct hpv_cpuid b;

	if (cpuid__compose(vm->supported, id, vm->kvm.tsc_deadline, &b))
		return NULL;
	for (int h = 0; h < vm->kvm.nr_hooks; h++)
		if (vm->kvm.hooks[h].cpuid && vm->kvm.hooks[h].cpuid(vm->kvm.hooks[h].ctx,
								      &vm->cpu[id], &b)) {
			free(b.c);
			return NULL;
		}
	return b.c;
}

/* What the vCPU loop does before each KVM_RUN. */
static inline void fake_vm__pre_run(struct fake_vm *vm, int id)
{
	for (int h = 0; h < vm->kvm.nr_hooks; h++)
		if (vm->kvm.hooks[h].pre_run)
			vm->kvm.hooks[h].pre_run(vm->kvm.hooks[h].ctx, &vm->cpu[id]);
}

static inline void fake_vm__exit(struct fake_vm *vm)
{
	for (int i = 0; i < vm->kvm.nr_cpus; i++)
		for (int h = vm->kvm.nr_hooks - 1; h >= 0; h--)
			if (vm->kvm.hooks[h].exit)
				vm->kvm.hooks[h].exit(vm->kvm.hooks[h].ctx, &vm->cpu[i]);
	while (vm->kvm.nr_cleanups > 0) {
		const struct kvm_cleanup *c = &vm->kvm.cleanups[--vm->kvm.nr_cleanups];

		c->fn(c->ctx);
	}
	free(vm->kvm.ram);
	free(vm->supported);
}

/* A guest WRMSR/RDMSR through the table: 0, or -errno for a #GP. */
static inline int fake_vm__wrmsr(struct fake_vm *vm, int id, uint32_t msr, uint64_t val)
{
	return io__access(&vm->kvm.io, &vm->cpu[id], HPV_IO_MSR, msr, &val, sizeof(val), true);
}

static inline int fake_vm__rdmsr(struct fake_vm *vm, int id, uint32_t msr, uint64_t *val)
{
	return io__access(&vm->kvm.io, &vm->cpu[id], HPV_IO_MSR, msr, val, sizeof(*val), false);
}

/* A key's value in the PV layer's --stats=kv report; -1 when absent. */
static inline long long fake_vm__pv_stat(struct fake_vm *vm, struct pv *pv, const char *key)
{
	char *buf = NULL, *p;
	size_t len = 0, klen = strlen(key);
	long long v = -1;
	struct report r = { .format = REPORT_KV, .nr_cpus = vm->kvm.nr_cpus };

	r.f = open_memstream(&buf, &len);
	if (!r.f)
		return -1;
	pv__report(pv, &r);
	fclose(r.f);
	for (p = buf; p && (p = strstr(p, "hpv-stat: ")); p++) {
		if (!strncmp(p + 10, key, klen) && p[10 + klen] == '=') {
			v = strtoll(p + 11 + klen, NULL, 0);
			break;
		}
	}
	free(buf);
	return v;
}

#endif

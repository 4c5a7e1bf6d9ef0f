// SPDX-License-Identifier: GPL-2.0
/*
 * The registration table over all its ranges: port I/O, MMIO, MSRs and
 * hypercall numbers, at any address, with the sizes KVM delivers and
 * either direction, as a stream of guest accesses against a VM with every
 * device and the PV layer (fuzz_vm.h); mixed with what else a guest does
 * between exits (RAM, TSC, LAPIC timer, registers, timer expiries).
 */
#include "fuzz_vm.h"

static const uint8_t ops[] = {
	FUZZ_OP_ACCESS, FUZZ_OP_ACCESS, FUZZ_OP_ACCESS, FUZZ_OP_ACCESS, FUZZ_OP_ACCESS,
	FUZZ_OP_ACCESS, FUZZ_OP_DOORBELL, FUZZ_OP_WRMSR, FUZZ_OP_RDMSR, FUZZ_OP_POKE,
	FUZZ_OP_PRE_RUN, FUZZ_OP_WAIT, FUZZ_OP_SET_TSC, FUZZ_OP_SET_LVTT, FUZZ_OP_REPORT,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	static struct fuzz_vm f;
	uint8_t prelude;

	if (fuzz_vm__new(&f, &in, &prelude))
		return 0;
	fuzz_vm__prelude(&f, prelude & 0x0f);
	fuzz_vm__run(&f, &in, ops, sizeof(ops));
	fuzz_vm__free(&f);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The record MSRs: HPV_MSR_* writes and reads with random values on any
 * vCPU (and the unregistered neighbours, and KVM's and Hyper-V's closed
 * ones), interleaved with hypercalls, timer expiries and the guest
 * rewriting the records it registered.
 */
#include "fuzz_vm.h"

static const uint8_t ops[] = {
	FUZZ_OP_WRMSR, FUZZ_OP_WRMSR, FUZZ_OP_WRMSR, FUZZ_OP_WRMSR, FUZZ_OP_RDMSR,
	FUZZ_OP_RDMSR, FUZZ_OP_DOORBELL, FUZZ_OP_DOORBELL, FUZZ_OP_POKE, FUZZ_OP_PRE_RUN,
	FUZZ_OP_WAIT, FUZZ_OP_SET_TSC, FUZZ_OP_SET_LVTT, FUZZ_OP_REPORT,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	static struct fuzz_vm f;
	uint8_t prelude;

	if (fuzz_vm__new(&f, &in, &prelude))
		return 0;
	fuzz_vm__run(&f, &in, ops, sizeof(ops));
	fuzz_vm__free(&f);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The hypercall dispatch: random numbers and arguments through the
 * doorbell port, with the registers in kvm_run's synced registers (or,
 * where KVM does not sync them, KVM_GET_REGS), as the stubs ring it; and
 * straight through the table's hypercall space. Between calls the guest
 * moves its TSC, lets timers expire and rewrites its records.
 */
#include "fuzz_vm.h"

static const uint8_t ops[] = {
	FUZZ_OP_DOORBELL, FUZZ_OP_DOORBELL, FUZZ_OP_DOORBELL, FUZZ_OP_DOORBELL,
	FUZZ_OP_DOORBELL, FUZZ_OP_DOORBELL, FUZZ_OP_ACCESS, FUZZ_OP_SET_TSC,
	FUZZ_OP_PRE_RUN, FUZZ_OP_WAIT, FUZZ_OP_POKE, FUZZ_OP_SET_LVTT,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	static struct fuzz_vm f;
	uint8_t prelude;

	if (fuzz_vm__new(&f, &in, &prelude))
		return 0;
	/* a guest that calls has its page, and mostly its clocks */
	fuzz_vm__prelude(&f, 1 | (~prelude & 0x0e));
	fuzz_vm__run(&f, &in, ops, sizeof(ops));
	fuzz_vm__free(&f);
	return 0;
}

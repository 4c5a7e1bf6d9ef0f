// SPDX-License-Identifier: GPL-2.0
/*
 * The hybridpv hypercall page and dispatch. The guest registers a page
 * through HPV_MSR_HYPERCALL_PAGE; we fill it with one stub per hypercall
 * number from the templates in stubs.S. A call KVM can serve goes into KVM
 * (the kvm route); the others ring a port-I/O doorbell: the stub puts the
 * number in eax and writes it to HPV_HYPERCALL_PORT; hpv reads the
 * arguments from the vCPU's registers, looks the number up in the
 * registration table and writes the result to rax.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hpv/io.h"
#include "hpv/kvm.h"
#include "hpv/pv/hypercall.h"
#include "hpv/report.h"
#include "hpv/util.h"
#include "hpv/vcpu.h"

/* Guest pages below 1 MiB hold our boot structures and ACPI tables. */
#define HPV_HYPERCALL_PAGE_MIN 0x100000ULL

extern const uint8_t hpv_stub_user[], hpv_stub_user_end[], hpv_stub_user_nr[];
extern const uint8_t hpv_stub_user_sti[], hpv_stub_user_sti_end[], hpv_stub_user_sti_nr[];
extern const uint8_t hpv_stub_enosys[], hpv_stub_enosys_end[];
extern const uint8_t hpv_stub_kvm_nop_vmcall[], hpv_stub_kvm_nop_vmcall_end[];
extern const uint8_t hpv_stub_kvm_nop_vmmcall[], hpv_stub_kvm_nop_vmmcall_end[];
extern const uint8_t hpv_stub_kvm_send_ipi_vmcall[], hpv_stub_kvm_send_ipi_vmcall_end[];
extern const uint8_t hpv_stub_kvm_send_ipi_vmmcall[], hpv_stub_kvm_send_ipi_vmmcall_end[];
extern const uint8_t hpv_stub_kvm_kick_vmcall[], hpv_stub_kvm_kick_vmcall_end[];
extern const uint8_t hpv_stub_kvm_kick_vmmcall[], hpv_stub_kvm_kick_vmmcall_end[];
extern const uint8_t hpv_stub_kvm_sched_yield_vmcall[], hpv_stub_kvm_sched_yield_vmcall_end[];
extern const uint8_t hpv_stub_kvm_sched_yield_vmmcall[], hpv_stub_kvm_sched_yield_vmmcall_end[];
extern const uint8_t hpv_stub_lapic_timer[], hpv_stub_lapic_timer_end[];
extern const uint8_t hpv_stub_lapic_timer_halt[], hpv_stub_lapic_timer_halt_end[];

#define STUB(name) { hpv_stub_##name, hpv_stub_##name##_end }

const struct hpv_stub hpv_stub_kvm_nop[2] = { STUB(kvm_nop_vmcall), STUB(kvm_nop_vmmcall) };
const struct hpv_stub hpv_stub_kvm_send_ipi[2] = { STUB(kvm_send_ipi_vmcall),
						   STUB(kvm_send_ipi_vmmcall) };
const struct hpv_stub hpv_stub_kvm_kick[2] = { STUB(kvm_kick_vmcall), STUB(kvm_kick_vmmcall) };
const struct hpv_stub hpv_stub_kvm_sched_yield[2] = { STUB(kvm_sched_yield_vmcall),
						      STUB(kvm_sched_yield_vmmcall) };
/* No VMCALL in it: a TSC-deadline write, which KVM serves in the kernel. */
const struct hpv_stub hpv_stub_lapic_set_timer[2] = { STUB(lapic_timer),
						      STUB(lapic_timer) };
/* A call to the SET_TIMER slot's stub for a deadline, then HLT. */
const struct hpv_stub hpv_stub_lapic_idle[2] = { STUB(lapic_timer_halt),
						  STUB(lapic_timer_halt) };

struct hypercall_slot {
	struct hypercall *hc;
	const struct hpv_hypercall *call;
	void *ctx;
};

struct hypercall {
	struct kvm *kvm;
	const uint32_t *offered;
	enum hpv_route route;
	bool amd; /* VMMCALL rather than VMCALL */
	struct hypercall_slot slots[HPV_HYPERCALL_SLOTS];
	struct pv_records page;
};

static const struct pv_record_spec page_spec = {
	.msr = HPV_MSR_HYPERCALL_PAGE,
	.name = "hypercall-page",
	.feature = HPV_FEATURE_HYPERCALL_PAGE,
	.size = 4096,
	.align = 4096,
	.min_gpa = HPV_HYPERCALL_PAGE_MIN,
	.per_vcpu = false,
};

int64_t hypercall__abi_error(int64_t err)
{
	switch (err) {
	case -ENOSYS:
	case -ENODEV:
		return -HPV_ENOSYS;
	case -EFAULT:
		return -HPV_EFAULT;
	default:
		return err < 0 ? -HPV_EINVAL : err;
	}
}

static int64_t hc_nop(void *ctx, struct kvm_cpu *cpu, const uint64_t args[4])
{
	(void)ctx;
	(void)cpu;
	(void)args;
	return 0;
}

static int64_t hc_abi_version(void *ctx, struct kvm_cpu *cpu, const uint64_t args[4])
{
	(void)ctx;
	(void)cpu;
	(void)args;
	return HPV_ABI_VERSION;
}

static const struct hpv_hypercall nop_call = {
	.nr = HPV_HC_NOP, .name = "nop", .feature = HPV_FEATURE_HYPERCALL_PAGE,
	.fn = hc_nop, .kvm_stub = hpv_stub_kvm_nop,
};
static const struct hpv_hypercall abi_version_call = {
	.nr = HPV_HC_ABI_VERSION, .name = "abi_version", .feature = HPV_FEATURE_HYPERCALL_PAGE,
	.fn = hc_abi_version,
};

static bool hypercall__offered(const struct hypercall *hc, const struct hpv_hypercall *call)
{
	return __atomic_load_n(hc->offered, __ATOMIC_RELAXED) & call->feature;
}

/* The registration table's handler for every hypercall number. */
static int hypercall__handle(struct kvm_cpu *cpu, uint64_t nr, void *data, uint32_t len,
			     bool is_write, void *ctx)
{
	const struct hypercall_slot *slot = ctx;
	struct hpv_hypercall_frame *frame = data;

	(void)nr;
	if (len != sizeof(*frame) || !is_write)
		return -EINVAL;
	/* A doorbell rung by hand for a call not offered is still unknown. */
	if (!hypercall__offered(slot->hc, slot->call))
		frame->ret = -HPV_ENOSYS;
	else
		frame->ret = hypercall__abi_error(slot->call->fn(slot->ctx, cpu, frame->args));
	return 0;
}

int hypercall__register(struct hypercall *hc, const struct hpv_hypercall *call, void *ctx)
{
	struct hypercall_slot *slot;

	if (call->nr >= HPV_HYPERCALL_SLOTS - 1 || !call->fn)
		return -EINVAL;
	slot = &hc->slots[call->nr];
	if (slot->call)
		return -EEXIST;
	*slot = (struct hypercall_slot){ hc, call, ctx };
	return io__register(&hc->kvm->io, HPV_IO_HYPERCALL, call->nr, 1, call->name,
			    hypercall__handle, slot);
}

int64_t hypercall__call(struct hypercall *hc, struct kvm_cpu *cpu, uint32_t nr,
			const uint64_t args[4])
{
	struct hpv_hypercall_frame frame = { .args = { args[0], args[1], args[2], args[3] } };

	if (io__access(&hc->kvm->io, cpu, HPV_IO_HYPERCALL, nr, &frame, sizeof(frame), true))
		return -HPV_ENOSYS;
	return frame.ret;
}

static uint8_t *stub__copy(uint8_t *p, const struct hpv_stub *stub)
{
	memcpy(p, stub->start, stub->end - stub->start);
	return p + (stub->end - stub->start);
}

/* A doorbell stub with the number patched in. */
static void stub__user(uint8_t *p, uint32_t nr, bool sti)
{
	const struct hpv_stub user = { hpv_stub_user, hpv_stub_user_end };
	const struct hpv_stub user_sti = { hpv_stub_user_sti, hpv_stub_user_sti_end };
	const uint8_t *imm = sti ? hpv_stub_user_sti_nr : hpv_stub_user_nr;

	stub__copy(p, sti ? &user_sti : &user);
	memcpy(p + (imm - (sti ? hpv_stub_user_sti : hpv_stub_user)), &nr, sizeof(nr));
}

void hypercall__write_page(struct hypercall *hc, uint8_t *page)
{
	const struct hpv_stub enosys = { hpv_stub_enosys, hpv_stub_enosys_end };

	memset(page, 0xcc, 4096); /* int3 between stubs */
	for (uint32_t nr = 0; nr < HPV_HYPERCALL_SLOTS; nr++) {
		const struct hpv_hypercall *call = hc->slots[nr].call;
		uint8_t *p = page + nr * HPV_HYPERCALL_STRIDE;

		if (!call || !hypercall__offered(hc, call))
			/* Known to be unknown: answer without an exit. */
			stub__copy(p, &enosys);
		else if (call->kvm_stub && hc->route == HPV_ROUTE_KVM)
			stub__copy(p, &call->kvm_stub[hc->amd]);
		else
			stub__user(p, nr, call->sti);
	}
	/* The LAPIC-timer stub's data: none until a vCPU binds its timer. */
	memset(page + HPV_STUB_TIMER_DATA, 0, sizeof(struct hpv_stub_timer_data));
}

static int hypercall__apply_page(void *ctx, struct kvm_cpu *cpu, uint64_t gpa, void *host)
{
	(void)cpu;
	(void)gpa;
	if (host)
		hypercall__write_page(ctx, host);
	return 0;
}

int hypercall__with_page(struct hypercall *hc, void (*fn)(void *ctx, uint8_t *page), void *ctx)
{
	struct pv_record *slot;
	int ret = -ENOENT;

	pv_records__lock(&hc->page);
	slot = pv_records__slot(&hc->page, 0);
	if (slot->host) {
		fn(ctx, slot->host);
		ret = 0;
	}
	pv_records__unlock(&hc->page);
	return ret;
}

static int hypercall__doorbell(struct kvm_cpu *cpu, uint64_t port, void *data, uint32_t len,
			       bool is_write, void *ctx)
{
	struct kvm_regs regs;
	uint64_t args[4];
	uint32_t nr;
	int ret;

	(void)port;
	if (!is_write || len != 4)
		return -EINVAL;
	memcpy(&nr, data, 4);
	ret = kvm_cpu__get_regs(cpu, &regs);
	if (ret)
		return ret;
	args[0] = regs.rdi;
	args[1] = regs.rsi;
	args[2] = regs.rdx;
	args[3] = regs.r10;
	regs.rax = hypercall__call(ctx, cpu, nr, args);
	return kvm_cpu__set_regs(cpu, &regs);
}

enum hpv_route hypercall__route(const struct hypercall *hc)
{
	return hc->route;
}

void hypercall__report_route(struct hypercall *hc, struct report *r)
{
	report__text(r, "hypercall route %s (%s)", hc->route == HPV_ROUTE_KVM ? "kvm" : "user",
		     hc->amd ? "vmmcall" : "vmcall");
	report__kv(r, "hypercall.route", "%s", hc->route == HPV_ROUTE_KVM ? "kvm" : "user");
	report__kv(r, "hypercall.insn", "%s", hc->amd ? "vmmcall" : "vmcall");
}

void hypercall__report_counts(struct hypercall *hc, struct report *r)
{
	const struct hpv_io_table *io = &hc->kvm->io;

	for (int i = 0; i < io->nr; i++) {
		const struct hpv_io_range *range = &io->ranges[i];
		char key[64];

		if (range->space != HPV_IO_HYPERCALL)
			continue;
		report__text(r, "hypercall %-16s %llu", range->name,
			     (unsigned long long)range->accesses);
		snprintf(key, sizeof(key), "hypercall.%s", range->name);
		report__kv_u64(r, key, range->accesses);
	}
}

int hypercall__new(struct kvm *kvm, const uint32_t *offered, enum hpv_route route, bool amd,
		   struct hypercall **out)
{
	struct hypercall *hc = calloc(1, sizeof(*hc));
	int ret;

	if (!hc)
		return -ENOMEM;
	hc->kvm = kvm;
	hc->offered = offered;
	hc->route = route;
	hc->amd = amd;
	ret = pv_records__init(&hc->page, kvm, &page_spec, offered, hypercall__apply_page, hc);
	if (ret)
		goto err_free;
	ret = io__register(&kvm->io, HPV_IO_PIO, HPV_HYPERCALL_PORT, 4, "hypercall",
			   hypercall__doorbell, hc);
	if (!ret)
		ret = hypercall__register(hc, &nop_call, NULL);
	if (!ret)
		ret = hypercall__register(hc, &abi_version_call, NULL);
	if (ret)
		goto err_records;
	*out = hc;
	return 0;

err_records:
	pv_records__exit(&hc->page);
err_free:
	free(hc);
	return ret;
}

void hypercall__free(struct hypercall *hc)
{
	if (!hc)
		return;
	pv_records__exit(&hc->page);
	free(hc);
}

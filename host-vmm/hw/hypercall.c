// SPDX-License-Identifier: GPL-2.0
/*
 * The hybridpv hypercall page and dispatch. The guest registers a page
 * through HPV_MSR_HYPERCALL_PAGE; we fill it with one stub per hypercall
 * number from the templates in stubs.S. A call KVM can serve goes into KVM
 * (the kvm route); the others ring a port-I/O doorbell: the stub puts the
 * number in eax and writes it to HPV_HYPERCALL_PORT; hpv reads the
 * arguments from the vCPU's registers and writes the result to rax.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hpv/hypercall.h"
#include "hpv/io.h"
#include "hpv/kvm.h"
#include "hpv/pv.h"
#include "hpv/util.h"
#include "hpv/vcpu.h"

/* Guest pages below 1 MiB hold our boot structures and ACPI tables. */
#define HPV_HYPERCALL_PAGE_MIN 0x100000ULL

static uint64_t counts[HPV_NR_HYPERCALLS];

static int64_t hc_nop(struct kvm_cpu *cpu, const uint64_t args[4])
{
	(void)cpu;
	(void)args;
	return 0;
}

static int64_t hc_abi_version(struct kvm_cpu *cpu, const uint64_t args[4])
{
	(void)cpu;
	(void)args;
	return HPV_ABI_VERSION;
}

extern const uint8_t hpv_stub_user[], hpv_stub_user_end[], hpv_stub_user_nr[];
extern const uint8_t hpv_stub_user_sti[], hpv_stub_user_sti_end[], hpv_stub_user_sti_nr[];
extern const uint8_t hpv_stub_enosys[], hpv_stub_enosys_end[];
extern const uint8_t hpv_stub_kvm_nop_vmcall[], hpv_stub_kvm_nop_vmcall_end[];
extern const uint8_t hpv_stub_kvm_nop_vmmcall[], hpv_stub_kvm_nop_vmmcall_end[];
extern const uint8_t hpv_stub_kvm_send_ipi_vmcall[], hpv_stub_kvm_send_ipi_vmcall_end[];
extern const uint8_t hpv_stub_kvm_send_ipi_vmmcall[], hpv_stub_kvm_send_ipi_vmmcall_end[];
extern const uint8_t hpv_stub_lapic_set_timer[], hpv_stub_lapic_set_timer_end[];

#define STUB(name) { hpv_stub_##name, hpv_stub_##name##_end }

static const struct hpv_stub kvm_nop[2] = { STUB(kvm_nop_vmcall), STUB(kvm_nop_vmmcall) };
static const struct hpv_stub kvm_send_ipi[2] = { STUB(kvm_send_ipi_vmcall),
						 STUB(kvm_send_ipi_vmmcall) };
/* No VMCALL in it: a TSC-deadline write, which KVM serves in the kernel. */
static const struct hpv_stub lapic_set_timer[2] = { STUB(lapic_set_timer), STUB(lapic_set_timer) };

/*
 * The one table of hypercalls: number, feature that offers it, handler,
 * its way into KVM, whether the doorbell enables interrupts, and whether
 * that way needs the LAPIC-timer mode.
 */
const struct hpv_hypercall hpv_hypercalls[] = {
	{ HPV_HC_NOP, "nop", HPV_FEATURE_HYPERCALL_PAGE, hc_nop, kvm_nop, false, false },
	{ HPV_HC_ABI_VERSION, "abi_version", HPV_FEATURE_HYPERCALL_PAGE, hc_abi_version, NULL, false,
	  false },
	{ HPV_HC_SEND_IPI, "send_ipi", HPV_FEATURE_PV_IPI, ipi__hypercall, kvm_send_ipi, false, false },
	{ HPV_HC_SET_TIMER, "set_timer", HPV_FEATURE_PV_TIMER, timer__set_hypercall, lapic_set_timer,
	  false, true },
	{ HPV_HC_IDLE, "idle", HPV_FEATURE_PV_IDLE, timer__idle_hypercall, NULL, true, false },
};
const unsigned int hpv_nr_hypercall_entries = ARRAY_SIZE(hpv_hypercalls);

static const struct hpv_hypercall *hypercall__find(uint32_t nr)
{
	for (unsigned int i = 0; i < hpv_nr_hypercall_entries; i++)
		if (hpv_hypercalls[i].nr == nr)
			return &hpv_hypercalls[i];
	return NULL;
}

uint64_t hypercall__count(uint32_t nr)
{
	return nr < HPV_NR_HYPERCALLS ? __atomic_load_n(&counts[nr], __ATOMIC_RELAXED) : 0;
}

int64_t hypercall__dispatch(struct kvm_cpu *cpu, uint32_t nr, const uint64_t args[4])
{
	const struct hpv_hypercall *hc = hypercall__find(nr);

	/* A doorbell rung by hand for a call not offered is still unknown. */
	if (!hc || !(hc->feature & hpv_stubs.features))
		return -HPV_ENOSYS;
	__atomic_add_fetch(&counts[nr], 1, __ATOMIC_RELAXED);
	return hc->fn(cpu, args);
}

struct hpv_stub_config hpv_stubs = { HPV_ROUTE_KVM, 0, 0, false };

const char *hypercall__route_name(enum hpv_route route)
{
	return route == HPV_ROUTE_KVM ? "kvm" : "user";
}

static uint8_t *stub__copy(uint8_t *p, const uint8_t *start, const uint8_t *end)
{
	memcpy(p, start, end - start);
	return p + (end - start);
}

/* A doorbell stub with the number patched in. */
static void stub__user(uint8_t *p, uint32_t nr, bool sti)
{
	const uint8_t *start = sti ? hpv_stub_user_sti : hpv_stub_user;
	const uint8_t *imm = sti ? hpv_stub_user_sti_nr : hpv_stub_user_nr;

	stub__copy(p, start, sti ? hpv_stub_user_sti_end : hpv_stub_user_end);
	memcpy(p + (imm - start), &nr, sizeof(nr));
}

void hypercall__write_page(uint8_t *page, const struct hpv_stub_config *cfg)
{
	memset(page, 0xcc, 4096); /* int3 between stubs */
	for (uint32_t nr = 0; nr < HPV_HYPERCALL_SLOTS; nr++) {
		const struct hpv_hypercall *hc = hypercall__find(nr);
		uint8_t *p = page + nr * HPV_HYPERCALL_STRIDE;

		if (!hc || !(hc->feature & cfg->features))
			/* Known to be unknown: answer without an exit. */
			stub__copy(p, hpv_stub_enosys, hpv_stub_enosys_end);
		else if (hc->kvm_stub && cfg->route == HPV_ROUTE_KVM &&
			 (!hc->lapic_timer || cfg->lapic_timer))
			stub__copy(p, hc->kvm_stub[!!cfg->amd].start, hc->kvm_stub[!!cfg->amd].end);
		else
			stub__user(p, nr, hc->sti);
	}
	/* The LAPIC-timer stub's data: none until a vCPU binds its timer. */
	memset(page + HPV_STUB_TIMER_DATA, 0, sizeof(struct hpv_stub_timer_data));
}

int hypercall__set_page_msr(struct kvm *kvm, uint64_t val)
{
	uint64_t gpa = val & ~0xfffULL;
	uint8_t *page;

	if (val & 0xffeULL)
		return -EINVAL; /* reserved bits */
	if (!(val & HPV_MSR_ENABLE)) {
		kvm->hypercall_msr = val;
		return 0;
	}
	page = kvm__gpa_to_host(kvm, gpa, 4096);
	if (!page || gpa < HPV_HYPERCALL_PAGE_MIN)
		return -EINVAL;
	hypercall__write_page(page, &hpv_stubs);
	kvm->hypercall_msr = val;
	return 0;
}

static int hypercall__msr(struct kvm_cpu *cpu, uint64_t index, void *data, uint32_t len,
			  bool is_write, void *ctx)
{
	uint64_t *val = data;

	(void)ctx;
	(void)len;
	if (index != HPV_MSR_HYPERCALL_PAGE)
		return -EINVAL;
	if (!is_write) {
		*val = cpu->kvm->hypercall_msr;
		return 0;
	}
	return hypercall__set_page_msr(cpu->kvm, *val);
}

static int hypercall__doorbell(struct kvm_cpu *cpu, uint64_t port, void *data, uint32_t len,
			       bool is_write, void *ctx)
{
	struct kvm_regs regs;
	uint64_t args[4];
	uint32_t nr;

	(void)port;
	(void)ctx;
	if (!is_write || len != 4)
		return -EINVAL;
	memcpy(&nr, data, 4);
	/* Registers KVM synced into kvm_run save two ioctls per call. */
	if (cpu->run && (cpu->run->kvm_valid_regs & KVM_SYNC_X86_REGS))
		regs = cpu->run->s.regs.regs;
	else if (ioctl(cpu->fd, KVM_GET_REGS, &regs) < 0)
		return -errno;
	args[0] = regs.rdi;
	args[1] = regs.rsi;
	args[2] = regs.rdx;
	args[3] = regs.r10;
	regs.rax = hypercall__dispatch(cpu, nr, args);
	if (cpu->run && (cpu->run->kvm_valid_regs & KVM_SYNC_X86_REGS)) {
		cpu->run->s.regs.regs.rax = regs.rax;
		cpu->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		return 0;
	}
	return ioctl(cpu->fd, KVM_SET_REGS, &regs) < 0 ? -errno : 0;
}

int hypercall__init(struct kvm *kvm)
{
	int ret;

	memset(counts, 0, sizeof(counts));
	ret = io__register(&kvm->io, HPV_IO_MSR, HPV_MSR_HYPERCALL_PAGE, 1, "hypercall-page",
			   hypercall__msr, NULL);
	if (!ret)
		ret = io__register(&kvm->io, HPV_IO_PIO, HPV_HYPERCALL_PORT, 4, "hypercall",
				   hypercall__doorbell, NULL);
	return ret;
}

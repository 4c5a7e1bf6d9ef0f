// SPDX-License-Identifier: GPL-2.0
/*
 * The hybridpv hypercall page and dispatch. The guest registers a page
 * through HPV_MSR_HYPERCALL_PAGE; we fill it with one stub per hypercall
 * number. This route traps to hpv through a port-I/O doorbell: the stub
 * puts the number in eax and writes it to HPV_HYPERCALL_PORT; hpv reads the
 * arguments from the vCPU's registers and writes the result to rax.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hpv/hypercall.h"
#include "hpv/io.h"
#include "hpv/kvm.h"
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

const struct hpv_hypercall hpv_hypercalls[] = {
	{ HPV_HC_NOP, "nop", HPV_FEATURE_HYPERCALL_PAGE, hc_nop, KVM_HC_VAPIC_POLL_IRQ },
	{ HPV_HC_ABI_VERSION, "abi_version", HPV_FEATURE_HYPERCALL_PAGE, hc_abi_version, -1 },
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

	if (!hc)
		return -HPV_ENOSYS;
	__atomic_add_fetch(&counts[nr], 1, __ATOMIC_RELAXED);
	return hc->fn(cpu, args);
}

struct hpv_stub_config hpv_stubs = { HPV_ROUTE_KVM, 0 };

const char *hypercall__route_name(enum hpv_route route)
{
	return route == HPV_ROUTE_KVM ? "kvm" : "user";
}

/*
 * KVM takes its number in eax and arguments in rbx, rcx, rdx, rsi; ours
 * come in rdi, rsi, rdx, r10, and rbx is callee-saved.
 */
static uint8_t *stub__kvm(uint8_t *p, uint32_t kvm_nr, int amd)
{
	static const uint8_t shuffle[] = {
		0x53,             /* push %rbx */
		0x48, 0x89, 0xfb, /* mov %rdi, %rbx */
		0x48, 0x89, 0xf1, /* mov %rsi, %rcx */
		0x4c, 0x89, 0xd6, /* mov %r10, %rsi */
	};

	memcpy(p, shuffle, sizeof(shuffle));
	p += sizeof(shuffle);
	*p++ = 0xb8; /* mov $kvm_nr, %eax */
	memcpy(p, &kvm_nr, 4);
	p += 4;
	*p++ = 0x0f;
	*p++ = 0x01;
	*p++ = amd ? 0xd9 : 0xc1; /* vmmcall : vmcall */
	*p++ = 0x5b;              /* pop %rbx */
	return p;
}

void hypercall__write_page(uint8_t *page, const struct hpv_stub_config *cfg)
{
	static const uint8_t endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };

	memset(page, 0xcc, 4096); /* int3 between stubs */
	for (uint32_t nr = 0; nr < HPV_HYPERCALL_SLOTS; nr++) {
		const struct hpv_hypercall *hc = hypercall__find(nr);
		uint8_t *p = page + nr * HPV_HYPERCALL_STRIDE;

		memcpy(p, endbr64, sizeof(endbr64));
		p += sizeof(endbr64);
		if (hc && hc->kvm_nr >= 0 && cfg->route == HPV_ROUTE_KVM) {
			p = stub__kvm(p, hc->kvm_nr, cfg->amd);
		} else if (hc) {
			*p++ = 0xb8; /* mov $nr, %eax */
			memcpy(p, &nr, 4);
			p += 4;
			*p++ = 0xe7; /* out %eax, $port */
			*p++ = HPV_HYPERCALL_PORT;
		} else {
			/* Known to be unknown: answer without an exit. */
			static const uint8_t enosys[] = { 0x48, 0xc7, 0xc0, 0xda, 0xff, 0xff, 0xff };

			memcpy(p, enosys, sizeof(enosys)); /* mov $-38, %rax */
			p += sizeof(enosys);
		}
		*p = 0xc3; /* ret */
	}
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
	if (ioctl(cpu->fd, KVM_GET_REGS, &regs) < 0)
		return -errno;
	args[0] = regs.rdi;
	args[1] = regs.rsi;
	args[2] = regs.rdx;
	args[3] = regs.r10;
	regs.rax = hypercall__dispatch(cpu, nr, args);
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

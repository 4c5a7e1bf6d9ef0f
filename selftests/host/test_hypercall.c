// SPDX-License-Identifier: GPL-2.0
/*
 * The hypercall page, its MSR, the doorbell and the CPUID leaves, through
 * the registration table of a VM without /dev/kvm (fake_vm.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "fake_vm.h"
#include "hpv/pv.h"

#define RAM (64ULL << 20)
#define PAGE_GPA (16ULL << 20)

static const uint8_t endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };
/* mov $-ENOSYS, %rax; ret: no exit for a number not offered */
static const uint8_t enosys[] = { 0x48, 0xc7, 0xc0, 0xda, 0xff, 0xff, 0xff, 0xc3 };
/* the kvm route's register shuffle: push %rbx; push %rsi; mov %rdi,%rbx;
 * mov %rsi,%rcx; mov %r10,%rsi; mov $nr, %eax */
static const uint8_t shuffle[] = { 0x53, 0x56, 0x48, 0x89, 0xfb, 0x48, 0x89, 0xf1,
				   0x4c, 0x89, 0xd6, 0xb8 };
/* lea -32(%r10), %rax; cmp $223, %rax; ja einval */
static const uint8_t vector_check[] = { 0x49, 0x8d, 0x42, 0xe0, 0x48, 0x3d, 0xdf, 0x00, 0x00, 0x00,
					0x77 };
/* the lowest APIC id must fit 32 bits: mov %rdx, %rax; shr $32, %rax; jnz einval */
static const uint8_t id_check[] = { 0x48, 0x89, 0xd0, 0x48, 0xc1, 0xe8, 0x20, 0x75 };
/* KICK's: the APIC id in rdi must fit 32 bits, then KVM_HC_KICK_CPU(0, id):
 * push %rbx; xor %ebx,%ebx; mov %rdi,%rcx; mov $5,%eax */
static const uint8_t kick_id_check[] = { 0x48, 0x89, 0xf8, 0x48, 0xc1, 0xe8, 0x20, 0x75 };
static const uint8_t kick_args[] = { 0x53, 0x31, 0xdb, 0x48, 0x89, 0xf9, 0xb8, 0x05, 0x00, 0x00, 0x00 };
static const uint8_t wrmsr_tsc_deadline[] = { 0xb9, 0xe0, 0x06, 0x00, 0x00, 0x0f, 0x30 };

/* A VM with the PV layer and a registered page. */
FIXTURE(page)
{
	struct fake_vm vm;
	struct pv *pv;
	uint8_t *page;
};

FIXTURE_VARIANT(page)
{
	enum hpv_route route;
	int amd;
	enum hpv_timer_route timer;
	uint32_t withheld;
};

FIXTURE_VARIANT_ADD(page, user_route_amd) { HPV_ROUTE_USER, 1, HPV_TIMER_POSIX, 0 };
FIXTURE_VARIANT_ADD(page, user_route_intel) { HPV_ROUTE_USER, 0, HPV_TIMER_POSIX, 0 };
FIXTURE_VARIANT_ADD(page, kvm_route_amd) { HPV_ROUTE_KVM, 1, HPV_TIMER_POSIX, 0 };
FIXTURE_VARIANT_ADD(page, kvm_route_intel) { HPV_ROUTE_KVM, 0, HPV_TIMER_POSIX, 0 };
FIXTURE_VARIANT_ADD(page, kvm_route_lapic_timer) { HPV_ROUTE_KVM, 1, HPV_TIMER_LAPIC, 0 };
FIXTURE_VARIANT_ADD(page, user_route_lapic_timer) { HPV_ROUTE_USER, 1, HPV_TIMER_LAPIC, 0 };
FIXTURE_VARIANT_ADD(page, ipi_withheld) { HPV_ROUTE_KVM, 1, HPV_TIMER_POSIX, HPV_FEATURE_PV_IPI };
FIXTURE_VARIANT_ADD(page, spinlock_withheld) { HPV_ROUTE_KVM, 0, HPV_TIMER_POSIX,
					       HPV_FEATURE_PV_SPINLOCK };

FIXTURE_SETUP(page)
{
	const struct pv_config cfg = { .withheld = variant->withheld, .route = variant->route,
					       .timer = variant->timer };

	fake_vm__init(&self->vm, 1, RAM, variant->amd);
	self->vm.kvm.tsc_deadline = true;
	ASSERT_EQ(0, pv__new(&self->vm.kvm, &cfg, &self->pv));
	ASSERT_EQ(0, fake_vm__init_vcpus(&self->vm));
	memset(self->vm.kvm.ram + PAGE_GPA, 0x55, 4096);
	ASSERT_EQ(0, fake_vm__wrmsr(&self->vm, 0, HPV_MSR_HYPERCALL_PAGE, PAGE_GPA | HPV_MSR_ENABLE));
	self->page = self->vm.kvm.ram + PAGE_GPA;
}

FIXTURE_TEARDOWN(page)
{
	fake_vm__exit(&self->vm);
	pv__free(self->pv);
}

static const uint8_t *slot(const uint8_t *page, uint32_t nr)
{
	return page + nr * HPV_HYPERCALL_STRIDE;
}

/* mov $nr, %eax; [sti;] out %eax, $port; ret; int3 */
static int is_doorbell(const uint8_t *p, uint32_t nr, int sti)
{
	uint32_t imm;

	memcpy(&imm, p + 5, 4);
	return p[4] == 0xb8 && imm == nr && (!sti || p[9] == 0xfb) && p[9 + sti] == 0xe7 &&
	       p[10 + sti] == HPV_HYPERCALL_PORT && p[11 + sti] == 0xc3 && p[12 + sti] == 0xcc;
}

static int is_kvm_call(const uint8_t *p, uint32_t kvm_nr, int amd)
{
	/* vmcall/vmmcall; pop %rsi; pop %rbx; ret */
	const uint8_t call[] = { 0x0f, 0x01, amd ? 0xd9 : 0xc1, 0x5e, 0x5b, 0xc3 };
	uint32_t nr;

	memcpy(&nr, p + sizeof(shuffle), 4);
	return !memcmp(p, shuffle, sizeof(shuffle)) && nr == kvm_nr &&
	       !memcmp(p + sizeof(shuffle) + 4, call, sizeof(call));
}

TEST_F(page, every_slot_holds_the_stub_its_route_and_offer_ask_for)
{
	const int kvm = variant->route == HPV_ROUTE_KVM;

	for (uint32_t nr = 0; nr < HPV_HYPERCALL_SLOTS; nr++) {
		ASSERT_EQ(0, memcmp(slot(self->page, nr), endbr64, 4));
		/* int3 after each stub; the LAPIC-timer data ends the last slot */
		if (nr < HPV_HYPERCALL_SLOTS - 1)
			ASSERT_EQ(0xcc, slot(self->page, nr)[HPV_HYPERCALL_STRIDE - 1]);
	}
	/* NOP and SEND_IPI go into KVM on the kvm route */
	if (kvm) {
		EXPECT_TRUE(is_kvm_call(slot(self->page, HPV_HC_NOP) + 4, KVM_HC_VAPIC_POLL_IRQ,
					variant->amd));
	} else {
		EXPECT_TRUE(is_doorbell(slot(self->page, HPV_HC_NOP), HPV_HC_NOP, 0));
	}
	if (variant->withheld & HPV_FEATURE_PV_IPI) {
		EXPECT_EQ(0, memcmp(slot(self->page, HPV_HC_SEND_IPI) + 4, enosys, sizeof(enosys)));
	} else if (kvm) {
		const uint8_t *ipi = slot(self->page, HPV_HC_SEND_IPI) + 4;

		EXPECT_EQ(0, memcmp(ipi, vector_check, sizeof(vector_check)));
		ipi += sizeof(vector_check) + 1;
		EXPECT_EQ(0, memcmp(ipi, id_check, sizeof(id_check)));
		ipi += sizeof(id_check) + 1;
		EXPECT_TRUE(is_kvm_call(ipi, KVM_HC_SEND_IPI, variant->amd));
	} else {
		EXPECT_TRUE(is_doorbell(slot(self->page, HPV_HC_SEND_IPI), HPV_HC_SEND_IPI, 0));
	}
	/* KICK goes into KVM as KVM_HC_KICK_CPU on the kvm route */
	if (variant->withheld & HPV_FEATURE_PV_SPINLOCK) {
		EXPECT_EQ(0, memcmp(slot(self->page, HPV_HC_KICK) + 4, enosys, sizeof(enosys)));
	} else if (kvm) {
		const uint8_t *kick = slot(self->page, HPV_HC_KICK) + 4;
		const uint8_t call[] = { 0x0f, 0x01, variant->amd ? 0xd9 : 0xc1, 0x5b, 0xc3 };

		EXPECT_EQ(0, memcmp(kick, kick_id_check, sizeof(kick_id_check)));
		kick += sizeof(kick_id_check) + 1;
		EXPECT_EQ(0, memcmp(kick, kick_args, sizeof(kick_args)));
		EXPECT_EQ(0, memcmp(kick + sizeof(kick_args), call, sizeof(call)));
	} else {
		EXPECT_TRUE(is_doorbell(slot(self->page, HPV_HC_KICK), HPV_HC_KICK, 0));
	}
	/* and SCHED_YIELD as KVM_HC_SCHED_YIELD */
	if (kvm) {
		const uint8_t *yield = slot(self->page, HPV_HC_SCHED_YIELD) + 4;

		/* the id checked as KICK's, then the kvm route's usual call */
		EXPECT_EQ(0, memcmp(yield, kick_id_check, sizeof(kick_id_check)));
		yield += sizeof(kick_id_check) + 1;
		EXPECT_TRUE(is_kvm_call(yield, KVM_HC_SCHED_YIELD, variant->amd));
	} else {
		EXPECT_TRUE(is_doorbell(slot(self->page, HPV_HC_SCHED_YIELD), HPV_HC_SCHED_YIELD, 0));
	}
	/* no KVM equivalent: the doorbell */
	EXPECT_TRUE(is_doorbell(slot(self->page, HPV_HC_ABI_VERSION), HPV_HC_ABI_VERSION, 0));
	/* IDLE halts in KVM on the kvm route's LAPIC timer, else its doorbell
	 * enables interrupts first */
	if (kvm && variant->timer == HPV_TIMER_LAPIC) {
		const uint8_t *idle = slot(self->page, HPV_HC_IDLE);
		const uint8_t *call = memchr(idle, 0xe8, 16);
		const uint8_t sti_hlt[] = { 0xfb, 0xf4 };
		int32_t rel;

		ASSERT_NE(NULL, call);
		memcpy(&rel, call + 1, sizeof(rel));
		/* a deadline is armed by SET_TIMER's own stub */
		EXPECT_EQ(slot(self->page, HPV_HC_SET_TIMER), call + 5 + rel);
		EXPECT_NE(NULL, memmem(idle, 32, sti_hlt, sizeof(sti_hlt)));
	} else {
		EXPECT_TRUE(is_doorbell(slot(self->page, HPV_HC_IDLE), HPV_HC_IDLE, 1));
	}
	/* SET_TIMER writes the TSC deadline itself on the kvm route's LAPIC timer */
	if (kvm && variant->timer == HPV_TIMER_LAPIC) {
		const uint8_t door[] = { 0xb8, HPV_HC_SET_TIMER, 0, 0, 0, 0xe7, HPV_HYPERCALL_PORT,
					 0xc3 };
		const size_t len = hpv_stub_lapic_set_timer[0].end - hpv_stub_lapic_set_timer[0].start;

		ASSERT_LE(len, HPV_HYPERCALL_STRIDE);
		EXPECT_EQ(0, memcmp(slot(self->page, HPV_HC_SET_TIMER),
				    hpv_stub_lapic_set_timer[0].start, len));
		EXPECT_NE(NULL, memmem(slot(self->page, HPV_HC_SET_TIMER), len, wrmsr_tsc_deadline,
				       sizeof(wrmsr_tsc_deadline)));
		EXPECT_EQ(0, memcmp(slot(self->page, HPV_HC_SET_TIMER) + len - sizeof(door), door,
				    sizeof(door)));
	} else {
		EXPECT_TRUE(is_doorbell(slot(self->page, HPV_HC_SET_TIMER), HPV_HC_SET_TIMER, 0));
	}
	/* numbers nobody serves, the last slot included, answer without an exit */
	for (uint32_t nr = HPV_NR_HYPERCALLS; nr < HPV_HYPERCALL_SLOTS; nr++)
		EXPECT_EQ(0, memcmp(slot(self->page, nr) + 4, enosys, sizeof(enosys)));
	/* the LAPIC-timer stub's data starts out bound to no vector */
	ASSERT_LE(HPV_HYPERCALL_STRIDE * (HPV_HYPERCALL_SLOTS - 1) + 16, HPV_STUB_TIMER_DATA);
	EXPECT_EQ(0, ((const struct hpv_stub_timer_data *)(self->page + HPV_STUB_TIMER_DATA))->vector);
}

/* The doorbell: the number in eax, arguments in rdi, rsi, rdx, r10 from
 * kvm_run's synced registers, the result into rax. */
static int64_t doorbell(struct fake_vm *vm, uint32_t nr, uint64_t a0, uint64_t a1)
{
	struct kvm_regs *regs = &vm->run[0].s.regs.regs;

	memset(regs, 0, sizeof(*regs));
	regs->rdi = a0;
	regs->rsi = a1;
	regs->rax = 0x1234;
	if (io__access(&vm->kvm.io, &vm->cpu[0], HPV_IO_PIO, HPV_HYPERCALL_PORT, &nr, 4, true))
		return 0x7fffffff;
	return (int64_t)regs->rax;
}

TEST_F(page, the_doorbell_serves_what_is_offered_and_counts_it)
{
	EXPECT_EQ(0, doorbell(&self->vm, HPV_HC_NOP, 0, 0));
	EXPECT_EQ(HPV_ABI_VERSION, doorbell(&self->vm, HPV_HC_ABI_VERSION, 0, 0));
	EXPECT_EQ(HPV_ABI_VERSION, doorbell(&self->vm, HPV_HC_ABI_VERSION, 0, 0));
	EXPECT_EQ(-HPV_ENOSYS, doorbell(&self->vm, HPV_NR_HYPERCALLS, 0, 0));
	EXPECT_EQ(-HPV_ENOSYS, doorbell(&self->vm, 0xffffffffu, 0, 0));
	/* a vector below 32 is refused with the ABI's error code; a call
	 * withheld is unknown even when rung by hand */
	EXPECT_EQ(variant->withheld & HPV_FEATURE_PV_IPI ? -HPV_ENOSYS : -HPV_EINVAL,
		  doorbell(&self->vm, HPV_HC_SEND_IPI, 1, 0));
	EXPECT_EQ(KVM_SYNC_X86_REGS, self->vm.run[0].kvm_dirty_regs & KVM_SYNC_X86_REGS);
	EXPECT_EQ(2, fake_vm__pv_stat(&self->vm, self->pv, "hypercall.abi_version"));
	EXPECT_EQ(1, fake_vm__pv_stat(&self->vm, self->pv, "hypercall.nop"));
}

/* Guest values of HPV_MSR_HYPERCALL_PAGE: accepted, or a #GP. */
FIXTURE(page_msr)
{
	struct fake_vm vm;
	struct pv *pv;
};

FIXTURE_VARIANT(page_msr)
{
	uint64_t val;
	int ok;
	uint32_t withheld;
};

FIXTURE_VARIANT_ADD(page_msr, disable) { 0, 1, 0 };
FIXTURE_VARIANT_ADD(page_msr, page_at_16_mib) { (16ULL << 20) | HPV_MSR_ENABLE, 1, 0 };
FIXTURE_VARIANT_ADD(page_msr, last_page_of_ram) { (RAM - 4096) | HPV_MSR_ENABLE, 1, 0 };
FIXTURE_VARIANT_ADD(page_msr, reserved_bit) { (16ULL << 20) | HPV_MSR_ENABLE | 0x10, 0, 0 };
FIXTURE_VARIANT_ADD(page_msr, below_1_mib) { 0x9000 | HPV_MSR_ENABLE, 0, 0 };
FIXTURE_VARIANT_ADD(page_msr, beyond_ram) { RAM | HPV_MSR_ENABLE, 0, 0 };
FIXTURE_VARIANT_ADD(page_msr, in_the_mmio_hole) { 0xfee00000ULL | HPV_MSR_ENABLE, 0, 0 };
FIXTURE_VARIANT_ADD(page_msr, non_canonical) { 0xfff0000000000000ULL | HPV_MSR_ENABLE, 0, 0 };
FIXTURE_VARIANT_ADD(page_msr, not_offered) { (16ULL << 20) | HPV_MSR_ENABLE, 0,
					     HPV_FEATURE_HYPERCALL_PAGE };

FIXTURE_SETUP(page_msr)
{
	const struct pv_config cfg = { .withheld = variant->withheld, .route = HPV_ROUTE_KVM,
					       .timer = HPV_TIMER_POSIX };

	fake_vm__init(&self->vm, 1, RAM, 1);
	ASSERT_EQ(0, pv__new(&self->vm.kvm, &cfg, &self->pv));
}

FIXTURE_TEARDOWN(page_msr)
{
	fake_vm__exit(&self->vm);
	pv__free(self->pv);
}

TEST_F(page_msr, is_accepted_or_refused)
{
	uint64_t back = 0;
	int ret = fake_vm__wrmsr(&self->vm, 0, HPV_MSR_HYPERCALL_PAGE, variant->val);

	if (!variant->ok) {
		EXPECT_EQ(-EINVAL, ret);
		return;
	}
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, fake_vm__rdmsr(&self->vm, 0, HPV_MSR_HYPERCALL_PAGE, &back));
	EXPECT_EQ(variant->val, back);
	if (variant->val & HPV_MSR_ENABLE) {
		EXPECT_EQ(0, memcmp(self->vm.kvm.ram + (variant->val & ~0xfffULL), endbr64, 4));
	}
}

static const struct kvm_cpuid_entry2 *leaf(const struct kvm_cpuid2 *c, uint32_t fn)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn)
			return &c->entries[i];
	return NULL;
}

/* The CPUID a vCPU gets: KVM's leaves with ours in place of KVM's PV leaves. */
FIXTURE(cpuid)
{
	struct fake_vm vm;
	struct pv *pv;
	struct kvm_cpuid2 *c;
};

FIXTURE_VARIANT(cpuid)
{
	int hybridpv;
	uint32_t tsc_khz;
	bool tsc_deadline;
	uint32_t withheld;
	uint32_t want_features;
	bool idle_poll_given; /* --idle-poll NS, else by overcommit */
	uint32_t idle_poll_ns;
};

FIXTURE_VARIANT_ADD(cpuid, all_offered) {
	1, 2600000, true, 0, HPV_FEATURES_ALL & ~HPV_FEATURE_PV_TIMER_RECORD, false, 0 };
/* no TSC rate from KVM: no pvclock, nor a timer on its time line */
FIXTURE_VARIANT_ADD(cpuid, no_tsc_rate) {
	1, 0, true, 0, HPV_FEATURES_ALL & ~(HPV_FEATURE_PVCLOCK | HPV_FEATURE_PV_TIMER |
					    HPV_FEATURE_PV_TIMER_RECORD | HPV_FEATURE_PVCLOCK_VDSO), false, 0 };
/* withholding the clock withholds what reads its time line */
FIXTURE_VARIANT_ADD(cpuid, pvclock_withheld) {
	1, 2600000, true, HPV_FEATURE_PVCLOCK,
	HPV_FEATURES_ALL & ~(HPV_FEATURE_PVCLOCK | HPV_FEATURE_PV_TIMER |
			     HPV_FEATURE_PV_TIMER_RECORD | HPV_FEATURE_PVCLOCK_VDSO), false, 0 };
FIXTURE_VARIANT_ADD(cpuid, withheld_on_the_command_line) {
	1, 2600000, true, HPV_FEATURES_ALL & ~(HPV_FEATURE_HYPERCALL_PAGE | HPV_FEATURE_PV_IDLE),
	HPV_FEATURE_HYPERCALL_PAGE | HPV_FEATURE_PV_IDLE, false, 0 };
/* without TSC-deadline mode the timer falls back to POSIX timers: the record too */
FIXTURE_VARIANT_ADD(cpuid, no_tsc_deadline) { 1, 2600000, false, 0, HPV_FEATURES_ALL, false, 0 };
FIXTURE_VARIANT_ADD(cpuid, no_hybridpv) { 0, 2600000, true, 0, 0, false, 0 };
/* the idle-poll hint as given, 0 (do not poll) included */
FIXTURE_VARIANT_ADD(cpuid, idle_poll_given) {
	1, 2600000, true, 0, HPV_FEATURES_ALL & ~HPV_FEATURE_PV_TIMER_RECORD, true, 150000 };
FIXTURE_VARIANT_ADD(cpuid, idle_poll_given_zero) {
	1, 2600000, true, 0, HPV_FEATURES_ALL & ~HPV_FEATURE_PV_TIMER_RECORD, true, 0 };

FIXTURE_SETUP(cpuid)
{
	const struct pv_config cfg = { .withheld = variant->withheld, .route = HPV_ROUTE_KVM,
					       .timer = HPV_TIMER_LAPIC,
					       .idle_poll_given = variant->idle_poll_given,
					       .idle_poll_ns = variant->idle_poll_ns };
	struct kvm_cpuid2 *sup;

	fake_vm__init(&self->vm, 8, RAM, 1);
	/* KVM's own leaves, which the guest must not see */
	sup = realloc(self->vm.supported, sizeof(*sup) + 4 * sizeof(sup->entries[0]));
	ASSERT_NE(NULL, sup);
	sup->entries[2] = (struct kvm_cpuid_entry2){ .function = 0x40000000, .ebx = 0x4b4d564b };
	sup->entries[3] = (struct kvm_cpuid_entry2){ .function = 0x40000001, .eax = 0xffff };
	sup->nent = 4;
	self->vm.supported = self->vm.kvm.supported_cpuid = sup;
	self->vm.kvm.tsc_khz = variant->tsc_khz;
	self->vm.kvm.tsc_deadline = variant->tsc_deadline;
	if (variant->hybridpv)
		ASSERT_EQ(0, pv__new(&self->vm.kvm, &cfg, &self->pv));
	/* KVM refuses the records it keeps (no VM): those are withdrawn */
	ASSERT_EQ(0, fake_vm__init_vcpus(&self->vm));
	self->c = fake_vm__cpuid(&self->vm, 7);
	ASSERT_NE(NULL, self->c);
}

FIXTURE_TEARDOWN(cpuid)
{
	free(self->c);
	fake_vm__exit(&self->vm);
	pv__free(self->pv);
}

TEST_F(cpuid, leaves)
{
	/* (and a KVM without the guest series' patch answers no CR3 port) */
	const uint32_t kvm_refuses = HPV_VCPU_STATE_FEATURES | HPV_FEATURE_PV_EOI |
				     HPV_FEATURE_CR3_PORT | HPV_FEATURE_MM_RETIRE;
	const struct kvm_cpuid_entry2 *sig = leaf(self->c, HPV_CPUID_SIGNATURE);
	char name[13] = "";

	EXPECT_EQ(7u << 24 | 0x800, leaf(self->c, 1)->ebx);
	EXPECT_NE(0, leaf(self->c, 1)->ecx & (1u << 31));
	/* TSC-deadline mode only where KVM says it emulates it */
	EXPECT_EQ(variant->tsc_deadline, !!(leaf(self->c, 1)->ecx & (1u << 24)));
	if (!variant->hybridpv) {
		EXPECT_EQ(NULL, sig);
		EXPECT_EQ(NULL, leaf(self->c, HPV_CPUID_FEATURES));
		return;
	}
	ASSERT_NE(NULL, sig);
	memcpy(name, &sig->ebx, 4);
	memcpy(name + 4, &sig->ecx, 4);
	memcpy(name + 8, &sig->edx, 4);
	EXPECT_STREQ(HPV_SIGNATURE, name);
	EXPECT_EQ(HPV_CPUID_MMU, sig->eax);
	/* KVM's own leaf 0x40000001 is gone, ours replaced it */
	EXPECT_EQ(HPV_ABI_VERSION, leaf(self->c, HPV_CPUID_FEATURES)->eax);
	EXPECT_EQ(variant->want_features & ~kvm_refuses, leaf(self->c, HPV_CPUID_FEATURES)->ebx);
	EXPECT_EQ(variant->want_features & ~kvm_refuses, pv__offered(self->pv));
	EXPECT_EQ(HPV_MSR_HYPERCALL_PAGE, leaf(self->c, HPV_CPUID_HYPERCALL)->eax);
	EXPECT_EQ(HPV_HYPERCALL_STRIDE, leaf(self->c, HPV_CPUID_HYPERCALL)->ecx);
	EXPECT_EQ(variant->tsc_khz, leaf(self->c, HPV_CPUID_TIMING)->eax);
	/* not given: poll while the 8 vCPUs fit this host's CPUs, else not */
	EXPECT_EQ(variant->idle_poll_given ? variant->idle_poll_ns
		  : sysconf(_SC_NPROCESSORS_ONLN) >= 8 ? 200000u : 0u,
		  leaf(self->c, HPV_CPUID_TIMING)->ecx);
	/* the MMU leaf is there, with no port and no roots to offer */
	ASSERT_NE(NULL, leaf(self->c, HPV_CPUID_MMU));
	EXPECT_EQ(0, leaf(self->c, HPV_CPUID_MMU)->eax);
	EXPECT_EQ(0, leaf(self->c, HPV_CPUID_MMU)->ebx);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/* Hypercall page stubs, dispatch, the page MSR and the CPUID leaves. */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "hpv/hypercall.h"
#include "hpv/kvm.h"
#include "hpv/vcpu.h"

static const uint8_t endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };

TEST(stubs_start_with_endbr64_and_trap_known_numbers)
{
	const struct hpv_stub_config user = { HPV_ROUTE_USER, 1, HPV_FEATURES_ALL, true };
	uint8_t page[4096];

	hypercall__write_page(page, &user);
	for (uint32_t nr = 0; nr < HPV_HYPERCALL_SLOTS; nr++) {
		const uint8_t *p = page + nr * HPV_HYPERCALL_STRIDE;

		ASSERT_EQ(0, memcmp(p, endbr64, 4));
		if (nr < HPV_NR_HYPERCALLS) {
			/* mov $nr, %eax; [sti;] out %eax, $port; ret */
			int sti = nr == HPV_HC_IDLE;
			uint32_t imm;

			ASSERT_EQ(0xb8, p[4]);
			memcpy(&imm, p + 5, 4);
			ASSERT_EQ(nr, imm);
			ASSERT_EQ(sti ? 0xfb : 0xe7, p[9]);
			ASSERT_EQ(0xe7, p[9 + sti]);
			ASSERT_EQ(HPV_HYPERCALL_PORT, p[10 + sti]);
			ASSERT_EQ(0xc3, p[11 + sti]);
			ASSERT_EQ(0xcc, p[12 + sti]);
		} else {
			/* mov $-ENOSYS, %rax; ret: no exit for a number we lack */
			static const uint8_t enosys[] = { 0x48, 0xc7, 0xc0, 0xda, 0xff, 0xff, 0xff, 0xc3 };

			ASSERT_EQ(0, memcmp(p + 4, enosys, sizeof(enosys)));
		}
	}
}

/* A feature withheld: its calls answer -ENOSYS without an exit. */
TEST(withheld_feature_gets_enosys_stub)
{
	const struct hpv_stub_config cfg = { HPV_ROUTE_USER, 1,
					     HPV_FEATURES_ALL & ~HPV_FEATURE_PV_IPI, false };
	static const uint8_t enosys[] = { 0x48, 0xc7, 0xc0, 0xda, 0xff, 0xff, 0xff, 0xc3 };
	const uint64_t args[4] = { 2, 0, 0, 0xfd };
	uint8_t page[4096];

	hypercall__write_page(page, &cfg);
	EXPECT_EQ(0, memcmp(page + HPV_HC_SEND_IPI * HPV_HYPERCALL_STRIDE + 4, enosys,
			    sizeof(enosys)));
	EXPECT_EQ(0xb8, page[HPV_HC_SET_TIMER * HPV_HYPERCALL_STRIDE + 4]);
	/* and the doorbell rung by hand says the same */
	hpv_stubs.features = cfg.features;
	EXPECT_EQ(-HPV_ENOSYS, hypercall__dispatch(NULL, HPV_HC_SEND_IPI, args));
}

/* The KVM route: our registers into KVM's, then VMMCALL (AMD) or VMCALL. */
TEST(kvm_route_stubs_for_amd_and_intel)
{
	static const uint8_t shuffle[] = {
		0x53, 0x48, 0x89, 0xfb, 0x48, 0x89, 0xf1, 0x4c, 0x89, 0xd6, 0xb8,
	};
	/* lea -32(%r10), %rax; cmp $223, %rax; ja einval */
	static const uint8_t vector_check[] = {
		0x49, 0x8d, 0x42, 0xe0, 0x48, 0x3d, 0xdf, 0x00, 0x00, 0x00, 0x77,
	};
	for (int amd = 0; amd <= 1; amd++) {
		const struct hpv_stub_config kvm = { HPV_ROUTE_KVM, amd, HPV_FEATURES_ALL, false };
		uint8_t page[4096];
		const uint8_t *nop = page + HPV_HC_NOP * HPV_HYPERCALL_STRIDE;
		const uint8_t *ipi = page + HPV_HC_SEND_IPI * HPV_HYPERCALL_STRIDE;
		const uint8_t *ver = page + HPV_HC_ABI_VERSION * HPV_HYPERCALL_STRIDE;
		const uint8_t call[] = { 0x0f, 0x01, amd ? 0xd9 : 0xc1, 0x5b, 0xc3 };
		uint32_t nr;

		hypercall__write_page(page, &kvm);
		ASSERT_EQ(0, memcmp(nop, endbr64, 4));
		ASSERT_EQ(0, memcmp(nop + 4, shuffle, sizeof(shuffle)));
		memcpy(&nr, nop + 4 + sizeof(shuffle), 4);
		EXPECT_EQ(KVM_HC_VAPIC_POLL_IRQ, nr);
		EXPECT_EQ(0, memcmp(nop + 8 + sizeof(shuffle), call, sizeof(call)));

		ASSERT_EQ(0, memcmp(ipi, endbr64, 4));
		ASSERT_EQ(0, memcmp(ipi + 4, vector_check, sizeof(vector_check)));
		ASSERT_EQ(0, memcmp(ipi + 16, shuffle, sizeof(shuffle)));
		memcpy(&nr, ipi + 16 + sizeof(shuffle), 4);
		EXPECT_EQ(KVM_HC_SEND_IPI, nr);
		EXPECT_EQ(0, memcmp(ipi + 20 + sizeof(shuffle), call, sizeof(call)));
		EXPECT_EQ(0xcc, ipi[HPV_HYPERCALL_STRIDE - 1]);
		/* no KVM equivalent: still the doorbell */
		EXPECT_EQ(0xe7, ver[9]);
	}
}

extern const uint8_t hpv_stub_lapic_set_timer[], hpv_stub_lapic_set_timer_end[];

/*
 * The LAPIC-timer mode on the kvm route: SET_TIMER's slot holds the stub
 * that writes IA32_TSC_DEADLINE (with the doorbell behind it), the page's
 * last slot still answers -ENOSYS, and the stub's data starts out bound to
 * no vector.
 */
TEST(lapic_timer_stub_and_its_data)
{
	const struct hpv_stub_config cfg = { HPV_ROUTE_KVM, 1, HPV_FEATURES_ALL, true };
	const size_t len = hpv_stub_lapic_set_timer_end - hpv_stub_lapic_set_timer;
	static const uint8_t enosys[] = { 0x48, 0xc7, 0xc0, 0xda, 0xff, 0xff, 0xff, 0xc3 };
	static const uint8_t wrmsr[] = { 0xb9, 0xe0, 0x06, 0x00, 0x00, 0x0f, 0x30 };
	static const uint8_t doorbell[] = { 0xb8, HPV_HC_SET_TIMER, 0, 0, 0, 0xe7,
					    HPV_HYPERCALL_PORT, 0xc3 };
	const struct hpv_stub_timer_data *data;
	uint8_t page[4096];
	const uint8_t *stub = page + HPV_HC_SET_TIMER * HPV_HYPERCALL_STRIDE;

	ASSERT_LE(len, HPV_HYPERCALL_STRIDE);
	memset(page, 0x55, sizeof(page));
	hypercall__write_page(page, &cfg);
	ASSERT_EQ(0, memcmp(stub, hpv_stub_lapic_set_timer, len));
	EXPECT_NE(NULL, memmem(stub, len, wrmsr, sizeof(wrmsr)));
	EXPECT_EQ(0, memcmp(stub + len - sizeof(doorbell), doorbell, sizeof(doorbell)));
	EXPECT_EQ(0, memcmp(page + (HPV_HYPERCALL_SLOTS - 1) * HPV_HYPERCALL_STRIDE + 4, enosys,
			    sizeof(enosys)));
	ASSERT_LE(HPV_HYPERCALL_STRIDE * (HPV_HYPERCALL_SLOTS - 1) + 16, HPV_STUB_TIMER_DATA);
	data = (const void *)(page + HPV_STUB_TIMER_DATA);
	EXPECT_EQ(0, data->vector);
	EXPECT_EQ(0, data->mult);
	/* the IDLE call still rings the doorbell */
	EXPECT_EQ(0xb8, page[HPV_HC_IDLE * HPV_HYPERCALL_STRIDE + 4]);
}

TEST(dispatch)
{
	const uint64_t args[4] = { 1, 2, 3, 4 };

	hpv_stubs.features = HPV_FEATURES_ALL;
	EXPECT_EQ(0, hypercall__dispatch(NULL, HPV_HC_NOP, args));
	EXPECT_EQ(HPV_ABI_VERSION, hypercall__dispatch(NULL, HPV_HC_ABI_VERSION, args));
	EXPECT_EQ(-HPV_ENOSYS, hypercall__dispatch(NULL, HPV_NR_HYPERCALLS, args));
	EXPECT_EQ(-HPV_ENOSYS, hypercall__dispatch(NULL, 0xffffffffu, args));
	EXPECT_EQ(1, hypercall__count(HPV_HC_ABI_VERSION));
}

static const struct {
	const char *name;
	uint64_t val;
	int ok;
} msr_cases[] = {
	{ "disable", 0, 1 },
	{ "page at 16 MiB", (16ULL << 20) | HPV_MSR_ENABLE, 1 },
	{ "last page of RAM", ((64ULL << 20) - 4096) | HPV_MSR_ENABLE, 1 },
	{ "reserved bit set", (16ULL << 20) | HPV_MSR_ENABLE | 0x10, 0 },
	{ "below 1 MiB (boot structures)", 0x9000 | HPV_MSR_ENABLE, 0 },
	{ "beyond RAM", (64ULL << 20) | HPV_MSR_ENABLE, 0 },
	{ "in the MMIO hole", 0xfee00000ULL | HPV_MSR_ENABLE, 0 },
	{ "non-canonical", 0xfff0000000000000ULL | HPV_MSR_ENABLE, 0 },
};

TEST(page_msr_validation)
{
	struct kvm kvm = { .ram_size = 64ULL << 20 };

	kvm.ram = calloc(1, kvm.ram_size);
	for (size_t i = 0; i < sizeof(msr_cases) / sizeof(msr_cases[0]); i++) {
		int ret = hypercall__set_page_msr(&kvm, msr_cases[i].val);

		TH_LOG("%s", msr_cases[i].name);
		if (msr_cases[i].ok) {
			EXPECT_EQ(0, ret);
			EXPECT_EQ(msr_cases[i].val, kvm.hypercall_msr);
		} else {
			EXPECT_EQ(-EINVAL, ret);
		}
	}
	/* the valid registration wrote the stubs */
	EXPECT_EQ(0, memcmp(kvm.ram + (16 << 20), endbr64, 4));
	EXPECT_EQ(0xcc, kvm.ram[(16 << 20) + HPV_HYPERCALL_STRIDE - 1]);
	free(kvm.ram);
}

static const struct kvm_cpuid_entry2 *leaf(const struct kvm_cpuid2 *c, uint32_t fn)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn)
			return &c->entries[i];
	return NULL;
}

TEST(cpuid_leaves)
{
	struct kvm_cpuid2 *sup = calloc(1, sizeof(*sup) + 3 * sizeof(sup->entries[0]));
	struct kvm_cpuid2 *on, *off;
	char sig[13] = "";

	sup->nent = 3;
	sup->entries[0] = (struct kvm_cpuid_entry2){ .function = 1, .ebx = 0xff000800 };
	sup->entries[1] = (struct kvm_cpuid_entry2){ .function = 0x40000000, .ebx = 0x4b4d564b };
	sup->entries[2] = (struct kvm_cpuid_entry2){ .function = 0x40000001, .eax = 0xffff };

	struct kvm kvm = { .hybridpv = true, .features = HPV_FEATURES_ALL, .tsc_khz = 2600000,
			   .idle_poll_ns = 1234 };

	on = cpuid__compose(sup, 7, &kvm);
	kvm.hybridpv = false;
	off = cpuid__compose(sup, 7, &kvm);
	kvm.hybridpv = true;
	ASSERT_NE(NULL, on);
	ASSERT_NE(NULL, off);

	EXPECT_EQ(7u << 24 | 0x800, leaf(on, 1)->ebx);
	EXPECT_NE(0, leaf(on, 1)->ecx & (1u << 31));
	/* TSC-deadline mode only where KVM says it emulates it */
	EXPECT_EQ(0, leaf(on, 1)->ecx & (1u << 24));
	free(on);
	kvm.tsc_deadline = true;
	on = cpuid__compose(sup, 7, &kvm);
	ASSERT_NE(NULL, on);
	EXPECT_NE(0, leaf(on, 1)->ecx & (1u << 24));
	memcpy(sig, &leaf(on, HPV_CPUID_SIGNATURE)->ebx, 4);
	memcpy(sig + 4, &leaf(on, HPV_CPUID_SIGNATURE)->ecx, 4);
	memcpy(sig + 8, &leaf(on, HPV_CPUID_SIGNATURE)->edx, 4);
	EXPECT_STREQ(HPV_SIGNATURE, sig);
	EXPECT_EQ(HPV_CPUID_TIMING, leaf(on, HPV_CPUID_SIGNATURE)->eax);
	EXPECT_EQ(HPV_ABI_VERSION, leaf(on, HPV_CPUID_FEATURES)->eax);
	EXPECT_EQ(HPV_MSR_HYPERCALL_PAGE, leaf(on, HPV_CPUID_HYPERCALL)->eax);
	EXPECT_EQ(2600000u, leaf(on, HPV_CPUID_TIMING)->eax);
	EXPECT_EQ(1234u, leaf(on, HPV_CPUID_TIMING)->ecx);
	EXPECT_EQ(HPV_FEATURES_ALL, leaf(on, HPV_CPUID_FEATURES)->ebx);
	/* KVM's own leaf 0x40000001 is gone, ours replaced it */
	EXPECT_NE(0xffffu, leaf(on, HPV_CPUID_FEATURES)->eax);

	/* no TSC rate from KVM: no pvclock, nor a timer on its time line */
	free(on);
	kvm.tsc_khz = 0;
	on = cpuid__compose(sup, 0, &kvm);
	EXPECT_EQ(HPV_FEATURES_ALL & ~(HPV_FEATURE_PVCLOCK | HPV_FEATURE_PV_TIMER |
				       HPV_FEATURE_PV_TIMER_RECORD),
		  leaf(on, HPV_CPUID_FEATURES)->ebx);

	/* features withheld on the command line */
	free(on);
	kvm.features = HPV_FEATURE_HYPERCALL_PAGE | HPV_FEATURE_PV_IDLE;
	on = cpuid__compose(sup, 0, &kvm);
	EXPECT_EQ(HPV_FEATURE_HYPERCALL_PAGE | HPV_FEATURE_PV_IDLE, leaf(on, HPV_CPUID_FEATURES)->ebx);

	/* --no-hybridpv: no hypervisor leaves at all */
	EXPECT_EQ(NULL, leaf(off, HPV_CPUID_SIGNATURE));
	EXPECT_EQ(NULL, leaf(off, HPV_CPUID_FEATURES));
	free(on);
	free(off);
	free(sup);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/* pvclock arithmetic against a 128-bit reference, and the record protocol. */
#include <stdlib.h>

#include "kselftest_harness.h"

#include "hpv/kvm.h"
#include "fake_vm.h"
#include "hpv/pv.h"
#include "hpv/pv/pvclock.h"
#include "hpv/vcpu.h"

static const uint64_t rates_hz[] = {
	100000000ULL, 1000000000ULL, 1999999999ULL, 2000000001ULL, 2600020000ULL,
	3999999000ULL, 5000000000ULL, 10000000000ULL,
};

static const uint64_t deltas[] = {
	0, 1, 1000, 123456789, 2600020000ULL, 600ULL * 2600020000ULL, 1ULL << 45,
};

TEST(scale_matches_the_exact_conversion)
{
	for (size_t r = 0; r < sizeof(rates_hz) / sizeof(rates_hz[0]); r++) {
		struct hpv_pvclock rec = { 0 };
		uint32_t mul;
		int8_t shift;

		ASSERT_EQ(0, pvclock__scale(rates_hz[r], &mul, &shift));
		/* at least 31 significant bits in the multiplier */
		EXPECT_GE(mul, 1u << 30);
		pvclock__publish(&rec, 1000, 5000, mul, shift, 0);
		for (size_t d = 0; d < sizeof(deltas) / sizeof(deltas[0]); d++) {
			uint64_t want = (uint64_t)((unsigned __int128)deltas[d] * 1000000000ULL / rates_hz[r]);
			uint64_t got = pvclock__read(&rec, 1000 + deltas[d]) - 5000;
			/* 2^-31 relative from the multiplier, a tick or two from the shift */
			uint64_t slack = want / 100000000 + 3 + 1000000000ULL / rates_hz[r] * 2;
			uint64_t err = got > want ? got - want : want - got;

			TH_LOG("%llu Hz, delta %llu: want %llu got %llu", (unsigned long long)rates_hz[r],
			       (unsigned long long)deltas[d], (unsigned long long)want,
			       (unsigned long long)got);
			EXPECT_LE(err, slack);
		}
	}
	{
		uint32_t mul;
		int8_t shift;

		EXPECT_EQ(-EINVAL, pvclock__scale(0, &mul, &shift));
	}
}

/* The inverse the LAPIC timer uses: never early, and only ticks late. */
TEST(tsc_at_is_the_first_tsc_that_reads_the_deadline)
{
	static const uint64_t ns_ahead[] = {
		0, 1, 999, 1000000, 123456789, 3600ULL * 1000000000ULL, 1ULL << 50,
	};

	for (size_t r = 0; r < sizeof(rates_hz) / sizeof(rates_hz[0]); r++) {
		struct hpv_pvclock rec = { 0 };
		uint32_t mul;
		int8_t shift;

		ASSERT_EQ(0, pvclock__scale(rates_hz[r], &mul, &shift));
		pvclock__publish(&rec, 1000, 5000, mul, shift, 0);
		for (size_t d = 0; d < sizeof(ns_ahead) / sizeof(ns_ahead[0]); d++) {
			uint64_t deadline = 5000 + ns_ahead[d], tsc, lo = 1000, hi;
			uint64_t slack = (1ULL << (shift < 0 ? -shift : 0)) + 2 + (ns_ahead[d] >> 31);

			ASSERT_EQ(0, pvclock__tsc_at(&rec, deadline, &tsc));
			ASSERT_GE(pvclock__read(&rec, tsc), deadline);
			/* the first TSC that reads the deadline, by bisection */
			for (hi = tsc; lo < hi;) {
				uint64_t mid = lo + (hi - lo) / 2;

				if (pvclock__read(&rec, mid) >= deadline)
					hi = mid;
				else
					lo = mid + 1;
			}
			TH_LOG("%llu Hz, %llu ns ahead: tsc %llu, first %llu",
			       (unsigned long long)rates_hz[r], (unsigned long long)ns_ahead[d],
			       (unsigned long long)tsc, (unsigned long long)hi);
			EXPECT_LE(tsc - hi, slack);
		}
		/* a deadline before the line: its first point, long past */
		{
			uint64_t tsc;

			ASSERT_EQ(0, pvclock__tsc_at(&rec, 10, &tsc));
			EXPECT_EQ(1000, tsc);
			/* and one beyond 64 bits of TSC */
			if (rates_hz[r] >= 2000000000ULL)
				EXPECT_EQ(-ERANGE, pvclock__tsc_at(&rec, UINT64_MAX, &tsc));
		}
	}
}

TEST(publish_leaves_an_even_version_and_a_stable_flag)
{
	struct hpv_pvclock rec = { .version = 6 };

	pvclock__publish(&rec, 1, 2, 3u << 30, -1, HPV_PVCLOCK_TSC_STABLE);
	EXPECT_EQ(8, rec.version);
	EXPECT_EQ(HPV_PVCLOCK_TSC_STABLE, rec.flags);
	EXPECT_EQ(1, rec.tsc_timestamp);
	EXPECT_EQ(2, rec.system_time);
	EXPECT_EQ(-1, rec.tsc_shift);
	EXPECT_EQ(32, sizeof(rec));
}

/* Through the table: refused before any vCPU or KVM is touched. */
FIXTURE(msr)
{
	struct fake_vm vm;
	struct pv *pv;
};

FIXTURE_VARIANT(msr)
{
	uint64_t val;
	int ret;
};

FIXTURE_VARIANT_ADD(msr, reserved_bit_3) { (16ULL << 20) | 0x8 | HPV_MSR_ENABLE, -EINVAL };
FIXTURE_VARIANT_ADD(msr, beyond_ram) { (64ULL << 20) | HPV_MSR_ENABLE, -EINVAL };
FIXTURE_VARIANT_ADD(msr, in_the_mmio_hole) { 0xfee00000ULL | HPV_MSR_ENABLE, -EINVAL };
/* no vCPU to read the TSC from */
FIXTURE_VARIANT_ADD(msr, valid_but_no_vcpu) { (16ULL << 20) | HPV_MSR_ENABLE, -EIO };
FIXTURE_VARIANT_ADD(msr, unregister) { 0, 0 };

FIXTURE_SETUP(msr)
{
	const struct pv_config cfg = { .withheld = 0, .route = HPV_ROUTE_KVM, .timer = HPV_TIMER_POSIX };

	fake_vm__init(&self->vm, 1, 64ULL << 20, 1);
	ASSERT_EQ(0, pv__new(&self->vm.kvm, &cfg, &self->pv));
}

FIXTURE_TEARDOWN(msr)
{
	fake_vm__exit(&self->vm);
	pv__free(self->pv);
}

TEST_F(msr, write)
{
	uint64_t back = 1;

	EXPECT_EQ(variant->ret, fake_vm__wrmsr(&self->vm, 0, HPV_MSR_PVCLOCK, variant->val));
	EXPECT_EQ(0, fake_vm__rdmsr(&self->vm, 0, HPV_MSR_PVCLOCK, &back));
	EXPECT_EQ(0, back);
}

TEST_HARNESS_MAIN

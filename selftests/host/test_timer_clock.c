// SPDX-License-Identifier: GPL-2.0
/*
 * The timer's clock arithmetic with every value a guest can reach: its
 * pvclock reads whatever its TSC says (a guest may write IA32_TSC), so
 * the host clock and the pvclock can be up to 2^64 ns apart. Nothing may
 * overflow (run under UBSan), a far deadline never fires early, a past
 * one fires at once.
 */
#include <stdint.h>

#include "kselftest_harness.h"

#include "hpv/pv/timer_backend.h"

#define T0 5000000000LL /* a host clock 5 s after boot */

FIXTURE(clock)
{
};

FIXTURE_VARIANT(clock)
{
	uint64_t pv;        /* the guest's pvclock when the offset is taken */
	uint64_t deadline;  /* a deadline it then asks for */
	int64_t want_min;   /* the host deadline lies in [want_min, want_max] */
	int64_t want_max;
};

FIXTURE_VARIANT_ADD(clock, ordinary) { 1000000, 2000000, T0 + 1000000, T0 + 1000000 };
FIXTURE_VARIANT_ADD(clock, past_deadline_fires_at_once) { 1000000, 10, 1, T0 };
FIXTURE_VARIANT_ADD(clock, zero_pvclock) { 0, 1, T0 + 1, T0 + 1 };
/* a pvclock past 2^63 ns: deadlines ahead of it are still ahead */
FIXTURE_VARIANT_ADD(clock, pvclock_past_2_63) {
	(1ULL << 63) + 5, (1ULL << 63) + 1000005, T0 + 1000000, T0 + 1000000 };
FIXTURE_VARIANT_ADD(clock, pvclock_at_2_64_less_one) {
	UINT64_MAX, UINT64_MAX, 1, INT64_MAX };
FIXTURE_VARIANT_ADD(clock, deadline_at_the_end_of_time) { 1000000, UINT64_MAX, INT64_MAX, INT64_MAX };
FIXTURE_VARIANT_ADD(clock, deadline_past_2_63) { 1000000, 1ULL << 63, INT64_MAX, INT64_MAX };

FIXTURE_SETUP(clock)
{
}

FIXTURE_TEARDOWN(clock)
{
}

TEST_F(clock, host_deadline_stays_in_range)
{
	int64_t offset = timer_clock__offset_between(T0, variant->pv);
	int64_t host = timer_clock__host_deadline(variant->deadline, offset);

	EXPECT_GE(host, variant->want_min);
	EXPECT_LE(host, variant->want_max);
	/* and back: the guest's time at the host's T0 is what it read then,
	 * saturated where the host cannot count that far */
	if (variant->pv <= INT64_MAX)
		EXPECT_EQ(variant->pv, timer_clock__guest_ns(T0, offset));
	EXPECT_EQ(0, timer_clock__guest_ns(INT64_MIN, offset) > timer_clock__guest_ns(T0, offset));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/* The registration table: overlaps refused, lookups exact at the edges. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "kselftest_harness.h"

#include "hpv/io.h"

static int handled;

static int count_fn(struct kvm_cpu *cpu, uint64_t addr, void *data, uint32_t len, bool is_write,
		    void *ctx)
{
	(void)cpu;
	(void)addr;
	(void)data;
	(void)len;
	(void)is_write;
	(void)ctx;
	handled++;
	return 0;
}

FIXTURE(lookup)
{
	struct hpv_io_table t;
};

FIXTURE_VARIANT(lookup)
{
	enum hpv_io_space space;
	uint64_t addr;
	uint32_t len;
	int found;
};

/* PIO [0x3f8, 0x400), MMIO [0xfee00000, 0xfee01000), MSR 0x48505600 */
FIXTURE_VARIANT_ADD(lookup, pio_first_byte) { HPV_IO_PIO, 0x3f8, 1, 1 };
FIXTURE_VARIANT_ADD(lookup, pio_last_byte) { HPV_IO_PIO, 0x3ff, 1, 1 };
FIXTURE_VARIANT_ADD(lookup, pio_word_across_the_end) { HPV_IO_PIO, 0x3fe, 4, 0 };
FIXTURE_VARIANT_ADD(lookup, pio_before) { HPV_IO_PIO, 0x3f7, 1, 0 };
FIXTURE_VARIANT_ADD(lookup, mmio_last_qword) { HPV_IO_MMIO, 0xfee00ff8, 8, 1 };
FIXTURE_VARIANT_ADD(lookup, mmio_across_the_end) { HPV_IO_MMIO, 0xfee00ffc, 8, 0 };
FIXTURE_VARIANT_ADD(lookup, mmio_wraps_at_2_64) { HPV_IO_MMIO, UINT64_MAX - 1, 4, 0 };
FIXTURE_VARIANT_ADD(lookup, pio_wraps_at_2_64) { HPV_IO_PIO, UINT64_MAX, 0x400, 0 };
FIXTURE_VARIANT_ADD(lookup, msr_exact) { HPV_IO_MSR, 0x48505600, 8, 1 };
FIXTURE_VARIANT_ADD(lookup, msr_next) { HPV_IO_MSR, 0x48505601, 8, 0 };
FIXTURE_VARIANT_ADD(lookup, other_space) { HPV_IO_MMIO, 0x3f8, 1, 0 };
FIXTURE_VARIANT_ADD(lookup, space_out_of_range) { HPV_IO_NR_SPACES, 0x3f8, 1, 0 };

FIXTURE_SETUP(lookup)
{
	memset(&self->t, 0, sizeof(self->t));
	ASSERT_EQ(0, io__register(&self->t, HPV_IO_PIO, 0x3f8, 8, "uart", count_fn, NULL));
	ASSERT_EQ(0, io__register(&self->t, HPV_IO_MMIO, 0xfee00000, 0x1000, "lapic", count_fn,
				  NULL));
	ASSERT_EQ(0, io__register(&self->t, HPV_IO_MSR, 0x48505600, 1, "msr", count_fn, NULL));
	handled = 0;
}

FIXTURE_TEARDOWN(lookup)
{
}

TEST_F(lookup, finds_only_whole_accesses_inside_a_range)
{
	uint8_t data[0x400];
	int ret = io__access(&self->t, NULL, variant->space, variant->addr, data, variant->len,
			     false);

	EXPECT_EQ(variant->found, handled);
	EXPECT_EQ(variant->found ? 0 : -ENODEV, ret);
	if (!variant->found && (variant->space == HPV_IO_PIO || variant->space == HPV_IO_MMIO)) {
		/* an unhandled read reads as all-ones */
		EXPECT_EQ(0xff, data[0]);
	}
}

TEST(registration_refuses_overlaps_wraps_and_overflow)
{
	struct hpv_io_table t = { 0 };

	ASSERT_EQ(0, io__register(&t, HPV_IO_PIO, 0x60, 1, "a", count_fn, NULL));
	EXPECT_EQ(-EEXIST, io__register(&t, HPV_IO_PIO, 0x5f, 2, "b", count_fn, NULL));
	EXPECT_EQ(0, io__register(&t, HPV_IO_MMIO, 0x5f, 2, "other space", count_fn, NULL));
	EXPECT_EQ(-EINVAL, io__register(&t, HPV_IO_PIO, UINT64_MAX, 2, "wraps", count_fn, NULL));
	EXPECT_EQ(-EINVAL, io__register(&t, HPV_IO_PIO, 0x70, 0, "empty", count_fn, NULL));
	EXPECT_EQ(-EINVAL, io__register(&t, HPV_IO_PIO, 0x70, 1, "no handler", NULL, NULL));
	EXPECT_EQ(-EINVAL, io__register(&t, HPV_IO_NR_SPACES, 0x70, 1, "bad space", count_fn, NULL));
	for (int i = t.nr; i < HPV_IO_MAX_RANGES; i++)
		ASSERT_EQ(0, io__register(&t, HPV_IO_MSR, 0x1000 + i, 1, "fill", count_fn, NULL));
	EXPECT_EQ(-ENOSPC, io__register(&t, HPV_IO_MSR, 0x2000, 1, "full", count_fn, NULL));
}

TEST_HARNESS_MAIN

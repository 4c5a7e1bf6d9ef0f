// SPDX-License-Identifier: GPL-2.0
/* The small devices through the registration table: PM block, RTC, exit port. */
#include <string.h>

#include "kselftest_harness.h"

#include "fake_vm.h"
#include "hpv/hw.h"

FIXTURE(pm)
{
	struct fake_vm vm;
};

FIXTURE_SETUP(pm)
{
	fake_vm__init(&self->vm, 1, 64ULL << 20, 1);
	atomic_store(&self->vm.kvm.end, HPV_END_NONE);
	ASSERT_EQ(0, pm__init(&self->vm.kvm));
}

FIXTURE_TEARDOWN(pm)
{
	fake_vm__exit(&self->vm);
}

static int pm_out(struct fake_vm *vm, uint16_t port, uint32_t val, uint32_t len)
{
	return io__access(&vm->kvm.io, &vm->cpu[0], HPV_IO_PIO, port, &val, len, true);
}

static uint32_t pm_in(struct fake_vm *vm, uint16_t port, uint32_t len)
{
	uint32_t val = 0;

	io__access(&vm->kvm.io, &vm->cpu[0], HPV_IO_PIO, port, &val, len, false);
	return val;
}

#define SLP_S5 ((5u << 10) | (1u << 13))

TEST_F(pm, registers_keep_their_bytes_at_every_width)
{
	/* PM1_EN and PM1_CNT in one 32-bit write at the enable register */
	EXPECT_EQ(0, pm_out(&self->vm, PM_PORT_BASE + 2, 0x0120u | (0x0400u << 16), 4));
	EXPECT_EQ(0x0120u, pm_in(&self->vm, PM_PORT_BASE + 2, 2));
	/* SCI_EN always reads set */
	EXPECT_EQ(0x0401u, pm_in(&self->vm, PM_PORT_BASE + PM1_CNT_OFFSET, 2));
	EXPECT_EQ(0x0120u | (0x0401u << 16), pm_in(&self->vm, PM_PORT_BASE + 2, 4));
	EXPECT_EQ(0x20u, pm_in(&self->vm, PM_PORT_BASE + 2, 1));
	EXPECT_EQ(0x01u, pm_in(&self->vm, PM_PORT_BASE + 3, 1));
	/* status: nothing pending; the 32-bit read sees the enable half too */
	EXPECT_EQ(0x0120u << 16, pm_in(&self->vm, PM_PORT_BASE, 4));
	EXPECT_EQ(HPV_END_NONE, atomic_load(&self->vm.kvm.end));
}

TEST_F(pm, s5_powers_off_whichever_width_writes_it)
{
	EXPECT_EQ(0, pm_out(&self->vm, PM_PORT_BASE + 2, SLP_S5 << 16, 4));
	EXPECT_EQ(HPV_END_POWEROFF, atomic_load(&self->vm.kvm.end));
	/* SLP_EN is a write-only trigger */
	EXPECT_EQ(0, pm_in(&self->vm, PM_PORT_BASE + PM1_CNT_OFFSET, 2) & (1u << 13));
}

TEST_F(pm, s5_in_two_byte_writes)
{
	EXPECT_EQ(0, pm_out(&self->vm, PM_PORT_BASE + PM1_CNT_OFFSET, SLP_S5 & 0xff, 1));
	EXPECT_EQ(HPV_END_NONE, atomic_load(&self->vm.kvm.end));
	EXPECT_EQ(0, pm_out(&self->vm, PM_PORT_BASE + PM1_CNT_OFFSET + 1, SLP_S5 >> 8, 1));
	EXPECT_EQ(HPV_END_POWEROFF, atomic_load(&self->vm.kvm.end));
}

TEST_F(pm, other_sleep_states_do_not_power_off)
{
	EXPECT_EQ(0, pm_out(&self->vm, PM_PORT_BASE + PM1_CNT_OFFSET, (3u << 10) | (1u << 13), 2));
	EXPECT_EQ(HPV_END_NONE, atomic_load(&self->vm.kvm.end));
}

TEST_HARNESS_MAIN

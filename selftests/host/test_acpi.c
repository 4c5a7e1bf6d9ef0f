// SPDX-License-Identifier: GPL-2.0
/* ACPI tables: checksums, MADT CPU entries, FADT power-off/reset wiring. */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "hpv/boot.h"
#include "hpv/hw.h"
#include "hpv/kvm.h"

static uint8_t *ram;

static uint8_t *table(uint64_t gpa)
{
	return ram + gpa;
}

static uint32_t len32(const uint8_t *t)
{
	uint32_t l;

	memcpy(&l, t + 4, 4);
	return l;
}

static uint64_t u64_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

FIXTURE(acpi)
{
	struct kvm kvm;
};

FIXTURE_VARIANT(acpi)
{
	int cpus;
};

FIXTURE_VARIANT_ADD(acpi, cpus_1) { 1 };
FIXTURE_VARIANT_ADD(acpi, cpus_2) { 2 };
FIXTURE_VARIANT_ADD(acpi, cpus_3) { 3 };
FIXTURE_VARIANT_ADD(acpi, cpus_64) { 64 };
FIXTURE_VARIANT_ADD(acpi, cpus_128) { 128 };
FIXTURE_VARIANT_ADD(acpi, cpus_255) { 255 };

FIXTURE_SETUP(acpi)
{
	self->kvm = (struct kvm){ .ram_size = 64 << 20 };
	self->kvm.ram = ram = calloc(1, self->kvm.ram_size);
	ASSERT_NE(NULL, ram);
}

FIXTURE_TEARDOWN(acpi)
{
	free(ram);
}

TEST_F(acpi, tables_checksum_and_list_every_cpu)
{
	{
		int n = variant->cpus;
		uint8_t *rsdp, *xsdt, *fadt, *madt, *dsdt, *p, *end;
		int lapics = 0;

		ASSERT_EQ(0, acpi__build(&self->kvm, n));

		rsdp = table(BOOT_ACPI_ADDR);
		ASSERT_EQ(0, memcmp(rsdp, "RSD PTR ", 8));
		EXPECT_EQ(0, acpi__checksum(rsdp, 20));
		EXPECT_EQ(0, acpi__checksum(rsdp, 36));
		EXPECT_EQ(2, rsdp[15]);

		xsdt = table(u64_at(rsdp + 24));
		ASSERT_EQ(0, memcmp(xsdt, "XSDT", 4));
		EXPECT_EQ(0, acpi__checksum(xsdt, len32(xsdt)));
		ASSERT_EQ(36 + 16, len32(xsdt));

		fadt = table(u64_at(xsdt + 36));
		madt = table(u64_at(xsdt + 44));
		ASSERT_EQ(0, memcmp(fadt, "FACP", 4));
		ASSERT_EQ(0, memcmp(madt, "APIC", 4));
		EXPECT_EQ(0, acpi__checksum(fadt, len32(fadt)));
		EXPECT_EQ(0, acpi__checksum(madt, len32(madt)));
		EXPECT_EQ(276, len32(fadt));
		EXPECT_EQ(PM_PORT_BASE + PM1_CNT_OFFSET, u32_at(fadt + 64));
		EXPECT_EQ(RESET_PORT, u64_at(fadt + 116 + 4));
		EXPECT_EQ(RESET_CF9_VALUE, fadt[128]);

		dsdt = table(u64_at(fadt + 140));
		ASSERT_EQ(0, memcmp(dsdt, "DSDT", 4));
		EXPECT_EQ(0, acpi__checksum(dsdt, len32(dsdt)));
		EXPECT_NE(NULL, memmem(dsdt + 36, len32(dsdt) - 36, "_S5_", 4));

		/* MADT: one enabled LAPIC per CPU with ids 0..n-1, one IOAPIC */
		p = madt + 44;
		end = madt + len32(madt);
		while (p < end) {
			ASSERT_GE(p[1], 2);
			if (p[0] == 0) {
				EXPECT_EQ(lapics, p[3]);
				EXPECT_EQ(1, p[4] & 1);
				lapics++;
			}
			p += p[1];
		}
		EXPECT_EQ(end, p);
		EXPECT_EQ(n, lapics);
	}
}

TEST(rejects_impossible_cpu_counts)
{
	struct kvm kvm = { .ram_size = 64 << 20 };

	kvm.ram = ram = calloc(1, kvm.ram_size);
	EXPECT_GT(0, acpi__build(&kvm, 0));
	EXPECT_GT(0, acpi__build(&kvm, 256));
	free(ram);
}

TEST_HARNESS_MAIN

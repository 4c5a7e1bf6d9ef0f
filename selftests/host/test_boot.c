// SPDX-License-Identifier: GPL-2.0
/* boot_params, e820 and 64-bit entry set-up, on a fake guest RAM. */
#include <stdlib.h>
#include <string.h>
#include <asm/bootparam.h>

#include "kselftest_harness.h"

#include "hpv/boot.h"
#include "hpv/kvm.h"

#define SETUP_SECTS 4
#define IMAGE_SIZE  (64 * 1024)

static uint8_t *fake_bzimage(uint16_t version, uint8_t xload)
{
	uint8_t *img = calloc(1, IMAGE_SIZE);
	struct setup_header *h = (void *)(img + 0x1f1);

	h->setup_sects = SETUP_SECTS;
	h->boot_flag = 0xaa55;
	h->header = 0x53726448;
	h->version = version;
	h->loadflags = LOADED_HIGH;
	h->xloadflags = xload;
	h->cmdline_size = 2047;
	h->initrd_addr_max = 0x7fffffff;
	h->pref_address = 0x1000000;
	h->init_size = 8 << 20;
	h->syssize = (IMAGE_SIZE - (SETUP_SECTS + 1) * 512) / 16;
	img[0x201] = 0x6a; /* header ends at 0x26c */
	memset(img + (SETUP_SECTS + 1) * 512, 0x90, 16);
	return img;
}

static void fake_kvm(struct kvm *kvm, uint64_t ram)
{
	memset(kvm, 0, sizeof(*kvm));
	kvm->ram = calloc(1, ram);
	kvm->ram_size = ram;
}

TEST(loads_a_bzimage)
{
	uint8_t *img = fake_bzimage(0x020f, XLF_KERNEL_64);
	uint8_t initrd[8192];
	struct boot_image b;
	struct boot_params *bp;
	struct kvm kvm;
	uint64_t *pml4, *pd;

	fake_kvm(&kvm, 128 << 20);
	memset(initrd, 0xab, sizeof(initrd));
	ASSERT_EQ(0, boot__load_bzimage(&kvm, img, IMAGE_SIZE, initrd, sizeof(initrd),
					"console=ttyS0", &b));
	bp = (void *)(kvm.ram + BOOT_PARAMS_ADDR);

	EXPECT_EQ(BOOT_KERNEL_ADDR + 0x200, b.entry);
	EXPECT_EQ(0xff, bp->hdr.type_of_loader);
	EXPECT_EQ(BOOT_CMDLINE_ADDR, bp->hdr.cmd_line_ptr);
	EXPECT_STREQ("console=ttyS0", (char *)kvm.ram + BOOT_CMDLINE_ADDR);
	EXPECT_EQ(0x020f, bp->hdr.version);
	EXPECT_EQ(BOOT_ACPI_ADDR, bp->acpi_rsdp_addr);
	/* the protected-mode kernel is copied to 1 MiB */
	EXPECT_EQ(0x90, kvm.ram[BOOT_KERNEL_ADDR]);

	/* initrd: page aligned, above the kernel's working area, inside RAM */
	EXPECT_EQ(0, bp->hdr.ramdisk_image & 0xfff);
	EXPECT_GE(bp->hdr.ramdisk_image, 0x1000000 + (8 << 20));
	EXPECT_LE(bp->hdr.ramdisk_image + sizeof(initrd), kvm.ram_size);
	EXPECT_EQ(sizeof(initrd), bp->hdr.ramdisk_size);
	EXPECT_EQ(0, memcmp(kvm.ram + bp->hdr.ramdisk_image, initrd, sizeof(initrd)));

	/* identity map: PML4 -> PDPT -> 2 MiB pages covering 4 GiB */
	pml4 = (uint64_t *)(kvm.ram + BOOT_PML4_ADDR);
	pd = (uint64_t *)(kvm.ram + BOOT_PD_ADDR);
	EXPECT_EQ(BOOT_PDPT_ADDR | 3, pml4[0]);
	EXPECT_EQ(0x83ULL, pd[0]);
	EXPECT_EQ((2047ULL << 21) | 0x83, pd[2047]);
	/* __BOOT_CS is a long-mode code segment */
	EXPECT_EQ(0x00af9b000000ffffULL, ((uint64_t *)(kvm.ram + BOOT_GDT_ADDR))[2]);
	free(img);
	free(kvm.ram);
}

TEST(e820_low_ram)
{
	struct boot_e820_entry m[8];
	int n = boot__e820(512 << 20, m, 8);

	ASSERT_EQ(3, n);
	EXPECT_EQ(0, m[0].addr);
	EXPECT_EQ(BOOT_EBDA_ADDR, m[0].size);
	EXPECT_EQ(1, m[0].type);
	EXPECT_EQ(2, m[1].type);
	EXPECT_EQ(BOOT_KERNEL_ADDR, m[1].addr + m[1].size);
	EXPECT_EQ(BOOT_KERNEL_ADDR, m[2].addr);
	EXPECT_EQ(512ULL << 20, m[2].addr + m[2].size);
}

TEST(e820_splits_around_the_pci_hole)
{
	struct boot_e820_entry m[8];
	int n = boot__e820(4ULL << 30, m, 8);

	ASSERT_EQ(4, n);
	EXPECT_EQ(HPV_LOW_RAM_MAX, m[2].addr + m[2].size);
	EXPECT_EQ(HPV_HIGH_RAM_BASE, m[3].addr);
	EXPECT_EQ((4ULL << 30) - HPV_LOW_RAM_MAX, m[3].size);
	/* RAM adds up to what was asked for */
	EXPECT_EQ(4ULL << 30, m[0].size + m[2].size + m[3].size + m[1].size);
}

TEST(gpa_translation_rejects_holes_and_overflow)
{
	struct kvm kvm;

	fake_kvm(&kvm, 4ULL << 30);
	EXPECT_NE(NULL, kvm__gpa_to_host(&kvm, 0, 4096));
	EXPECT_EQ(NULL, kvm__gpa_to_host(&kvm, HPV_LOW_RAM_MAX - 4096, 8192));
	EXPECT_EQ(NULL, kvm__gpa_to_host(&kvm, 0xfee00000, 4));
	EXPECT_EQ(kvm.ram + HPV_LOW_RAM_MAX, kvm__gpa_to_host(&kvm, HPV_HIGH_RAM_BASE, 4096));
	EXPECT_EQ(NULL, kvm__gpa_to_host(&kvm, HPV_HIGH_RAM_BASE + (1ULL << 30), 1));
	EXPECT_EQ(NULL, kvm__gpa_to_host(&kvm, ~0ULL - 1, 16));
	free(kvm.ram);
}

/* Images and settings the loader must refuse, each with -errno. */
FIXTURE(bad_image)
{
	uint8_t *img;
	struct kvm kvm;
};

FIXTURE_VARIANT(bad_image)
{
	uint16_t version;
	uint8_t xload;
	int corrupt;   /* see FIXTURE_SETUP */
	uint64_t ram;
	uint64_t initrd;
	int cmdline_len;
};

enum { INTACT, NO_HDRS, NO_BOOT_FLAG, TRUNCATED_SETUP, TRUNCATED_PAYLOAD, PREF_WRAPS,
       INIT_SIZE_BELOW_PAYLOAD, NO_SYSSIZE };

FIXTURE_VARIANT_ADD(bad_image, no_hdrs_magic) { 0x020f, XLF_KERNEL_64, NO_HDRS, 128 << 20, 0, 10 };
FIXTURE_VARIANT_ADD(bad_image, no_boot_flag) { 0x020f, XLF_KERNEL_64, NO_BOOT_FLAG, 128 << 20, 0, 10 };
FIXTURE_VARIANT_ADD(bad_image, truncated_in_the_setup_code) {
	0x020f, XLF_KERNEL_64, TRUNCATED_SETUP, 128 << 20, 0, 10 };
/* the setup header promises more protected-mode code than the file holds */
FIXTURE_VARIANT_ADD(bad_image, truncated_payload) {
	0x020f, XLF_KERNEL_64, TRUNCATED_PAYLOAD, 128 << 20, 0, 10 };
FIXTURE_VARIANT_ADD(bad_image, no_payload_size) { 0x020f, XLF_KERNEL_64, NO_SYSSIZE, 128 << 20, 0, 10 };
/* pref_address + init_size wraps at 2^64, past the top of RAM */
FIXTURE_VARIANT_ADD(bad_image, pref_address_wraps) {
	0x020f, XLF_KERNEL_64, PREF_WRAPS, 128 << 20, 4096, 10 };
/* the decompressor's area smaller than the image it decompresses from */
FIXTURE_VARIANT_ADD(bad_image, init_size_below_the_payload) {
	0x020f, XLF_KERNEL_64, INIT_SIZE_BELOW_PAYLOAD, 128 << 20, 4096, 10 };
FIXTURE_VARIANT_ADD(bad_image, protocol_2_10) { 0x020a, XLF_KERNEL_64, INTACT, 128 << 20, 0, 10 };
FIXTURE_VARIANT_ADD(bad_image, no_64_bit_entry) { 0x020f, 0, INTACT, 128 << 20, 0, 10 };
FIXTURE_VARIANT_ADD(bad_image, ram_below_init_size) { 0x020f, XLF_KERNEL_64, INTACT, 16 << 20, 0, 10 };
FIXTURE_VARIANT_ADD(bad_image, initrd_larger_than_ram) {
	0x020f, XLF_KERNEL_64, INTACT, 64 << 20, 60 << 20, 10 };
FIXTURE_VARIANT_ADD(bad_image, command_line_too_long) { 0x020f, XLF_KERNEL_64, INTACT, 128 << 20, 0, 4000 };

FIXTURE_SETUP(bad_image)
{
	struct setup_header *h;

	self->img = fake_bzimage(variant->version, variant->xload);
	h = (void *)(self->img + 0x1f1);
	switch (variant->corrupt) {
	case NO_HDRS: self->img[0x202] = 'X'; break;
	case NO_BOOT_FLAG: self->img[0x1fe] = 0; break;
	case TRUNCATED_PAYLOAD: h->syssize += 1; break;
	case NO_SYSSIZE: h->syssize = 0; break;
	case PREF_WRAPS: h->pref_address = ~0ULL - 4095; break;
	case INIT_SIZE_BELOW_PAYLOAD: h->init_size = 4096; break;
	}
	fake_kvm(&self->kvm, variant->ram);
}

FIXTURE_TEARDOWN(bad_image)
{
	free(self->kvm.ram);
	free(self->img);
}

TEST_F(bad_image, is_refused)
{
	uint64_t size = variant->corrupt == TRUNCATED_SETUP ? (SETUP_SECTS + 1) * 512 : IMAGE_SIZE;
	char *cmdline = calloc(1, variant->cmdline_len + 1);
	void *initrd = variant->initrd ? calloc(1, variant->initrd) : NULL;
	struct boot_image b;

	memset(cmdline, 'x', variant->cmdline_len);
	EXPECT_GT(0, boot__validate(self->img, size, variant->ram, variant->initrd, cmdline));
	EXPECT_GT(0, boot__load_bzimage(&self->kvm, self->img, size, initrd, variant->initrd,
					cmdline, &b));
	free(initrd);
	free(cmdline);
}

TEST_HARNESS_MAIN

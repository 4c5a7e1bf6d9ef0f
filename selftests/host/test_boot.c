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
static const struct {
	const char *name;
	uint16_t version;
	uint8_t xload;
	int corrupt;     /* 1: no HdrS, 2: no 0xaa55, 3: truncated */
	uint64_t ram;
	uint64_t initrd;
	int cmdline_len;
} bad_images[] = {
	{ "no HdrS magic", 0x020f, XLF_KERNEL_64, 1, 128 << 20, 0, 10 },
	{ "no boot flag", 0x020f, XLF_KERNEL_64, 2, 128 << 20, 0, 10 },
	{ "truncated", 0x020f, XLF_KERNEL_64, 3, 128 << 20, 0, 10 },
	{ "protocol 2.10", 0x020a, XLF_KERNEL_64, 0, 128 << 20, 0, 10 },
	{ "no 64-bit entry", 0x020f, 0, 0, 128 << 20, 0, 10 },
	{ "RAM below init_size", 0x020f, XLF_KERNEL_64, 0, 16 << 20, 0, 10 },
	{ "initrd larger than RAM", 0x020f, XLF_KERNEL_64, 0, 64 << 20, 60 << 20, 10 },
	{ "command line too long", 0x020f, XLF_KERNEL_64, 0, 128 << 20, 0, 4000 },
};

TEST(refuses_bad_images)
{
	for (size_t i = 0; i < sizeof(bad_images) / sizeof(bad_images[0]); i++) {
		uint8_t *img = fake_bzimage(bad_images[i].version, bad_images[i].xload);
		uint64_t size = IMAGE_SIZE;
		char *cmdline = calloc(1, bad_images[i].cmdline_len + 1);
		void *initrd = bad_images[i].initrd ? calloc(1, bad_images[i].initrd) : NULL;
		struct boot_image b;
		struct kvm kvm;

		memset(cmdline, 'x', bad_images[i].cmdline_len);
		if (bad_images[i].corrupt == 1)
			img[0x202] = 'X';
		if (bad_images[i].corrupt == 2)
			img[0x1fe] = 0;
		if (bad_images[i].corrupt == 3)
			size = (SETUP_SECTS + 1) * 512;
		fake_kvm(&kvm, bad_images[i].ram);
		TH_LOG("case: %s", bad_images[i].name);
		EXPECT_GT(0, boot__load_bzimage(&kvm, img, size, initrd, bad_images[i].initrd, cmdline, &b));
		free(kvm.ram);
		free(initrd);
		free(cmdline);
		free(img);
	}
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/* Linux x86 boot protocol: bzImage, boot_params, e820, 64-bit entry. */
#include <errno.h>
#include <string.h>
#include <asm/bootparam.h>

#include "hpv/boot.h"
#include "hpv/kvm.h"
#include "hpv/util.h"

#define SETUP_HDR_OFFSET  0x1f1
#define HDRS_MAGIC        0x53726448 /* "HdrS" */
#define MIN_PROTOCOL      0x020c     /* 2.12: xloadflags, 64-bit entry flag */
#define ENTRY64_OFFSET    0x200
#define E820_RAM          1
#define E820_RESERVED     2

#define PTE_P  (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_PS (1ULL << 7)

int boot__e820(uint64_t ram_size, struct boot_e820_entry *map, int max)
{
	uint64_t low = ram_size < HPV_LOW_RAM_MAX ? ram_size : HPV_LOW_RAM_MAX;
	struct boot_e820_entry e[] = {
		{ 0, BOOT_EBDA_ADDR, E820_RAM },
		{ BOOT_EBDA_ADDR, BOOT_KERNEL_ADDR - BOOT_EBDA_ADDR, E820_RESERVED },
		{ BOOT_KERNEL_ADDR, low - BOOT_KERNEL_ADDR, E820_RAM },
		{ HPV_HIGH_RAM_BASE, ram_size - low, E820_RAM },
	};
	int n = ram_size > low ? 4 : 3;

	if (n > max)
		return -ENOSPC;
	memcpy(map, e, n * sizeof(e[0]));
	return n;
}

static void boot__setup_pagetables(struct kvm *kvm)
{
	uint64_t *pml4 = kvm__gpa_to_host(kvm, BOOT_PML4_ADDR, 4096);
	uint64_t *pdpt = kvm__gpa_to_host(kvm, BOOT_PDPT_ADDR, 4096);
	uint64_t *pd = kvm__gpa_to_host(kvm, BOOT_PD_ADDR, 4 * 4096);

	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = BOOT_PDPT_ADDR | PTE_P | PTE_RW;
	for (int i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD_ADDR + i * 4096) | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | PTE_P | PTE_RW | PTE_PS;
}

static void boot__setup_gdt(struct kvm *kvm)
{
	/* The boot protocol wants flat __BOOT_CS (0x10) and __BOOT_DS (0x18). */
	static const uint64_t gdt[BOOT_GDT_ENTRIES] = {
		0,
		0,
		0x00af9b000000ffffULL, /* 64-bit code */
		0x00cf93000000ffffULL, /* data */
	};

	memcpy(kvm__gpa_to_host(kvm, BOOT_GDT_ADDR, sizeof(gdt)), gdt, sizeof(gdt));
}

static int boot__check_header(const uint8_t *image, uint64_t size, const struct setup_header *hdr)
{
	if (size < 0x1000 || hdr->boot_flag != 0xaa55 || hdr->header != HDRS_MAGIC) {
		pr_err("kernel image is not a bzImage (no Linux boot header)");
		return -ENOEXEC;
	}
	if (hdr->version < MIN_PROTOCOL) {
		pr_err("kernel boot protocol %u.%02u is too old; need 2.12 or later",
		       hdr->version >> 8, hdr->version & 0xff);
		return -ENOEXEC;
	}
	if (!(hdr->xloadflags & XLF_KERNEL_64) || !(hdr->loadflags & LOADED_HIGH)) {
		pr_err("kernel image has no 64-bit entry point");
		return -ENOEXEC;
	}
	if ((uint64_t)((hdr->setup_sects ? hdr->setup_sects : 4) + 1) * 512 >= size) {
		pr_err("kernel image is truncated");
		return -ENOEXEC;
	}
	(void)image;
	return 0;
}

/*
 * The decompressor runs at pref_address and needs init_size there; the
 * image we copy to 1 MiB must fit below that end too. UINT64_MAX where
 * the sum wraps: no RAM is that large.
 */
static uint64_t boot__kernel_end(const struct setup_header *h)
{
	uint64_t start = h->pref_address > BOOT_KERNEL_ADDR ? h->pref_address : BOOT_KERNEL_ADDR;
	uint64_t end;

	if (__builtin_add_overflow(start, (uint64_t)h->init_size, &end))
		return UINT64_MAX;
	return end;
}

int boot__validate(const void *image, uint64_t image_size, uint64_t ram_size, uint64_t initrd_size,
		   const char *cmdline)
{
	const uint8_t *img = image;
	const struct setup_header *ihdr = (const void *)(img + SETUP_HDR_OFFSET);
	uint64_t low = ram_size < HPV_LOW_RAM_MAX ? ram_size : HPV_LOW_RAM_MAX;
	uint64_t kernel_end, setup_size, initrd_max, top;
	int ret;

	if (image_size < SETUP_HDR_OFFSET + sizeof(*ihdr)) {
		pr_err("kernel image is not a bzImage (too small)");
		return -ENOEXEC;
	}
	ret = boot__check_header(img, image_size, ihdr);
	if (ret)
		return ret;
	setup_size = (uint64_t)((ihdr->setup_sects ? ihdr->setup_sects : 4) + 1) * 512;
	/* the payload the header promises (syssize, in 16-byte units) is all there */
	if (!ihdr->syssize || (uint64_t)ihdr->syssize * 16 > image_size - setup_size) {
		pr_err("kernel image is truncated: its header promises %llu bytes, the file has %llu",
		       (unsigned long long)ihdr->syssize * 16,
		       (unsigned long long)(image_size - setup_size));
		return -ENOEXEC;
	}
	if (ihdr->init_size < image_size - setup_size) {
		pr_err("kernel image is inconsistent: init_size %u is smaller than its %llu-byte payload",
		       ihdr->init_size, (unsigned long long)(image_size - setup_size));
		return -ENOEXEC;
	}
	kernel_end = boot__kernel_end(ihdr);
	if (BOOT_KERNEL_ADDR + image_size - setup_size > low || kernel_end > low) {
		if (kernel_end == UINT64_MAX)
			pr_err("kernel image is inconsistent: pref_address + init_size overflows");
		else
			pr_err("guest RAM too small for this kernel: need more than %llu MiB",
			       (unsigned long long)(kernel_end >> 20));
		return -ENOMEM;
	}
	if (strlen(cmdline) >= ihdr->cmdline_size) {
		pr_err("command line is %zu bytes; this kernel takes at most %u", strlen(cmdline),
		       ihdr->cmdline_size - 1);
		return -E2BIG;
	}
	initrd_max = ihdr->initrd_addr_max ? (uint64_t)ihdr->initrd_addr_max + 1 : 0x38000000;
	top = low < initrd_max ? low : initrd_max;
	if (initrd_size && (initrd_size > top || ((top - initrd_size) & ~0xfffULL) < kernel_end)) {
		pr_err("initrd of %llu MiB does not fit between the kernel and the top of %llu MiB of guest RAM",
		       (unsigned long long)(initrd_size >> 20), (unsigned long long)(ram_size >> 20));
		return -ENOMEM;
	}
	return 0;
}

int boot__load_bzimage(struct kvm *kvm, const void *image, uint64_t image_size, const void *initrd,
		       uint64_t initrd_size, const char *cmdline, struct boot_image *out)
{
	const uint8_t *img = image;
	const struct setup_header *ihdr = (const void *)(img + SETUP_HDR_OFFSET);
	uint64_t low = kvm->ram_size < HPV_LOW_RAM_MAX ? kvm->ram_size : HPV_LOW_RAM_MAX;
	struct boot_params *bp;
	uint64_t setup_size, kernel_size, hdr_len;
	int ret, n;

	memset(out, 0, sizeof(*out));
	ret = boot__validate(image, image_size, kvm->ram_size, initrd ? initrd_size : 0, cmdline);
	if (ret)
		return ret;

	setup_size = (uint64_t)((ihdr->setup_sects ? ihdr->setup_sects : 4) + 1) * 512;
	kernel_size = image_size - setup_size;
	out->kernel_end = boot__kernel_end(ihdr);

	memcpy(kvm__gpa_to_host(kvm, BOOT_KERNEL_ADDR, kernel_size), img + setup_size, kernel_size);
	memcpy(kvm__gpa_to_host(kvm, BOOT_CMDLINE_ADDR, strlen(cmdline) + 1), cmdline,
	       strlen(cmdline) + 1);

	bp = kvm__gpa_to_host(kvm, BOOT_PARAMS_ADDR, sizeof(*bp));
	memset(bp, 0, sizeof(*bp));
	hdr_len = 0x202 + img[0x201] - SETUP_HDR_OFFSET;
	memcpy(&bp->hdr, ihdr, hdr_len < sizeof(bp->hdr) ? hdr_len : sizeof(bp->hdr));
	/* the image's own copy of the fields a loader sets means nothing */
	bp->hdr.ramdisk_image = 0;
	bp->hdr.ramdisk_size = 0;
	bp->hdr.setup_data = 0;
	bp->hdr.hardware_subarch = 0;
	bp->hdr.hardware_subarch_data = 0;
	bp->hdr.type_of_loader = 0xff;
	bp->hdr.vid_mode = 0xffff;
	bp->hdr.code32_start = BOOT_KERNEL_ADDR;
	bp->hdr.cmd_line_ptr = BOOT_CMDLINE_ADDR;

	if (initrd && initrd_size) {
		uint64_t max = ihdr->initrd_addr_max ? (uint64_t)ihdr->initrd_addr_max + 1 : 0x38000000;
		uint64_t top = low < max ? low : max;
		/* As high as allowed: the kernel's own working area stays clear. */
		uint64_t addr = (top - initrd_size) & ~0xfffULL;

		memcpy(kvm__gpa_to_host(kvm, addr, initrd_size), initrd, initrd_size);
		bp->hdr.ramdisk_image = addr;
		bp->hdr.ramdisk_size = initrd_size;
		out->initrd_addr = addr;
		out->initrd_size = initrd_size;
	}

	n = boot__e820(kvm->ram_size, bp->e820_table, E820_MAX_ENTRIES_ZEROPAGE);
	if (n < 0)
		return n;
	bp->e820_entries = n;
	bp->acpi_rsdp_addr = BOOT_ACPI_ADDR;

	boot__setup_pagetables(kvm);
	boot__setup_gdt(kvm);

	out->entry = BOOT_KERNEL_ADDR + ENTRY64_OFFSET;
	out->protocol = ihdr->version;
	return 0;
}

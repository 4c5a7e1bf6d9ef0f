// SPDX-License-Identifier: GPL-2.0
/*
 * The bzImage loader and boot_params builder on random images, as main.c
 * runs them: boot__validate with the image, RAM size, initrd size and
 * command line, the ACPI tables, then boot__load_bzimage into guest RAM
 * (fuzz_ram.h, guarded). The image and the initrd end where an
 * inaccessible page begins, so reading past either is caught.
 *
 * Beside the sanitizers: the load succeeds exactly when the validation
 * did, and what it placed is where the boot protocol and docs/vmm.md say,
 * inside RAM, and intact after the last write: the protected-mode kernel
 * at 1 MiB, the command line, the initrd (page aligned, above the
 * kernel's working area, below initrd_addr_max), the ACPI tables,
 * boot_params pointing at them.
 *
 * Input: RAM size, vCPUs, command line length, initrd size, image
 * padding, then the command line and the image's bytes.
 */
#include <string.h>
#include <asm/bootparam.h>

#include "fuzz_input.h"
#include "fuzz_ram.h"
#include "hpv/boot.h"
#include "hpv/kvm.h"

#define SETUP_HDR_OFFSET 0x1f1
#define MAX_CMDLINE      8192
#define MAX_INITRD       (128ULL << 20)
#define MAX_PAD          (96ULL << 20)
#define MAX_IMAGE        (MAX_PAD + (1 << 20))

/* What --mem allows: 64 MiB to 256 GiB, in 4 KiB steps. */
static const uint64_t ram_sizes[] = {
	HPV_MIN_RAM,	     HPV_MIN_RAM + 4096, 128ULL << 20,		 512ULL << 20,
	1ULL << 30,	     HPV_LOW_RAM_MAX,	 HPV_LOW_RAM_MAX + 4096, 8ULL << 30,
};

/*
 * A buffer whose last byte abuts an inaccessible page, so that a read past
 * the end of what it holds faults, kept for the run: a big image costs its
 * copy into RAM, not page faults. The image's bytes are cleared after use.
 */
static uint8_t *end_guarded(uint8_t **region, uint64_t max, uint64_t size)
{
	if (!*region)
		*region = fuzz_ram__map(max);
	return *region + max - size;
}

static bool is_zero(const uint8_t *p, uint64_t n)
{
	return !n || (!p[0] && !memcmp(p, p + 1, n - 1));
}

static void check_load(struct kvm *kvm, const uint8_t *img, uint64_t img_size,
		       uint64_t initrd_size, const char *cmdline, const uint8_t *acpi,
		       const struct boot_image *b)
{
	const struct setup_header *h = (const void *)(img + SETUP_HDR_OFFSET);
	uint64_t low = kvm->ram_size < HPV_LOW_RAM_MAX ? kvm->ram_size : HPV_LOW_RAM_MAX;
	uint64_t setup = (uint64_t)((h->setup_sects ? h->setup_sects : 4) + 1) * 512;
	uint64_t max = h->initrd_addr_max ? (uint64_t)h->initrd_addr_max + 1 : 0x38000000;
	const struct boot_params *bp = kvm__gpa_to_host(kvm, BOOT_PARAMS_ADDR, sizeof(*bp));
	const uint8_t *kernel = kvm__gpa_to_host(kvm, BOOT_KERNEL_ADDR, img_size - setup);
	const char *cl = kvm__gpa_to_host(kvm, BOOT_CMDLINE_ADDR, strlen(cmdline) + 1);

	fuzz__check(b->entry == BOOT_KERNEL_ADDR + 0x200, "entry 0x%llx",
		    (unsigned long long)b->entry);
	fuzz__check(b->kernel_end <= low, "kernel working area ends at 0x%llx, RAM at 0x%llx",
		    (unsigned long long)b->kernel_end, (unsigned long long)low);
	fuzz__check(kernel && !memcmp(kernel, img + setup, img_size - setup),
		    "the kernel at 1 MiB is not the image's (%llu bytes)",
		    (unsigned long long)(img_size - setup));
	fuzz__check(cl && !strcmp(cl, cmdline), "the command line at 0x%llx is not intact",
		    (unsigned long long)BOOT_CMDLINE_ADDR);
	fuzz__check(!memcmp(kvm__gpa_to_host(kvm, BOOT_ACPI_ADDR, BOOT_ACPI_SIZE), acpi,
			    BOOT_ACPI_SIZE),
		    "the ACPI tables were overwritten");
	fuzz__check(bp->hdr.cmd_line_ptr == BOOT_CMDLINE_ADDR && bp->acpi_rsdp_addr == BOOT_ACPI_ADDR &&
			    bp->hdr.code32_start == BOOT_KERNEL_ADDR,
		    "boot_params points elsewhere");
	for (int i = 0; i < bp->e820_entries; i++) {
		const struct boot_e820_entry *e = &bp->e820_table[i];

		fuzz__check(i < E820_MAX_ENTRIES_ZEROPAGE, "%u e820 entries", bp->e820_entries);
		fuzz__check(e->type != 1 || kvm__gpa_to_host(kvm, e->addr, e->size),
			    "e820 RAM 0x%llx+0x%llx is not guest RAM", (unsigned long long)e->addr,
			    (unsigned long long)e->size);
	}
	/* the fields the boot protocol leaves to the loader: hpv passes no
	 * setup_data list and a plain PC, whatever the file says */
	fuzz__check(!bp->hdr.setup_data && !bp->hdr.hardware_subarch &&
			    !bp->hdr.hardware_subarch_data,
		    "boot_params from the file: setup_data 0x%llx, subarch %u",
		    (unsigned long long)bp->hdr.setup_data, bp->hdr.hardware_subarch);
	if (!initrd_size) {
		fuzz__check(!b->initrd_addr && !bp->hdr.ramdisk_image && !bp->hdr.ramdisk_size,
			    "an initrd from nowhere: 0x%x+0x%x", bp->hdr.ramdisk_image,
			    bp->hdr.ramdisk_size);
		return;
	}
	fuzz__check(b->initrd_size == initrd_size && bp->hdr.ramdisk_size == initrd_size &&
			    bp->hdr.ramdisk_image == b->initrd_addr,
		    "initrd of %llu bytes recorded as %llu at 0x%x", (unsigned long long)initrd_size,
		    (unsigned long long)b->initrd_size, bp->hdr.ramdisk_image);
	fuzz__check(!(b->initrd_addr & 0xfff) && b->initrd_addr >= b->kernel_end &&
			    b->initrd_addr + initrd_size <= (low < max ? low : max),
		    "initrd at 0x%llx+0x%llx: kernel area ends 0x%llx, limit 0x%llx",
		    (unsigned long long)b->initrd_addr, (unsigned long long)initrd_size,
		    (unsigned long long)b->kernel_end, (unsigned long long)(low < max ? low : max));
	fuzz__check(is_zero(kvm__gpa_to_host(kvm, b->initrd_addr, initrd_size), initrd_size),
		    "the initrd is not intact");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t acpi[BOOT_ACPI_SIZE], *image_region, *initrd_region;
	struct fuzz_in in = { data, size };
	uint64_t ram = ram_sizes[fuzz_in__u8(&in) % 8];
	int nr_cpus = 1 + fuzz_in__u8(&in) % 255;
	uint32_t cmdline_len = fuzz_in__u16(&in) % MAX_CMDLINE;
	uint8_t initrd_sel = fuzz_in__u8(&in);
	uint32_t initrd_raw = fuzz_in__u32(&in);
	uint8_t pad_sel = fuzz_in__u8(&in);
	uint32_t pad_raw = fuzz_in__u32(&in);
	uint64_t initrd_size = 0, img_size, pad = 0;
	const uint8_t *initrd = NULL;
	struct kvm kvm = { .ram_size = ram };
	struct boot_image b;
	uint8_t *img;
	char *cmdline;
	int ok, ret;

	/* mostly small, rarely anything up to the caps (a big one costs ms) */
	if (initrd_sel & 1) {
		initrd_size = initrd_sel == 0xff ? initrd_raw % MAX_INITRD : initrd_raw % 65536;
		initrd = end_guarded(&initrd_region, MAX_INITRD, initrd_size);
	}
	if (pad_sel == 0xff)
		pad = pad_raw % MAX_PAD;
	else if (pad_sel >= 0xf0)
		pad = pad_raw % (1 << 20);
	cmdline = malloc(cmdline_len + 1);
	fuzz__check(cmdline, "malloc");
	for (uint32_t i = 0; i < cmdline_len; i++)
		cmdline[i] = fuzz_in__u8(&in);
	cmdline[cmdline_len] = 0;
	if (in.n > MAX_IMAGE - pad)
		in.n = MAX_IMAGE - pad;
	img_size = in.n + pad;
	img = end_guarded(&image_region, MAX_IMAGE, img_size);
	memcpy(img, in.p, in.n);

	ok = !boot__validate(img, img_size, ram, initrd_size, cmdline);
	kvm.ram = fuzz_ram__get(ram)->base;
	if (ok) {
		/* as main.c: the tables, then the kernel */
		fuzz__check(!acpi__build(&kvm, nr_cpus), "ACPI tables for %d vCPUs", nr_cpus);
		memcpy(acpi, kvm.ram + BOOT_ACPI_ADDR, BOOT_ACPI_SIZE);
	}
	ret = boot__load_bzimage(&kvm, img, img_size, initrd, initrd_size, cmdline, &b);
	fuzz__check(ok == !ret, "boot__validate %s but boot__load_bzimage returned %d",
		    ok ? "passed" : "refused", ret);
	if (ok)
		check_load(&kvm, img, img_size, initrd_size, cmdline, acpi, &b);
	/* the next input starts on what this one left: no matter, it only
	 * writes, but a big one's pages are given back */
	if (img_size + initrd_size > (16 << 20))
		fuzz_ram__drop(fuzz_ram__get(ram));
	memset(img, 0, in.n);
	free(cmdline);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HPV_BOOT_H
#define HPV_BOOT_H

#include <stdint.h>

struct kvm;

/* Low-memory layout of what the VMM places for the guest (guest-physical). */
#define BOOT_GDT_ADDR       0x500ULL
#define BOOT_PARAMS_ADDR    0x7000ULL
#define BOOT_PML4_ADDR      0x9000ULL
#define BOOT_PDPT_ADDR      0xa000ULL
#define BOOT_PD_ADDR        0xb000ULL /* four pages: 4 GiB of 2 MiB pages */
#define BOOT_CMDLINE_ADDR   0x20000ULL
#define BOOT_EBDA_ADDR      0x9fc00ULL
#define BOOT_ACPI_ADDR      0xe0000ULL
#define BOOT_ACPI_SIZE      0x10000ULL
#define BOOT_KERNEL_ADDR    0x100000ULL
#define BOOT_GDT_ENTRIES    4

struct boot_image {
	uint64_t entry;       /* 64-bit entry point */
	uint64_t kernel_end;  /* highest address the kernel may touch while booting */
	uint64_t initrd_addr; /* 0 when none */
	uint64_t initrd_size;
	uint16_t protocol;
};

/*
 * Load a bzImage and (optionally) an initrd, write boot_params with the
 * command line and e820 map, the identity page tables and the boot GDT.
 * Returns 0 or -errno with one message printed.
 */
int boot__load_bzimage(struct kvm *kvm, const void *image, uint64_t image_size, const void *initrd,
		       uint64_t initrd_size, const char *cmdline, struct boot_image *out);

/* Every check boot__load_bzimage makes, without a VM: bad input is
 * reported before /dev/kvm is touched. */
int boot__validate(const void *image, uint64_t image_size, uint64_t ram_size, uint64_t initrd_size,
		   const char *cmdline);

/* The guest's e820 map for kvm->ram_size; returns the number of entries. */
struct boot_e820_entry;
int boot__e820(uint64_t ram_size, struct boot_e820_entry *map, int max);

/* ACPI RSDP, XSDT, FADT, DSDT and MADT for nr_cpus at BOOT_ACPI_ADDR. */
int acpi__build(struct kvm *kvm, int nr_cpus);
uint8_t acpi__checksum(const void *p, uint64_t len);

#endif

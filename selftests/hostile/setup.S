/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bzImage's setup sectors: only the Linux boot-protocol header. No
 * real-mode code runs: hpv (like any 64-bit loader) jumps to the 64-bit
 * entry point, 0x200 into the protected-mode part loaded at 1 MiB. The
 * fields follow Documentation/arch/x86/boot.rst, protocol 2.15.
 */
#define SETUP_SECTS 1

	.section .setup, "a"
	.code16
	.org 0x1f1
	.byte SETUP_SECTS	/* 0x1f1 setup_sects */
	.word 0			/* root_flags */
	.long _syssize		/* 0x1f4 syssize: 16-byte units */
	.word 0			/* ram_size */
	.word 0xffff		/* vid_mode */
	.word 0			/* root_dev */
	.word 0xaa55		/* 0x1fe boot_flag */
	/* 0x200: a loader reads the header's length from this jump */
	.byte 0xeb, hdr_end - 1f
1:	.ascii "HdrS"		/* 0x202 header */
	.word 0x020f		/* 0x206 version: 2.15 */
	.long 0			/* realmode_swtch */
	.word 0			/* start_sys_seg */
	.word 0			/* kernel_version */
	.byte 0			/* 0x210 type_of_loader */
	.byte 0x01		/* 0x211 loadflags: LOADED_HIGH */
	.word 0			/* setup_move_size */
	.long 0x100000		/* 0x214 code32_start */
	.long 0			/* ramdisk_image */
	.long 0			/* ramdisk_size */
	.long 0			/* bootsect_kludge */
	.word 0			/* heap_end_ptr */
	.byte 0			/* ext_loader_ver */
	.byte 0			/* ext_loader_type */
	.long 0			/* 0x228 cmd_line_ptr */
	.long 0x7fffffff	/* 0x22c initrd_addr_max */
	.long 0x200000		/* 0x230 kernel_alignment */
	.byte 0			/* 0x234 relocatable_kernel: no */
	.byte 21		/* min_alignment: 2 MiB */
	.word 0x0001		/* 0x236 xloadflags: XLF_KERNEL_64 */
	.long 2048		/* 0x238 cmdline_size */
	.long 0			/* hardware_subarch */
	.quad 0			/* hardware_subarch_data */
	.long 0			/* payload_offset */
	.long 0			/* payload_length */
	.quad 0			/* setup_data */
	.quad 0x100000		/* 0x258 pref_address */
	.long _init_size	/* 0x260 init_size */
	.long 0			/* handover_offset */
	.long 0			/* 0x268 kernel_info_offset */
hdr_end:
	.org (SETUP_SECTS + 1) * 512

	.section .note.GNU-stack, "", @progbits

// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI tables rather than an MP table: the MADT describes the CPUs and the
 * IOAPIC just as an MP table would, and the FADT also gives Linux a way to
 * power off (PM1a control, S5) and reset (reset register) that ends the VMM
 * without a guest patch.
 */
#include <errno.h>
#include <string.h>

#include "hpv/boot.h"
#include "hpv/hw.h"
#include "hpv/kvm.h"

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));

struct acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_revision;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control, sleep_status;
	uint64_t hypervisor_id;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT revision 6 is 276 bytes");

struct madt_lapic {
	uint8_t type, length, processor_id, apic_id;
	uint32_t flags;
} __attribute__((packed));

struct madt_ioapic {
	uint8_t type, length, id, reserved;
	uint32_t address, gsi_base;
} __attribute__((packed));

struct madt_iso {
	uint8_t type, length, bus, source;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));

struct madt_lapic_nmi {
	uint8_t type, length, processor_id;
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));

#define FADT_WBINVD        (1u << 0)
#define FADT_PWR_BUTTON    (1u << 4) /* no fixed power button */
#define FADT_SLP_BUTTON    (1u << 5) /* no fixed sleep button */
#define FADT_RESET_REG_SUP (1u << 10)
#define ACPI_SCI_IRQ       9
#define IOAPIC_ADDR        0xfec00000u
#define LAPIC_ADDR         0xfee00000u

/* DefinitionBlock body: Name (_S5, Package () { 5, 5 }) */
static const uint8_t dsdt_aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, 0x05, 0x0a, 0x05 };

uint8_t acpi__checksum(const void *p, uint64_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

static void acpi__header(struct acpi_header *h, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, "HYBRPV", 6);
	memcpy(h->oem_table_id, "HPVVMM  ", 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, "HPV ", 4);
	h->creator_revision = 1;
	h->checksum = 0;
	h->checksum = -acpi__checksum(h, len);
}

int acpi__build(struct kvm *kvm, int nr_cpus)
{
	uint64_t rsdp_gpa = BOOT_ACPI_ADDR, xsdt_gpa = rsdp_gpa + 64, fadt_gpa = xsdt_gpa + 64;
	uint64_t dsdt_gpa = fadt_gpa + 512, madt_gpa = dsdt_gpa + 256;
	uint32_t madt_len = sizeof(struct acpi_header) + 8 + nr_cpus * sizeof(struct madt_lapic) +
			    sizeof(struct madt_ioapic) + sizeof(struct madt_iso) +
			    sizeof(struct madt_lapic_nmi);
	uint8_t *base = kvm__gpa_to_host(kvm, BOOT_ACPI_ADDR, BOOT_ACPI_SIZE);
	struct acpi_header *xsdt, *dsdt, *madt;
	struct acpi_fadt *fadt;
	struct acpi_rsdp *rsdp;
	const uint64_t xsdt_entries[] = { fadt_gpa, madt_gpa };
	const uint32_t madt_head[] = { LAPIC_ADDR, 1 /* PCAT_COMPAT: there is an 8259 pair */ };
	uint8_t *p;

	if (!base || nr_cpus < 1 || nr_cpus > 255 || madt_gpa + madt_len > BOOT_ACPI_ADDR + BOOT_ACPI_SIZE)
		return -EINVAL;
	memset(base, 0, BOOT_ACPI_SIZE);

	dsdt = (void *)(base + (dsdt_gpa - BOOT_ACPI_ADDR));
	memcpy(dsdt + 1, dsdt_aml, sizeof(dsdt_aml));
	acpi__header(dsdt, "DSDT", sizeof(*dsdt) + sizeof(dsdt_aml), 2);

	fadt = (void *)(base + (fadt_gpa - BOOT_ACPI_ADDR));
	fadt->dsdt = dsdt_gpa;
	fadt->x_dsdt = dsdt_gpa;
	fadt->sci_int = ACPI_SCI_IRQ;
	fadt->pm1a_evt_blk = PM_PORT_BASE + PM1_EVT_OFFSET;
	fadt->pm1a_cnt_blk = PM_PORT_BASE + PM1_CNT_OFFSET;
	fadt->pm1_evt_len = 4;
	fadt->pm1_cnt_len = 2;
	fadt->flags = FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON | FADT_RESET_REG_SUP;
	fadt->reset_reg = (struct acpi_gas){ .space_id = 1, .bit_width = 8, .address = RESET_PORT };
	fadt->reset_value = RESET_CF9_VALUE;
	fadt->minor_revision = 0;
	acpi__header(&fadt->h, "FACP", sizeof(*fadt), 6);

	madt = (void *)(base + (madt_gpa - BOOT_ACPI_ADDR));
	p = (uint8_t *)(madt + 1);
	/* the tables' fields are packed: copied, never stored through a cast */
	memcpy(p, madt_head, sizeof(madt_head));
	p += sizeof(madt_head);
	for (int i = 0; i < nr_cpus; i++) {
		struct madt_lapic l = { 0, sizeof(l), i, i, 1 };

		memcpy(p, &l, sizeof(l));
		p += sizeof(l);
	}
	{
		struct madt_ioapic io = { 1, sizeof(io), 0, 0, IOAPIC_ADDR, 0 };
		/* SCI: level-triggered, active high, as KVM's IOAPIC pin sees it. */
		struct madt_iso iso = { 2, sizeof(iso), 0, ACPI_SCI_IRQ, ACPI_SCI_IRQ, 0x000d };
		struct madt_lapic_nmi nmi = { 4, sizeof(nmi), 0xff, 0, 1 };

		memcpy(p, &io, sizeof(io));
		p += sizeof(io);
		memcpy(p, &iso, sizeof(iso));
		p += sizeof(iso);
		memcpy(p, &nmi, sizeof(nmi));
		p += sizeof(nmi);
	}
	acpi__header(madt, "APIC", madt_len, 4);

	xsdt = (void *)(base + (xsdt_gpa - BOOT_ACPI_ADDR));
	memcpy(xsdt + 1, xsdt_entries, sizeof(xsdt_entries));
	acpi__header(xsdt, "XSDT", sizeof(*xsdt) + sizeof(xsdt_entries), 1);

	rsdp = (void *)base;
	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, "HYBRPV", 6);
	rsdp->revision = 2;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = xsdt_gpa;
	rsdp->checksum = -acpi__checksum(rsdp, 20);
	rsdp->extended_checksum = -acpi__checksum(rsdp, sizeof(*rsdp));
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* ACPI PM1a (S5 poweroff) and the reset paths Linux tries on reboot. */
#include <errno.h>
#include <string.h>

#include "hpv/hw.h"
#include "hpv/io.h"
#include "hpv/kvm.h"
#include "hpv/vcpu.h"

#define PM1_CNT_SCI_EN   0x0001
#define PM1_CNT_SLP_EN   0x2000
#define PM1_SLP_TYP(v)   (((v) >> 10) & 7)
#define ACPI_S5_SLP_TYP  5 /* matches \_S5 in our DSDT */
#define CF9_RESET        0x04

struct pm {
	uint16_t pm1_en;
	uint16_t pm1_cnt;
};

static struct pm pm_state;

static int pm__io(struct kvm_cpu *cpu, uint64_t port, void *data, uint32_t len, bool is_write,
		  void *ctx)
{
	struct pm *pm = ctx;
	unsigned int off = port - PM_PORT_BASE;
	uint32_t v = 0;

	if (is_write)
		memcpy(&v, data, len);

	switch (off) {
	case PM1_EVT_OFFSET:     /* status: nothing ever pending */
		if (!is_write)
			memset(data, 0, len);
		return 0;
	case PM1_EVT_OFFSET + 2: /* enable */
		if (is_write)
			pm->pm1_en = v;
		else
			memcpy(data, &pm->pm1_en, len < 2 ? len : 2);
		return 0;
	case PM1_CNT_OFFSET:
		if (!is_write) {
			uint16_t cnt = pm->pm1_cnt | PM1_CNT_SCI_EN;

			memcpy(data, &cnt, len < 2 ? len : 2);
			return 0;
		}
		pm->pm1_cnt = v & ~PM1_CNT_SLP_EN;
		if ((v & PM1_CNT_SLP_EN) && PM1_SLP_TYP(v) == ACPI_S5_SLP_TYP)
			kvm__request_end(cpu->kvm, HPV_END_POWEROFF, 0);
		return 0;
	default:
		if (!is_write)
			memset(data, 0, len);
		return 0;
	}
}

static int reset__io(struct kvm_cpu *cpu, uint64_t port, void *data, uint32_t len, bool is_write,
		     void *ctx)
{
	uint8_t v = *(uint8_t *)data;

	(void)ctx;
	(void)len;
	if (!is_write) {
		/* i8042 status: input buffer empty, so Linux's kb_wait() is quick. */
		*(uint8_t *)data = 0;
		return 0;
	}
	if ((port == RESET_PORT && (v & CF9_RESET)) || (port == I8042_CMD_PORT && v == I8042_CMD_RESET))
		kvm__request_end(cpu->kvm, HPV_END_RESET, 0);
	return 0;
}

int pm__init(struct kvm *kvm)
{
	int ret;

	memset(&pm_state, 0, sizeof(pm_state));
	ret = io__register(&kvm->io, HPV_IO_PIO, PM_PORT_BASE, PM_PORT_LEN, "acpi-pm", pm__io, &pm_state);
	if (!ret)
		ret = io__register(&kvm->io, HPV_IO_PIO, RESET_PORT, 1, "reset", reset__io, NULL);
	if (!ret)
		ret = io__register(&kvm->io, HPV_IO_PIO, I8042_CMD_PORT, 1, "i8042", reset__io, NULL);
	return ret;
}

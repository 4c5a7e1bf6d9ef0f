// SPDX-License-Identifier: GPL-2.0
/* ACPI PM1a (S5 poweroff) and the reset paths Linux tries on reboot. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
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

/*
 * The block's three 16-bit registers as bytes, so that an access of any
 * width (Linux uses 16 bits; a guest may use 8 or 32, spanning two
 * registers) touches exactly the bytes it covers.
 */
struct pm {
	pthread_mutex_t lock;
	uint8_t regs[PM_PORT_LEN]; /* PM1_STS, PM1_EN, PM1_CNT */
};

static uint16_t pm__reg(const struct pm *pm, unsigned int off)
{
	return pm->regs[off] | (uint16_t)pm->regs[off + 1] << 8;
}

static int pm__io(struct kvm_cpu *cpu, uint64_t port, void *data, uint32_t len, bool is_write,
		  void *ctx)
{
	struct pm *pm = ctx;
	unsigned int off = port - PM_PORT_BASE;
	uint8_t *bytes = data;
	bool poweroff = false;
	uint16_t cnt;

	pthread_mutex_lock(&pm->lock);
	for (uint32_t i = 0; i < len && off + i < PM_PORT_LEN; i++) {
		unsigned int b = off + i;

		if (!is_write)
			/* status: nothing ever pending; SCI_EN always set */
			bytes[i] = b < PM1_EVT_OFFSET + 2 ? 0 :
				   b == PM1_CNT_OFFSET ? pm->regs[b] | PM1_CNT_SCI_EN : pm->regs[b];
		else if (b >= PM1_EVT_OFFSET + 2)
			pm->regs[b] = bytes[i];
	}
	if (is_write && off + len > PM1_CNT_OFFSET + 1) {
		/* SLP_EN is a trigger, read back as 0 */
		cnt = pm__reg(pm, PM1_CNT_OFFSET);
		poweroff = (cnt & PM1_CNT_SLP_EN) && PM1_SLP_TYP(cnt) == ACPI_S5_SLP_TYP;
		pm->regs[PM1_CNT_OFFSET + 1] &= ~(PM1_CNT_SLP_EN >> 8);
	}
	pthread_mutex_unlock(&pm->lock);
	if (poweroff)
		kvm__request_end(cpu->kvm, HPV_END_POWEROFF, 0);
	return 0;
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

static void pm__free(void *ctx)
{
	struct pm *pm = ctx;

	pthread_mutex_destroy(&pm->lock);
	free(pm);
}

int pm__init(struct kvm *kvm)
{
	struct pm *pm = calloc(1, sizeof(*pm));
	int ret;

	if (!pm)
		return -ENOMEM;
	pthread_mutex_init(&pm->lock, NULL);
	ret = kvm__add_cleanup(kvm, pm__free, pm);
	if (ret) {
		pm__free(pm);
		return ret;
	}
	ret = io__register(&kvm->io, HPV_IO_PIO, PM_PORT_BASE, PM_PORT_LEN, "acpi-pm", pm__io, pm);
	if (!ret)
		ret = io__register(&kvm->io, HPV_IO_PIO, RESET_PORT, 1, "reset", reset__io, NULL);
	if (!ret)
		ret = io__register(&kvm->io, HPV_IO_PIO, I8042_CMD_PORT, 1, "i8042", reset__io, NULL);
	return ret;
}

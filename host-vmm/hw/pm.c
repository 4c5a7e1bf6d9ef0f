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

struct pm {
	pthread_mutex_t lock;
	uint16_t pm1_en;
	uint16_t pm1_cnt;
};

static int pm__io(struct kvm_cpu *cpu, uint64_t port, void *data, uint32_t len, bool is_write,
		  void *ctx)
{
	struct pm *pm = ctx;
	unsigned int off = port - PM_PORT_BASE;
	uint32_t v = 0;
	bool poweroff = false;

	if (is_write)
		memcpy(&v, data, len);
	else
		memset(data, 0, len);

	pthread_mutex_lock(&pm->lock);
	switch (off) {
	case PM1_EVT_OFFSET:     /* status: nothing ever pending */
		break;
	case PM1_EVT_OFFSET + 2: /* enable */
		if (is_write)
			pm->pm1_en = v;
		else
			memcpy(data, &pm->pm1_en, len < 2 ? len : 2);
		break;
	case PM1_CNT_OFFSET:
		if (!is_write) {
			uint16_t cnt = pm->pm1_cnt | PM1_CNT_SCI_EN;

			memcpy(data, &cnt, len < 2 ? len : 2);
			break;
		}
		pm->pm1_cnt = v & ~PM1_CNT_SLP_EN;
		poweroff = (v & PM1_CNT_SLP_EN) && PM1_SLP_TYP(v) == ACPI_S5_SLP_TYP;
		break;
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

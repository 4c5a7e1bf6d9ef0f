// SPDX-License-Identifier: GPL-2.0
/*
 * MC146818 CMOS clock, read-only: Linux reads the wall-clock time from it
 * once at boot. Without it the guest starts in 1970 (or spins on UIP).
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "hpv/hw.h"
#include "hpv/io.h"
#include "hpv/kvm.h"

#define RTC_PORT 0x70
enum { RTC_SEC = 0, RTC_MIN = 2, RTC_HOUR = 4, RTC_WDAY = 6, RTC_MDAY = 7, RTC_MON = 8,
       RTC_YEAR = 9, RTC_REG_A = 0x0a, RTC_REG_B = 0x0b, RTC_REG_C = 0x0c, RTC_REG_D = 0x0d,
       RTC_CENTURY = 0x32 };
#define RTC_B_24H  0x02
#define RTC_D_VRT  0x80

struct rtc {
	pthread_mutex_t lock; /* the index and the read it selects go together */
	uint8_t index;
};

static uint8_t bcd(int v)
{
	return ((v / 10) << 4) | (v % 10);
}

static uint8_t rtc__reg(uint8_t reg)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	switch (reg) {
	case RTC_SEC: return bcd(tm.tm_sec);
	case RTC_MIN: return bcd(tm.tm_min);
	case RTC_HOUR: return bcd(tm.tm_hour);
	case RTC_WDAY: return bcd(tm.tm_wday + 1);
	case RTC_MDAY: return bcd(tm.tm_mday);
	case RTC_MON: return bcd(tm.tm_mon + 1);
	case RTC_YEAR: return bcd(tm.tm_year % 100);
	case RTC_CENTURY: return bcd((tm.tm_year + 1900) / 100);
	case RTC_REG_A: return 0x26; /* 32.768 kHz, never in update */
	case RTC_REG_B: return RTC_B_24H;
	case RTC_REG_C: return 0;
	case RTC_REG_D: return RTC_D_VRT;
	default: return 0;
	}
}

static int rtc__io(struct kvm_cpu *cpu, uint64_t port, void *data, uint32_t len, bool is_write,
		   void *ctx)
{
	struct rtc *rtc = ctx;

	(void)cpu;
	(void)len;
	pthread_mutex_lock(&rtc->lock);
	if (port == RTC_PORT) {
		if (is_write)
			rtc->index = *(uint8_t *)data & 0x7f; /* bit 7 gates NMIs */
		else
			*(uint8_t *)data = rtc->index;
	} else if (!is_write) {
		*(uint8_t *)data = rtc__reg(rtc->index);
	}
	pthread_mutex_unlock(&rtc->lock);
	return 0;
}

static void rtc__free(void *ctx)
{
	struct rtc *rtc = ctx;

	pthread_mutex_destroy(&rtc->lock);
	free(rtc);
}

int rtc__init(struct kvm *kvm)
{
	struct rtc *rtc = calloc(1, sizeof(*rtc));
	int ret;

	if (!rtc)
		return -ENOMEM;
	pthread_mutex_init(&rtc->lock, NULL);
	ret = kvm__add_cleanup(kvm, rtc__free, rtc);
	if (ret) {
		rtc__free(rtc);
		return ret;
	}
	return io__register(&kvm->io, HPV_IO_PIO, RTC_PORT, 2, "rtc", rtc__io, rtc);
}

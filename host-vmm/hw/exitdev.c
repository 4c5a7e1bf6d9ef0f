// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-to-VMM status port: exit status and "init reached" marker; and,
 * for tests that check guest time against the host, the host's
 * CLOCK_MONOTONIC in ns since hpv started (a 32-bit read at offset 0
 * latches it and returns the low half, a read at offset 4 the high half).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hpv/hw.h"
#include "hpv/io.h"
#include "hpv/kvm.h"
#include "hpv/vcpu.h"

#define EXIT_STATUS_OFFSET 0
#define EXIT_INIT_OFFSET   4

/* The host time each vCPU latched: a vCPU reads its own halves. */
struct exitdev {
	uint64_t *latch;
};

static int exitdev__io(struct kvm_cpu *cpu, uint64_t port, void *data, uint32_t len, bool is_write,
		       void *ctx)
{
	struct exitdev *dev = ctx;
	struct kvm *kvm = cpu->kvm;
	uint64_t *latch = &dev->latch[cpu->id];
	uint32_t v = 0;

	if (!is_write) {
		uint32_t half = 0;

		if (port == HPV_EXIT_PORT + EXIT_STATUS_OFFSET && len == 4) {
			*latch = (uint64_t)(hpv_now_ns() - kvm->start_ns);
			half = (uint32_t)*latch;
		} else if (port == HPV_EXIT_PORT + EXIT_INIT_OFFSET && len == 4) {
			half = (uint32_t)(*latch >> 32);
		}
		memset(data, 0, len);
		memcpy(data, &half, len < 4 ? len : 4);
		return 0;
	}
	memcpy(&v, data, len < 4 ? len : 4);
	switch (port - HPV_EXIT_PORT) {
	case EXIT_STATUS_OFFSET:
		/* A process exit status: only the low byte is meaningful. */
		kvm__request_end(kvm, HPV_END_STATUS, v & 0xff);
		return 0;
	case EXIT_INIT_OFFSET: {
		int64_t none = 0;

		__atomic_compare_exchange_n(&kvm->init_reached_ns, &none, hpv_now_ns(), false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		return 0;
	}
	default:
		return -EINVAL;
	}
}

static void exitdev__free(void *ctx)
{
	struct exitdev *dev = ctx;

	free(dev->latch);
	free(dev);
}

int exitdev__init(struct kvm *kvm)
{
	struct exitdev *dev = calloc(1, sizeof(*dev));
	int ret;

	if (!dev)
		return -ENOMEM;
	dev->latch = calloc(kvm->nr_cpus ? kvm->nr_cpus : 1, sizeof(*dev->latch));
	ret = dev->latch ? kvm__add_cleanup(kvm, exitdev__free, dev) : -ENOMEM;
	if (ret) {
		exitdev__free(dev);
		return ret;
	}
	return io__register(&kvm->io, HPV_IO_PIO, HPV_EXIT_PORT, HPV_EXIT_LEN, "exit", exitdev__io,
			    dev);
}

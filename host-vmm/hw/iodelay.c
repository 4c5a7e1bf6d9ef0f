// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "hpv/hw.h"
#include "hpv/io.h"
#include "hpv/kvm.h"

static int iodelay__io(struct kvm_cpu *cpu, uint64_t port, void *data, uint32_t len, bool is_write,
		       void *ctx)
{
	(void)cpu;
	(void)port;
	(void)ctx;
	if (!is_write)
		memset(data, 0xff, len);
	return 0;
}

/* Port 0x80: Linux's outb_p() delay; a write-only sink, not an error. */
int iodelay__init(struct kvm *kvm)
{
	return io__register(&kvm->io, HPV_IO_PIO, 0x80, 1, "io-delay", iodelay__io, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/* The machine's devices, registered in one place for hpv and its fuzz targets. */
#include "hpv/hw.h"
#include "hpv/kvm.h"

int hw__init(struct kvm *kvm, struct serial *com1, int out_fd)
{
	int ret;

	ret = serial__init(kvm, com1, out_fd);
	if (!ret)
		ret = pm__init(kvm);
	if (!ret)
		ret = exitdev__init(kvm);
	if (!ret)
		ret = rtc__init(kvm);
	if (!ret)
		ret = iodelay__init(kvm);
	return ret;
}

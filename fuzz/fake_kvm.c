// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM ioctls hpv makes, answered for the fake VM's descriptors as KVM
 * answers them (return values, errno, what is stored and read back), with
 * no more logic than that: a wrong argument is refused as KVM would refuse
 * it, never corrected. Buffers hpv passes are read or written in full, so
 * AddressSanitizer sees one that is too small.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fake_kvm.h"

#define MSR_IA32_TSC              0x10
#define MSR_IA32_TSC_DEADLINE     0x6e0
#define MSR_KVM_STEAL_TIME        0x4b564d03
#define MSR_KVM_PV_EOI_EN         0x4b564d04
#define HV_X64_MSR_STIMER0_CONFIG 0x400000b0
#define HV_X64_MSR_STIMER0_COUNT  0x400000b1
/* KVM's limits and reserved bits for what hpv hands it */
#define KVM_MAX_IO_MSRS           256
#define KVM_MAX_CPUID_ENTRIES     256
#define KVM_STEAL_RESERVED_MASK   0x3eULL
#define KVM_MSR_FILTER_MAX_MSRS   (0x600 * 8)
#define KVM_NR_MP_STATES          (KVM_MP_STATE_AP_RESET_HOLD + 1)

struct fake_kvm fake_kvm = { .sys_fd = -1, .vm_fd = -1 };

/* Descriptors that exist (on /dev/null), so no real one can collide. */
static int fake_kvm__fd(int *fd)
{
	if (*fd < 0)
		*fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		perror("fake_kvm: /dev/null");
		abort();
	}
	return *fd;
}

void fake_kvm__reset(int nr_cpus)
{
	int sys_fd = fake_kvm.sys_fd, vm_fd = fake_kvm.vm_fd, fds[FAKE_KVM_MAX_CPUS];

	if (nr_cpus < 1 || nr_cpus > FAKE_KVM_MAX_CPUS)
		abort();
	for (int i = 0; i < FAKE_KVM_MAX_CPUS; i++)
		fds[i] = fake_kvm.vm_fd < 0 ? -1 : fake_kvm.vcpu[i].fd;
	memset(&fake_kvm, 0, sizeof(fake_kvm));
	fake_kvm.sys_fd = fake_kvm__fd(&sys_fd);
	fake_kvm.vm_fd = fake_kvm__fd(&vm_fd);
	fake_kvm.nr_cpus = nr_cpus;
	fake_kvm.tsc_khz = 2600000;
	fake_kvm.clock_step = 1000;
	for (int i = 0; i < FAKE_KVM_MAX_CPUS; i++) {
		fake_kvm.vcpu[i].fd = fake_kvm__fd(&fds[i]);
		fake_kvm.vcpu[i].tsc_step = 2600;
		fake_kvm.vcpu[i].mp_state = i ? KVM_MP_STATE_UNINITIALIZED : KVM_MP_STATE_RUNNABLE;
	}
}

struct fake_kvm_vcpu *fake_kvm__vcpu(int fd)
{
	for (int i = 0; fd >= 0 && i < fake_kvm.nr_cpus; i++)
		if (fake_kvm.vcpu[i].fd == fd)
			return &fake_kvm.vcpu[i];
	return NULL;
}

static int fake_kvm__fail(int err)
{
	errno = err;
	return -1;
}

static int fake_kvm__msr_slot(uint32_t index)
{
	switch (index) {
	case MSR_IA32_TSC: return FAKE_MSR_TSC;
	case MSR_IA32_TSC_DEADLINE: return FAKE_MSR_TSC_DEADLINE;
	case MSR_KVM_STEAL_TIME: return FAKE_MSR_STEAL_TIME;
	case MSR_KVM_PV_EOI_EN: return FAKE_MSR_PV_EOI;
	case HV_X64_MSR_STIMER0_CONFIG: return FAKE_MSR_STIMER0_CONFIG;
	case HV_X64_MSR_STIMER0_COUNT: return FAKE_MSR_STIMER0_COUNT;
	default: return -1;
	}
}

/* KVM_GET_MSRS/KVM_SET_MSRS: the number of entries done, stopping at the
 * first one KVM refuses. */
static int fake_kvm__msrs(struct fake_kvm_vcpu *v, struct kvm_msrs *msrs, bool set)
{
	uint32_t i;

	if (msrs->nmsrs >= KVM_MAX_IO_MSRS)
		return fake_kvm__fail(E2BIG);
	if (fake_kvm.refuse & (set ? FAKE_KVM_REFUSE_SET_MSRS : FAKE_KVM_REFUSE_GET_MSRS))
		return 0;
	for (i = 0; i < msrs->nmsrs; i++) {
		struct kvm_msr_entry *e = &msrs->entries[i];
		int slot = fake_kvm__msr_slot(e->index);

		if (slot < 0)
			break;
		if ((slot == FAKE_MSR_STEAL_TIME && (fake_kvm.refuse & FAKE_KVM_REFUSE_STEAL_TIME)) ||
		    (slot == FAKE_MSR_PV_EOI && (fake_kvm.refuse & FAKE_KVM_REFUSE_PV_EOI)) ||
		    ((slot == FAKE_MSR_STIMER0_CONFIG || slot == FAKE_MSR_STIMER0_COUNT) &&
		     (fake_kvm.refuse & FAKE_KVM_REFUSE_STIMER)))
			break;
		if (!set) {
			if (slot == FAKE_MSR_TSC)
				v->msr[slot] += v->tsc_step;
			/* KVM clears the deadline when the timer fires */
			if (slot == FAKE_MSR_TSC_DEADLINE && v->msr[slot] &&
			    v->msr[slot] <= v->msr[FAKE_MSR_TSC])
				v->msr[slot] = 0;
			e->data = v->msr[slot];
			continue;
		}
		if ((slot == FAKE_MSR_STEAL_TIME && (e->data & KVM_STEAL_RESERVED_MASK)) ||
		    (slot == FAKE_MSR_PV_EOI && (e->data & 2)))
			break;
		v->msr[slot] = e->data;
	}
	return i;
}

static int fake_kvm__vcpu_ioctl(struct fake_kvm_vcpu *v, unsigned long req, void *arg)
{
	switch (req) {
	case KVM_GET_MSRS:
	case KVM_SET_MSRS:
		return fake_kvm__msrs(v, arg, req == KVM_SET_MSRS);
	case KVM_GET_LAPIC:
	case KVM_SET_LAPIC:
		if (fake_kvm.refuse & FAKE_KVM_REFUSE_LAPIC)
			return fake_kvm__fail(EINVAL);
		if (req == KVM_GET_LAPIC)
			memcpy(arg, &v->lapic, sizeof(v->lapic));
		else
			memcpy(&v->lapic, arg, sizeof(v->lapic));
		return 0;
	case KVM_GET_REGS:
	case KVM_SET_REGS:
		if (fake_kvm.refuse & FAKE_KVM_REFUSE_REGS)
			return fake_kvm__fail(EINVAL);
		if (req == KVM_GET_REGS)
			memcpy(arg, &v->regs, sizeof(v->regs));
		else
			memcpy(&v->regs, arg, sizeof(v->regs));
		return 0;
	case KVM_GET_MP_STATE:
		((struct kvm_mp_state *)arg)->mp_state = v->mp_state;
		return 0;
	case KVM_SET_MP_STATE: {
		uint32_t state = ((struct kvm_mp_state *)arg)->mp_state;

		if ((fake_kvm.refuse & FAKE_KVM_REFUSE_MP_STATE) || state >= KVM_NR_MP_STATES)
			return fake_kvm__fail(EINVAL);
		v->mp_state = state;
		return 0;
	}
	case KVM_GET_TSC_KHZ:
		return fake_kvm.tsc_khz ? (int)fake_kvm.tsc_khz : fake_kvm__fail(EIO);
	case KVM_SET_CPUID2: {
		static struct kvm_cpuid_entry2 copy[KVM_MAX_CPUID_ENTRIES];
		const struct kvm_cpuid2 *c = arg;

		if (c->nent > KVM_MAX_CPUID_ENTRIES)
			return fake_kvm__fail(E2BIG);
		/* KVM copies the entries in: all of them must be there */
		memcpy(copy, c->entries, c->nent * sizeof(c->entries[0]));
		return fake_kvm.refuse & FAKE_KVM_REFUSE_CPUID ? fake_kvm__fail(EINVAL) : 0;
	}
	case KVM_ENABLE_CAP: {
		const struct kvm_enable_cap *cap = arg;

		if ((fake_kvm.refuse & FAKE_KVM_REFUSE_ENABLE_CAP) ||
		    (cap->cap == KVM_CAP_HYPERV_SYNIC2 && !fake_kvm.synic))
			return fake_kvm__fail(EINVAL);
		return 0;
	}
	default:
		fake_kvm.unknown++;
		return fake_kvm__fail(ENOTTY);
	}
}

static int fake_kvm__msr_filter(const struct kvm_msr_filter *f)
{
	static uint8_t copy[KVM_MSR_FILTER_MAX_MSRS / 8];

	if (f->flags & ~KVM_MSR_FILTER_DEFAULT_DENY)
		return fake_kvm__fail(EINVAL);
	for (int i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		const struct kvm_msr_filter_range *r = &f->ranges[i];

		if (!r->flags)
			continue;
		if (!r->nmsrs || r->nmsrs > KVM_MSR_FILTER_MAX_MSRS || !r->bitmap ||
		    (r->flags & ~(KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE)))
			return fake_kvm__fail(EINVAL);
		/* KVM copies the bitmap in: all of it must be there */
		memcpy(copy, r->bitmap, (r->nmsrs + 7) / 8);
	}
	return 0;
}

static int fake_kvm__vm_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case KVM_CHECK_EXTENSION:
		/* the capability comes as an int in the pointer's place */
		return (int)(intptr_t)arg == KVM_CAP_HYPERV_SYNIC2 ? fake_kvm.synic : 0;
	case KVM_SIGNAL_MSI: {
		const struct kvm_msi *msi = arg;
		uint32_t dest = (msi->address_lo >> 12) & 0xff;

		if (msi->flags || (fake_kvm.refuse & FAKE_KVM_REFUSE_MSI))
			return fake_kvm__fail(EINVAL);
		/* KVM's "no destination" is -1 from the delivery, as EPERM */
		if ((msi->address_lo & 0xfff00000) != 0xfee00000 || dest >= (uint32_t)fake_kvm.nr_cpus)
			return fake_kvm__fail(EPERM);
		fake_kvm.vcpu[dest].msis++;
		return 1;
	}
	case KVM_IRQ_LINE: {
		const struct kvm_irq_level *l = arg;

		if ((fake_kvm.refuse & FAKE_KVM_REFUSE_IRQ_LINE) || l->irq >= FAKE_KVM_NR_IRQS)
			return fake_kvm__fail(EINVAL);
		fake_kvm.irq_level[l->irq] = !!l->level;
		return 0;
	}
	case KVM_GET_CLOCK: {
		struct kvm_clock_data *c = arg;

		if (fake_kvm.refuse & FAKE_KVM_REFUSE_CLOCK)
			return fake_kvm__fail(EINVAL);
		fake_kvm.clock += fake_kvm.clock_step;
		memset(c, 0, sizeof(*c));
		c->clock = fake_kvm.clock;
		c->flags = fake_kvm.tsc_stable ? KVM_CLOCK_TSC_STABLE : 0;
		return 0;
	}
	case KVM_SET_CLOCK:
		if (fake_kvm.refuse & FAKE_KVM_REFUSE_CLOCK)
			return fake_kvm__fail(EINVAL);
		fake_kvm.clock = ((const struct kvm_clock_data *)arg)->clock;
		return 0;
	case KVM_ENABLE_CAP:
		return fake_kvm.refuse & FAKE_KVM_REFUSE_ENABLE_CAP ? fake_kvm__fail(EINVAL) : 0;
	case KVM_X86_SET_MSR_FILTER:
		return fake_kvm__msr_filter(arg);
	default:
		fake_kvm.unknown++;
		return fake_kvm__fail(ENOTTY);
	}
}

/*
 * Not KVM, but the same kind of stand-in: glibc reads /sys for the number
 * of CPUs online on every call, a sixth of a fuzz VM's set-up (the idle
 * poll hint); the number does not change during a run.
 */
extern long __sysconf(int name);

long sysconf(int name)
{
	static long online;

	if (name != _SC_NPROCESSORS_ONLN)
		return __sysconf(name);
	if (!online)
		online = __sysconf(name);
	return online;
}

int ioctl(int fd, unsigned long req, ...)
{
	struct fake_kvm_vcpu *v;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd >= 0 && fd == fake_kvm.vm_fd)
		return fake_kvm__vm_ioctl(req, arg);
	v = fake_kvm__vcpu(fd);
	if (v)
		return fake_kvm__vcpu_ioctl(v, req, arg);
	if (fd >= 0 && fd == fake_kvm.sys_fd) {
		if (req == KVM_CHECK_EXTENSION)
			return fake_kvm__vm_ioctl(req, arg);
		fake_kvm.unknown++;
		return fake_kvm__fail(ENOTTY);
	}
	return syscall(SYS_ioctl, fd, req, arg);
}

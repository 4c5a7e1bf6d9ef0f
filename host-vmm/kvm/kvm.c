// SPDX-License-Identifier: GPL-2.0
/* The VM: /dev/kvm, guest RAM, in-kernel irqchip and PIT. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hpv/kvm.h"
#include "hpv/util.h"

/* Intel needs three pages for the real-mode TSS and one for the EPT
 * identity map, somewhere the guest will not use: just below the BIOS. */
#define HPV_TSS_ADDR      0xfffbd000ULL
#define HPV_IDENT_MAP_ADDR 0xfffbc000ULL

#define MSI_ADDR_BASE  0xfee00000u
#define MSI_DEST_SHIFT 12

int64_t hpv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int kvm__check_caps(struct kvm *kvm)
{
	static const struct {
		int cap;
		const char *name;
	} needed[] = {
		{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
		{ KVM_CAP_PIT2, "KVM_CAP_PIT2" },
		{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
		{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
		{ KVM_CAP_BINARY_STATS_FD, "KVM_CAP_BINARY_STATS_FD" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(needed); i++) {
		if (ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, needed[i].cap) <= 0) {
			pr_err("/dev/kvm lacks %s", needed[i].name);
			return -ENOTSUP;
		}
	}
	return 0;
}

int kvm__max_cpus(struct kvm *kvm)
{
	int n = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);

	if (n <= 0)
		n = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	return n > 0 ? n : 1;
}

static int kvm__set_slot(struct kvm *kvm, int slot, uint64_t gpa, uint64_t size, void *host)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)host,
	};

	if (ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return -errno;
	return 0;
}

static int kvm__init_ram(struct kvm *kvm, uint64_t ram_size)
{
	uint64_t low = ram_size < HPV_LOW_RAM_MAX ? ram_size : HPV_LOW_RAM_MAX;
	int ret;

	kvm->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (kvm->ram == MAP_FAILED) {
		kvm->ram = NULL;
		pr_err("cannot reserve %llu MiB of guest RAM", (unsigned long long)(ram_size >> 20));
		return -ENOMEM;
	}
	madvise(kvm->ram, ram_size, MADV_MERGEABLE);
	kvm->ram_size = ram_size;

	ret = kvm__set_slot(kvm, 0, 0, low, kvm->ram);
	if (!ret && ram_size > low)
		ret = kvm__set_slot(kvm, 1, HPV_HIGH_RAM_BASE, ram_size - low, kvm->ram + low);
	if (ret)
		pr_err("KVM_SET_USER_MEMORY_REGION: %s", strerror(-ret));
	return ret;
}

void *kvm__gpa_to_host(struct kvm *kvm, uint64_t gpa, uint64_t len)
{
	uint64_t low = kvm->ram_size < HPV_LOW_RAM_MAX ? kvm->ram_size : HPV_LOW_RAM_MAX;

	if (gpa + len < gpa)
		return NULL;
	if (gpa + len <= low)
		return kvm->ram + gpa;
	if (gpa >= HPV_HIGH_RAM_BASE && gpa + len <= HPV_HIGH_RAM_BASE + (kvm->ram_size - low))
		return kvm->ram + low + (gpa - HPV_HIGH_RAM_BASE);
	return NULL;
}

int kvm__init(struct kvm *kvm, uint64_t ram_size, int nr_cpus)
{
	struct kvm_pit_config pit = { .flags = 0 };
	struct kvm_reinject_control reinject = { .pit_reinject = 0 };
	uint64_t ident = HPV_IDENT_MAP_ADDR;
	int ret, nent = 256;

	kvm->sys_fd = kvm->vm_fd = -1;
	kvm->start_ns = hpv_now_ns();
	kvm->nr_cpus = nr_cpus;

	kvm->sys_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm->sys_fd < 0) {
		ret = -errno;
		pr_err("/dev/kvm: %s", strerror(errno));
		return ret;
	}
	if (ioctl(kvm->sys_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		pr_err("/dev/kvm: unsupported KVM API version");
		ret = -ENOTSUP;
		goto err_sys;
	}
	ret = kvm__check_caps(kvm);
	if (!ret)
		ret = kvm__probe_native(kvm->sys_fd);
	if (ret)
		goto err_sys;
	kvm->sync_regs = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) & KVM_SYNC_X86_REGS;
	/* KVM emulates it, but leaves it out of KVM_GET_SUPPORTED_CPUID */
	kvm->tsc_deadline = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	if (nr_cpus > kvm__max_cpus(kvm)) {
		pr_err("--cpus %d: this KVM runs at most %d vCPUs", nr_cpus, kvm__max_cpus(kvm));
		ret = -EINVAL;
		goto err_sys;
	}
	kvm->vcpu_mmap_size = ioctl(kvm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	kvm->vm_fd = ioctl(kvm->sys_fd, KVM_CREATE_VM, 0);
	if (kvm->vm_fd < 0) {
		ret = -errno;
		pr_err("KVM_CREATE_VM: %s", strerror(errno));
		goto err_sys;
	}
	/* Only Intel needs these; AMD accepts and ignores them. */
	ioctl(kvm->vm_fd, KVM_SET_TSS_ADDR, HPV_TSS_ADDR);
	ioctl(kvm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident);

	/* Full in-kernel irqchip: PIC, IOAPIC and LAPIC EOIs never leave the
	 * kernel, which keeps interrupt delivery off our exit path. */
	if (ioctl(kvm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0 ||
	    ioctl(kvm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		ret = -errno;
		pr_err("cannot create the in-kernel irqchip/PIT: %s", strerror(errno));
		goto err_vm;
	}
	/*
	 * A PIT in reinject mode waits for the EOI of every tick it raised; a
	 * tick the guest never acknowledges (one KVM_SET_LAPIC overwrote, see
	 * pv/timer_lapic.c) would stop it for good. Ticks are discarded
	 * instead, as QEMU's lost_tick_policy=discard does: a lost tick is
	 * one tick, and the next one comes.
	 */
	if (ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_REINJECT_CONTROL) > 0)
		ioctl(kvm->vm_fd, KVM_REINJECT_CONTROL, &reinject);

	ret = kvm__init_ram(kvm, ram_size);
	if (ret)
		goto err_vm;

	for (;;) {
		kvm->supported_cpuid = calloc(1, sizeof(*kvm->supported_cpuid) +
							 nent * sizeof(struct kvm_cpuid_entry2));
		if (!kvm->supported_cpuid) {
			ret = -ENOMEM;
			goto err_ram;
		}
		kvm->supported_cpuid->nent = nent;
		if (!ioctl(kvm->sys_fd, KVM_GET_SUPPORTED_CPUID, kvm->supported_cpuid))
			break;
		free(kvm->supported_cpuid);
		kvm->supported_cpuid = NULL;
		if (errno != E2BIG || nent > 4096) {
			ret = -errno;
			pr_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
			goto err_ram;
		}
		nent *= 2;
	}
	return 0;

err_ram:
	munmap(kvm->ram, kvm->ram_size);
	kvm->ram = NULL;
err_vm:
	close(kvm->vm_fd);
	kvm->vm_fd = -1;
err_sys:
	close(kvm->sys_fd);
	kvm->sys_fd = -1;
	return ret;
}

void kvm__exit(struct kvm *kvm)
{
	while (kvm->nr_cleanups > 0) {
		const struct kvm_cleanup *c = &kvm->cleanups[--kvm->nr_cleanups];

		c->fn(c->ctx);
	}
	free(kvm->supported_cpuid);
	if (kvm->ram)
		munmap(kvm->ram, kvm->ram_size);
	if (kvm->vm_fd >= 0)
		close(kvm->vm_fd);
	if (kvm->sys_fd >= 0)
		close(kvm->sys_fd);
}

int kvm__msr_filter(const struct kvm *kvm, struct kvm_msr_filter *filter)
{
	/* A clear bit denies the access in the kernel, so it exits to us. */
	static const uint8_t deny_all[HPV_MSR_FILTER_MAX_MSRS / 8];
	int n = 0;

	memset(filter, 0, sizeof(*filter));
	filter->flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	for (int i = 0; i < kvm->io.nr; i++) {
		const struct hpv_io_range *r = &kvm->io.ranges[i];

		if (r->space != HPV_IO_MSR)
			continue;
		if (n == KVM_MSR_FILTER_MAX_RANGES || r->len > HPV_MSR_FILTER_MAX_MSRS)
			return -E2BIG;
		filter->ranges[n] = (struct kvm_msr_filter_range){
			.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			.nmsrs = r->len,
			.base = r->start,
			.bitmap = (uint8_t *)deny_all,
		};
		n++;
	}
	return n;
}

int kvm__install_msr_filter(struct kvm *kvm)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args[0] = KVM_MSR_EXIT_REASON_FILTER,
	};
	struct kvm_msr_filter filter;
	int n = kvm__msr_filter(kvm, &filter);

	if (n <= 0)
		return n;
	if (ioctl(kvm->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
		pr_err("KVM_CAP_X86_USER_SPACE_MSR: %s", strerror(errno));
		return -errno;
	}
	if (ioctl(kvm->vm_fd, KVM_X86_SET_MSR_FILTER, &filter) < 0) {
		pr_err("KVM_X86_SET_MSR_FILTER: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int kvm__add_cpu_hooks(struct kvm *kvm, const struct kvm_cpu_hooks *hooks)
{
	if (kvm->nr_hooks == HPV_MAX_CPU_HOOKS)
		return -ENOSPC;
	kvm->hooks[kvm->nr_hooks++] = *hooks;
	return 0;
}

int kvm__add_cleanup(struct kvm *kvm, void (*fn)(void *ctx), void *ctx)
{
	if (kvm->nr_cleanups == HPV_MAX_CLEANUPS)
		return -ENOSPC;
	kvm->cleanups[kvm->nr_cleanups++] = (struct kvm_cleanup){ fn, ctx };
	return 0;
}

/* An MSI to one APIC id, physical destination, edge; data as given. */
static int kvm__msi(struct kvm *kvm, uint32_t apic_id, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = MSI_ADDR_BASE | (apic_id << MSI_DEST_SHIFT),
		.data = data,
	};

	return ioctl(kvm->vm_fd, KVM_SIGNAL_MSI, &msi) > 0;
}

int kvm__signal_msi(struct kvm *kvm, uint32_t apic_id, uint8_t vector)
{
	return kvm__msi(kvm, apic_id, vector); /* fixed delivery: the vector is all */
}

/*
 * MSI delivery mode 3 is reserved on real APICs; KVM's APIC takes it
 * (APIC_DM_REMRD) as the wake-up its KVM_HC_KICK_CPU sends: it sets the
 * vCPU's pv_unhalted, which ends a halt even with interrupts disabled.
 * It is the only way to that wake-up from user space.
 */
#define MSI_DATA_DELIVERY_UNHALT (3u << 8)

int kvm__unhalt(struct kvm *kvm, uint32_t apic_id)
{
	return kvm__msi(kvm, apic_id, MSI_DATA_DELIVERY_UNHALT);
}

int kvm__irq_line(struct kvm *kvm, int irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	return ioctl(kvm->vm_fd, KVM_IRQ_LINE, &l) < 0 ? -errno : 0;
}

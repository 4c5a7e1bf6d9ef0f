// SPDX-License-Identifier: GPL-2.0
/*
 * HPV_HC_SET_TIMER and HPV_HC_IDLE: one one-shot timer per vCPU on the
 * pvclock's time line, fired by one of three host timers.
 *
 * --pv-timer lapic, the default: the vCPU's own LAPIC timer, which KVM
 * arms and fires (lapic_timer.c); on the kvm route most calls never come
 * here, as the stub writes the TSC deadline itself.
 *
 * --pv-timer kvm (where KVM has them): we arm the vCPU's Hyper-V
 * synthetic timer 0 with KVM_SET_MSRS, in direct mode, so KVM raises our
 * vector through its in-kernel LAPIC when the timer expires, as it does
 * for its own LAPIC timer: no signal, no trip through user space, and a
 * halted vCPU is woken in the kernel. Those timers count KVM's clock in
 * 100 ns units, and we set KVM's clock to the pvclock's time line.
 *
 * --pv-timer posix (nested, the synthetic timers brought the L1 host
 * down, and they cannot read the timer record): a POSIX timer per vCPU on
 * the host's CLOCK_MONOTONIC, which the pvclock roughly follows. Its signal
 * goes to the vCPU's own thread, which injects the vector before it next
 * enters the guest: no other thread has to kick the vCPU out of the guest
 * (a separate timer thread did that, costing a cross-CPU IPI per expiry,
 * and under nested TCG it brought the L1 host down).
 *
 * HPV_HC_IDLE arms the timer and halts the vCPU in the same exit: KVM then
 * blocks the vCPU until an interrupt is pending, the synthetic timer
 * expires or the signal arrives.
 *
 * With the POSIX timers a guest may also register a timer record
 * (HPV_MSR_TIMER): when the armed time passes we read the deadline the
 * guest wants now, and arm it, raise the vector, or stop. After raising
 * we look again HPV_TIMER_RECHECK_NS later, so that the deadline an idle
 * guest sets from the expiry interrupt (its next tick, or a stop) needs no
 * hypercall. A busy guest calls instead (a look would interrupt it), so a
 * look mostly finds the vCPU halted, where it costs no exit. KVM's synthetic timers
 * fire without asking us, so with them the record is not offered.
 */
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hpv/io.h"
#include "hpv/kvm.h"
#include "hpv/pv.h"
#include "hpv/pvclock.h"
#include "hpv/util.h"
#include "hpv/vcpu.h"

#define NSEC_PER_SEC 1000000000LL

#define HV_X64_MSR_STIMER0_CONFIG 0x400000b0
#define HV_X64_MSR_STIMER0_COUNT  0x400000b1
#define HV_STIMER_ENABLE          (1ULL << 0)
#define HV_STIMER_AUTO_ENABLE     (1ULL << 3) /* a guest write of the count enables */
#define HV_STIMER_VECTOR_SHIFT    4
#define HV_STIMER_DIRECT_MODE     (1ULL << 12)
/* how often a vCPU re-measures its timer clock against the pvclock */
#define HPV_TIMER_RESYNC_NS 1000000
/* a quarter of a 250 Hz guest's tick */
#define HPV_TIMER_RECHECK_NS 1000000
/* cpuidle-haltpoll's default poll limit */
#define HPV_IDLE_POLL_NS 200000u

/* Polling before halting pays when each vCPU has a host CPU to itself;
 * overcommitted, a polling vCPU only takes time from another. */
uint32_t timer__idle_poll_hint(int nr_cpus)
{
	return nr_cpus <= sysconf(_SC_NPROCESSORS_ONLN) ? HPV_IDLE_POLL_NS : 0;
}

/* The signal only has to interrupt KVM_RUN; the flag says why. */
static void timer__signal(int sig, siginfo_t *info, void *uc)
{
	struct kvm_cpu *cpu = info->si_value.sival_ptr;

	(void)sig;
	(void)uc;
	if (!cpu)
		return;
	__atomic_store_n(&cpu->timer_pending, 1, __ATOMIC_RELEASE);
	/* a KVM_RUN about to start returns at once */
	if (cpu->run)
		__atomic_store_n(&cpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

/* The timer is created on first use, by the vCPU thread it signals. */
static int timer__create(struct kvm_cpu *cpu)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = HPV_TIMER_SIGNAL,
		.sigev_value.sival_ptr = cpu,
	};

	if (cpu->timer_created)
		return 0;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &cpu->timer))
		return -errno;
	cpu->timer_created = true;
	return 0;
}

/*
 * The host clock the timer counts (KVM's clock, or CLOCK_MONOTONIC for the
 * POSIX timer) at pvclock time 0, for this vCPU. The pvclock is a TSC line
 * and those clocks drift from it (under nested TCG by tens of ppm), so the
 * offset is measured again at most every HPV_TIMER_RESYNC_NS. The guest's
 * TSC is read first: the offset errs towards firing late, never early, as an
 * early expiry would only make the guest arm the same deadline again.
 *
 * Only while the vCPU runs: on a host whose TSC KVM finds unstable (nested
 * TCG), KVM holds a vCPU's TSC still while it does not enter the guest, a
 * halted vCPU's included, and catches up on the next entry.
 */
static int64_t timer__clock_offset(struct kvm_cpu *cpu)
{
	struct kvm *kvm = cpu->kvm;
	struct kvm_clock_data clock = { 0 };
	int64_t now = hpv_now_ns();
	uint64_t pv;

	if (cpu->timer_offset_at && now - cpu->timer_offset_at < HPV_TIMER_RESYNC_NS)
		return cpu->timer_clock_offset;
	if (pvclock__guest_now(cpu, &pv))
		/* no pvclock yet: the lines as they were set out at start */
		return kvm->timer_kvm ? 0 : kvm->start_ns;
	if (!kvm->timer_kvm) {
		cpu->timer_clock_offset = hpv_now_ns() - (int64_t)pv;
	} else if (!ioctl(kvm->vm_fd, KVM_GET_CLOCK, &clock)) {
		cpu->timer_clock_offset = (int64_t)clock.clock - (int64_t)pv;
	} else {
		return cpu->timer_clock_offset;
	}
	cpu->timer_offset_at = now;
	return cpu->timer_clock_offset;
}

/* The offset last measured, from paths where the vCPU may be halted. */
static int64_t timer__last_offset(struct kvm_cpu *cpu)
{
	if (cpu->timer_offset_at)
		return cpu->timer_clock_offset;
	return cpu->kvm->timer_kvm ? 0 : cpu->kvm->start_ns;
}

/* deadline + offset, kept within [1, INT64_MAX]: a past deadline fires at once */
static int64_t timer__host_deadline(uint64_t deadline, int64_t offset)
{
	int64_t t;

	if (deadline > INT64_MAX || __builtin_add_overflow((int64_t)deadline, offset, &t))
		return INT64_MAX;
	return t < 1 ? 1 : t;
}

/* Arm this vCPU's synthetic timer at deadline, or stop it (0), from the
 * vCPU's own thread. */
static int stimer__set(struct kvm_cpu *cpu, uint8_t vector, uint64_t deadline)
{
	uint64_t config = HV_STIMER_AUTO_ENABLE | HV_STIMER_DIRECT_MODE |
			  (uint64_t)vector << HV_STIMER_VECTOR_SHIFT;
	uint64_t count = 0;
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[2];
	} msrs = { .hdr.nmsrs = 2 };

	/* A write from us never auto-enables: the count goes in, then the
	 * enable bit; stopping takes the enable bit away first. */
	if (deadline) {
		/* in 100 ns units, rounded up */
		count = ((uint64_t)timer__host_deadline(deadline, timer__clock_offset(cpu)) + 99) / 100;
		msrs.e[0] = (struct kvm_msr_entry){ .index = HV_X64_MSR_STIMER0_COUNT, .data = count };
		msrs.e[1] = (struct kvm_msr_entry){ .index = HV_X64_MSR_STIMER0_CONFIG,
						    .data = config | HV_STIMER_ENABLE };
	} else {
		msrs.e[0] = (struct kvm_msr_entry){ .index = HV_X64_MSR_STIMER0_CONFIG, .data = config };
		msrs.e[1] = (struct kvm_msr_entry){ .index = HV_X64_MSR_STIMER0_COUNT, .data = 0 };
	}
	return ioctl(cpu->fd, KVM_SET_MSRS, &msrs) == 2 ? 0 : -EIO;
}

static int posix_timer__arm(struct kvm_cpu *cpu, uint64_t deadline, uint64_t vector, int64_t offset)
{
	struct itimerspec its = { 0 };
	int64_t host_ns;

	if (timer__create(cpu))
		return -HPV_EINVAL;
	if (deadline) {
		/* a zero it_value would disarm: the earliest is 1 ns */
		host_ns = timer__host_deadline(deadline, offset);
		its.it_value.tv_sec = host_ns / NSEC_PER_SEC;
		its.it_value.tv_nsec = host_ns % NSEC_PER_SEC;
	}
	cpu->timer_vector = (uint8_t)vector;
	if (timer_settime(cpu->timer, TIMER_ABSTIME, &its, NULL) < 0)
		return -HPV_EINVAL;
	cpu->timer_deadline = deadline;
	return 0;
}

/* What the guest wants (next) and when we look at it again (armed). */
static void timer__publish(struct kvm_cpu *cpu, uint64_t next, uint64_t armed)
{
	if (!cpu->timer_rec)
		return;
	__atomic_store_n(&cpu->timer_rec->next, next, __ATOMIC_RELAXED);
	__atomic_store_n(&cpu->timer_rec->armed, armed, __ATOMIC_RELAXED);
}

static int timer__arm(struct kvm_cpu *cpu, uint64_t deadline, uint64_t vector)
{
	int ret;

	if (vector < HPV_VECTOR_MIN || vector > HPV_VECTOR_MAX)
		return -HPV_EINVAL;
	if (cpu->kvm->timer_lapic) {
		ret = lapic_timer__arm(cpu, deadline, (uint8_t)vector);
		if (ret < 0)
			return -HPV_EINVAL;
		/* One timer at a time: the POSIX one takes what KVM cannot. */
		if (ret || cpu->timer_deadline)
			return posix_timer__arm(cpu, ret ? deadline : 0, vector,
						timer__clock_offset(cpu));
		return 0;
	}
	if (!cpu->kvm->timer_kvm)
		return posix_timer__arm(cpu, deadline, vector, timer__clock_offset(cpu));
	if (stimer__set(cpu, (uint8_t)vector, deadline))
		return -HPV_EINVAL;
	cpu->stimer_arms++;
	return 0;
}

int64_t timer__set_hypercall(struct kvm_cpu *cpu, const uint64_t args[4])
{
	int64_t ret = timer__arm(cpu, args[0], args[1]);

	if (!ret)
		timer__publish(cpu, args[0], args[0]);
	return ret;
}

int64_t timer__idle_hypercall(struct kvm_cpu *cpu, const uint64_t args[4])
{
	struct kvm_mp_state halted = { .mp_state = KVM_MP_STATE_HALTED };
	int64_t ret = 0;

	if (args[0]) {
		ret = timer__arm(cpu, args[0], args[1]);
		if (ret)
			return ret;
		timer__publish(cpu, args[0], args[0]);
	}
	/* The stub ran STI before the exit, so KVM wakes the vCPU for any
	 * interrupt, one raised before this point included. */
	if (ioctl(cpu->fd, KVM_SET_MP_STATE, &halted) < 0)
		return -HPV_EINVAL;
	cpu->idle_halts++;
	return 0;
}

/*
 * The armed time passed and the guest has a timer record: do what its
 * next field asks now. Returns true if the vector is to be raised. The
 * guest is out of guest mode on this vCPU, so the record holds still.
 */
static bool timer__due(struct kvm_cpu *cpu)
{
	uint64_t next = __atomic_load_n(&cpu->timer_rec->next, __ATOMIC_RELAXED);
	int64_t offset = timer__last_offset(cpu), now = hpv_now_ns() - offset;
	uint64_t recheck;

	if (!next) {
		if (!posix_timer__arm(cpu, 0, cpu->timer_vector, offset))
			timer__publish(cpu, 0, 0);
		cpu->timer_rec_stops++;
		return false;
	}
	/* Not yet (a later deadline, or a signal that came before a re-arm):
	 * arm it. The offset is the one measured at the vCPU's last call:
	 * it drifts by tens of us a second nested, so a deadline may be
	 * met that much early, which only makes the guest call, or late. */
	if (now < 0 || next > (uint64_t)now) {
		/* (if it cannot be armed, an early interrupt makes the guest call) */
		if (posix_timer__arm(cpu, next, cpu->timer_vector, offset))
			return true;
		timer__publish(cpu, next, next);
		cpu->timer_rec_moves++;
		return false;
	}
	recheck = (uint64_t)now + HPV_TIMER_RECHECK_NS;
	timer__publish(cpu, 0, posix_timer__arm(cpu, recheck, cpu->timer_vector, offset) ? 0 : recheck);
	return true;
}

/* On the vCPU thread, before each KVM_RUN: deliver an expiry. */
void timer__deliver(struct kvm_cpu *cpu)
{
	if (!__atomic_exchange_n(&cpu->timer_pending, 0, __ATOMIC_ACQ_REL))
		return;
	if (cpu->timer_rec && !timer__due(cpu))
		return;
	/* A far deadline's POSIX timer: the stub may have armed the LAPIC
	 * timer since, without telling us (if that one fired already, the
	 * guest sees one early interrupt, and re-arms). */
	if (cpu->kvm->timer_lapic) {
		cpu->timer_deadline = 0;
		if (lapic_timer__pending(cpu))
			return;
	}
	ipi__deliver(cpu->kvm, cpu->id, cpu->timer_vector);
	cpu->timer_fires++;
}

/*
 * HPV_MSR_TIMER: 16-byte aligned, inside guest RAM, bits 1-3 reserved.
 * A new record starts out as if the guest had asked for the deadline
 * the timer already holds.
 */
int timer__set_record(struct kvm_cpu *cpu, uint64_t val)
{
	const uint64_t size = sizeof(struct hpv_timer);
	struct hpv_timer *rec = NULL;

	if (!(cpu->kvm->features & HPV_FEATURE_PV_TIMER_RECORD) || (val & (size - 1) & ~HPV_MSR_ENABLE))
		return -EINVAL;
	if (val & HPV_MSR_ENABLE) {
		rec = kvm__gpa_to_host(cpu->kvm, val & ~(size - 1), size);
		if (!rec)
			return -EINVAL;
	}
	cpu->timer_rec = rec;
	cpu->timer_rec_msr = val;
	timer__publish(cpu, cpu->timer_deadline, cpu->timer_deadline);
	return 0;
}

static int timer__msr(struct kvm_cpu *cpu, uint64_t index, void *data, uint32_t len, bool is_write,
		      void *ctx)
{
	uint64_t *val = data;

	(void)index;
	(void)len;
	(void)ctx;
	if (is_write)
		return timer__set_record(cpu, *val);
	*val = cpu->timer_rec_msr;
	return 0;
}

int timer__init_msr(struct kvm *kvm)
{
	return io__register(&kvm->io, HPV_IO_MSR, HPV_MSR_TIMER, 1, "timer-record", timer__msr, NULL);
}

/*
 * The kvm route: synthetic timers on every vCPU (SynIC, which they need,
 * stays unused otherwise: the guest sees no Hyper-V leaf), and KVM's clock
 * set to the pvclock's time line. Setting it to the pvclock's time read
 * before the ioctl puts it at most the ioctl's duration behind, so a
 * deadline is never met early.
 */
int timer__kvm_init(struct kvm *kvm)
{
	struct kvm_enable_cap synic = { .cap = KVM_CAP_HYPERV_SYNIC2 };
	struct kvm_clock_data clock = { 0 };

	if (ioctl(kvm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_HYPERV_SYNIC2) <= 0)
		return -ENOTSUP;
	for (int i = 0; i < kvm->nr_cpus; i++)
		if (ioctl(kvm->cpus[i]->fd, KVM_ENABLE_CAP, &synic) < 0)
			return -errno;
	clock.clock = (uint64_t)(hpv_now_ns() - kvm->start_ns);
	if (ioctl(kvm->vm_fd, KVM_SET_CLOCK, &clock) < 0)
		return -errno;
	kvm->timer_kvm = true;
	return 0;
}

int timer__init(struct kvm *kvm)
{
	struct sigaction sa = { .sa_sigaction = timer__signal, .sa_flags = SA_SIGINFO };

	(void)kvm;
	sigemptyset(&sa.sa_mask);
	return sigaction(HPV_TIMER_SIGNAL, &sa, NULL) ? -errno : 0;
}

void timer__exit(struct kvm *kvm)
{
	for (int i = 0; i < kvm->nr_cpus; i++) {
		struct kvm_cpu *cpu = kvm->cpus[i];

		if (cpu && cpu->timer_created) {
			timer_delete(cpu->timer);
			cpu->timer_created = false;
		}
	}
}

/* Per-vCPU counters for --stats, one line each. */
static const struct {
	const char *name;
	size_t offset; /* of a uint64_t in struct kvm_cpu */
} timer_counters[] = {
	{ "pv timer arms (KVM)", offsetof(struct kvm_cpu, stimer_arms) },
	{ "pv timer LVTT binds", offsetof(struct kvm_cpu, lapic_timer_binds) },
	{ "pv timer arms by hpv", offsetof(struct kvm_cpu, lapic_timer_arms) },
	{ "pv timer fires (POSIX)", offsetof(struct kvm_cpu, timer_fires) },
	{ "pv timer record moves", offsetof(struct kvm_cpu, timer_rec_moves) },
	{ "pv timer record stops", offsetof(struct kvm_cpu, timer_rec_stops) },
	{ "pv idle halts", offsetof(struct kvm_cpu, idle_halts) },
	{ "pv ipis sent (user)", offsetof(struct kvm_cpu, ipis_sent) },
};

void timer__report(struct kvm *kvm, FILE *f)
{
	fprintf(f, "hpv: stats: pv timer expiries in %s\n",
		kvm->timer_lapic ? "KVM (LAPIC timers, TSC-deadline mode)" :
		kvm->timer_kvm	 ? "KVM (synthetic timers)" :
				   "hpv (POSIX timers)");
	fprintf(f, "%-24s", "timer clock - pvclock ns");
	for (int i = 0; i < kvm->nr_cpus; i++)
		fprintf(f, " %14lld", (long long)(kvm->cpus[i]->timer_clock_offset -
						  (kvm->timer_kvm ? 0 : kvm->start_ns)));
	fprintf(f, "\n");
	for (size_t k = 0; k < sizeof(timer_counters) / sizeof(timer_counters[0]); k++) {
		fprintf(f, "%-24s", timer_counters[k].name);
		for (int i = 0; i < kvm->nr_cpus; i++) {
			const char *cpu = (const char *)kvm->cpus[i];
			uint64_t v;

			memcpy(&v, cpu + timer_counters[k].offset, sizeof(v));
			fprintf(f, " %14llu", (unsigned long long)v);
		}
		fprintf(f, "\n");
	}
}

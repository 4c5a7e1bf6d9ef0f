// SPDX-License-Identifier: GPL-2.0
/*
 * --pv-timer posix, and the LAPIC route's timer for far deadlines: a POSIX
 * timer per vCPU on the host's CLOCK_MONOTONIC, which the pvclock roughly
 * follows. Its signal goes to the vCPU's own thread, which hands the
 * expiry on before it next enters the guest: no other thread has to kick
 * the vCPU out of the guest (under nested TCG a timer thread doing that,
 * with a cross-CPU IPI per expiry, brought the L1 host down).
 *
 * With these timers a guest may also register a timer record
 * (HPV_MSR_TIMER): when the armed time passes we read the deadline the
 * guest wants now, and arm it, raise the vector, or stop. After raising
 * we look again TIMER_RECHECK_NS later, so that the deadline an idle guest
 * sets from the expiry interrupt (its next tick, or a stop) needs no
 * hypercall. A busy guest calls instead (a look would interrupt it), so a
 * look mostly finds the vCPU halted, where it costs no exit.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hybridpv.h"
#include "hpv/kvm.h"
#include "hpv/pv/record.h"
#include "hpv/pv/timer_backend.h"
#include "hpv/report.h"
#include "hpv/vcpu.h"

#define NSEC_PER_SEC 1000000000LL
/* a quarter of a 250 Hz guest's tick */
#define TIMER_RECHECK_NS 1000000
/* The signal a vCPU's timer sends its thread: it interrupts KVM_RUN. */
#define POSIX_TIMER_SIGNAL SIGUSR2

struct posix_timer_vcpu {
	struct kvm_cpu *cpu; /* set when its timer is created */
	timer_t timer;
	bool created;
	int pending;         /* set by the timer's signal */
	uint8_t vector;
	uint64_t deadline;   /* the pvclock deadline it is armed for, 0: none */
	uint64_t moves, stops; /* expiries the record made silent */
};

struct posix_timer {
	struct kvm *kvm;
	struct timer_clock *tc;
	posix_timer_expire_fn expire;
	void *expire_ctx;
	struct pv_records records; /* HPV_MSR_TIMER */
	struct posix_timer_vcpu *vcpu;
};

static const struct pv_record_spec timer_record_spec = {
	.msr = HPV_MSR_TIMER,
	.name = "timer-record",
	.feature = HPV_FEATURE_PV_TIMER_RECORD,
	.size = sizeof(struct hpv_timer),
	.align = sizeof(struct hpv_timer),
	.per_vcpu = true,
};

/* The signal only has to interrupt KVM_RUN; the flag says why. */
static void posix_timer__signal(int sig, siginfo_t *info, void *uc)
{
	struct posix_timer_vcpu *v = info->si_value.sival_ptr;

	(void)sig;
	(void)uc;
	if (!v)
		return;
	__atomic_store_n(&v->pending, 1, __ATOMIC_RELEASE);
	/* a KVM_RUN about to start returns at once */
	if (v->cpu && v->cpu->run)
		__atomic_store_n(&v->cpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

/* Created on first use, by the vCPU thread it signals. */
static int posix_timer__create(struct posix_timer_vcpu *v, struct kvm_cpu *cpu)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = POSIX_TIMER_SIGNAL,
		.sigev_value.sival_ptr = v,
	};

	if (v->created)
		return 0;
	v->cpu = cpu;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &v->timer))
		return -errno;
	v->created = true;
	return 0;
}

static struct hpv_timer *posix_timer__record(struct posix_timer *pt, struct kvm_cpu *cpu)
{
	/* only cpu's own thread changes its registration */
	return pv_records__slot(&pt->records, cpu->id)->host;
}

void posix_timer__publish(struct posix_timer *pt, struct kvm_cpu *cpu, uint64_t next,
			  uint64_t armed)
{
	struct hpv_timer *rec = posix_timer__record(pt, cpu);

	if (!rec)
		return;
	__atomic_store_n(&rec->next, next, __ATOMIC_RELAXED);
	__atomic_store_n(&rec->armed, armed, __ATOMIC_RELAXED);
}

static int posix_timer__arm_at(struct posix_timer *pt, struct kvm_cpu *cpu, uint64_t deadline,
			       uint8_t vector, int64_t offset)
{
	struct posix_timer_vcpu *v = &pt->vcpu[cpu->id];
	struct itimerspec its = { 0 };
	int64_t host_ns;

	if (posix_timer__create(v, cpu))
		return -EINVAL;
	if (deadline) {
		/* a zero it_value would disarm: the earliest is 1 ns */
		host_ns = timer_clock__host_deadline(deadline, offset);
		its.it_value.tv_sec = host_ns / NSEC_PER_SEC;
		its.it_value.tv_nsec = host_ns % NSEC_PER_SEC;
	}
	v->vector = vector;
	if (timer_settime(v->timer, TIMER_ABSTIME, &its, NULL) < 0)
		return -EINVAL;
	v->deadline = deadline;
	return 0;
}

int posix_timer__arm(struct posix_timer *pt, struct kvm_cpu *cpu, uint64_t deadline, uint8_t vector)
{
	return posix_timer__arm_at(pt, cpu, deadline, vector, timer_clock__offset(pt->tc, cpu));
}

uint64_t posix_timer__deadline(struct posix_timer *pt, struct kvm_cpu *cpu)
{
	return pt->vcpu[cpu->id].deadline;
}

/*
 * The armed time passed and the guest has a timer record: do what its
 * next field asks now. Returns true if the vector is to be raised. The
 * guest is out of guest mode on this vCPU, so the record holds still.
 */
static bool posix_timer__due(struct posix_timer *pt, struct kvm_cpu *cpu, struct hpv_timer *rec)
{
	struct posix_timer_vcpu *v = &pt->vcpu[cpu->id];
	uint64_t next = __atomic_load_n(&rec->next, __ATOMIC_RELAXED);
	int64_t offset = timer_clock__last_offset(pt->tc, cpu);
	uint64_t now = timer_clock__guest_ns(hpv_now_ns(), offset), recheck;

	if (!next) {
		if (!posix_timer__arm_at(pt, cpu, 0, v->vector, offset))
			posix_timer__publish(pt, cpu, 0, 0);
		v->stops++;
		return false;
	}
	/* Not yet (a later deadline, or a signal that came before a re-arm):
	 * arm it. The offset is the one measured at the vCPU's last call:
	 * it drifts by tens of us a second nested, so a deadline may be
	 * met that much early, which only makes the guest call, or late. */
	if (next > now) {
		/* (if it cannot be armed, an early interrupt makes the guest call) */
		if (posix_timer__arm_at(pt, cpu, next, v->vector, offset))
			return true;
		posix_timer__publish(pt, cpu, next, next);
		v->moves++;
		return false;
	}
	recheck = now > UINT64_MAX - TIMER_RECHECK_NS ? UINT64_MAX : now + TIMER_RECHECK_NS;
	posix_timer__publish(pt, cpu, 0,
			     posix_timer__arm_at(pt, cpu, recheck, v->vector, offset) ? 0 : recheck);
	return true;
}

/* On the vCPU thread, before each KVM_RUN: hand an expiry on. */
static void posix_timer__pre_run(void *ctx, struct kvm_cpu *cpu)
{
	struct posix_timer *pt = ctx;
	struct posix_timer_vcpu *v = &pt->vcpu[cpu->id];
	struct hpv_timer *rec;

	if (!__atomic_exchange_n(&v->pending, 0, __ATOMIC_ACQ_REL))
		return;
	rec = posix_timer__record(pt, cpu);
	if (rec) {
		if (!posix_timer__due(pt, cpu, rec))
			return;
	} else {
		v->deadline = 0;
	}
	pt->expire(pt->expire_ctx, cpu, v->vector);
}

/*
 * A new record starts out as if the guest had asked for the deadline the
 * timer already holds. With the set's lock, on the vCPU's thread.
 */
static int posix_timer__apply_record(void *ctx, struct kvm_cpu *cpu, uint64_t gpa, void *host)
{
	struct posix_timer *pt = ctx;
	struct hpv_timer *rec = host;
	uint64_t deadline = pt->vcpu[cpu->id].deadline;

	(void)gpa;
	if (rec) {
		__atomic_store_n(&rec->next, deadline, __ATOMIC_RELAXED);
		__atomic_store_n(&rec->armed, deadline, __ATOMIC_RELAXED);
	}
	return 0;
}

static void posix_timer__vcpu_exit(void *ctx, struct kvm_cpu *cpu)
{
	struct posix_timer *pt = ctx;
	struct posix_timer_vcpu *v = &pt->vcpu[cpu->id];

	if (v->created) {
		timer_delete(v->timer);
		v->created = false;
	}
}

void posix_timer__report(struct posix_timer *pt, struct report *r)
{
	report__vcpu_row(r, "pv timer record moves", "timer.record_moves", &pt->vcpu[0].moves,
			 sizeof(pt->vcpu[0]));
	report__vcpu_row(r, "pv timer record stops", "timer.record_stops", &pt->vcpu[0].stops,
			 sizeof(pt->vcpu[0]));
}

int posix_timer__new(struct kvm *kvm, struct timer_clock *tc, const uint32_t *offered,
		     posix_timer_expire_fn expire, void *ctx, struct posix_timer **out)
{
	struct sigaction sa = { .sa_sigaction = posix_timer__signal, .sa_flags = SA_SIGINFO };
	struct kvm_cpu_hooks hooks = {
		.name = "posix-timer", .pre_run = posix_timer__pre_run, .exit = posix_timer__vcpu_exit,
	};
	struct posix_timer *pt = calloc(1, sizeof(*pt));
	int ret = -ENOMEM;

	if (!pt)
		return -ENOMEM;
	pt->kvm = kvm;
	pt->tc = tc;
	pt->expire = expire;
	pt->expire_ctx = ctx;
	pt->vcpu = calloc(kvm->nr_cpus ? kvm->nr_cpus : 1, sizeof(*pt->vcpu));
	if (!pt->vcpu)
		goto err_free;
	ret = pv_records__init(&pt->records, kvm, &timer_record_spec, offered,
			       posix_timer__apply_record, pt);
	if (ret)
		goto err_free;
	sigemptyset(&sa.sa_mask);
	if (sigaction(POSIX_TIMER_SIGNAL, &sa, NULL)) {
		ret = -errno;
		goto err_records;
	}
	hooks.ctx = pt;
	ret = kvm__add_cpu_hooks(kvm, &hooks);
	if (ret)
		goto err_records;
	*out = pt;
	return 0;

err_records:
	pv_records__exit(&pt->records);
err_free:
	free(pt->vcpu);
	free(pt);
	return ret;
}

void posix_timer__free(struct posix_timer *pt)
{
	if (!pt)
		return;
	for (int i = 0; i < pt->kvm->nr_cpus; i++)
		if (pt->vcpu[i].created)
			timer_delete(pt->vcpu[i].timer);
	pv_records__exit(&pt->records);
	free(pt->vcpu);
	free(pt);
}

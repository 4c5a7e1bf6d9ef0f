// SPDX-License-Identifier: GPL-2.0
/*
 * HPV_HC_SET_TIMER and HPV_HC_IDLE: one POSIX timer per vCPU on the host's
 * CLOCK_MONOTONIC, which the pvclock follows (pvclock ns = host ns -
 * kvm->start_ns). Its signal goes to the vCPU's own thread, which injects
 * the vector before it next enters the guest: no other thread has to kick
 * the vCPU out of the guest (a separate timer thread did that, costing a
 * cross-CPU IPI per expiry, and under nested TCG it brought the L1 host
 * down). HPV_HC_IDLE arms the timer and halts the vCPU in the same exit:
 * KVM then blocks the vCPU until an interrupt is pending or the signal
 * arrives.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hpv/kvm.h"
#include "hpv/pv.h"
#include "hpv/util.h"
#include "hpv/vcpu.h"

#define NSEC_PER_SEC 1000000000LL
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

static int timer__arm(struct kvm_cpu *cpu, uint64_t deadline, uint64_t vector)
{
	struct itimerspec its = { 0 };
	int64_t host_ns;

	if (vector < HPV_VECTOR_MIN || vector > HPV_VECTOR_MAX)
		return -HPV_EINVAL;
	if (timer__create(cpu))
		return -HPV_EINVAL;
	if (deadline) {
		/* A deadline already past fires at once; a zero it_value
		 * would disarm, so the earliest is 1 ns. */
		if (deadline > (uint64_t)(INT64_MAX - cpu->kvm->start_ns))
			host_ns = INT64_MAX;
		else
			host_ns = (int64_t)deadline + cpu->kvm->start_ns;
		if (host_ns < 1)
			host_ns = 1;
		its.it_value.tv_sec = host_ns / NSEC_PER_SEC;
		its.it_value.tv_nsec = host_ns % NSEC_PER_SEC;
	}
	cpu->timer_vector = (uint8_t)vector;
	if (timer_settime(cpu->timer, TIMER_ABSTIME, &its, NULL) < 0)
		return -HPV_EINVAL;
	return 0;
}

int64_t timer__set_hypercall(struct kvm_cpu *cpu, const uint64_t args[4])
{
	return timer__arm(cpu, args[0], args[1]);
}

int64_t timer__idle_hypercall(struct kvm_cpu *cpu, const uint64_t args[4])
{
	struct kvm_mp_state halted = { .mp_state = KVM_MP_STATE_HALTED };
	int64_t ret = 0;

	if (args[0])
		ret = timer__arm(cpu, args[0], args[1]);
	if (ret)
		return ret;
	/* The stub ran STI before the exit, so KVM wakes the vCPU for any
	 * interrupt, one raised before this point included. */
	if (ioctl(cpu->fd, KVM_SET_MP_STATE, &halted) < 0)
		return -HPV_EINVAL;
	cpu->idle_halts++;
	return 0;
}

/* On the vCPU thread, before each KVM_RUN: deliver an expiry. */
void timer__deliver(struct kvm_cpu *cpu)
{
	if (!__atomic_exchange_n(&cpu->timer_pending, 0, __ATOMIC_ACQ_REL))
		return;
	ipi__deliver(cpu->kvm, cpu->id, cpu->timer_vector);
	cpu->timer_fires++;
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

void timer__report(struct kvm *kvm, FILE *f)
{
	fprintf(f, "%-24s", "pv timer fires");
	for (int i = 0; i < kvm->nr_cpus; i++)
		fprintf(f, " %14llu", (unsigned long long)kvm->cpus[i]->timer_fires);
	fprintf(f, "\n%-24s", "pv idle halts");
	for (int i = 0; i < kvm->nr_cpus; i++)
		fprintf(f, " %14llu", (unsigned long long)kvm->cpus[i]->idle_halts);
	fprintf(f, "\n%-24s", "pv ipis sent (user)");
	for (int i = 0; i < kvm->nr_cpus; i++)
		fprintf(f, " %14llu", (unsigned long long)kvm->cpus[i]->ipis_sent);
	fprintf(f, "\n");
}

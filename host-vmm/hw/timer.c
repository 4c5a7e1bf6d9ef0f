// SPDX-License-Identifier: GPL-2.0
/*
 * HPV_HC_SET_TIMER and HPV_HC_IDLE: one timerfd per vCPU on the host's
 * CLOCK_MONOTONIC, which the pvclock follows (pvclock ns = host ns -
 * kvm->start_ns), and one thread that turns expiries into interrupts
 * through the in-kernel irqchip. HPV_HC_IDLE arms the timer and halts the
 * vCPU in the same exit: KVM then blocks the vCPU until an interrupt is
 * pending, with its usual halt polling.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
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

static int timer__arm(struct kvm_cpu *cpu, uint64_t deadline, uint64_t vector)
{
	struct itimerspec its = { 0 };
	int64_t host_ns;

	if (vector < HPV_VECTOR_MIN || vector > HPV_VECTOR_MAX)
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
	__atomic_store_n(&cpu->timer_vector, (uint8_t)vector, __ATOMIC_RELEASE);
	if (timerfd_settime(cpu->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
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

static void *timer__thread(void *arg)
{
	struct kvm *kvm = arg;
	struct epoll_event ev[16];

	/* Expiries are deadlines: no slack added by the host scheduler. */
	prctl(PR_SET_TIMERSLACK, 1UL);
	for (;;) {
		int n = epoll_wait(kvm->timer_epfd, ev, ARRAY_SIZE(ev), -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (int i = 0; i < n; i++) {
			struct kvm_cpu *cpu = ev[i].data.ptr;
			uint64_t expirations;

			if (!cpu)
				return NULL; /* the stop eventfd */
			if (read(cpu->timer_fd, &expirations, sizeof(expirations)) != sizeof(expirations))
				continue; /* re-armed or cancelled since */
			ipi__deliver(kvm, cpu->id, __atomic_load_n(&cpu->timer_vector, __ATOMIC_ACQUIRE));
			__atomic_add_fetch(&cpu->timer_fires, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

int timer__init(struct kvm *kvm)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ret;

	kvm->timer_stop_fd = -1;
	kvm->timer_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (kvm->timer_epfd < 0)
		return -errno;
	kvm->timer_stop_fd = eventfd(0, EFD_CLOEXEC);
	ev.data.ptr = NULL;
	if (kvm->timer_stop_fd < 0 ||
	    epoll_ctl(kvm->timer_epfd, EPOLL_CTL_ADD, kvm->timer_stop_fd, &ev) < 0)
		goto err;
	for (int i = 0; i < kvm->nr_cpus; i++) {
		struct kvm_cpu *cpu = kvm->cpus[i];

		cpu->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		ev.data.ptr = cpu;
		if (cpu->timer_fd < 0 || epoll_ctl(kvm->timer_epfd, EPOLL_CTL_ADD, cpu->timer_fd, &ev) < 0)
			goto err;
	}
	ret = pthread_create(&kvm->timer_thread, NULL, timer__thread, kvm);
	if (ret) {
		errno = ret;
		goto err;
	}
	kvm->timer_running = true;
	return 0;
err:
	ret = -errno;
	timer__exit(kvm);
	return ret;
}

void timer__exit(struct kvm *kvm)
{
	if (kvm->timer_running) {
		uint64_t one = 1;

		if (write(kvm->timer_stop_fd, &one, sizeof(one)) == sizeof(one))
			pthread_join(kvm->timer_thread, NULL);
		kvm->timer_running = false;
	}
	for (int i = 0; i < kvm->nr_cpus; i++) {
		if (kvm->cpus[i] && kvm->cpus[i]->timer_fd >= 0) {
			close(kvm->cpus[i]->timer_fd);
			kvm->cpus[i]->timer_fd = -1;
		}
	}
	if (kvm->timer_stop_fd >= 0)
		close(kvm->timer_stop_fd);
	if (kvm->timer_epfd >= 0)
		close(kvm->timer_epfd);
	kvm->timer_stop_fd = kvm->timer_epfd = -1;
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

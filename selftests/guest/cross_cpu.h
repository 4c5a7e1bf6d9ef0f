/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Time never goes back across CPUs: one pinned reader per CPU checks every
 * reading against the latest any reader had published before it read, and
 * publishes its own. What the clock tests share.
 */
#ifndef HPV_SELFTESTS_CROSS_CPU_H
#define HPV_SELFTESTS_CROSS_CPU_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#define CROSS_CPU_MAX 256

struct cross_cpu_order {
	long long (*now_ns)(void);	/* the clock read under test */
	long reads;			/* per CPU */
	_Atomic long long latest;
	_Atomic long backwards;		/* readings below the latest seen */
	_Atomic long long worst_ns;	/* by how much, at most */
};

struct cross_cpu_reader {
	struct cross_cpu_order *order;
	int cpu;
};

static void *cross_cpu__read(void *arg)
{
	const struct cross_cpu_reader *r = arg;
	struct cross_cpu_order *o = r->order;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return (void *)1;
	for (long i = 0; i < o->reads; i++) {
		long long seen = atomic_load(&o->latest);
		long long t = o->now_ns();

		if (t < seen) {
			long long w = atomic_load(&o->worst_ns);

			atomic_fetch_add(&o->backwards, 1);
			while (seen - t > w && !atomic_compare_exchange_weak(&o->worst_ns, &w, seen - t))
				;
		}
		while (t > seen && !atomic_compare_exchange_weak(&o->latest, &seen, t))
			;
	}
	return NULL;
}

/* One reader on each of CPUs 0..cpus-1; 0, or -1 if one did not run. */
static inline int cross_cpu__run(struct cross_cpu_order *o, int cpus)
{
	struct cross_cpu_reader r[CROSS_CPU_MAX];
	pthread_t t[CROSS_CPU_MAX];
	int started = 0, ret = 0;
	void *failed;

	if (cpus > CROSS_CPU_MAX)
		cpus = CROSS_CPU_MAX;
	for (; started < cpus; started++) {
		r[started] = (struct cross_cpu_reader){ o, started };
		if (pthread_create(&t[started], NULL, cross_cpu__read, &r[started])) {
			ret = -1;
			break;
		}
	}
	for (int c = 0; c < started; c++)
		if (pthread_join(t[c], &failed) || failed)
			ret = -1;
	return ret;
}

#endif /* HPV_SELFTESTS_CROSS_CPU_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the paravirtual-op selftests share: the ops' sysfs state and
 * counters, the expectation the boot was given, and CPU pinning. Include
 * after kselftest_harness.h.
 */
#ifndef HPV_SELFTESTS_PV_LIB_H
#define HPV_SELFTESTS_PV_LIB_H

#define DEBUGFS "/sys/kernel/debug/hybridpv/"

static inline const char *expect(void)
{
	const char *e = getenv("HPV_EXPECT_PVOPS");

	return e ? e : "on";
}

static inline long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static inline int write_str(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = fputs(s, f) >= 0;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

static inline long op_counter(const char *op, const char *field)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/hypervisor/hybridpv/%s/%s", op, field);
	return read_long(path);
}

/* With the op on, its calls counter must have moved; otherwise it stays. */
static inline void check_used(struct __test_metadata *_metadata, const char *op, long before)
{
	long after = op_counter(op, "calls");

	TH_LOG("%s calls %ld -> %ld (%s)", op, before, after, expect());
	if (!strcmp(expect(), "on")) {
		EXPECT_GT(after, before);
	} else if (!strcmp(expect(), "off")) {
		EXPECT_EQ(after, before);
	}
}

static inline int online_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* Run the calling thread on @cpu alone; 0 or -1. */
static inline int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static inline bool op_on(const char *op)
{
	char path[128], state[8] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/hypervisor/hybridpv/%s/state", op);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(state, sizeof(state), f))
		state[0] = 0;
	fclose(f);
	return !strncmp(state, "on", 2);
}

#endif /* HPV_SELFTESTS_PV_LIB_H */

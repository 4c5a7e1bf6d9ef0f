// SPDX-License-Identifier: GPL-2.0
/*
 * Address-space switches under a host that shadows our page tables: no
 * process ever sees another's memory, or its own old memory, through a
 * stale translation. Every check reads contents back. Rings of 2 to 64
 * processes pass a token through pipes (more address spaces than the
 * host caches roots for), each turn verifying and rewriting the
 * process's own pages, and remapping them (munmap and mmap, mremap,
 * mprotect) so that flushes and page-table teardown happen under
 * switching; threads of one mm write on both CPUs; processes fork, exec
 * and exit, some of them last from the other CPU than the one that ran
 * them, and CPU 1 goes offline and back while a ring runs.
 *
 * HPV_EXPECT_CR3: "on" (the CR3 port and page-table retirement must be
 * used), "off" (they must stay unused); unset, whatever state the guest
 * reports is checked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "pv_lib.h"

/* past the kernel's 33-page ceiling: a munmap of it is a full local flush */
#define REGION_PAGES 64
#define PAGE 4096UL
#define REGION (REGION_PAGES * PAGE)
#define MAX_RING 64

/* With the op on, its calls counter must have moved; otherwise it stays. */
static void check_op(struct __test_metadata *_metadata, const char *op, long before)
{
	const char *want = getenv("HPV_EXPECT_CR3");
	long after = op_counter(op, "calls");

	if (!want)
		want = op_on(op) ? "on" : "off";
	TH_LOG("%s calls %ld -> %ld (%s)", op, before, after, want);
	if (!strcmp(want, "on")) {
		EXPECT_GT(after, before);
	} else {
		EXPECT_EQ(after, before);
	}
}

/* A word per page, unique to the process, the round and the page. */
static uint64_t pattern(unsigned int id, unsigned int round, unsigned int page)
{
	return ((uint64_t)id << 48) ^ ((uint64_t)round << 20) ^ page ^ 0x5a5a000000000000ULL;
}

static void fill(uint64_t *p, unsigned int id, unsigned int round)
{
	for (unsigned int i = 0; i < REGION_PAGES; i++)
		for (unsigned int w = 0; w < PAGE / 8; w += 64)
			p[i * PAGE / 8 + w] = pattern(id, round, i) + w;
}

/* The first page that does not hold what was written, or -1. */
static int first_bad(const uint64_t *p, unsigned int id, unsigned int round)
{
	for (unsigned int i = 0; i < REGION_PAGES; i++)
		for (unsigned int w = 0; w < PAGE / 8; w += 64)
			if (p[i * PAGE / 8 + w] != pattern(id, round, i) + w)
				return (int)i;
	return -1;
}

static uint64_t *map_region(void)
{
	void *p = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * One turn of a ring member: check the last round's contents, then change
 * the mapping one of four ways and write this round's.
 */
static int ring_turn(uint64_t **region, unsigned int id, unsigned int round)
{
	uint64_t *p = *region, *q;
	int bad = first_bad(p, id, round - 1);

	if (bad >= 0) {
		fprintf(stderr, "member %u round %u: page %d holds %#llx, want %#llx\n", id, round,
			bad, (unsigned long long)p[bad * PAGE / 8],
			(unsigned long long)pattern(id, round - 1, bad));
		return -1;
	}
	switch (round % 4) {
	case 0: /* a new mapping, most likely at the same address */
		if (munmap(p, REGION))
			return -1;
		p = map_region();
		break;
	case 1: /* moved, contents and all: checked after the move */
		q = mremap(p, REGION, 2 * REGION, MREMAP_MAYMOVE);
		if (q == MAP_FAILED)
			return -1;
		if (first_bad(q, id, round - 1) >= 0) {
			fprintf(stderr, "member %u round %u: mremap lost the contents\n", id, round);
			return -1;
		}
		p = mremap(q, 2 * REGION, REGION, 0);
		if (p == MAP_FAILED)
			return -1;
		break;
	case 2: /* read-only while read, then writable again */
		if (mprotect(p, REGION, PROT_READ) || first_bad(p, id, round - 1) >= 0 ||
		    mprotect(p, REGION, PROT_READ | PROT_WRITE))
			return -1;
		break;
	default:
		break;
	}
	if (!p)
		return -1;
	fill(p, id, round);
	*region = p;
	return 0;
}

/* A ring member: turns until the token has gone round rounds times. */
static int ring_member(unsigned int id, int in, int out, unsigned int rounds, int cpu)
{
	uint64_t *region = map_region();
	char token;

	if (!region || (cpu >= 0 && pin_to(cpu)))
		return 1;
	fill(region, id, 0);
	for (unsigned int round = 1; round <= rounds; round++) {
		if (read(in, &token, 1) != 1 || ring_turn(&region, id, round) ||
		    write(out, &token, 1) != 1)
			return 1;
	}
	return 0;
}

/* n processes in a pipe ring, all on @cpu or free (-1); 0 if all checked out. */
static int run_ring(unsigned int n, unsigned int rounds, int cpu)
{
	int pipes[MAX_RING][2], failed = 0, status;
	pid_t pids[MAX_RING];
	char token = 't';

	if (n < 2 || n > MAX_RING)
		return -1;
	memset(pipes, 0, sizeof(pipes));
	for (unsigned int i = 0; i < n; i++)
		if (pipe(pipes[i]))
			return -1;
	for (unsigned int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return -1;
		if (pids[i] == 0)
			_exit(ring_member(i, pipes[i][0], pipes[(i + 1) % n][1], rounds, cpu));
	}
	if (write(pipes[0][1], &token, 1) != 1)
		failed = 1;
	for (unsigned int i = 0; i < n; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			failed++;
	}
	for (unsigned int i = 0; i < n; i++) {
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
	return failed;
}

FIXTURE(ring)
{
	long cr3_calls, retire_calls;
};

FIXTURE_VARIANT(ring)
{
	unsigned int procs;
	bool pinned; /* all on CPU 0, as lmbench's lat_ctx runs */
};

FIXTURE_VARIANT_ADD(ring, procs_2) { 2, false };
FIXTURE_VARIANT_ADD(ring, procs_4) { 4, false };
FIXTURE_VARIANT_ADD(ring, procs_8) { 8, false };
FIXTURE_VARIANT_ADD(ring, procs_16) { 16, false };
FIXTURE_VARIANT_ADD(ring, procs_32) { 32, false };
FIXTURE_VARIANT_ADD(ring, procs_64) { 64, false };
FIXTURE_VARIANT_ADD(ring, procs_16_pinned) { 16, true };

FIXTURE_SETUP(ring)
{
	self->cr3_calls = op_counter("pvcr3", "calls");
	self->retire_calls = op_counter("pvretire", "calls");
}

FIXTURE_TEARDOWN(ring)
{
}

TEST_F(ring, contents_survive_switches)
{
	/* about 1,000 switches a ring, whatever its size */
	unsigned int rounds = 1000 / variant->procs + 4;

	EXPECT_EQ(0, run_ring(variant->procs, rounds, variant->pinned ? 0 : -1));
	check_op(_metadata, "pvcr3", self->cr3_calls);
	check_op(_metadata, "pvretire", self->retire_calls);
}

/* Two threads of one mm, one per CPU, write and read each other's pages. */
struct pair {
	uint64_t *shared;
	int cpu;
	int failed;
	int *turn;
};

static void *pair_thread(void *arg)
{
	struct pair *t = arg;

	if (pin_to(t->cpu))
		t->failed = 1;
	/* turn k: the pages hold round k, and this thread writes k + 1 */
	for (int n = 0; n < 200; n++) {
		int k;

		while ((k = __atomic_load_n(t->turn, __ATOMIC_ACQUIRE)) % 2 != t->cpu)
			sched_yield();
		if (first_bad(t->shared, 7, k) >= 0)
			t->failed = 1;
		fill(t->shared, 7, k + 1);
		__atomic_store_n(t->turn, k + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

TEST(threads_share_one_mm_across_cpus)
{
	int turn = 0;
	struct pair t[2];
	pthread_t th[2];
	pid_t busy;
	int status;

	if (online_cpus() < 2)
		SKIP(return, "needs 2 CPUs");
	/* other address spaces switching in and out on both CPUs meanwhile */
	busy = fork();
	ASSERT_LE(0, busy);
	if (busy == 0)
		_exit(run_ring(8, 200, -1) ? 1 : 0);
	t[0] = (struct pair){ .shared = map_region(), .cpu = 0, .turn = &turn };
	ASSERT_NE(NULL, t[0].shared);
	fill(t[0].shared, 7, 0);
	t[1] = t[0];
	t[1].cpu = 1;
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, pair_thread, &t[i]));
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	EXPECT_EQ(0, t[0].failed);
	EXPECT_EQ(0, t[1].failed);
	ASSERT_EQ(busy, waitpid(busy, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A thread that runs on the other CPU and ends first, leaving it lazy. */
static void *touch_and_leave(void *arg)
{
	uint64_t *p = arg;

	pin_to(1);
	fill(p, 9, 1);
	return NULL;
}

TEST(fork_exec_exit_storm)
{
	long retire = op_counter("pvretire", "calls");
	uint64_t *mine = map_region();
	int status, failed = 0;

	ASSERT_NE(NULL, mine);
	fill(mine, 3, 0);
	for (int i = 0; i < 300; i++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (pid == 0) {
			uint64_t *p = map_region();
			pthread_t th;

			if (!p || first_bad(mine, 3, i) >= 0)
				_exit(1);
			switch (i % 3) {
			case 0: /* exit right away */
				_exit(0);
			case 1: /* a new image: the old mm is torn down by exec */
				execl("/bin/busybox", "true", (char *)NULL);
				_exit(1);
			default: /* the last user exits here, the mm still lazy on CPU 1 */
				if (online_cpus() > 1 && !pthread_create(&th, NULL, touch_and_leave, p))
					pthread_join(th, NULL);
				_exit(first_bad(p, 9, 1) >= 0 && online_cpus() > 1);
			}
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
		/* the parent's own pages, after each child's switch and teardown */
		if (first_bad(mine, 3, i) >= 0)
			failed++;
		fill(mine, 3, i + 1);
	}
	EXPECT_EQ(0, failed);
	check_op(_metadata, "pvretire", retire);
	/* one retirement per mm torn down: 300 children, 100 of them exec'd */
	if (op_on("pvretire")) {
		EXPECT_EQ(400, op_counter("pvretire", "calls") - retire);
	}
}

TEST(cpu_offline_and_back_while_switching)
{
	const char *online = "/sys/devices/system/cpu/cpu1/online";
	int failed = 0;

	if (online_cpus() < 2 || write_str(online, "0"))
		SKIP(return, "cpu1 cannot go offline");
	for (int i = 0; i < 4; i++) {
		failed += run_ring(8, 20, -1) != 0;
		if (write_str(online, i % 2 ? "0" : "1"))
			failed++;
	}
	write_str(online, "1");
	EXPECT_EQ(0, failed);
	EXPECT_EQ(2, online_cpus());
}

TEST_HARNESS_MAIN

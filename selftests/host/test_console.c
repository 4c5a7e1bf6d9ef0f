// SPDX-License-Identifier: GPL-2.0
/*
 * The console can never be taken from the user: a guest that floods its
 * UART into a stdout nobody reads does not block its vCPU (output is
 * dropped and counted instead), and one that never drains its receive
 * side does not keep Ctrl-A x from being seen.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "hpv/hw.h"
#include "hpv/kvm.h"
#include "hpv/term.h"

#define UART_THR 0

/*
 * Under ASan or TSan (make check-host-asan, check-host-tsan) a register
 * access costs tens of times more: less output (still twice what the
 * buffer holds) and more time for the same claims.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifdef SANITIZED
#define FLOOD    (2 << 20)
#define SLOWDOWN 20
#else
#define FLOOD    (4 << 20)
#define SLOWDOWN 1
#endif

static void no_irq(void *ctx, int level)
{
	(void)ctx;
	(void)level;
}

/* A stdout whose reader went away: 4 MiB of output (FLOOD) never blocks
 * the vCPU, and what could not be written is counted. */
TEST(output_into_a_full_pipe_never_blocks_the_vcpu)
{
	static struct serial s;
	int p[2];
	int64_t t0;

	ASSERT_EQ(0, pipe(p));
	serial__reset(&s, p[1], no_irq, NULL);
	t0 = hpv_now_ns();
	for (int i = 0; i < FLOOD; i++)
		serial__write(&s, UART_THR, 'x');
	/* seconds for what takes milliseconds: the test is that it ends at all,
	 * on a machine whose cores other work shares */
	EXPECT_LT(hpv_now_ns() - t0, SLOWDOWN * 10000000000LL);
	EXPECT_EQ(FLOOD, s.tx_bytes);
	EXPECT_LT(0, s.tx_dropped);
	t0 = hpv_now_ns();
	serial__exit(&s);
	EXPECT_LT(hpv_now_ns() - t0, SLOWDOWN * 2000000000LL);
	close(p[0]);
	close(p[1]);
}

/* What is written while the reader keeps up all arrives, in order. */
TEST(output_to_a_reader_arrives_whole)
{
	static struct serial s;
	char buf[4096];
	size_t got = 0;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	serial__reset(&s, p[1], no_irq, NULL);
	for (int i = 0; i < 3000; i++)
		serial__write(&s, UART_THR, 'a' + i % 26);
	serial__exit(&s);
	close(p[1]);
	for (ssize_t n; (n = read(p[0], buf, sizeof(buf))) > 0; got += n)
		for (ssize_t i = 0; i < n; i++)
			ASSERT_EQ('a' + (got + i) % 26, buf[i]);
	EXPECT_EQ(3000, got);
	EXPECT_EQ(0, s.tx_dropped);
	close(p[0]);
}

/* A guest that never reads its UART: 128 KiB typed, then Ctrl-A x. */
TEST(escape_is_seen_while_the_guest_drains_nothing)
{
	static struct kvm kvm;
	static struct serial s;
	static char typed[128 << 10];
	int in[2], out[2];
	int64_t t0;

	ASSERT_EQ(0, pipe(in));
	ASSERT_EQ(0, pipe2(out, O_NONBLOCK));
	ASSERT_EQ(0, fcntl(in[1], F_SETPIPE_SZ, 1 << 20) < 0);
	serial__reset(&s, out[1], no_irq, NULL);
	atomic_store(&kvm.end, HPV_END_NONE);
	ASSERT_EQ(0, dup2(in[0], STDIN_FILENO) < 0);
	ASSERT_EQ(0, term__start_input(&kvm, &s, true));
	memset(typed, 'k', sizeof(typed));
	ASSERT_EQ(sizeof(typed), write(in[1], typed, sizeof(typed)));
	ASSERT_EQ(2, write(in[1], "\001x", 2));
	t0 = hpv_now_ns();
	while (atomic_load(&kvm.end) == HPV_END_NONE && hpv_now_ns() - t0 < 3000000000LL)
		usleep(1000);
	EXPECT_EQ(HPV_END_USER, atomic_load(&kvm.end));
	EXPECT_LT(hpv_now_ns() - t0, 1000000000LL);
	/* the UART holds what fits; the rest was dropped and counted */
	EXPECT_EQ(SERIAL_RX_BUF, s.rx_bytes);
	EXPECT_LT(0, s.rx_dropped);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/* Command-line parsing: every bad input is refused with a reason. */
#include <string.h>

#include "kselftest_harness.h"

#include "hpv/cli.h"

#define MAX_ARGS 8

static const struct {
	const char *argv[MAX_ARGS];
	int ok;
	int cpus;
	unsigned long long mem;
	const char *reason; /* substring of the message when refused */
} cases[] = {
	{ { "--kernel", "k" }, 1, 1, 512ULL << 20, NULL },
	{ { "--kernel", "k", "--cpus", "4", "--mem", "2G" }, 1, 4, 2ULL << 30, NULL },
	{ { "--kernel", "k", "--mem", "65536K" }, 1, 1, 64ULL << 20, NULL },
	{ { "--kernel", "k", "--mem", "1024" }, 1, 1, 1ULL << 30, NULL },
	{ { "--kernel", "k", "--mem", "1GiB" }, 1, 1, 1ULL << 30, NULL },
	{ { "--kernel", "k", "--cpus", "255" }, 1, 255, 512ULL << 20, NULL },
	{ { "--help" }, 1, 1, 512ULL << 20, NULL },
	{ { "--kernel", "k", "--withhold", "pvipi,pvtlb,pvtimer,pvidle,pveoi,pvclock,pvtimerrec" }, 1, 1, 512ULL << 20, NULL },
	{ { "--kernel", "k", "--withhold", "pvipi,ipi" }, 0, 0, 0, "--withhold 'pvipi,ipi'" },
	{ { "--kernel", "k", "--withhold", "" }, 0, 0, 0, "--withhold" },
	{ { "--kernel", "k", "--withhold", "pvipi," }, 1, 1, 512ULL << 20, NULL },
	{ { "--kernel", "k", "--withhold" }, 0, 0, 0, "needs an argument" },
	{ { "--kernel", "k", "--hypercall-route", "user", "--no-hybridpv" }, 1, 1, 512ULL << 20, NULL },
	{ { "--kernel", "k", "--hypercall-route", "fast" }, 0, 0, 0, "--hypercall-route" },
	{ { "--kernel", "k", "--hypercall-route" }, 0, 0, 0, "needs an argument" },
	{ { "--kernel", "k", "--pv-timer", "kvm" }, 1, 1, 512ULL << 20, NULL },
	{ { "--kernel", "k", "--pv-timer", "lapic" }, 1, 1, 512ULL << 20, NULL },
	{ { "--kernel", "k", "--pv-timer", "posix" }, 1, 1, 512ULL << 20, NULL },
	{ { "--kernel", "k", "--pv-timer", "fast" }, 0, 0, 0, "--pv-timer 'fast': lapic, posix or kvm" },
	{ { "--kernel", "k", "--pv-timer" }, 0, 0, 0, "needs an argument" },
	{ { 0 }, 0, 0, 0, "--kernel is required" },
	{ { "--kernel" }, 0, 0, 0, "needs an argument" },
	{ { "--kernel", "k", "--cpus", "0" }, 0, 0, 0, "--cpus" },
	{ { "--kernel", "k", "--cpus", "256" }, 0, 0, 0, "--cpus" },
	{ { "--kernel", "k", "--cpus", "-1" }, 0, 0, 0, "--cpus" },
	{ { "--kernel", "k", "--cpus", "2x" }, 0, 0, 0, "--cpus" },
	{ { "--kernel", "k", "--cpus", "" }, 0, 0, 0, "--cpus" },
	{ { "--kernel", "k", "--cpus", "99999999999999999999" }, 0, 0, 0, "--cpus" },
	{ { "--kernel", "k", "--mem", "1M" }, 0, 0, 0, "--mem" },
	{ { "--kernel", "k", "--mem", "lots" }, 0, 0, 0, "--mem" },
	{ { "--kernel", "k", "--mem", "512X" }, 0, 0, 0, "--mem" },
	{ { "--kernel", "k", "--mem", "300G" }, 0, 0, 0, "--mem" },
	{ { "--kernel", "k", "--mem", "65537K" }, 0, 0, 0, "--mem" },
	{ { "--kernel", "k", "--mem", "99999999999999999999G" }, 0, 0, 0, "--mem" },
	{ { "--kernel", "k", "--frobnicate" }, 0, 0, 0, "unknown option" },
	{ { "--kernel", "k", "extra" }, 0, 0, 0, "unknown option" },
};

TEST(table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[MAX_ARGS + 2] = { "hpv" };
		struct hpv_config cfg;
		char err[256] = "";
		int argc = 1, ret;

		for (int k = 0; k < MAX_ARGS && cases[i].argv[k]; k++)
			argv[argc++] = (char *)cases[i].argv[k];
		ret = cli__parse(argc, argv, &cfg, err, sizeof(err));
		TH_LOG("case %zu: %s %s -> %d '%s'", i, argv[1] ? argv[1] : "", argv[argc - 1], ret, err);
		if (cases[i].ok) {
			ASSERT_EQ(0, ret);
			EXPECT_EQ(cases[i].cpus, cfg.cpus);
			EXPECT_EQ(cases[i].mem, cfg.mem);
		} else {
			ASSERT_NE(0, ret);
			EXPECT_NE(NULL, strstr(err, cases[i].reason));
			EXPECT_EQ(NULL, strchr(err, '\n'));
		}
	}
}

TEST_HARNESS_MAIN

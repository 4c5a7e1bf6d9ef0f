// SPDX-License-Identifier: GPL-2.0
/* Command-line parsing: every bad input is refused with a reason. */
#include <string.h>

#include "kselftest_harness.h"

#include "hpv/cli.h"
#include "hybridpv.h"

#define MAX_ARGS 8

FIXTURE(cli)
{
	struct hpv_config cfg;
	char err[256];
	int ret;
};

FIXTURE_VARIANT(cli)
{
	const char *argv[MAX_ARGS];
	int ok;
	int cpus;
	unsigned long long mem;
	const char *reason; /* substring of the message when refused */
};

FIXTURE_VARIANT_ADD(cli, ok_defaults) { { "--kernel", "k" }, 1, 1, 512ULL << 20, NULL };
FIXTURE_VARIANT_ADD(cli, ok_cpus_4_mem_2G) { { "--kernel", "k", "--cpus", "4", "--mem", "2G" }, 1, 4, 2ULL << 30, NULL };
FIXTURE_VARIANT_ADD(cli, ok_mem_65536K) { { "--kernel", "k", "--mem", "65536K" }, 1, 1, 64ULL << 20, NULL };
FIXTURE_VARIANT_ADD(cli, ok_mem_1024) { { "--kernel", "k", "--mem", "1024" }, 1, 1, 1ULL << 30, NULL };
FIXTURE_VARIANT_ADD(cli, ok_mem_1GiB) { { "--kernel", "k", "--mem", "1GiB" }, 1, 1, 1ULL << 30, NULL };
FIXTURE_VARIANT_ADD(cli, ok_cpus_255) { { "--kernel", "k", "--cpus", "255" }, 1, 255, 512ULL << 20, NULL };
FIXTURE_VARIANT_ADD(cli, ok_help) { { "--help" }, 1, 1, 512ULL << 20, NULL };
FIXTURE_VARIANT_ADD(cli, ok_withhold_pvipi_pvtlb_pvtimer_pvidle_pveoi_pvclock_pvtimerrec) { { "--kernel", "k", "--withhold", "pvipi,pvtlb,pvtimer,pvidle,pveoi,pvclock,pvtimerrec" }, 1, 1, 512ULL << 20, NULL };
FIXTURE_VARIANT_ADD(cli, ok_withhold_pvsteal_pvpreempt) { { "--kernel", "k", "--withhold", "pvsteal,pvpreempt" }, 1, 1, 512ULL << 20, NULL };
FIXTURE_VARIANT_ADD(cli, ok_withhold_pvspin_pvyield) { { "--kernel", "k", "--withhold", "pvspin,pvyield" }, 1, 1, 512ULL << 20, NULL };
FIXTURE_VARIANT_ADD(cli, refused_withhold_pvipi_ipi) { { "--kernel", "k", "--withhold", "pvipi,ipi" }, 0, 0, 0, "--withhold 'pvipi,ipi'" };
FIXTURE_VARIANT_ADD(cli, refused_withhold_empty_list) { { "--kernel", "k", "--withhold", "" }, 0, 0, 0, "--withhold" };
FIXTURE_VARIANT_ADD(cli, ok_withhold_pvipi) { { "--kernel", "k", "--withhold", "pvipi," }, 1, 1, 512ULL << 20, NULL };
FIXTURE_VARIANT_ADD(cli, refused_withhold_without_value) { { "--kernel", "k", "--withhold" }, 0, 0, 0, "needs an argument" };
FIXTURE_VARIANT_ADD(cli, ok_hypercall_route_user_no_hybridpv) { { "--kernel", "k", "--hypercall-route", "user", "--no-hybridpv" }, 1, 1, 512ULL << 20, NULL };
FIXTURE_VARIANT_ADD(cli, refused_hypercall_route_fast) { { "--kernel", "k", "--hypercall-route", "fast" }, 0, 0, 0, "--hypercall-route" };
FIXTURE_VARIANT_ADD(cli, refused_hypercall_route_without_value) { { "--kernel", "k", "--hypercall-route" }, 0, 0, 0, "needs an argument" };
FIXTURE_VARIANT_ADD(cli, ok_pv_timer_kvm) { { "--kernel", "k", "--pv-timer", "kvm" }, 1, 1, 512ULL << 20, NULL };
FIXTURE_VARIANT_ADD(cli, ok_pv_timer_lapic) { { "--kernel", "k", "--pv-timer", "lapic" }, 1, 1, 512ULL << 20, NULL };
FIXTURE_VARIANT_ADD(cli, ok_pv_timer_posix) { { "--kernel", "k", "--pv-timer", "posix" }, 1, 1, 512ULL << 20, NULL };
FIXTURE_VARIANT_ADD(cli, refused_pv_timer_fast) { { "--kernel", "k", "--pv-timer", "fast" }, 0, 0, 0, "--pv-timer 'fast': lapic, posix or kvm" };
FIXTURE_VARIANT_ADD(cli, ok_withhold_pvvdso) { { "--kernel", "k", "--withhold", "pvvdso" }, 1, 1, 512ULL << 20, NULL };
FIXTURE_VARIANT_ADD(cli, ok_pvclock_stable_force) { { "--kernel", "k", "--pvclock-stable", "force" }, 1, 1, 512ULL << 20, NULL };
FIXTURE_VARIANT_ADD(cli, ok_pvclock_stable_kvm) { { "--kernel", "k", "--pvclock-stable", "kvm" }, 1, 1, 512ULL << 20, NULL };
FIXTURE_VARIANT_ADD(cli, refused_pvclock_stable_always) { { "--kernel", "k", "--pvclock-stable", "always" }, 0, 0, 0, "--pvclock-stable 'always': kvm or force" };
FIXTURE_VARIANT_ADD(cli, refused_idle_poll_past_1ms) { { "--kernel", "k", "--idle-poll", "1000001" }, 0, 0, 0, "--idle-poll '1000001': auto or 0 to 1000000 (ns)" };
FIXTURE_VARIANT_ADD(cli, refused_idle_poll_negative) { { "--kernel", "k", "--idle-poll", "-1" }, 0, 0, 0, "--idle-poll '-1': auto or 0 to 1000000 (ns)" };
FIXTURE_VARIANT_ADD(cli, refused_idle_poll_word) { { "--kernel", "k", "--idle-poll", "always" }, 0, 0, 0, "--idle-poll 'always'" };
FIXTURE_VARIANT_ADD(cli, refused_pvclock_stable_without_value) { { "--kernel", "k", "--pvclock-stable" }, 0, 0, 0, "needs an argument" };
FIXTURE_VARIANT_ADD(cli, refused_pv_timer_without_value) { { "--kernel", "k", "--pv-timer" }, 0, 0, 0, "needs an argument" };
FIXTURE_VARIANT_ADD(cli, refused_no_arguments) { { 0 }, 0, 0, 0, "--kernel is required" };
FIXTURE_VARIANT_ADD(cli, refused_kernel_without_value) { { "--kernel" }, 0, 0, 0, "needs an argument" };
FIXTURE_VARIANT_ADD(cli, refused_cpus_0) { { "--kernel", "k", "--cpus", "0" }, 0, 0, 0, "--cpus" };
FIXTURE_VARIANT_ADD(cli, refused_cpus_256) { { "--kernel", "k", "--cpus", "256" }, 0, 0, 0, "--cpus" };
FIXTURE_VARIANT_ADD(cli, refused_cpus_minus_1) { { "--kernel", "k", "--cpus", "-1" }, 0, 0, 0, "--cpus" };
FIXTURE_VARIANT_ADD(cli, refused_cpus_2x) { { "--kernel", "k", "--cpus", "2x" }, 0, 0, 0, "--cpus" };
FIXTURE_VARIANT_ADD(cli, refused_cpus_empty) { { "--kernel", "k", "--cpus", "" }, 0, 0, 0, "--cpus" };
FIXTURE_VARIANT_ADD(cli, refused_cpus_99999999999999999999) { { "--kernel", "k", "--cpus", "99999999999999999999" }, 0, 0, 0, "--cpus" };
FIXTURE_VARIANT_ADD(cli, refused_mem_1M) { { "--kernel", "k", "--mem", "1M" }, 0, 0, 0, "--mem" };
FIXTURE_VARIANT_ADD(cli, refused_mem_lots) { { "--kernel", "k", "--mem", "lots" }, 0, 0, 0, "--mem" };
FIXTURE_VARIANT_ADD(cli, refused_mem_512X) { { "--kernel", "k", "--mem", "512X" }, 0, 0, 0, "--mem" };
FIXTURE_VARIANT_ADD(cli, refused_mem_300G) { { "--kernel", "k", "--mem", "300G" }, 0, 0, 0, "--mem" };
FIXTURE_VARIANT_ADD(cli, refused_mem_65537K) { { "--kernel", "k", "--mem", "65537K" }, 0, 0, 0, "--mem" };
FIXTURE_VARIANT_ADD(cli, refused_mem_99999999999999999999G) { { "--kernel", "k", "--mem", "99999999999999999999G" }, 0, 0, 0, "--mem" };
FIXTURE_VARIANT_ADD(cli, ok_cr3_cache_1) { { "--kernel", "k", "--cr3-cache", "1" }, 1, 1, 512ULL << 20, NULL };
FIXTURE_VARIANT_ADD(cli, ok_cr3_cache_15) { { "--kernel", "k", "--cr3-cache", "15" }, 1, 1, 512ULL << 20, NULL };
FIXTURE_VARIANT_ADD(cli, refused_cr3_cache_0) { { "--kernel", "k", "--cr3-cache", "0" }, 0, 0, 0, "--cr3-cache '0': need a number from 1 to 15" };
FIXTURE_VARIANT_ADD(cli, refused_cr3_cache_16) { { "--kernel", "k", "--cr3-cache", "16" }, 0, 0, 0, "--cr3-cache '16'" };
FIXTURE_VARIANT_ADD(cli, refused_cr3_cache_many) { { "--kernel", "k", "--cr3-cache", "many" }, 0, 0, 0, "--cr3-cache 'many'" };
FIXTURE_VARIANT_ADD(cli, refused_cr3_cache_without_value) { { "--kernel", "k", "--cr3-cache" }, 0, 0, 0, "needs an argument" };
FIXTURE_VARIANT_ADD(cli, refused_frobnicate) { { "--kernel", "k", "--frobnicate" }, 0, 0, 0, "unknown option" };
FIXTURE_VARIANT_ADD(cli, refused_extra) { { "--kernel", "k", "extra" }, 0, 0, 0, "unknown option" };

FIXTURE_SETUP(cli)
{
	char *argv[MAX_ARGS + 2] = { "hpv" };
	int argc = 1;

	for (int k = 0; k < MAX_ARGS && variant->argv[k]; k++)
		argv[argc++] = (char *)variant->argv[k];
	self->err[0] = 0;
	self->ret = cli__parse(argc, argv, &self->cfg, self->err, sizeof(self->err));
}

FIXTURE_TEARDOWN(cli)
{
}

TEST_F(cli, parse)
{
	if (variant->ok) {
		ASSERT_EQ(0, self->ret);
		EXPECT_EQ(variant->cpus, self->cfg.cpus);
		EXPECT_EQ(variant->mem, self->cfg.mem);
	} else {
		ASSERT_NE(0, self->ret);
		EXPECT_NE(NULL, strstr(self->err, variant->reason));
		EXPECT_EQ(NULL, strchr(self->err, '\n'));
	}
}

/* What an accepted line asks for reaches the configuration. */
FIXTURE(cli_value)
{
	struct hpv_config cfg;
	char err[256];
};

FIXTURE_VARIANT(cli_value)
{
	const char *argv[MAX_ARGS];
	uint32_t withheld;
	bool force_tsc_stable;
	int64_t idle_poll_ns; /* -1: auto */
	uint32_t cr3_cache;   /* 0: the most KVM keeps */
};

FIXTURE_VARIANT_ADD(cli_value, defaults) { { "--kernel", "k" }, 0, false, -1, 0 };
FIXTURE_VARIANT_ADD(cli_value, withhold_pvclock_pvtimerrec) {
	{ "--kernel", "k", "--withhold", "pvclock,pvtimerrec" },
	HPV_FEATURE_PVCLOCK | HPV_FEATURE_PV_TIMER_RECORD, false, -1, 0 };
FIXTURE_VARIANT_ADD(cli_value, withhold_pvsteal_pvpreempt) {
	{ "--kernel", "k", "--withhold", "pvsteal,pvpreempt" },
	HPV_FEATURE_STEAL_TIME | HPV_FEATURE_PV_PREEMPTED, false, -1, 0 };
FIXTURE_VARIANT_ADD(cli_value, withhold_pvspin_pvyield_pvvdso) {
	{ "--kernel", "k", "--withhold", "pvspin,pvyield,pvvdso" },
	HPV_FEATURE_PV_SPINLOCK | HPV_FEATURE_PV_SCHED_YIELD | HPV_FEATURE_PVCLOCK_VDSO, false, -1, 0 };
FIXTURE_VARIANT_ADD(cli_value, pvclock_stable_force) {
	{ "--kernel", "k", "--pvclock-stable", "force" }, 0, true, -1, 0 };
FIXTURE_VARIANT_ADD(cli_value, pvclock_stable_force_then_kvm) {
	{ "--kernel", "k", "--pvclock-stable", "force", "--pvclock-stable", "kvm" }, 0, false, -1, 0 };
FIXTURE_VARIANT_ADD(cli_value, idle_poll_ns) {
	{ "--kernel", "k", "--idle-poll", "200000" }, 0, false, 200000, 0 };
FIXTURE_VARIANT_ADD(cli_value, idle_poll_zero) {
	{ "--kernel", "k", "--idle-poll", "0" }, 0, false, 0, 0 };
FIXTURE_VARIANT_ADD(cli_value, idle_poll_then_auto) {
	{ "--kernel", "k", "--idle-poll", "5000", "--idle-poll", "auto" }, 0, false, -1, 0 };
FIXTURE_VARIANT_ADD(cli_value, withhold_pvcr3_pvretire) {
	{ "--kernel", "k", "--withhold", "pvcr3,pvretire" },
	HPV_FEATURE_CR3_PORT | HPV_FEATURE_MM_RETIRE, false, -1, 0 };
FIXTURE_VARIANT_ADD(cli_value, cr3_cache_4) {
	{ "--kernel", "k", "--cr3-cache", "4" }, 0, false, -1, 4 };

FIXTURE_SETUP(cli_value)
{
	char *argv[MAX_ARGS + 2] = { "hpv" };
	int argc = 1;

	for (int k = 0; k < MAX_ARGS && variant->argv[k]; k++)
		argv[argc++] = (char *)variant->argv[k];
	ASSERT_EQ(0, cli__parse(argc, argv, &self->cfg, self->err, sizeof(self->err)));
}

FIXTURE_TEARDOWN(cli_value)
{
}

TEST_F(cli_value, reaches_the_config)
{
	EXPECT_EQ(variant->withheld, self->cfg.withheld);
	EXPECT_EQ(variant->force_tsc_stable, self->cfg.force_tsc_stable);
	EXPECT_EQ(variant->idle_poll_ns >= 0, self->cfg.idle_poll_given);
	if (variant->idle_poll_ns >= 0)
		EXPECT_EQ(variant->idle_poll_ns, self->cfg.idle_poll_ns);
	EXPECT_EQ(variant->cr3_cache, self->cfg.cr3_cache);
}

TEST_HARNESS_MAIN

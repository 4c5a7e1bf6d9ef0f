// SPDX-License-Identifier: GPL-2.0
/*
 * The command line: cli__parse on an argv built from the input (NUL
 * separates the arguments), with an error buffer of the input's size, and
 * the value parsers on each argument. A configuration it accepts is one
 * hpv can run with (the ranges --help gives); a refusal always says why.
 */
#include <string.h>

#include "fuzz_input.h"
#include "hpv/cli.h"
#include "hpv/kvm.h"
#include "hpv/pv.h"

#define MAX_ARGS 64

static bool in_argv(const char *p, char **argv, int argc)
{
	for (int i = 1; i < argc; i++)
		if (p == argv[i])
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2] = { "hpv" }, *buf, *err;
	struct fuzz_in in = { data, size };
	unsigned long errlen = 1 + fuzz_in__u8(&in);
	struct hpv_config cfg;
	int argc = 1, ret;

	/* the arguments, NUL-terminated in one buffer of exactly their size */
	buf = malloc(in.n + 1);
	err = malloc(errlen);
	fuzz__check(buf && err, "malloc");
	memcpy(buf, in.p, in.n);
	buf[in.n] = 0;
	for (char *p = buf; p <= buf + in.n && argc <= MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;

	memset(err, 'x', errlen);
	ret = cli__parse(argc, argv, &cfg, err, errlen);
	if (ret) {
		fuzz__check(memchr(err, 0, errlen), "error message not terminated");
		fuzz__check(errlen == 1 || err[0], "refused without a reason");
	} else if (!cfg.help) {
		fuzz__check(cfg.kernel && in_argv(cfg.kernel, argv, argc), "no kernel");
		fuzz__check(!cfg.initrd || in_argv(cfg.initrd, argv, argc), "initrd from nowhere");
		fuzz__check(cfg.cmdline && (in_argv(cfg.cmdline, argv, argc) ||
					    !strcmp(cfg.cmdline, "console=ttyS0")),
			    "command line from nowhere");
		fuzz__check(cfg.cpus >= 1 && cfg.cpus <= HPV_MAX_CPUS, "--cpus %d", cfg.cpus);
		fuzz__check(cfg.mem >= HPV_MIN_RAM && cfg.mem <= HPV_MAX_RAM && !(cfg.mem & 0xfff),
			    "--mem %llu", (unsigned long long)cfg.mem);
		fuzz__check(cfg.hypercall_route == HPV_ROUTE_KVM || cfg.hypercall_route == HPV_ROUTE_USER,
			    "route %d", cfg.hypercall_route);
		fuzz__check(cfg.pv_timer == HPV_TIMER_LAPIC || cfg.pv_timer == HPV_TIMER_POSIX ||
				    cfg.pv_timer == HPV_TIMER_STIMER,
			    "timer %d", cfg.pv_timer);
		fuzz__check(!(cfg.withheld & ~HPV_FEATURES_ALL), "withheld 0x%x", cfg.withheld);
		fuzz__check(!cfg.stats_kv || cfg.stats, "--stats=kv without --stats");
	}

	/* the value parsers, on every argument */
	for (int i = 1; i < argc; i++) {
		unsigned long n;
		uint64_t sz;
		uint32_t bits;

		if (!cli__parse_uint(argv[i], HPV_MAX_CPUS, &n))
			fuzz__check(n <= HPV_MAX_CPUS, "%lu above its maximum", n);
		if (!cli__parse_size(argv[i], &sz))
			fuzz__check(!(sz & 0x3ff), "size %llu is not whole KiB", (unsigned long long)sz);
		if (!cli__parse_features(argv[i], &bits))
			fuzz__check(bits && !(bits & ~HPV_FEATURES_ALL), "features 0x%x", bits);
	}
	free(buf);
	free(err);
	return 0;
}

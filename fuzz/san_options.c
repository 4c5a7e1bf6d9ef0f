// SPDX-License-Identifier: GPL-2.0
/*
 * Linked into build/asan/hpv, build/tsan/hpv and their host tests (not
 * the fuzz targets, whose runner sets its own): the sanitizers' defaults,
 * so that the binaries are drop-ins for build/hpv wherever they run (the
 * nested harness's L1 host has no way to pass an environment). The first
 * report ends the process with status 99, which no hpv path uses for
 * itself; leaks are reported at exit. ThreadSanitizer is told not to
 * keep its shadow out of core dumps: that needs madvise(), which the L1
 * host's kernel (tinyconfig) does not have, and it gives up without it.
 * ASAN_OPTIONS and the like still override these.
 */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);
const char *__lsan_default_options(void);
const char *__tsan_default_options(void);

const char *__asan_default_options(void)
{
	return "halt_on_error=1:abort_on_error=0:exitcode=99:detect_leaks=1:print_summary=1";
}

const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:abort_on_error=0:exitcode=99:print_stacktrace=1";
}

const char *__lsan_default_options(void)
{
	return "exitcode=99";
}

const char *__tsan_default_options(void)
{
	return "halt_on_error=1:abort_on_error=0:exitcode=99:second_deadlock_stack=1:"
	       "use_madv_dontdump=0";
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The guest found hybridpv the way the VMM offered it: the CPUID leaves,
 * /sys/hypervisor, a hypercall page that answers as documented, the pvclock.
 * HPV_EXPECT_HYBRIDPV says what to expect: "on"; "nopvclock" (booted with
 * hybridpv=nopvclock); "off" (offered, but booted with hybridpv=off);
 * "absent" (hpv --no-hybridpv: no leaves at all).
 */
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest.h"
#include "hybridpv.h"

/* Make hypercall "call" through debugfs; returns its result in *ret. */
static int hypercall(const char *call, long *ret)
{
	const char *path = "/sys/kernel/debug/hybridpv/hypercall";
	char buf[64] = "";
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	if (fputs(call, f) < 0 || fflush(f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	*ret = strtol(buf, NULL, 10);
	return 0;
}

#define STR(x) #x
#define XSTR(x) STR(x)

/* Every hypercall answers as docs/abi.md says, and the guest goes on. */
static const struct {
	const char *call;
	long want;
} calls[] = {
	{ "0", 0 },                        /* HPV_HC_NOP */
	{ "1", HPV_ABI_VERSION },          /* HPV_HC_ABI_VERSION */
	{ "0 1 2 3 4", 0 },                /* arguments are ignored */
	{ XSTR(HPV_NR_HYPERCALLS), -HPV_ENOSYS }, /* first unallocated number */
	{ "2 1 0 0 16", -HPV_EINVAL },     /* SEND_IPI to vector 16: an exception */
	{ "3 1 16", -HPV_EINVAL },         /* SET_TIMER with vector 16 */
	{ "last", -HPV_ENOSYS },           /* last slot of the page (stride from CPUID) */
	{ "1", HPV_ABI_VERSION },          /* still answering */
};

static int read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return 0;
}

int main(void)
{
	const char *env = getenv("HPV_EXPECT_HYBRIDPV");
	unsigned int eax, ebx, ecx, edx;
	char sig[13] = "", type[64] = "", features[256] = "";
	int offered, on;

	ksft_print_header();
	if (!env)
		ksft_exit_skip("HPV_EXPECT_HYBRIDPV not set\n");
	on = !strcmp(env, "on") || !strcmp(env, "nopvclock");
	ksft_set_plan(on ? 4 + (int)(sizeof(calls) / sizeof(calls[0])) : 4);

	__cpuid(HPV_CPUID_SIGNATURE, eax, ebx, ecx, edx);
	memcpy(sig, &ebx, 4);
	memcpy(sig + 4, &ecx, 4);
	memcpy(sig + 8, &edx, 4);
	offered = !strcmp(sig, HPV_SIGNATURE);
	ksft_print_msg("CPUID 0x40000000: '%s', max leaf 0x%x\n", sig, eax);
	if (offered) {
		__cpuid(HPV_CPUID_FEATURES, eax, ebx, ecx, edx);
		ksft_print_msg("ABI %u, features 0x%x\n", eax, ebx);
	}

	read_file("/sys/hypervisor/type", type, sizeof(type));
	read_file("/sys/hypervisor/features", features, sizeof(features));
	ksft_print_msg("/sys/hypervisor/type: %s", type[0] ? type : "(none)\n");

	if (on) {
		ksft_test_result(offered && eax == HPV_ABI_VERSION &&
				 (ebx & HPV_FEATURE_HYPERCALL_PAGE),
				 "CPUID offers ABI %d with a hypercall page\n", HPV_ABI_VERSION);
		ksft_test_result(!strcmp(type, "hybridpv\n"), "/sys/hypervisor/type is hybridpv\n");
		ksft_test_result(strstr(features, "hypercall_page on") != NULL,
				 "the hypercall page answered the version hypercall\n");
		if (!strcmp(env, "on"))
			ksft_test_result((ebx & HPV_FEATURE_PVCLOCK) && strstr(features, "pvclock on"),
					 "the pvclock is offered and in use\n");
		else
			ksft_test_result((ebx & HPV_FEATURE_PVCLOCK) && strstr(features, "pvclock off"),
					 "the pvclock is offered, and off as asked\n");
		__cpuid(HPV_CPUID_HYPERCALL, eax, ebx, ecx, edx);
		for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
			const char *call = calls[i].call;
			char last[16];
			long ret = 0;
			int err;

			if (!strcmp(call, "last")) {
				snprintf(last, sizeof(last), "%u", ecx ? 4096 / ecx - 1 : 0);
				call = last;
			}
			err = hypercall(call, &ret);

			ksft_test_result(!err && ret == calls[i].want, "hypercall '%s' -> %ld (want %ld)\n",
					 call, ret, calls[i].want);
		}
	} else {
		int want_offered = !strcmp(env, "off");

		ksft_test_result(offered == want_offered, "hybridpv leaves %s\n",
				 want_offered ? "offered" : "hidden");
		ksft_test_result(strcmp(type, "hybridpv\n") != 0, "/sys/hypervisor/type is not hybridpv\n");
		ksft_test_result(strstr(features, "hypercall_page on") == NULL, "no hypercall page in use\n");
		ksft_test_result(strstr(features, "pvclock on") == NULL, "no pvclock in use\n");
	}
	ksft_finished();
}

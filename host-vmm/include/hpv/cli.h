/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HPV_CLI_H
#define HPV_CLI_H

#include <stdbool.h>
#include <stdint.h>

#define HPV_MAX_CPUS 255 /* xAPIC ids in the MADT */
#define HPV_MAX_IDLE_POLL_NS 1000000 /* a millisecond: past it a halt is cheaper */
#define HPV_MAX_CR3_CACHE 15 /* KVM's slots for previous roots (our KVM patch) */

struct hpv_config {
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	int cpus;
	uint64_t mem;
	bool stats;
	bool stats_kv;       /* --stats=kv: key=value lines */
	bool hybridpv;
	bool sandbox;        /* seccomp allowlist once set up (--no-sandbox) */
	int hypercall_route; /* enum hpv_route */
	uint32_t withheld;   /* HPV_FEATURE_* bits not to offer */
	int pv_timer;        /* enum hpv_timer_route: what fires the paravirtual timer */
	bool force_tsc_stable; /* --pvclock-stable force */
	bool idle_poll_given;  /* --idle-poll NS; else auto */
	uint32_t idle_poll_ns;
	uint32_t cr3_cache;    /* --cr3-cache N; 0: the most KVM keeps */
	bool help;
};

/*
 * Parse argv into cfg. Returns 0, or -EINVAL with a one-line reason in err.
 */
int cli__parse(int argc, char **argv, struct hpv_config *cfg, char *err, unsigned long errlen);
/* "512M", "2G", "65536K", plain numbers are MiB. -EINVAL if malformed. */
int cli__parse_size(const char *s, uint64_t *out);
int cli__parse_uint(const char *s, unsigned long max, unsigned long *out);
/* "pvipi,pvtlb": the HPV_FEATURE_* bits named; -EINVAL on an unknown name. */
int cli__parse_features(const char *s, uint32_t *out);
extern const char cli__usage[];

#endif

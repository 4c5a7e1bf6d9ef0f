/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --stats output in two forms: text for people ("hpv: stats: ..." lines
 * and per-vCPU tables), and key=value lines for scripts ("hpv-stat:
 * KEY=VALUE", per-vCPU keys as "vcpuN.KEY"). Each module writes both
 * through these calls; each call writes only in its form.
 */
#ifndef HPV_REPORT_H
#define HPV_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum report_format { REPORT_TEXT, REPORT_KV };

struct report {
	FILE *f;
	enum report_format format;
	int nr_cpus;
};

/* Text form: one line after "hpv: stats: ". */
void report__text(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Key=value form: "hpv-stat: KEY=VALUE". */
void report__kv(struct report *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void report__kv_u64(struct report *r, const char *key, uint64_t v);
/*
 * One counter per vCPU: a table row in text, vcpuN.KEY in key=value form.
 * vCPU i's value is the 64-bit word at first + i * stride (a field of a
 * module's per-vCPU array); a signed row prints it as int64_t.
 */
void report__vcpu_row(struct report *r, const char *label, const char *key, const void *first,
		      size_t stride);
void report__vcpu_row_signed(struct report *r, const char *label, const char *key,
			     const void *first, size_t stride);

#endif

// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <string.h>

#include "hpv/report.h"

void report__text(struct report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->format != REPORT_TEXT)
		return;
	fputs("hpv: stats: ", r->f);
	va_start(ap, fmt);
	vfprintf(r->f, fmt, ap);
	va_end(ap);
	fputc('\n', r->f);
}

void report__kv(struct report *r, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (r->format != REPORT_KV)
		return;
	fprintf(r->f, "hpv-stat: %s=", key);
	va_start(ap, fmt);
	vfprintf(r->f, fmt, ap);
	va_end(ap);
	fputc('\n', r->f);
}

void report__kv_u64(struct report *r, const char *key, uint64_t v)
{
	report__kv(r, key, "%llu", (unsigned long long)v);
}

static void report__row(struct report *r, const char *label, const char *key, const void *first,
			size_t stride, bool is_signed)
{
	const char *p = first;

	if (r->format == REPORT_TEXT)
		fprintf(r->f, "%-24s", label);
	for (int i = 0; i < r->nr_cpus; i++, p += stride) {
		uint64_t v;

		memcpy(&v, p, sizeof(v));
		if (r->format == REPORT_KV && is_signed)
			fprintf(r->f, "hpv-stat: vcpu%d.%s=%lld\n", i, key, (long long)v);
		else if (r->format == REPORT_KV)
			fprintf(r->f, "hpv-stat: vcpu%d.%s=%llu\n", i, key, (unsigned long long)v);
		else if (is_signed)
			fprintf(r->f, " %14lld", (long long)v);
		else
			fprintf(r->f, " %14llu", (unsigned long long)v);
	}
	if (r->format == REPORT_TEXT)
		fputc('\n', r->f);
}

void report__vcpu_row(struct report *r, const char *label, const char *key, const void *first,
		      size_t stride)
{
	report__row(r, label, key, first, stride, false);
}

void report__vcpu_row_signed(struct report *r, const char *label, const char *key,
			     const void *first, size_t stride)
{
	report__row(r, label, key, first, stride, true);
}

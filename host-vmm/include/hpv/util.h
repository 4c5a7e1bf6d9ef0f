/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HPV_UTIL_H
#define HPV_UTIL_H

#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))

/* One line on stderr, prefixed "hpv: ". */
void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Whole file into a malloc'd buffer; -errno on failure, message printed. */
int read_file(const char *what, const char *path, void **buf, uint64_t *size);

#endif

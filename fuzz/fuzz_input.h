/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzz input as a stream of little-endian fields: every target decodes
 * its operations from it, and an exhausted input reads as zeros, so any
 * byte string is a valid input.
 */
#ifndef HPV_FUZZ_INPUT_H
#define HPV_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline bool fuzz_in__empty(const struct fuzz_in *in)
{
	return !in->n;
}

static inline uint64_t fuzz_in__bytes(struct fuzz_in *in, int nbytes)
{
	uint64_t v = 0;

	for (int i = 0; i < nbytes && in->n; i++, in->n--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

static inline uint8_t fuzz_in__u8(struct fuzz_in *in)
{
	return fuzz_in__bytes(in, 1);
}

static inline uint16_t fuzz_in__u16(struct fuzz_in *in)
{
	return fuzz_in__bytes(in, 2);
}

static inline uint32_t fuzz_in__u32(struct fuzz_in *in)
{
	return fuzz_in__bytes(in, 4);
}

static inline uint64_t fuzz_in__u64(struct fuzz_in *in)
{
	return fuzz_in__bytes(in, 8);
}

/* A 64-bit value with its edges likely: random bits rarely hit them. */
static inline uint64_t fuzz_in__edgy(struct fuzz_in *in)
{
	uint8_t sel = fuzz_in__u8(in);

	switch (sel % 8) {
	case 0: return 0;
	case 1: return fuzz_in__u8(in);
	case 2: return UINT64_MAX - fuzz_in__u8(in);
	case 3: return (1ULL << 63) + (int8_t)fuzz_in__u8(in);
	case 4: return (1ULL << (sel / 8 % 64)) + (int8_t)fuzz_in__u8(in);
	case 5: return fuzz_in__u32(in);
	default: return fuzz_in__u64(in);
	}
}

/* A failed oracle: say which, and crash so that the fuzzer keeps the input. */
#define fuzz__check(cond, ...)                                                    \
	do {                                                                      \
		if (!(cond)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                             \
			fputc('\n', stderr);                                      \
			abort();                                                  \
		}                                                                 \
	} while (0)

#endif

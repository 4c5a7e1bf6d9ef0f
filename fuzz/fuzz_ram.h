/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest RAM for the fuzz targets, mapped as hpv maps it (anonymous, not
 * reserved) between two inaccessible guard regions, so that an access
 * past either end faults. One mapping per size for the whole run: a fresh
 * one per input would cost a page fault for every page the input touches,
 * most of the time an input takes. Instead the pages an input dirtied
 * are zeroed after it (every input starts on zeroed RAM, as the first
 * did), or, past FUZZ_RAM_DIRTY of them, the whole mapping is replaced.
 */
#ifndef HPV_FUZZ_RAM_H
#define HPV_FUZZ_RAM_H

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz_input.h"

#define FUZZ_RAM_GUARD (1ULL << 30)
#define FUZZ_RAM_PAGE  4096ULL
#define FUZZ_RAM_DIRTY 256
#define FUZZ_RAM_SIZES 8

struct fuzz_ram {
	uint8_t *base;
	uint64_t size;
	uint8_t *dirty[FUZZ_RAM_DIRTY];
	int nr_dirty; /* FUZZ_RAM_DIRTY + 1: too many, remap */
};

static inline uint8_t *fuzz_ram__map(uint64_t size)
{
	uint8_t *p = mmap(NULL, size + 2 * FUZZ_RAM_GUARD, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	fuzz__check(p != MAP_FAILED, "cannot reserve %llu MiB", (unsigned long long)(size >> 20));
	fuzz__check(!mprotect(p + FUZZ_RAM_GUARD, size, PROT_READ | PROT_WRITE), "mprotect");
	return p + FUZZ_RAM_GUARD;
}

static inline void fuzz_ram__unmap(uint8_t *ram, uint64_t size)
{
	munmap(ram - FUZZ_RAM_GUARD, size + 2 * FUZZ_RAM_GUARD);
}

/* Zeroed RAM of this size, mapped on first use. */
static inline struct fuzz_ram *fuzz_ram__get(uint64_t size)
{
	static struct fuzz_ram rams[FUZZ_RAM_SIZES];

	for (int i = 0; i < FUZZ_RAM_SIZES; i++) {
		struct fuzz_ram *r = &rams[i];

		if (!r->base) {
			r->base = fuzz_ram__map(size);
			r->size = size;
		}
		if (r->size == size)
			return r;
	}
	fuzz__check(0, "more than %d RAM sizes", FUZZ_RAM_SIZES);
	return NULL;
}

/* [p, p + len) in RAM was written: zero it after the input. */
static inline void fuzz_ram__dirty(struct fuzz_ram *r, const void *p, uint64_t len)
{
	uint8_t *page = (uint8_t *)((uintptr_t)p & ~(FUZZ_RAM_PAGE - 1));

	for (; page < (const uint8_t *)p + len; page += FUZZ_RAM_PAGE) {
		if (r->nr_dirty >= FUZZ_RAM_DIRTY) {
			r->nr_dirty = FUZZ_RAM_DIRTY + 1;
			return;
		}
		r->dirty[r->nr_dirty++] = page;
	}
}

/* Every page back to the kernel (and zero when next touched). */
static inline void fuzz_ram__drop(struct fuzz_ram *r)
{
	madvise(r->base, r->size, MADV_DONTNEED);
	r->nr_dirty = 0;
}

static inline void fuzz_ram__clean(struct fuzz_ram *r)
{
	if (r->nr_dirty > FUZZ_RAM_DIRTY) {
		fuzz_ram__unmap(r->base, r->size);
		r->base = fuzz_ram__map(r->size);
	} else {
		for (int i = 0; i < r->nr_dirty; i++)
			memset(r->dirty[i], 0, FUZZ_RAM_PAGE);
	}
	r->nr_dirty = 0;
}

#endif

// SPDX-License-Identifier: GPL-2.0
/* What libc would give: the console, formatting, memory, a PRNG. */
#include "hostile.h"

#define COM1 0x3f8

static volatile uint32_t con_lock_word;

void con_lock(void)
{
	while (__atomic_exchange_n(&con_lock_word, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
}

void con_unlock(void)
{
	__atomic_store_n(&con_lock_word, 0, __ATOMIC_RELEASE);
}

/* hpv's THR takes a byte at once (LSR.THRE is always set): no polling,
 * and a whole line in one string OUT, one exit */
void con_write(const char *s, size_t n)
{
	asm volatile("rep outsb" : "+S"(s), "+c"(n) : "d"(COM1) : "memory");
}

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;

	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct out *o, uint64_t v, unsigned int base, int width, char pad, bool neg)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		put(o, pad);
	while (n)
		put(o, tmp[--n]);
}

/* %d %i %u %x %s %c %p %%, with l/ll/z and a zero-padded width */
int vsformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		int width = 0, lng = 0;
		char pad = ' ';
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			put_num(&o, s < 0 ? -(uint64_t)s : (uint64_t)s, 10, width, pad, s < 0);
			break;
		case 'u':
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			put_num(&o, u, 10, width, pad, false);
			break;
		case 'x':
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			put_num(&o, u, 16, width, pad, false);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uint64_t)va_arg(ap, void *), 16, width, pad, false);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);

			for (; str && *str; str++)
				put(&o, *str);
			break;
		}
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, *fmt);
			break;
		}
	}
	if (o.size)
		o.buf[o.len < o.size ? o.len : o.size - 1] = '\0';
	return (int)o.len;
}

int sformat(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsformat(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* One line on the console, never torn by another CPU's output. */
void say(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsformat(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	con_lock();
	con_write(line, n);
	con_unlock();
}

/*
 * The image itself went wrong (not hpv): say so and end with a status
 * the harness recognises by the line, not by the number.
 */
void guest_fail(const char *fmt, ...)
{
	char line[200];
	va_list ap;

	irq_off();
	va_start(ap, fmt);
	vsformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* the lock may be held by the code that faulted: wait a while only */
	for (int i = 0; i < 1000000 && __atomic_load_n(&con_lock_word, __ATOMIC_RELAXED); i++)
		cpu_relax();
	con_write("\nhostile: GUEST FAILURE: ", 25);
	con_write(line, strlen(line));
	con_write("\n", 1);
	outl(0xf4, 125);
	for (;;)
		asm volatile("cli; hlt");
}

/* xorshift64*: small, good enough, one stream per CPU */
uint64_t rnd(struct cpu *c)
{
	uint64_t x = c->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

uint64_t rnd_below(struct cpu *c, uint64_t n)
{
	return n ? rnd(c) % n : 0;
}

void seed_rng(struct cpu *c, uint64_t seed)
{
	/* splitmix64 of seed and CPU: distinct, never-zero states */
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (c->id + 1);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	c->rng = z ? z : 1;
}

/* Values that break arithmetic: edges of the integer types, powers of two. */
uint64_t rnd_wild(struct cpu *c)
{
	uint64_t p = 1ULL << rnd_below(c, 64);

	switch (rnd_below(c, 10)) {
	case 0: return 0;
	case 1: return ~0ULL - rnd_below(c, 3);
	case 2: return (1ULL << 63) - 1 + rnd_below(c, 3);
	case 3: return 0xffffffffULL + rnd_below(c, 3) - 1;
	case 4: return p;
	case 5: return p - 1;
	case 6: return p + 1;
	case 7: return rnd_below(c, 4096);
	default: return rnd(c);
	}
}
